/**
 * Per-team request limits, announced in `RateLimit-Limit`, `RateLimit-Remaining` and
 * `RateLimit-Reset` (seconds until the window resets) on every response, with `Retry-After` on the
 * 429. RATE_LIMIT_PER_MINUTE sets the limit (default 600); 0 turns limiting off.
 */
import { countRequest } from '../adapters/rate-limit-table.js';
import { rateLimitConfig } from '../config.js';
import { RateLimitedError } from '../errors.js';

const limit = rateLimitConfig().RATE_LIMIT_PER_MINUTE;

export interface RateLimitState {
  readonly limit: number;
  readonly remaining: number;
  readonly resetSeconds: number;
}

/** Counts the request against the team's window; throws 429 once the limit is passed. */
export async function admit(teamId: string, now: number = Date.now()): Promise<RateLimitState | null> {
  if (limit === 0) return null;
  const { count, resetAt } = await countRequest(teamId, now);
  const state = {
    limit,
    remaining: Math.max(0, limit - count),
    resetSeconds: Math.max(1, resetAt - Math.floor(now / 1000)),
  };
  if (count > limit) throw new RateLimitedError(state);
  return state;
}

export function rateLimitHeaders(s: RateLimitState): Record<string, string> {
  return {
    'RateLimit-Limit': String(s.limit),
    'RateLimit-Remaining': String(s.remaining),
    'RateLimit-Reset': String(s.resetSeconds),
  };
}
