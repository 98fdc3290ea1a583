/**
 * When a failed webhook delivery is tried again, and when an endpoint that keeps failing is
 * switched off. Pure policy: the delivery worker asks for the next delay after each failed
 * attempt and marks the delivery failed when there is none.
 */

const DAY_SECONDS = 24 * 60 * 60;

/** Delays after the 1st, 2nd, … failed attempt: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h. */
export const DEFAULT_RETRY_SCHEDULE_SECONDS: readonly number[] = [
  5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400,
];

/** An endpoint with no success for this long, while its deliveries kept failing, is disabled. */
export const DISABLE_AFTER_FAILING_MS = 5 * DAY_SECONDS * 1000;

/** A receiver's Retry-After is honoured up to a day: longer would outlive the schedule itself. */
export const MAX_RETRY_AFTER_SECONDS = DAY_SECONDS;

/** Spread of each delay (±10 %), so endpoints that failed together are not retried in one burst. */
export const RETRY_JITTER = 0.1;

/**
 * The schedule from `WEBHOOK_RETRY_SCHEDULE_SECONDS` (comma-separated whole seconds, e.g. `1,1,2`
 * in tests), or the default when unset or blank. Anything else fails loudly at cold start rather
 * than retrying on a schedule nobody meant.
 */
export function parseRetrySchedule(env: string | undefined): number[] {
  if (env === undefined || env.trim() === '') return [...DEFAULT_RETRY_SCHEDULE_SECONDS];
  return env.split(',').map((entry, index) => {
    const text = entry.trim();
    if (!/^\d+$/.test(text) || Number(text) > DAY_SECONDS) {
      throw new Error(
        `WEBHOOK_RETRY_SCHEDULE_SECONDS must be comma-separated whole seconds from 0 to ${DAY_SECONDS} ` +
          `(e.g. "5,300,1800"); entry ${index + 1} is "${text}".`,
      );
    }
    return Number(text);
  });
}

/**
 * Seconds to wait before the next attempt, or null when the schedule is spent (the delivery is
 * then failed). `attempt` counts the attempts made so far, the failed one included. A receiver's
 * Retry-After (on 429/503) wins when it asks for longer than the schedule, up to a day.
 */
export function nextAttemptDelay(input: {
  attempt: number;
  schedule: readonly number[];
  retryAfterSeconds?: number;
  random?: () => number;
}): number | null {
  const base = input.schedule[input.attempt - 1];
  if (!Number.isInteger(input.attempt) || input.attempt < 1 || base === undefined) return null;
  const random = input.random ?? Math.random;
  const jittered = Math.round(base * (1 + (random() * 2 - 1) * RETRY_JITTER));
  const asked = input.retryAfterSeconds;
  if (asked === undefined || !Number.isFinite(asked) || asked <= jittered) return jittered;
  return Math.max(jittered, Math.min(Math.ceil(asked), MAX_RETRY_AFTER_SECONDS));
}

/**
 * A Retry-After header as seconds from `nowMs`: delta-seconds or an HTTP date (RFC 9110 §10.2.3).
 * Undefined when absent or unreadable; never negative.
 */
export function parseRetryAfter(header: string | undefined, nowMs: number): number | undefined {
  if (header === undefined) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const at = Date.parse(text);
  if (Number.isNaN(at) || !/[a-z]/i.test(text)) return undefined;
  return Math.max(0, Math.ceil((at - nowMs) / 1000));
}
