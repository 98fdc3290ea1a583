/**
 * Removing a domain: the domain item, its name claim, its place in the team's count (and in its
 * cell's, when it took one) go together in one transaction (see claims.ts), with its
 * `domain.deleted` webhook event when the domain was ever shown, so the table never holds one
 * without the others.
 */
import { TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { cellIdOf } from '../../domain/cells.js';
import type { Domain } from '../../domain/domain.js';
import { deletedEvent } from '../../domain/domain-events.js';
import type { StatusChange } from '../../domain/status-change.js';
import { leaveCell } from '../cell-counters-table.js';
import { ddb, tableName } from '../dynamodb-client.js';
import { statusChangeItem } from '../status-history-table.js';
import { ConditionFailed, write } from '../table-io.js';
import { claimKey, domainCountKey, domainKey, ITEM_ABSENT, ITEM_EXISTS } from '../table-keys.js';
import { putWebhookEvent } from '../webhook-events.js';
import { EVENT_SEQ_ATTEMPTS, eventSeqMoved, eventSeqStep } from './event-seq.js';
import { fromItem, STORE } from './item.js';

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/**
 * Deletes the domain and its claim together; false when the domain was already gone. With
 * `leaseId`, only an unready domain still held by that create (an undo never removes a domain that
 * another create took over), and without an event: the domain was never shown.
 */
export async function deleteDomainAndClaim(
  d: Domain,
  leaseId?: string,
  at: string = new Date().toISOString(),
): Promise<boolean> {
  const onlyHeld =
    leaseId === undefined
      ? null
      : { condition: 'ready = :false AND leaseId = :lease', values: { ':false': false, ':lease': leaseId } };
  return deleteWithEvent(d, at, EVENT_SEQ_ATTEMPTS, [releaseClaim(d.domain, d.id), uncount(d.teamId), ...uncell(d)], {
    condition: onlyHeld ? `${ITEM_EXISTS} AND ${onlyHeld.condition}` : ITEM_EXISTS,
    values: onlyHeld?.values ?? {},
    withEvent: onlyHeld === null,
  });
}

/**
 * Removes a releasing domain, its claim and its place in the team's count, and records the change
 * in the history, in one transaction; false when it is gone already.
 */
export async function deleteReleasedDomain(d: Domain, change: StatusChange, at: string = change.at): Promise<boolean> {
  return deleteWithEvent(
    d,
    at,
    EVENT_SEQ_ATTEMPTS,
    [
      releaseClaim(d.domain, d.id),
      uncount(d.teamId),
      ...uncell(d),
      { Put: { TableName: tableName, Item: statusChangeItem(change) } },
    ],
    { condition: 'releasing = :true', values: { ':true': true }, withEvent: true },
  );
}

/**
 * The transaction that deletes `base`'s item (on `own.condition`) with `others`, and its event when
 * it was shown. When another event was written since `base` was read, it tries again on the item as
 * it is now: the deletion's event takes the next number.
 */
async function deleteWithEvent(
  base: Domain,
  at: string,
  attemptsLeft: number,
  others: readonly TransactItem[],
  own: { condition: string; values: Record<string, unknown>; withEvent: boolean },
): Promise<boolean> {
  const seq = eventSeqStep(base);
  const event = own.withEvent ? deletedEvent(base, seq.next, at) : null;
  const values = { ...own.values, ...(event && { ':seqRead': seq.values[':seqRead'] }) };
  const out = await write(STORE, () =>
    ddb.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Delete: {
              TableName: tableName,
              Key: domainKey(base.teamId, base.id),
              ConditionExpression: event ? `${own.condition} AND ${seq.condition}` : own.condition,
              ...(Object.keys(values).length > 0 && { ExpressionAttributeValues: values }),
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            },
          },
          ...others,
          ...(event ? [putWebhookEvent(tableName, event)] : []),
        ],
      }),
    ),
  );
  if (!(out instanceof ConditionFailed)) return true;
  const current = out.old(0);
  if (event && current && eventSeqMoved(base, current) && attemptsLeft > 1)
    return deleteWithEvent(fromItem(current), at, attemptsLeft - 1, others, own);
  return false;
}

/** Deletes the claim of `domain` only if domain `id` holds it: never release a name another domain item holds. */
function releaseClaim(domain: string, id: string) {
  return {
    Delete: {
      TableName: tableName,
      Key: claimKey(domain),
      ConditionExpression: `${ITEM_ABSENT} OR domainId = :id`,
      ExpressionAttributeValues: { ':id': id },
    },
  };
}

/** Gives the domain's place in its cell back, if it took one (see cell-counters-table.ts). */
function uncell(d: Domain): TransactItem[] {
  return d.cellCounted === true ? [leaveCell(cellIdOf(d))] : [];
}

/**
 * Takes one domain off the team's count. A team whose domains predate the count has none: it starts
 * at zero rather than going negative.
 */
function uncount(teamId: string) {
  return {
    Update: {
      TableName: tableName,
      Key: domainCountKey(teamId),
      UpdateExpression: 'SET #n = if_not_exists(#n, :one) - :one',
      ConditionExpression: 'attribute_not_exists(#n) OR #n > :zero',
      ExpressionAttributeNames: { '#n': 'domains' },
      ExpressionAttributeValues: { ':one': 1, ':zero': 0 },
    },
  };
}
