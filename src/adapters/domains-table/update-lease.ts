/**
 * The update lease: one change of a domain's settings (PATCH) runs at a time, since SES and the
 * table are changed one after the other and two interleaved changes could leave them disagreeing.
 */
import { randomUUID } from 'node:crypto';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { DkimSetup } from '../../domain/dkim.js';
import { recordsMovedBy } from '../../domain/dns-records.js';
import type { Domain } from '../../domain/domain.js';
import { updatedEvent } from '../../domain/domain-events.js';
import { ddb, tableName } from '../dynamodb-client.js';
import { ConditionFailed, write } from '../table-io.js';
import { domainKey, ITEM_EXISTS } from '../table-keys.js';
import { putWebhookEvent } from '../webhook-events.js';
import { EVENT_SEQ_ATTEMPTS, eventSeqMoved, eventSeqStep } from './event-seq.js';
import { fromItem, STORE, updateDomainIf } from './item.js';

/** How long one PATCH may hold a domain's settings before another may change them. */
export const UPDATE_LEASE_MS = 20_000;

/**
 * Takes the domain's update lease. Returns the domain as it is under the lease, and the lease's id;
 * null when it is gone, not ready, or another change holds the lease.
 */
export async function takeUpdateLease(d: Domain, now: number): Promise<{ domain: Domain; leaseId: string } | null> {
  const leaseId = randomUUID();
  const item = await updateDomainIf({
    Key: domainKey(d.teamId, d.id),
    UpdateExpression: 'SET updateLeaseUntil = :until, updateLeaseId = :lease',
    // Our own lease id passes too: the SDK's retry of this call after a lost answer is not shut out.
    ConditionExpression: `${ITEM_EXISTS} AND ready = :true AND attribute_not_exists(releasing) AND (attribute_not_exists(updateLeaseUntil) OR updateLeaseUntil < :now OR updateLeaseId = :lease)`,
    ExpressionAttributeValues: { ':until': now + UPDATE_LEASE_MS, ':now': now, ':true': true, ':lease': leaseId },
    ReturnValues: 'ALL_NEW',
  });
  return item && { domain: fromItem(item), leaseId };
}

export interface SettingsChange {
  readonly returnPath?: string;
  readonly dkim?: DkimSetup;
  /** Easy DKIM tokens that go with `dkim` (none with BYODKIM). */
  readonly dkimTokens?: readonly string[];
}

/**
 * Writes changed settings under the update lease `leaseId` and releases it, with the
 * `domain.updated` event in the same transaction; the checks of the records that changed are
 * forgotten. False when the lease was lost or the domain is gone.
 */
export async function commitUpdate(
  d: Domain,
  leaseId: string,
  change: SettingsChange,
  at: string = new Date().toISOString(),
): Promise<boolean> {
  const moved = recordsMovedBy(change);
  const attempt = async (base: Domain, hasChecks: boolean, attemptsLeft: number): Promise<boolean> => {
    const seq = eventSeqStep(base);
    // lastUpdateId lets the SDK's retry of this write, after a lost answer, find it made.
    const set = ['lastUpdateId = :lease', 'settingsRev = if_not_exists(settingsRev, :zero) + :one', seq.set];
    const remove = ['updateLeaseUntil', 'updateLeaseId'];
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':zero': 0, ':one': 1, ':lease': leaseId, ...seq.values };
    // Only the checks of the records that moved are dropped: a check written meanwhile keeps the others.
    if (hasChecks) {
      for (const [i, id] of moved.entries()) {
        names[`#r${i}`] = id;
        remove.push(`recordChecks.#r${i}`);
      }
    } else {
      set.push('recordChecks = :none');
      values[':none'] = {};
    }
    if (change.returnPath !== undefined) {
      set.push('returnPath = :rp');
      values[':rp'] = change.returnPath;
    }
    if (change.dkim !== undefined) {
      set.push('dkim = :dkim', 'dkimTokens = :tokens');
      values[':dkim'] = change.dkim;
      values[':tokens'] = [...(change.dkimTokens ?? [])];
    }
    const after = settingsApplied(base, change, hasChecks ? moved : null, seq.next);
    const out = await write(STORE, () =>
      ddb.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: tableName,
                Key: domainKey(d.teamId, d.id),
                UpdateExpression: `SET ${set.join(', ')} REMOVE ${remove.join(', ')}`,
                ConditionExpression: `${ITEM_EXISTS} AND updateLeaseId = :lease${hasChecks ? ' AND attribute_exists(recordChecks)' : ''} AND ${seq.condition}`,
                ...(Object.keys(names).length > 0 && { ExpressionAttributeNames: names }),
                ExpressionAttributeValues: values,
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
            putWebhookEvent(tableName, updatedEvent(after, seq.next, at)),
          ],
        }),
      ),
    );
    if (!(out instanceof ConditionFailed)) return true;
    const old = out.old(0);
    if (old?.updateLeaseId === leaseId) {
      // A domain never checked before the map was always written has none: write it whole.
      if (hasChecks && old.recordChecks === undefined) return attempt(base, false, attemptsLeft);
      // A check's status change wrote an event meanwhile: this one takes the next number, on the domain as it is now.
      if (eventSeqMoved(base, old) && attemptsLeft > 1) return attempt(fromItem(old), hasChecks, attemptsLeft - 1);
    }
    // The SDK's retry of this write after a lost answer finds it made (lastUpdateId) and changes nothing.
    return old?.lastUpdateId === leaseId;
  };
  return attempt(d, true, EVENT_SEQ_ATTEMPTS);
}

/** `d` as the change leaves it: `moved` checks forgotten (null: all of them). */
function settingsApplied(d: Domain, change: SettingsChange, moved: readonly string[] | null, eventSeq: number): Domain {
  const recordChecks = moved === null ? {} : { ...d.recordChecks };
  for (const id of moved ?? []) delete recordChecks[id];
  return {
    ...d,
    returnPath: change.returnPath ?? d.returnPath,
    ...(change.dkim !== undefined && { dkim: change.dkim, dkimTokens: [...(change.dkimTokens ?? [])] }),
    recordChecks,
    settingsRev: d.settingsRev + 1,
    eventSeq,
  };
}

/** Releases the update lease `leaseId` without changing anything (after a change failed). */
export async function releaseUpdateLease(d: Domain, leaseId: string): Promise<void> {
  await updateDomainIf({
    Key: domainKey(d.teamId, d.id),
    UpdateExpression: 'REMOVE updateLeaseUntil, updateLeaseId',
    ConditionExpression: `${ITEM_EXISTS} AND updateLeaseId = :lease`,
    ExpressionAttributeValues: { ':lease': leaseId },
  });
}
