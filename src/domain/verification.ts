/**
 * Decides a domain's status by the spec's definitions, from the required records only:
 * `verified` when every required record passes (and SES says the identity may send); `failed`
 * when one is published but wrong, SES gave up, or 72 hours pass without success; otherwise
 * `pending`. `VerifiedForSendingStatus = false` while records propagate is pending, never failed.
 * Pure: the verifier passes in SES's answer and the DNS answers as plain data.
 */

import type { Answers } from './diagnosis.js';
import { diagnoseRecords, hadDnsErrors } from './diagnostics.js';
import { type RecordCheck, type RecordInputs, recordSpecs } from './dns-records.js';
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

export type CheckedStatus = Exclude<DomainStatus, 'verifying'>;

export interface Decision {
  readonly status: CheckedStatus;
  readonly recordChecks: Record<string, RecordCheck>;
  /** One line for the status history: why the domain has this status. */
  readonly why: string;
}

export interface DecisionInput {
  readonly records: RecordInputs;
  readonly answers: Answers;
  /** SES's view; null when SES has no identity for the domain. */
  readonly ses: SesIdentityState | null;
  /** Status before this check (a `verifying` domain passes the status it had before). */
  readonly previous: CheckedStatus;
  readonly now: number;
  /** Start of the 72-hour window (the verify request); null when none runs. */
  readonly windowStart: number | null;
}

export function decide(input: DecisionInput): Decision {
  if (input.ses === null) return decideMissingIdentity(input.records);
  const recordChecks = diagnoseRecords(input.records, input.answers, input.ses);
  const required = recordSpecs(input.records).filter((s) => s.required);
  const failing = required.filter((s) => recordChecks[s.id]?.status === 'failed').map((s) => s.id);
  const notVerified = required.filter((s) => recordChecks[s.id]?.status !== 'verified').map((s) => s.id);

  let decision: Decision;
  if (failing.length > 0) {
    decision = { status: 'failed', recordChecks, why: `records wrong: ${failing.join(', ')}` };
  } else if (input.ses.verificationStatus === 'FAILED') {
    decision = { status: 'failed', recordChecks, why: 'SES reported the identity FAILED' };
  } else if (notVerified.length === 0 && input.ses.verifiedForSending) {
    decision = { status: 'verified', recordChecks, why: 'every required record verified' };
  } else if (input.previous === 'verified' && hadDnsErrors(input.records, input.answers)) {
    // DNS trouble is not evidence that a verified domain lost its records.
    decision = { status: 'verified', recordChecks, why: 'DNS did not answer; keeping verified' };
  } else {
    decision = {
      status: 'pending',
      recordChecks,
      why: `waiting for: ${notVerified.join(', ') || 'SES to allow sending'}`,
    };
  }
  return applyVerificationWindow(decision, input.now, input.windowStart);
}

/** Status of a domain whose SES identity no longer exists (removed outside this service). */
export function decideMissingIdentity(records: RecordInputs): Decision {
  return everyRecordFailed(
    records,
    'The SES identity for this domain no longer exists. Delete the domain and add it again.',
    'SES identity missing',
  );
}

/**
 * What is stored instead when the store refuses a check's result for good (too large, or otherwise
 * invalid): failed, which takes the domain off the schedule, so it does not come back every few
 * minutes to fail again and spend the shared SES budget each time. A verify request checks it again.
 */
export function decideUnstorable(records: RecordInputs): Decision {
  return everyRecordFailed(
    records,
    "The result of the last check could not be saved, most likely because this domain's names return an unusually large number of DNS records. Remove the records you do not need, then ask for verification again.",
    'the check result could not be stored',
  );
}

/** A failed decision that gives every required record the same reason, and keeps nothing DNS returned. */
function everyRecordFailed(records: RecordInputs, reason: string, why: string): Decision {
  const failed: RecordCheck = { status: 'failed', diagnostic: { found: [], reason } };
  const ids = recordSpecs(records)
    .filter((s) => s.required)
    .map((s) => s.id);
  return { status: 'failed', recordChecks: Object.fromEntries(ids.map((id) => [id, failed])), why };
}

/** A domain still pending 72 hours after its verify request has failed (as SES itself decides). */
export function applyVerificationWindow(d: Decision, now: number, windowStart: number | null): Decision {
  if (d.status !== 'pending' || windowStart === null || now - windowStart < VERIFICATION_WINDOW_MS) return d;
  const recordChecks: Record<string, RecordCheck> = {};
  for (const [id, check] of Object.entries(d.recordChecks)) {
    recordChecks[id] =
      check.status === 'pending' && id !== 'dmarc'
        ? {
            status: 'failed',
            diagnostic: {
              found: check.diagnostic?.found ?? [],
              reason: `Not verified within 72 hours of the verify request. ${check.diagnostic?.reason ?? ''}`.trim(),
            },
          }
        : check;
  }
  return { status: 'failed', recordChecks, why: '72 hours passed without verification' };
}
