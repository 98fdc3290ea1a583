/** Reads of a team's domains: one by id, all of them, or one page in id order. */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Domain } from '../../domain/domain.js';
import { ddb, tableName } from '../dynamodb-client.js';
import { queryAll, read } from '../table-io.js';
import { domainKey, KEY_PREFIX, PK, SK, teamPartition } from '../table-keys.js';
import { fromItem, STORE } from './item.js';

export async function getDomain(teamId: string, id: string): Promise<Domain | null> {
  const out = await read(STORE, () => ddb.send(new GetCommand({ TableName: tableName, Key: domainKey(teamId, id) })));
  return out.Item ? fromItem(out.Item) : null;
}

/** One Query of a team's domains, in id order (ids are time-ordered UUIDs, so oldest first). */
function queryDomainsPage(teamId: string, startKey?: Record<string, unknown>, limit?: number) {
  return ddb.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: `${PK} = :pk AND begins_with(${SK}, :sk)`,
      ExpressionAttributeValues: { ':pk': teamPartition(teamId), ':sk': KEY_PREFIX.domain },
      ExclusiveStartKey: startKey,
      Limit: limit,
    }),
  );
}

/** Every domain of a team, oldest first (one Query per page of 1 MB). */
export async function listDomains(teamId: string): Promise<Domain[]> {
  const items = await queryAll(STORE, (startKey) => queryDomainsPage(teamId, startKey));
  return items.map(fromItem);
}

/**
 * One page of a team's domains, oldest first, after `afterId` if given: one Query for `limit + 1`
 * items, the extra one only telling whether more follow.
 */
export async function listDomainsPage(
  teamId: string,
  limit: number,
  afterId?: string,
): Promise<{ domains: Domain[]; hasMore: boolean }> {
  const out = await read(STORE, () =>
    queryDomainsPage(teamId, afterId ? domainKey(teamId, afterId) : undefined, limit + 1),
  );
  const items = (out.Items ?? []).map(fromItem);
  return { domains: items.slice(0, limit), hasMore: items.length > limit };
}
