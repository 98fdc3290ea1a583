/**
 * Cells: placement races and faults with several SES cells (reliability/cell-state.ts: the stack's
 * own account, two accounts reached through STS AssumeRole and a draining one, 3 places each).
 * Concurrent creates fill every open cell to exactly its quota and never past it; deletes racing
 * creates give their room back exactly once; AssumeRole failing and one cell's SES throttling or
 * failing halfway through a create (reliability/cell-faults.ts) leave no identity stranded in any
 * account and no room lost. The functions read SES_CELLS once per process: run.ts runs this
 * category in a stack of its own.
 */
import { type CellFaultOptions, runAssumeRoleFaults, runCellSesFaults } from './cell-faults.js';
import { CATEGORY, CellRun, fresh, isQuotaFull } from './cell-run.js';
import { CELLS, CELLS_QUOTA, cellSnapshot, identitiesPerCell, OPEN_CELLS } from './cell-state.js';
import { histogram, isAnswer, type Outcome } from './client.js';
import type { Team, World } from './world.js';

const count = (outs: readonly Outcome[], p: (o: Outcome) => boolean) => outs.filter(p).length;

/**
 * `clients` concurrent creates of distinct names into empty cells (more than the open places):
 * exactly quota × open cells answer 201, the rest 503 `identity_quota_exceeded`, every open cell
 * holds exactly its quota, and one more create is refused.
 */
export async function fillRace(run: CellRun, teams: readonly Team[], clients: number): Promise<void> {
  const label = `${clients} concurrent creates into ${OPEN_CELLS.length} empty cells of ${CELLS_QUOTA}`;
  const places = OPEN_CELLS.length * CELLS_QUOTA;
  const outs = await Promise.all(
    Array.from({ length: clients }, (_, i) => run.create(teams[i % teams.length]!.key, fresh(`fill${i}`), label)),
  );
  await run.w.settle();
  const created = count(outs, (o) => o.status === 201);
  const full = count(outs, isQuotaFull);
  if (created !== Math.min(clients, places))
    run.w.tally.violation(CATEGORY, `${label}: ${created} creates answered 201, expected ${Math.min(clients, places)}`);
  if (created + full !== clients)
    run.w.tally.violation(CATEGORY, `${label}: answers other than 201 or a full region: ${histogram(outs)}`);
  const s = await cellSnapshot(run.w);
  for (const id of OPEN_CELLS)
    if (s.placed.get(id) !== CELLS_QUOTA)
      run.w.tally.violation(CATEGORY, `${label}: cell ${id} holds ${s.placed.get(id)} places, expected ${CELLS_QUOTA}`);
  const extra = await run.create(teams[0]!.key, fresh('one-more'), `${label}, then one more`);
  if (!isQuotaFull(extra))
    run.w.tally.violation(CATEGORY, `${label}: a create into full cells answered ${histogram([extra])}`);
  await run.check(label, true);
  run.w.tally.detail(CATEGORY, `${label}: ${histogram(outs)}; identities per cell: ${identitiesPerCell(s)}`);
}

/**
 * Deletes racing creates in full cells: whatever answers they get, every place a delete gives back
 * is taken at most once, and afterwards exactly the quota fits again.
 */
export async function churnRace(run: CellRun, teams: readonly Team[], deletes: number, creates: number): Promise<void> {
  const label = `${deletes} deletes racing ${creates} creates in full cells`;
  const keyOf = new Map(teams.map((t) => [t.teamId, t.key]));
  const victims = (await run.domains()).slice(0, deletes);
  const outs = await Promise.all([
    ...victims.map((d) => run.remove(keyOf.get(d.teamId)!, d.id, label)),
    ...Array.from({ length: creates }, (_, i) => run.create(teams[i % teams.length]!.key, fresh(`churn${i}`), label)),
  ]);
  await run.w.settle();
  await run.check(label, true);
  // Fill what is left, one at a time: the cells end exactly full.
  let refill = 0;
  for (;;) {
    const o = await run.create(teams[0]!.key, fresh(`refill${refill}`), `${label}, refill`);
    if (o.status !== 201) break;
    refill++;
  }
  const total = (await run.domains()).length;
  if (total !== OPEN_CELLS.length * CELLS_QUOTA)
    run.w.tally.violation(
      CATEGORY,
      `${label}: ${total} domains fit after the churn, expected ${OPEN_CELLS.length * CELLS_QUOTA}`,
    );
  await run.check(`${label}, refilled`, true);
  run.w.tally.detail(CATEGORY, `${label}: ${histogram(outs)}; ${refill} more fit afterwards, ${total} in all`);
}

/** Deletes every domain: every counter back at zero (beside the harness's places), no identity left anywhere. */
export async function clearAll(run: CellRun, teams: readonly Team[], label: string): Promise<void> {
  const keyOf = new Map(teams.map((t) => [t.teamId, t.key]));
  for (const d of await run.domains()) await run.remove(keyOf.get(d.teamId)!, d.id, label);
  await run.w.settle();
  await run.check(label, true);
  const s = await cellSnapshot(run.w);
  const left = [...s.identities.values()].flat();
  if (left.length > 0) run.w.tally.violation(CATEGORY, `${label}: identities left: ${left.join(', ')}`);
}

/** One create and delete before the races: the functions' first imports are not part of any race. */
export async function warmUp(run: CellRun, team: Team): Promise<void> {
  const made = await run.create(team.key, fresh('warm-up'), 'warm-up');
  const id = made.status === 201 && isAnswer(made) ? String(made.json?.data?.id) : null;
  if (id) await run.remove(team.key, id, 'warm-up');
  await run.w.settle();
}

export interface CellsOptions extends CellFaultOptions {
  /** Concurrent creates into the empty cells (more than their places). */
  readonly clients?: number;
}

export async function runCells(w: World, o: CellsOptions = {}): Promise<void> {
  const run = new CellRun(w);
  const teams = await Promise.all([0, 1, 2].map((i) => w.team(`cells-t${i}`)));
  await warmUp(run, teams[0]!);
  await fillRace(run, teams, o.clients ?? 15);
  await churnRace(run, teams, 4, 8);
  await clearAll(run, teams, 'every domain deleted');
  await runAssumeRoleFaults(run, teams[0]!, o);
  await runCellSesFaults(run, teams[0]!, o);
  await clearAll(run, teams, 'every domain deleted after the faults');
  const perAccount = new Map<string, number>();
  for (const c of w.stack.ses.calls()) perAccount.set(c.account, (perAccount.get(c.account) ?? 0) + 1);
  w.tally.detail(
    CATEGORY,
    `SES calls per account: ${[...perAccount].map(([a, n]) => `${a || 'refused'} ${n}`).join(', ')}; cells: ${CELLS.map((c) => c.id).join(', ')}`,
  );
}
