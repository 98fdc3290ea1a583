/**
 * Shared by the reliability tests: one world (local stack + fault proxies) per test file, and an
 * assertion that lists every finding of a category when there is any.
 */

import type { Category } from '../../reliability/tally.js';
import { World, type WorldOptions } from '../../reliability/world.js';

export async function startWorld(o: Omit<WorldOptions, 'dynamoEndpoint'> = {}): Promise<World> {
  return World.start({ ...o, dynamoEndpoint: process.env.TEST_DYNAMODB_ENDPOINT });
}

/** Violations, unexpected 5xx and cross-team reads of `category`, one line each (empty when clean). */
export function findings(w: World, category: Category): string[] {
  return [
    ...w.tally.violations.filter((f) => f.category === category).map((f) => `violation: ${f.message}`),
    ...w.tally.fiveXx.filter((f) => f.category === category).map((f) => `5xx: ${f.message}`),
    ...w.tally.crossTeamReads.filter((f) => f.category === category).map((f) => `cross-team read: ${f.message}`),
  ];
}
