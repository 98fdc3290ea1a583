/**
 * Runs one verification check: reads SES's view of the identity, decides the domain's status and
 * writes it back, only if the domain still exists. Throttling and transient errors propagate, so
 * the queue retries the message (and sends it to the dead-letter queue if it keeps failing).
 */
import { getDomain, writeCheckResult } from '../adapters/domains-table.js';
import { getIdentity } from '../adapters/ses-identities.js';
import { decideFromSes, decideMissingIdentity, applyVerificationWindow, type SesStatus } from '../domain/verification.js';
import { nextCheckAt } from '../domain/schedule.js';
import type { VerifyMessage } from '../domain/verify-message.js';
import type { DomainStatus } from '../domain/domain.js';

export type CheckOutcome =
  | { readonly outcome: 'skipped'; readonly why: 'deleted' | 'not_ready' }
  | { readonly outcome: 'checked'; readonly from: DomainStatus; readonly to: DomainStatus };

export async function checkDomain(message: VerifyMessage, now: () => Date = () => new Date()): Promise<CheckOutcome> {
  const domain = await getDomain(message.teamId, message.domainId);
  if (!domain) return { outcome: 'skipped', why: 'deleted' };
  if (!domain.ready) return { outcome: 'skipped', why: 'not_ready' };

  const identity = await getIdentity(domain.domain);
  const at = now().getTime();
  const requestedAt = domain.verifyRequestedAt === null ? null : Date.parse(domain.verifyRequestedAt);
  const sesDecision = identity
    ? decideFromSes({
        verificationStatus: (identity.VerificationStatus ?? 'PENDING') as SesStatus,
        verifiedForSending: identity.VerifiedForSendingStatus === true,
        dkimStatus: (identity.DkimAttributes?.Status ?? 'PENDING') as SesStatus,
        mailFromStatus: (identity.MailFromAttributes?.MailFromDomainStatus ?? 'PENDING') as SesStatus,
        errorType: identity.VerificationInfo?.ErrorType,
      })
    : decideMissingIdentity();
  const decision = applyVerificationWindow(sesDecision, at, requestedAt);

  const before = await writeCheckResult(domain.teamId, domain.id, {
    status: decision.status,
    checkedAt: new Date(at).toISOString(),
    recordChecks: decision.recordChecks,
    nextCheckAt: nextCheckAt(decision.status, at, requestedAt),
  });
  if (!before) return { outcome: 'skipped', why: 'deleted' };
  return { outcome: 'checked', from: before.status, to: decision.status };
}
