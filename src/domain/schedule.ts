/**
 * When a domain is next checked without anyone asking. Pure policy:
 *  - pending: often at first, then backing off, until 72 h after the verify request;
 *  - verified: once a day, to catch records that were removed (drift);
 *  - failed: never, until the user asks again;
 *  - verifying: a check is queued; if its result has not arrived after the lease, the scheduler
 *    queues it again (a lost message).
 */
import type { DomainStatus } from './domain.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
export const VERIFICATION_WINDOW_MS = 72 * HOUR;
export const VERIFYING_LEASE_MS = 15 * MINUTE;
export const DRIFT_CHECK_INTERVAL_MS = 24 * HOUR;

/** Pending re-check interval by time since the verify request. */
const PENDING_BACKOFF: ReadonlyArray<readonly [number, number]> = [
  [1 * HOUR, 5 * MINUTE],
  [6 * HOUR, 15 * MINUTE],
  [24 * HOUR, 1 * HOUR],
  [VERIFICATION_WINDOW_MS, 4 * HOUR],
];

/** Next due time in ms since epoch, or null for "not scheduled". */
export function nextCheckAt(status: DomainStatus, now: number, verifyRequestedAt: number | null): number | null {
  switch (status) {
    case 'verifying':
      return now + VERIFYING_LEASE_MS;
    case 'verified':
      return now + DRIFT_CHECK_INTERVAL_MS;
    case 'failed':
      return null;
    case 'pending': {
      if (verifyRequestedAt === null) return null;
      const age = now - verifyRequestedAt;
      const step = PENDING_BACKOFF.find(([until]) => age < until);
      if (!step) return null;
      // The last check lands on the 72 h mark, when an unverified domain turns failed.
      return Math.min(now + step[1], verifyRequestedAt + VERIFICATION_WINDOW_MS);
    }
  }
}

/**
 * When a domain that was never verified lets go of its name, so nobody can hold a name they do not
 * control for ever: the end of its 72-hour window (counted from the last verify request, or from its
 * creation if it was never asked), plus a grace period. A domain verified even once is never
 * released: a customer whose records broke keeps the domain while fixing them.
 */
export function releaseAt(d: { createdAt: string; verifyRequestedAt: string | null }, graceMs: number): number {
  return releaseTime(
    Date.parse(d.createdAt),
    d.verifyRequestedAt === null ? null : Date.parse(d.verifyRequestedAt),
    graceMs,
  );
}

function releaseTime(createdAt: number, verifyRequestedAt: number | null, graceMs: number): number {
  return Math.max(createdAt, verifyRequestedAt ?? 0) + VERIFICATION_WINDOW_MS + graceMs;
}

/** Whether the domain is due for release at `now` (see `releaseAt`). */
export function isReleaseDue(
  d: { status: DomainStatus; everVerified: boolean; createdAt: string; verifyRequestedAt: string | null },
  now: number,
  graceMs: number,
): boolean {
  if (d.everVerified || d.status === 'verified' || d.status === 'verifying') return false;
  return now >= releaseAt(d, graceMs);
}

/**
 * The next due time of a check result: the next check, or, when none is scheduled (failed, or a
 * window that ended) for a domain never verified, its release time.
 */
export function nextDueAt(
  d: { everVerified: boolean; createdAt: string },
  status: DomainStatus,
  now: number,
  verifyRequestedAt: number | null,
  graceMs: number,
): number | null {
  const next = nextCheckAt(status, now, verifyRequestedAt);
  if (next !== null || d.everVerified) return next;
  return releaseTime(Date.parse(d.createdAt), verifyRequestedAt, graceMs);
}

/** A domain's due shard: spreads due items over a few index partitions (no hot key). */
export function dueShard(id: string, shards: number): number {
  let h = 0;
  for (let i = 0; i < id.length; i++) h = (h * 31 + id.charCodeAt(i)) >>> 0;
  return h % shards;
}
