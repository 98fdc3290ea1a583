/** Domains in the team whose list is measured: a team with a couple of dozen sending domains. */
export const LIST_SIZE = 25;

/**
 * Environment the bench adds for the functions. The per-team rate limit stays on (each request
 * still counts itself, as in production) with a limit the bench's bursts never reach.
 */
export const BENCH_FUNCTION_ENV: Record<string, string> = {
  RATE_LIMIT_PER_MINUTE: '100000000',
};
