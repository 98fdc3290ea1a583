/**
 * The provisioning lease: a new domain is written unready, held by the create that set it up
 * (`leaseId`, until `leaseUntil`) while SES is set up. A create that stopped halfway leaves it to
 * be taken over by a same-team retry once the lease lapses.
 */
import { randomUUID } from 'node:crypto';
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { Domain } from '../../domain/domain.js';
import { createdEvent } from '../../domain/domain-events.js';
import { ddb, tableName } from '../dynamodb-client.js';
import { ConditionFailed, write } from '../table-io.js';
import { domainKey, ITEM_EXISTS } from '../table-keys.js';
import { putWebhookEvent } from '../webhook-events.js';
import { eventSeqStep } from './event-seq.js';
import { fromItem, STORE, updateDomainIf } from './item.js';

/** How long one create may take to set up SES before a same-team retry may take the domain over. */
export const PROVISIONING_LEASE_MS = 30_000;

/**
 * Stores the SES tokens and marks the domain ready, only while this create holds it (`d.leaseId`),
 * with its `domain.created` event in the same transaction. Once it is ready already (the SDK's resend
 * of this write after a lost answer, or a create that took the domain over finished first), the
 * domain as it is: no second event. Null when the domain is gone or another create took it over.
 */
export async function markReady(
  d: Domain,
  tokens: { verificationToken: string; dkimTokens: readonly string[] },
  at: string = new Date().toISOString(),
): Promise<Domain | null> {
  const seq = eventSeqStep(d);
  const after: Domain = {
    ...d,
    ready: true,
    verificationToken: tokens.verificationToken,
    dkimTokens: [...tokens.dkimTokens],
    leaseId: null,
    eventSeq: seq.next,
  };
  const out = await write(STORE, () =>
    ddb.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: tableName,
              Key: domainKey(d.teamId, d.id),
              UpdateExpression: `SET ready = :true, verificationToken = :vt, dkimTokens = :dk, recordChecks = if_not_exists(recordChecks, :none), ${seq.set} REMOVE leaseUntil, leaseId`,
              // Nothing else writes an event while a domain is not ready: the counter is still d's.
              ConditionExpression: `${ITEM_EXISTS} AND leaseId = :lease AND ${seq.condition}`,
              ExpressionAttributeValues: {
                ':true': true,
                ':vt': tokens.verificationToken,
                ':dk': [...tokens.dkimTokens],
                ':lease': d.leaseId ?? '',
                ':none': {},
                ...seq.values,
              },
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            },
          },
          putWebhookEvent(tableName, createdEvent(after, seq.next, at)),
        ],
      }),
    ),
  );
  if (!(out instanceof ConditionFailed)) return after;
  const current = out.old(0);
  return current?.ready === true ? fromItem(current) : null;
}

/**
 * Takes over setting up a domain whose earlier create stopped halfway, once that create's lease has
 * lapsed (one taker wins); null when the domain is ready, gone, or still being set up.
 */
export async function takeProvisioningLease(d: Domain, now: number): Promise<Domain | null> {
  const item = await updateDomainIf({
    Key: domainKey(d.teamId, d.id),
    UpdateExpression: 'SET leaseUntil = :until, leaseId = :lease',
    // Our own lease id passes too: the SDK's resend of this write after a lost answer is not shut out.
    ConditionExpression: `${ITEM_EXISTS} AND ready = :false AND attribute_not_exists(releasing) AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now OR leaseId = :lease)`,
    ExpressionAttributeValues: {
      ':until': now + PROVISIONING_LEASE_MS,
      ':now': now,
      ':false': false,
      ':lease': randomUUID(),
    },
    ReturnValues: 'ALL_NEW',
  });
  return item && fromItem(item);
}

/**
 * Sets the lease of the create holding it (`d.leaseId`) to end at `until`: renews it before an undo
 * (false when another create took the domain over, which the undo must then leave alone), or ends
 * it early (`until` 0) when the undo failed, so the client's retry can resume at once.
 */
export async function setProvisioningLease(d: Domain, until: number): Promise<boolean> {
  const item = await updateDomainIf({
    Key: domainKey(d.teamId, d.id),
    UpdateExpression: 'SET leaseUntil = :until',
    ConditionExpression: `${ITEM_EXISTS} AND ready = :false AND leaseId = :lease`,
    ExpressionAttributeValues: { ':until': until, ':false': false, ':lease': d.leaseId ?? '' },
  });
  return item !== null;
}
