/**
 * Identities made outside the API and abuse, in one stack with the key cache on (as in production,
 * and as `npm run reliability` runs the abuse category): foreign identities are never taken, changed
 * or removed; never-issued keys cost no AWS call, unknown and revoked ones one read each; oversized
 * and silent DNS end in a written check while a normal domain's check ends too.
 */
import { dnsAbuse, floodDuringCheck, keyFlood } from '../../reliability/abuse.js';
import { foreignKind, runForeignIdentities } from '../../reliability/foreign-identities.js';
import type { World } from '../../reliability/world.js';
import { findings, startWorld } from './support.js';

let w: World;

beforeAll(async () => {
  // The same stack settings as the abuse run's own (reliability/run.ts).
  w = await startWorld({ apiKeyCacheSeconds: 30, visibilityTimeoutSeconds: 15 });
}, 60_000);

afterAll(async () => {
  await w?.stop();
});

test("identities made outside the API: every create 409 identity_in_use, each identity untouched, a replaced one survives its domain's delete", async () => {
  // The first is the abuse run's takeover attempt: another application's BYODKIM and MAIL FROM.
  const kinds = ['untagged, BYODKIM, MAIL FROM', 'another stage', 'this stage, another domain id'].map(foreignKind);
  await runForeignIdentities(w, { kinds, storm: 4 });
  expect(findings(w, 'foreign-identities')).toEqual([]);
}, 60_000);

test('never-issued keys cost no AWS call; unknown ids and revoked keys one read each, then none', async () => {
  // Each phase's expected count is a finding when missed, a read count of zero where one read per
  // id is due included: the counting cannot pass by seeing no reads at all.
  await keyFlood(w, { requests: 600 });
  expect(findings(w, 'abuse')).toEqual([]);
}, 60_000);

test('a domain check ends while bad keys flood the API', async () => {
  await floodDuringCheck(w);
  expect(findings(w, 'abuse')).toEqual([]);
}, 60_000);

test('oversized and silent DNS: both checks end in a written status, none in the DLQ, and a normal domain verifies beside them', async () => {
  await dnsAbuse(w);
  expect(findings(w, 'abuse')).toEqual([]);
  await w.checkInvariants('abuse', 'after the abuse checks', { settled: true });
  expect(findings(w, 'abuse')).toEqual([]);
}, 90_000);
