/**
 * The provisioning lease: a new domain is written unready, held by the create that set it up
 * (`leaseId`, until `leaseUntil`) while SES is set up. A create that stopped halfway leaves it to
 * be taken over by a same-team retry once the lease lapses.
 */
import { randomUUID } from 'node:crypto';
import type { Domain } from '../../domain/domain.js';
import { domainKey, ITEM_EXISTS } from '../table-keys.js';
import { fromItem, updateDomainIf } from './item.js';

/** How long one create may take to set up SES before a same-team retry may take the domain over. */
export const PROVISIONING_LEASE_MS = 30_000;

/**
 * Stores the SES tokens and marks the domain ready, only while this create holds it (`d.leaseId`)
 * or once it is ready (the SDK's resend of this write after a lost answer); null when the domain is
 * gone or another create took it over.
 */
export async function markReady(
  d: Domain,
  tokens: { verificationToken: string; dkimTokens: readonly string[] },
): Promise<Domain | null> {
  const item = await updateDomainIf({
    Key: domainKey(d.teamId, d.id),
    UpdateExpression:
      'SET ready = :true, verificationToken = :vt, dkimTokens = :dk, recordChecks = if_not_exists(recordChecks, :none) REMOVE leaseUntil, leaseId',
    ConditionExpression: `${ITEM_EXISTS} AND (leaseId = :lease OR ready = :true)`,
    ExpressionAttributeValues: {
      ':true': true,
      ':vt': tokens.verificationToken,
      ':dk': [...tokens.dkimTokens],
      ':lease': d.leaseId ?? '',
      ':none': {},
    },
    ReturnValues: 'ALL_NEW',
  });
  return item && fromItem(item);
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
