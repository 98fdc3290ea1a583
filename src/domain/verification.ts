/**
 * Decides a domain's status from what SES reports, by the spec's definitions: `verified` when
 * every required record passes, `failed` when one is wrong or SES gave up, otherwise `pending`.
 * Pure: the verifier passes in SES's answer as plain data.
 */
import type { RecordCheck, RecordId } from './dns-records.js';
import type { DomainStatus } from './domain.js';
import { VERIFICATION_WINDOW_MS } from './schedule.js';

/** SES status values (VerificationStatus, DkimAttributes.Status, MailFromDomainStatus). */
export type SesStatus = 'PENDING' | 'SUCCESS' | 'FAILED' | 'TEMPORARY_FAILURE' | 'NOT_STARTED';

export interface SesIdentityState {
  readonly verificationStatus: SesStatus;
  readonly verifiedForSending: boolean;
  readonly dkimStatus: SesStatus;
  readonly mailFromStatus: SesStatus;
  /** `VerificationInfo.ErrorType` (TYPE_NOT_FOUND, HOST_NOT_FOUND, INVALID_VALUE, ...). */
  readonly errorType?: string;
}

export interface Decision {
  readonly status: Exclude<DomainStatus, 'verifying'>;
  readonly recordChecks: Record<string, RecordCheck>;
}

const ERROR_REASONS: Record<string, string> = {
  HOST_NOT_FOUND: 'SES found no DNS entry for this name yet. Publish the record exactly as shown; changes can take a while to propagate.',
  TYPE_NOT_FOUND: 'The name exists in DNS but has no record of this type. Add the record with the type shown.',
  INVALID_VALUE: 'A record exists but its value is not the one shown. Replace it with the value above.',
  DNS_SERVER_ERROR: 'Your DNS servers did not answer SES. Check that your name servers are reachable.',
  SERVICE_ERROR: 'SES could not check this record because of a temporary error. It will be checked again.',
  REPLICATION_ACCESS_DENIED: 'SES could not replicate the identity. Contact support.',
};

function fromSes(status: SesStatus, what: string, errorType?: string): RecordCheck {
  switch (status) {
    case 'SUCCESS':
      return { status: 'verified' };
    case 'FAILED':
      return { status: 'failed', diagnostic: { found: [], reason: `SES stopped looking for the ${what} record after 72 hours without finding it. Fix the record and verify again.` } };
    default:
      return {
        status: 'pending',
        diagnostic: { found: [], reason: (errorType && ERROR_REASONS[errorType]) ?? `SES has not found the ${what} record yet. Publish it exactly as shown.` },
      };
  }
}

/** Status of a domain whose SES identity no longer exists (removed outside this service). */
export function decideMissingIdentity(): Decision {
  const reason = 'The SES identity for this domain no longer exists. Delete the domain and add it again.';
  const failed: RecordCheck = { status: 'failed', diagnostic: { found: [], reason } };
  const ids: RecordId[] = ['verification', 'dkim1', 'dkim2', 'dkim3', 'mail_from_mx', 'spf'];
  return { status: 'failed', recordChecks: Object.fromEntries(ids.map((id) => [id, failed])) };
}

export function decideFromSes(s: SesIdentityState): Decision {
  const dkim = fromSes(s.dkimStatus, 'DKIM', s.errorType);
  const mailFrom = fromSes(s.mailFromStatus, 'MAIL FROM MX');
  const verification = fromSes(s.verificationStatus, 'verification', s.errorType);
  const recordChecks: Record<string, RecordCheck> = {
    verification,
    dkim1: dkim,
    dkim2: dkim,
    dkim3: dkim,
    mail_from_mx: mailFrom,
  };
  const required = Object.values(recordChecks);
  let status: Decision['status'] = 'pending';
  if (required.some((c) => c.status === 'failed')) status = 'failed';
  // VerifiedForSendingStatus=false while records propagate is pending, never failed.
  else if (required.every((c) => c.status === 'verified') && s.verifiedForSending) status = 'verified';
  return { status, recordChecks };
}

/** A domain still pending 72 hours after its verify request has failed (as SES itself decides). */
export function applyVerificationWindow(d: Decision, now: number, verifyRequestedAt: number | null): Decision {
  if (d.status !== 'pending' || verifyRequestedAt === null || now - verifyRequestedAt < VERIFICATION_WINDOW_MS) return d;
  const recordChecks: Record<string, RecordCheck> = {};
  for (const [id, check] of Object.entries(d.recordChecks)) {
    recordChecks[id] =
      check.status === 'pending'
        ? { status: 'failed', diagnostic: { found: check.diagnostic?.found ?? [], reason: `Not found within 72 hours of the verify request. ${check.diagnostic?.reason ?? ''}`.trim() } }
        : check;
  }
  return { status: 'failed', recordChecks };
}
