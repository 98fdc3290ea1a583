/**
 * Races on one name: 50 concurrent creates (one team; 50 teams; 10 teams × 5), verify/delete/create
 * at once, repeated deletes, concurrent return_path changes, and a delete in the middle of a verifier
 * check. Exactly one winner, one
 * SES identity, the invariants, and nothing deleted ever comes back. (Creates racing while SES
 * throttles at its real pace depend on timing, so only `npm run reliability` runs them.)
 */
import {
  deleteDuringCheckRace,
  mixedRounds,
  noResurrection,
  patchRace,
  repeatedDeletesRace,
  stormManyTeams,
  stormOneTeam,
} from '../../reliability/races.js';
import type { World } from '../../reliability/world.js';
import { findings, startWorld } from './support.js';

let w: World;
let seen = 0;
/** Findings since the previous test (each test answers for its own race). */
const fresh = () => {
  const all = findings(w, 'races');
  const mine = all.slice(seen);
  seen = all.length;
  return mine;
};

beforeAll(async () => {
  w = await startWorld();
}, 60_000);

afterAll(async () => {
  await w?.stop();
});

test('50 concurrent creates by one team: one 201, one identity', async () => {
  await stormOneTeam(w, 50);
  expect(fresh()).toEqual([]);
}, 60_000);

test('50 concurrent creates by 50 teams, and by 10 teams × 5: one 201, one identity', async () => {
  await stormManyTeams(w, 50);
  expect(fresh()).toEqual([]);
}, 60_000);

test('verify, delete and create at once on one domain end consistent', async () => {
  await mixedRounds(w, 2);
  expect(fresh()).toEqual([]);
}, 60_000);

test('repeated deletes: one 200, then 404 every time', async () => {
  await repeatedDeletesRace(w);
  expect(fresh()).toEqual([]);
}, 30_000);

test('a delete during a verifier check is never undone by the check', async () => {
  await deleteDuringCheckRace(w, 'write');
  await noResurrection(w);
  expect(fresh()).toEqual([]);
}, 60_000);

test('concurrent return_path changes: SES looks for the MAIL FROM records the API shows', async () => {
  await patchRace(w);
  expect(fresh()).toEqual([]);
}, 30_000);
