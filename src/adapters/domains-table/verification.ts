/**
 * A domain's verification state: `verifying` while a check is queued, each check's outcome (with
 * the status change it makes, kept until published), and the release of a domain never verified
 * in time (see schedule.ts).
 */
import { TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as v from 'valibot';
import type { RecordCheck } from '../../domain/dns-records.js';
import { DOMAIN_STATUSES, type Domain, type DomainStatus } from '../../domain/domain.js';
import { statusChangedEvent } from '../../domain/domain-events.js';
import { VERIFYING_LEASE_MS } from '../../domain/schedule.js';
import type { StatusChange } from '../../domain/status-change.js';
import { ddb, tableName } from '../dynamodb-client.js';
import { statusChangeItem } from '../status-history-table.js';
import { ConditionFailed, InvalidWriteError, type Item, parseItem, write } from '../table-io.js';
import { domainKey, dueKey, INDEX, ITEM_EXISTS } from '../table-keys.js';
import { putWebhookEvent } from '../webhook-events.js';
import { eventSeqStep } from './event-seq.js';
import { fromItem, STORE, updateDomainIf } from './item.js';

export type MarkVerifyingResult =
  | { readonly outcome: 'marked'; readonly domain: Domain; readonly previousStatus: DomainStatus }
  | { readonly outcome: 'already_verifying'; readonly domain: Domain }
  | { readonly outcome: 'not_found' };

const MarkedSchema = v.object({ previousStatus: v.picklist(DOMAIN_STATUSES) });
const marked = (item: Item): MarkVerifyingResult => ({
  outcome: 'marked',
  domain: fromItem(item),
  previousStatus: parseItem(MarkedSchema, item, 'Domain').previousStatus,
});

/** Sets `verifying` unless a check is already in flight; remembers the status to go back to. */
export async function markVerifying(teamId: string, id: string, now: string): Promise<MarkVerifyingResult> {
  // Due again after the lease: if the queued check is lost, the scheduler queues it once more.
  const lease = dueKey(id, Date.parse(now) + VERIFYING_LEASE_MS);
  const out = await write(STORE, () =>
    ddb.send(
      new UpdateCommand({
        TableName: tableName,
        Key: domainKey(teamId, id),
        UpdateExpression: `SET #s = :verifying, previousStatus = #s, verifyRequestedAt = :now, ${INDEX.pk} = :duePk, ${INDEX.sk} = :dueSk`,
        ConditionExpression: `${ITEM_EXISTS} AND ready = :true AND #s <> :verifying AND attribute_not_exists(releasing)`,
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: {
          ':verifying': 'verifying',
          ':true': true,
          ':now': now,
          ':duePk': lease[INDEX.pk],
          ':dueSk': lease[INDEX.sk],
        },
        ReturnValues: 'ALL_NEW',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    ),
  );
  if (!(out instanceof ConditionFailed)) return marked(out.Attributes ?? {});
  const old = out.old();
  // Our own write, whose answer was lost and which the SDK sent again: it is marked, and this request queues the check.
  if (old && old.ready === true && old.status === 'verifying' && old.verifyRequestedAt === now) return marked(old);
  if (old && old.ready === true && old.status === 'verifying')
    return { outcome: 'already_verifying', domain: fromItem(old) };
  return { outcome: 'not_found' };
}

/**
 * Undoes `markVerifying` when the check could not be queued (only if nothing else changed it). The
 * due-time lease stays: the scheduler checks the domain when it expires, which also puts it back
 * on its regular schedule.
 */
export async function revertVerifying(teamId: string, id: string, previousStatus: DomainStatus): Promise<void> {
  await updateDomainIf({
    Key: domainKey(teamId, id),
    UpdateExpression: 'SET #s = :prev REMOVE previousStatus',
    ConditionExpression: `${ITEM_EXISTS} AND #s = :verifying`,
    ExpressionAttributeNames: { '#s': 'status' },
    ExpressionAttributeValues: { ':prev': previousStatus, ':verifying': 'verifying' },
  });
}

export interface CheckResult {
  readonly status: Exclude<DomainStatus, 'verifying'>;
  readonly checkedAt: string;
  readonly recordChecks: Readonly<Record<string, RecordCheck>>;
  /** When to check again (ms since epoch); null takes the domain out of the schedule. */
  readonly nextCheckAt: number | null;
  /** Starts a new 72-hour window (a verified domain that lost a record). */
  readonly restartWindowAt?: string;
  /** Set when the status changes: recorded in the history in the same transaction. */
  readonly change?: StatusChange;
}

export type WriteOutcome = 'written' | 'deleted' | 'changed';

/**
 * Writes a check's outcome only if the domain still exists (a deleted domain is never
 * resurrected) and still has the status the check started from (otherwise `changed`: re-read and
 * decide again). `verified_at` is set on entering `verified` and cleared on leaving it. A status
 * change is written to the history, kept on the item as `pendingEvent` until it is published, and
 * recorded as a `domain.status_changed` webhook event, all in the same transaction; another event
 * written since `d` was read is `changed` too. `rejected` when DynamoDB refuses the write as invalid,
 * which no retry can change.
 */
export async function writeCheckResult(d: Domain, result: CheckResult): Promise<WriteOutcome | 'rejected'> {
  const due = result.nextCheckAt === null ? null : dueKey(d.id, result.nextCheckAt);
  const set = ['#s = :status', 'lastCheckedAt = :at', 'recordChecks = :checks'];
  const remove = ['previousStatus'];
  const values: Record<string, unknown> = {
    ':status': result.status,
    ':at': result.checkedAt,
    ':checks': result.recordChecks,
    ':expected': d.status,
    ':rev': d.settingsRev,
  };
  // everVerified stays once set: a domain verified even once is never released (see schedule.ts).
  if (result.status === 'verified') {
    set.push('verifiedAt = if_not_exists(verifiedAt, :at)', 'everVerified = :true');
    values[':true'] = true;
  } else remove.push('verifiedAt');
  if (due) {
    set.push(`${INDEX.pk} = :duePk`, `${INDEX.sk} = :dueSk`);
    values[':duePk'] = due[INDEX.pk];
    values[':dueSk'] = due[INDEX.sk];
  } else remove.push(INDEX.pk, INDEX.sk);
  if (result.restartWindowAt) {
    set.push('verifyRequestedAt = :window');
    values[':window'] = result.restartWindowAt;
  }
  if (result.change) {
    set.push('pendingEvent = :event');
    values[':event'] = { ...result.change, failingRecords: result.change.failingRecords.map((r) => ({ ...r })) };
  }
  const seq = eventSeqStep(d);
  const event = statusChangedEvent(d, checkApplied(d, result, seq.next), seq.next, result.checkedAt);
  if (event) {
    set.push(seq.set);
    Object.assign(values, seq.values);
  }
  const update = {
    TableName: tableName,
    Key: domainKey(d.teamId, d.id),
    UpdateExpression: `SET ${set.join(', ')} REMOVE ${remove.join(', ')}`,
    // Written only over the status and the settings the check read: a PATCH meanwhile makes it decide again.
    ConditionExpression: `${ITEM_EXISTS} AND #s = :expected AND (attribute_not_exists(settingsRev) OR settingsRev = :rev)${event ? ` AND ${seq.condition}` : ''}`,
    ExpressionAttributeNames: { '#s': 'status' },
    ExpressionAttributeValues: values,
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
  };
  const change = result.change;
  try {
    const out = await write<unknown>(STORE, () =>
      change || event
        ? ddb.send(
            new TransactWriteCommand({
              TransactItems: [
                { Update: update },
                ...(change ? [{ Put: { TableName: tableName, Item: statusChangeItem(change) } }] : []),
                ...(event ? [putWebhookEvent(tableName, event)] : []),
              ],
            }),
          )
        : ddb.send(new UpdateCommand(update)),
    );
    if (out instanceof ConditionFailed) return out.old() ? 'changed' : 'deleted';
    return 'written';
  } catch (err) {
    // Above all an item past 400 KB, refused again on every retry: `rejected` lets the caller store a
    // smaller result instead of failing the message for ever.
    if (err instanceof InvalidWriteError) return 'rejected';
    throw err;
  }
}

/** `d` as `result` leaves it, which a status change event shows. */
function checkApplied(d: Domain, result: CheckResult, eventSeq: number): Domain {
  const verified = result.status === 'verified';
  return {
    ...d,
    status: result.status,
    lastCheckedAt: result.checkedAt,
    recordChecks: result.recordChecks,
    verifiedAt: verified ? (d.verifiedAt ?? result.checkedAt) : null,
    everVerified: d.everVerified || verified,
    previousStatus: null,
    verifyRequestedAt: result.restartWindowAt ?? d.verifyRequestedAt,
    pendingEvent: result.change ?? d.pendingEvent,
    eventSeq,
  };
}

/** Forgets a status change once its event is published (only that change: a newer one stays). */
export async function clearPendingEvent(d: Domain, at: string): Promise<void> {
  await updateDomainIf({
    Key: domainKey(d.teamId, d.id),
    UpdateExpression: 'REMOVE pendingEvent',
    ConditionExpression: `${ITEM_EXISTS} AND pendingEvent.#at = :at`,
    ExpressionAttributeNames: { '#at': 'at' },
    ExpressionAttributeValues: { ':at': at },
  });
}

/**
 * Starts releasing a domain that was never verified in time (see schedule.ts): from here on no
 * verify, PATCH or create retry takes it, so the identity and the claim can go. Only while it is as
 * the caller read it (no verify request, status change or settings change since) and no create or
 * PATCH holds it; false otherwise.
 */
export async function markReleasing(d: Domain, now: number): Promise<boolean> {
  const item = await updateDomainIf({
    Key: domainKey(d.teamId, d.id),
    UpdateExpression: 'SET releasing = :true',
    ConditionExpression:
      `${ITEM_EXISTS} AND #s = :status AND attribute_not_exists(everVerified) AND attribute_not_exists(verifiedAt)` +
      ' AND (ready = :true OR leaseUntil < :now)' +
      ' AND (attribute_not_exists(updateLeaseUntil) OR updateLeaseUntil < :now)' +
      (d.verifyRequestedAt === null
        ? ' AND attribute_not_exists(verifyRequestedAt)'
        : ' AND verifyRequestedAt = :requested'),
    ExpressionAttributeNames: { '#s': 'status' },
    ExpressionAttributeValues: {
      ':true': true,
      ':status': d.status,
      ':now': now,
      ...(d.verifyRequestedAt !== null && { ':requested': d.verifyRequestedAt }),
    },
  });
  return item !== null;
}
