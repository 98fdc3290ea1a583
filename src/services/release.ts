/**
 * Releasing a domain that was never verified in time (see domain/schedule.ts, `releaseAt`): nobody
 * keeps a name they do not control for ever, nor a place in the account's SES identity quota. Run
 * by the verifier when a scheduled check finds the release due.
 *
 * Order, so that a failure at any step is finished by the next attempt and nothing is orphaned:
 * mark the domain releasing (no verify, PATCH or create retry takes it from then on), delete its SES
 * identity (only if its tags name this domain), publish the status event, then remove the domain,
 * its claim and its places in the team's count and in its cell's together with the history entry.
 * A retry after the event may publish it twice; it never loses it.
 */
import { deleteReleasedDomain, markReleasing } from '../adapters/domains-table/index.js';
import { deleteIdentity } from '../adapters/ses-identities.js';
import { publishStatusChange } from '../adapters/status-events.js';
import { ownerStage, releaseGraceMs } from '../config.js';
import { METRIC } from '../deployment.js';
import { cellIdOf } from '../domain/cells.js';
import { recordSpecs } from '../domain/dns-records.js';
import { type Domain, recordInputsOf } from '../domain/domain.js';
import { isReleaseDue } from '../domain/schedule.js';
import type { StatusChange } from '../domain/status-change.js';
import { count } from '../observability.js';

const stage = ownerStage();
export const RELEASE_GRACE_MS = releaseGraceMs();

export type ReleaseOutcome = 'not_due' | 'changed' | 'released';

function releaseChange(d: Domain, at: string): StatusChange {
  const failingRecords = d.ready
    ? recordSpecs(recordInputsOf(d))
        .filter((s) => s.required && d.recordChecks[s.id]?.status !== 'verified')
        .map((s) => ({
          type: s.type,
          name: s.name,
          status: d.recordChecks[s.id]?.status ?? ('not_started' as const),
          reason: d.recordChecks[s.id]?.diagnostic?.reason ?? '',
        }))
    : [];
  const graceDays = Math.round((RELEASE_GRACE_MS / 86_400_000) * 10) / 10;
  const why = `Not verified within 72 hours of the last verify request (or of its creation) and ${graceDays} days of grace: the domain was removed and its name is free to be registered again.`;
  return {
    teamId: d.teamId,
    domainId: d.id,
    domain: d.domain,
    from: d.status,
    to: 'released',
    at,
    why,
    failingRecords,
  };
}

/**
 * Releases `d` if it is due (or was being released when an earlier attempt stopped). `paceSes` waits
 * for a slot of the shared SES budget of the domain's cell before each SES call.
 */
export async function releaseIfDue(
  d: Domain,
  now: number,
  paceSes: (cellId: string) => Promise<void>,
): Promise<ReleaseOutcome> {
  if (!d.releasing) {
    if (!isReleaseDue(d, now, RELEASE_GRACE_MS)) return 'not_due';
    if (!(await markReleasing(d, now))) return 'changed';
  }
  // deleteIdentity reads the identity's tags first, then deletes it: two calls of the SES budget.
  const cell = cellIdOf(d);
  await paceSes(cell);
  await paceSes(cell);
  await deleteIdentity(d.domain, cell, { stage, domainId: d.id });
  const change = releaseChange(d, new Date(now).toISOString());
  await publishStatusChange(change);
  if (await deleteReleasedDomain(d, change)) count(METRIC.domainReleased);
  return 'released';
}
