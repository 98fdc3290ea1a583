import type { FunctionEnvironment } from '../../src/deployment.js';

/** Domains in the team whose list is measured: a team with a couple of dozen sending domains. */
export const LIST_SIZE = 25;

/**
 * Environment the bench adds for the functions. The per-team rate limit and domain limit stay on
 * (each request still counts itself, and each create its domain, as in production) with limits the
 * bench's bursts never reach.
 */
export const BENCH_FUNCTION_ENV: FunctionEnvironment = {
  RATE_LIMIT_PER_MINUTE: '100000000',
  MAX_DOMAINS_PER_TEAM: '100000000',
};
