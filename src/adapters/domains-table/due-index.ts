/**
 * The due-time index: a domain whose next check is due has index keys `DUE#<shard>` and
 * `<iso time>#<id>` (table-keys.ts), so the scheduler finds what is due with one Query per shard.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as v from 'valibot';
import { ddb, tableName } from '../dynamodb-client.js';
import { parseItem, read } from '../table-io.js';
import { domainKey, dueKey, duePartition, dueUpTo, INDEX } from '../table-keys.js';
import { STORE, updateDomainIf } from './item.js';

export interface DueDomain {
  readonly teamId: string;
  readonly id: string;
  /** The index sort key read, used to lease the entry without racing another writer. */
  readonly dueSortKey: string;
}

const DueEntrySchema = v.object({ teamId: v.string(), id: v.string(), [INDEX.sk]: v.string() });

/** One page of domains due at or before `now` in one shard of the due-time index. */
export async function queryDue(
  shard: number,
  now: number,
  limit: number,
  startKey?: Record<string, unknown>,
): Promise<{ due: DueDomain[]; next?: Record<string, unknown>; itemsRead: number }> {
  const out = await read(STORE, () =>
    ddb.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: INDEX.name,
        KeyConditionExpression: `${INDEX.pk} = :pk AND ${INDEX.sk} <= :now`,
        ExpressionAttributeValues: { ':pk': duePartition(shard), ':now': dueUpTo(now) },
        ProjectionExpression: `teamId, id, ${INDEX.sk}`,
        Limit: limit,
        ExclusiveStartKey: startKey,
      }),
    ),
  );
  const due = (out.Items ?? []).map((item) => {
    const entry = parseItem(DueEntrySchema, item, 'Domain due entry');
    return { teamId: entry.teamId, id: entry.id, dueSortKey: entry[INDEX.sk] };
  });
  return { due, next: out.LastEvaluatedKey, itemsRead: out.Count ?? due.length };
}

/**
 * Moves a due entry forward by the lease before its check is queued, unless someone else changed
 * it since it was read (false then). If the queued check is lost, it falls due again after the lease.
 */
export async function leaseDue(d: DueDomain, until: number): Promise<boolean> {
  const item = await updateDomainIf({
    Key: domainKey(d.teamId, d.id),
    UpdateExpression: `SET ${INDEX.sk} = :next`,
    ConditionExpression: `${INDEX.sk} = :read`,
    ExpressionAttributeValues: { ':next': dueKey(d.id, until)[INDEX.sk], ':read': d.dueSortKey },
  });
  return item !== null;
}
