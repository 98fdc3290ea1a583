/**
 * Cells at a small size: three open cells of 3 places (the own account and two reached through the
 * STS stand-in) and a draining one. Concurrent creates fill them exactly and never past the quota,
 * deletes racing creates lose no room, and AssumeRole faults and one cell's SES failing leave no
 * identity stranded in any account (the full set: `npm run reliability -- --only=cells`).
 */

import { runAssumeRoleFaults, runCellSesFaults } from '../../reliability/cell-faults.js';
import { CellRun } from '../../reliability/cell-run.js';
import { CELLS_WORLD } from '../../reliability/cell-state.js';
import { churnRace, clearAll, fillRace, warmUp } from '../../reliability/cells.js';
import type { Team, World } from '../../reliability/world.js';
import { findings, startWorld } from './support.js';

let w: World;
let run: CellRun;
let teams: Team[];
let seen = 0;
/** Findings since the previous test (each test answers for its own scenario). */
const fresh = () => {
  const all = findings(w, 'cells');
  const mine = all.slice(seen);
  seen = all.length;
  return mine;
};

beforeAll(async () => {
  w = await startWorld(CELLS_WORLD);
  run = new CellRun(w);
  teams = await Promise.all([0, 1].map((i) => w.team(`cells-t${i}`)));
  await warmUp(run, teams[0]!);
}, 120_000);

afterAll(async () => {
  await w?.stop();
});

test('12 concurrent creates into 3 empty cells of 3: 9 fit, 3 are told the region is full', async () => {
  await fillRace(run, teams, 12);
  expect(fresh()).toEqual([]);
}, 90_000);

test('deletes racing creates give their room back once; then exactly the quota fits again', async () => {
  await churnRace(run, teams, 3, 5);
  await clearAll(run, teams, 'every domain deleted');
  expect(fresh()).toEqual([]);
}, 90_000);

test('AssumeRole throttled or denied while a cell is used: no 500, no stranded identity, no lost room', async () => {
  await runAssumeRoleFaults(run, teams[0]!, { stsFaults: ['throttle', 'access_denied'] });
  expect(fresh()).toEqual([]);
}, 90_000);

test("one cell's SES throttled or failing halfway through a create: no stranded identity, no lost room", async () => {
  await runCellSesFaults(run, teams[0]!, { throttledCreates: 2 });
  await clearAll(run, teams, 'every domain deleted after the faults');
  expect(fresh()).toEqual([]);
}, 120_000);
