/**
 * Runs one verification check: paces itself within the SES budget, reads SES's view of the
 * identity and what DNS returns for every record, decides the status, and writes it back only if
 * the domain still exists (a deleted domain is never resurrected). A status change is recorded in
 * the history in the same write and published as an event. Throttling and transient errors
 * propagate, so the queue retries the message and, if it keeps failing, moves it to the DLQ; a
 * result the table refuses for good is replaced by a small failed one, which ends the check.
 */

import { observe } from '../adapters/dns-observer.js';
import { clearPendingEvent, getDomain, writeCheckResult } from '../adapters/domains-table/index.js';
import { reserveSlot } from '../adapters/rate-budget-table.js';
import { sesPacerName } from '../adapters/ses-cells.js';
import { getIdentity } from '../adapters/ses-identities.js';
import { publishStatusChange } from '../adapters/status-events.js';
import { ownerStage, verifierConfig } from '../config.js';
import { METRIC } from '../deployment.js';
import { cellIdOf } from '../domain/cells.js';
import { questionsFor } from '../domain/diagnostics.js';
import { recordSpecs } from '../domain/dns-records.js';
import { type Domain, type DomainStatus, recordInputsOf } from '../domain/domain.js';
import { statusBeforeCheck } from '../domain/domain-events.js';
import { ownershipOf } from '../domain/identity-owner.js';
import { isReleaseDue, nextDueAt } from '../domain/schedule.js';
import type { StatusChange } from '../domain/status-change.js';
import {
  type CheckedStatus,
  type Decision,
  decide,
  decideUnstorable,
  type SesIdentityState,
  type SesStatus,
} from '../domain/verification.js';
import type { VerifyMessage } from '../domain/verify-message.js';
import { count, logger } from '../observability.js';
import { RELEASE_GRACE_MS, releaseIfDue } from './release.js';

const config = verifierConfig();
const stage = ownerStage();

export type CheckOutcome =
  | { readonly outcome: 'skipped'; readonly why: 'deleted' | 'not_ready' | 'failed_until_asked' }
  /** Never verified in time: the domain is gone and its name free (see services/release.ts). */
  | { readonly outcome: 'released' }
  | { readonly outcome: 'checked'; readonly from: DomainStatus; readonly to: DomainStatus };

export interface VerifierClock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: VerifierClock = { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };

/**
 * The SES budget is per account and region, so per cell: every verifier container shares the cell's
 * pacer (a cell named after its region keeps the pacer it had before cells).
 */
async function paceSes(cellId: string, clock: VerifierClock): Promise<void> {
  const slot = await reserveSlot(sesPacerName(cellId), config.SES_BACKGROUND_RATE, clock.now());
  const wait = slot - clock.now();
  if (wait > 0) await clock.sleep(wait);
}

/**
 * SES's view of the domain's identity, or null when SES has none that is the domain's: an identity
 * tagged for another stage or domain is someone else's, whatever its status. (One without tags is
 * read as the domain's: identities made before tagging have none.)
 */
function sesState(d: Domain, identity: Awaited<ReturnType<typeof getIdentity>>): SesIdentityState | null {
  if (identity === null || ownershipOf(identity.Tags, { stage, domainId: d.id }) === 'other') return null;
  return {
    verificationStatus: (identity.VerificationStatus ?? 'PENDING') as SesStatus,
    verifiedForSending: identity.VerifiedForSendingStatus === true,
    dkimStatus: (identity.DkimAttributes?.Status ?? 'PENDING') as SesStatus,
    mailFromStatus: (identity.MailFromAttributes?.MailFromDomainStatus ?? 'PENDING') as SesStatus,
    errorType: identity.VerificationInfo?.ErrorType,
  };
}

function changeOf(d: Domain, from: CheckedStatus, decision: Decision, at: string): StatusChange {
  const failingRecords = recordSpecs(recordInputsOf(d))
    .filter((s) => s.required && decision.recordChecks[s.id]?.status !== 'verified')
    .map((s) => ({
      type: s.type,
      name: s.name,
      status: decision.recordChecks[s.id]?.status ?? 'pending',
      reason: decision.recordChecks[s.id]?.diagnostic?.reason ?? '',
    }));
  return {
    teamId: d.teamId,
    domainId: d.id,
    domain: d.domain,
    from,
    to: decision.status,
    at,
    why: decision.why,
    failingRecords,
  };
}

