/**
 * Injected faults (a subset of `npm run reliability`'s matrix: one fault per flow where a half-state
 * could arise) and a short mixed load. The invariants hold while a fault holds and after the client's
 * retries; every verify ends in a status write or the DLQ; under load no 5xx and no lost write.
 */
import { type FaultKind, runFaults, type Step } from '../../reliability/faults.js';
import { runLoad } from '../../reliability/load.js';
import type { World } from '../../reliability/world.js';
import { findings, startWorld } from './support.js';

let w: World;

beforeAll(async () => {
  w = await startWorld();
}, 60_000);

afterAll(async () => {
  await w?.stop();
});

const SUBSET: ReadonlyArray<readonly [string, string, FaultKind]> = [
  ['create', 'claim + item transaction', 'lost-answer'],
  ['create', 'SES PutEmailIdentityMailFromAttributes', '5xx'],
  ['create', 'mark ready', 'stall'],
  ['create', 'undo: delete item + claim (after the token call failed)', 'throttle'],
  ['create', 'undo: SES DeleteEmailIdentity (after the token call failed)', 'stall'],
  ['create', 'resume: SES GetEmailIdentity (adopting the identity an earlier attempt left)', 'throttle'],
  ['verify', 'SQS SendMessage', '5xx'],
  ['update', 'take the update lease', 'lost-answer'],
  ['update', 'SES PutEmailIdentityDkimSigningAttributes', 'lost-answer'],
  ['update', 'table write', '5xx'],
  ['delete', 'SES DeleteEmailIdentity', 'throttle'],
  ['delete', 'delete item + claim transaction', '5xx'],
  ['verifier', 'SES GetEmailIdentity', 'stall'],
  ['verifier', 'write the result', '5xx'],
  ['scheduler', 'SQS SendMessageBatch', '5xx'],
];
const inSubset = (s: Step, k: FaultKind) =>
  SUBSET.some(([flow, name, kind]) => s.flow === flow && s.name === name && k === kind);

test('faults in create, verify, update, delete, the verifier and the scheduler leave no half-state', async () => {
  const n = await runFaults(w, { only: inSubset, dns: ['servfail'] });
  expect(n).toBe(SUBSET.length + 1);
  expect(findings(w, 'faults')).toEqual([]);
}, 120_000);

test('3 s of mixed load: no 5xx, no lost write, no cross-team read', async () => {
  await runLoad(w, { seconds: 3, connections: 6, teams: 4 });
  expect(findings(w, 'load')).toEqual([]);
  expect(w.tally.countsOf('load').requests).toBeGreaterThan(0);
}, 60_000);
