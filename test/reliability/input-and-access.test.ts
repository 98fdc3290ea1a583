/**
 * Bad input, isolation and access, in one stack: the hand-picked corpus and a fast-check sample
 * (fixed seed), each a 4xx in the envelope that changes nothing; another team's ids, revoked keys
 * and missing scopes on every endpoint; no CORS; security headers on every answer; each function's
 * AWS calls against its grants; and no key material in any answer or log line (captured at DEBUG).
 */
import { runAccess, scanLogs } from '../../reliability/access.js';
import { runBadInput } from '../../reliability/bad-input.js';
import { runIam } from '../../reliability/iam.js';
import type { World } from '../../reliability/world.js';
import { findings, startWorld } from './support.js';

let w: World;

beforeAll(async () => {
  w = await startWorld();
}, 60_000);

afterAll(async () => {
  await w?.stop();
});

test('at least 300 distinct malformed requests: all 4xx in the envelope, nothing changed', async () => {
  const n = await runBadInput(w, { generated: 60, checkEach: false });
  expect(n).toBeGreaterThanOrEqual(300);
  expect(findings(w, 'bad-input')).toEqual([]);
}, 120_000);

test('another team, revoked keys, missing scopes, CORS, security headers', async () => {
  await runAccess(w);
  expect(findings(w, 'access')).toEqual([]);
}, 60_000);

test('each function calls only what its grants allow, and is granted only what it calls', async () => {
  // The synthesized roles against the grants are test/infra/stack.test.ts's; `npm run reliability` checks both.
  await runIam(w, { template: false });
  expect(findings(w, 'iam')).toEqual([]);
}, 60_000);

test('no key material in any log line of the requests above', () => {
  scanLogs(w);
  expect(findings(w, 'access')).toEqual([]);
});