async function publish(d: Domain, change: StatusChange): Promise<void> {
  await publishStatusChange(change);
  await clearPendingEvent(d, change.at);
}

export async function checkDomain(message: VerifyMessage, clock: VerifierClock = realClock): Promise<CheckOutcome> {
  // A concurrent change (e.g. a user's verify request) between read and write: read and decide again,
  // asking SES and DNS again only if the domain's settings (so its records) changed meanwhile.
  let observed:
    | {
        settingsRev: number;
        identity: Awaited<ReturnType<typeof getIdentity>>;
        answers: Awaited<ReturnType<typeof observe>>;
      }
    | undefined;
  for (let attempt = 0; attempt < 3; attempt++) {
    const domain = await getDomain(message.teamId, message.domainId);
    if (!domain) return { outcome: 'skipped', why: 'deleted' };
    if (domain.releasing || isReleaseDue(domain, clock.now(), RELEASE_GRACE_MS)) {
      // Its last status change goes out before the release does: events keep their order.
      if (domain.pendingEvent) await publish(domain, domain.pendingEvent);
      const released = await releaseIfDue(domain, clock.now(), (cellId) => paceSes(cellId, clock));
      if (released === 'released') return { outcome: 'released' };
      if (released === 'changed') continue;
    }
    if (!domain.ready) return { outcome: 'skipped', why: 'not_ready' };
    // An event a previous attempt could not publish goes out first: none is lost.
    if (domain.pendingEvent) await publish(domain, domain.pendingEvent);
    if (message.reason === 'schedule' && domain.status === 'failed')
      return { outcome: 'skipped', why: 'failed_until_asked' };

    if (observed?.settingsRev !== domain.settingsRev) {
      // DNS is not part of the SES budget: look records up while waiting for the SES slot.
      const [identity, answers] = await Promise.all([
        paceSes(cellIdOf(domain), clock).then(() => getIdentity(domain.domain, cellIdOf(domain))),
        observe(questionsFor(recordInputsOf(domain))),
      ]);
      observed = { settingsRev: domain.settingsRev, identity, answers };
    }
    const { identity, answers } = observed;
    const now = clock.now();
    // The status a team saw before the check: `verifying` is transient, and a round trip to where it
    // started is no change (no history entry, no event).
    const previous: CheckedStatus = statusBeforeCheck(domain);
    const decideFrom = (windowStart: number | null) =>
      decide({ records: recordInputsOf(domain), answers, ses: sesState(domain, identity), previous, now, windowStart });
    let windowStart = domain.verifyRequestedAt === null ? null : Date.parse(domain.verifyRequestedAt);
    let decision = decideFrom(windowStart);
    let restartWindowAt: string | undefined;
    if (previous === 'verified' && decision.status !== 'verified') {
      // Drift: a verified domain lost a record. It gets a fresh 72 hours to recover.
      windowStart = now;
      restartWindowAt = new Date(now).toISOString();
      decision = decideFrom(windowStart);
    }
    const at = new Date(now).toISOString();
    const store = (d: Decision) => {
      const change = d.status !== previous ? changeOf(domain, previous, d, at) : undefined;
      const result = {
        status: d.status,
        checkedAt: at,
        recordChecks: d.recordChecks,
        nextCheckAt: nextDueAt(domain, d.status, now, windowStart, RELEASE_GRACE_MS),
        restartWindowAt,
        change,
      };
      return writeCheckResult(domain, result).then((written) => ({ written, change }));
    };
    let { written, change } = await store(decision);
    if (written === 'rejected') {
      // Retrying would be refused the same way, and the scheduler would queue the domain again and
      // again: a small failed result without what DNS returned ends the check instead.
      logger.warn('check result refused by the table; storing a failed result without the DNS answers', {
        teamId: domain.teamId,
        domainId: domain.id,
        wanted: decision.status,
      });
      decision = decideUnstorable(recordInputsOf(domain));
      ({ written, change } = await store(decision));
      if (written === 'rejected')
        throw new Error(`domain ${message.domainId}: the table refused even the smallest check result`);
    }
    if (written === 'deleted') return { outcome: 'skipped', why: 'deleted' };
    if (written === 'changed') continue;
    count(METRIC.verificationCheck, { outcome: decision.status });
    if (change) {
      count(METRIC.statusTransition, { to: change.to });
      await publish(domain, change);
    }
    return { outcome: 'checked', from: previous, to: decision.status };
  }
  throw new Error(`domain ${message.domainId} kept changing during its check`);
}
