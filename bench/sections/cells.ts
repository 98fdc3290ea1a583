/**
 * Cells: creates a second and background checks a second with 1, 2 and 4 SES cells against the same
 * stand-in throttle per account and region, each against N × the one-cell figure (1 = linear), and
 * each cell's SES rate against its budget. Each number of cells runs its own local stack in a child
 * process (cells-child.ts): the functions read SES_CELLS once.
 */
import { scalingRatios } from '../lib/cells-bench.js';
import { Child } from '../lib/child.js';
import { mark, table } from '../lib/table.js';
import type { CellsRunOptions, CellsRunResult } from './cells-child.js';

export interface CellsOptions {
  readonly counts: readonly number[];
  readonly createsPerCell: number;
  readonly sesLimit: number;
  readonly budget: number;
}

export interface CellsResult {
  readonly ses_limit_per_s: number;
  readonly budget_per_s: number;
  readonly runs: CellsRunResult[];
  /** creates_per_s of N cells ÷ (N × one cell's), by N. */
  readonly creates_ratio: Record<string, number>;
  /** checks_per_s of N cells ÷ (N × one cell's), by N. */
  readonly checks_ratio: Record<string, number>;
  /** The highest budget_ratio of any cell in any run (above 1: a cell went past its budget). */
  readonly max_cell_budget_ratio: number;
}

async function runOne(o: CellsRunOptions, progress: (line: string) => void): Promise<CellsRunResult> {
  const child = new Child(new URL('./cells-child.ts', import.meta.url), { BENCH_CELLS: JSON.stringify(o) });
  const forward = async () => {
    for (;;) progress(await child.next<string>('progress'));
  };
  forward().catch(() => undefined);
  try {
    return await child.next<CellsRunResult>('result');
  } finally {
    child.kill();
    await child.done;
  }
}

export async function measureCells(o: CellsOptions, progress: (line: string) => void): Promise<CellsResult> {
  const runs: CellsRunResult[] = [];
  for (const cells of o.counts) {
    progress(`starting the local stack with ${cells} cell(s)`);
    runs.push(
      await runOne({ cells, createsPerCell: o.createsPerCell, sesLimit: o.sesLimit, budget: o.budget }, progress),
    );
  }
  return {
    ses_limit_per_s: o.sesLimit,
    budget_per_s: o.budget,
    runs,
    creates_ratio: scalingRatios(runs.map((r) => ({ cells: r.cells, value: r.creates_per_s }))),
    checks_ratio: scalingRatios(runs.map((r) => ({ cells: r.cells, value: r.checks_per_s }))),
    max_cell_budget_ratio: Math.max(...runs.flatMap((r) => r.check_rates.map((c) => c.budget_ratio))),
  };
}

/** Scaling below this share of N × one cell misses the target; a cell above its budget always does. */
export const CELLS_TARGETS = { scaling: 0.8, budgetRatio: 1.0 };

export function cellsTargetsMissed(c: CellsResult): string[] {
  const missed: string[] = [];
  for (const [what, ratios] of [
    ['creates_ratio', c.creates_ratio],
    ['checks_ratio', c.checks_ratio],
  ] as const)
    for (const [n, ratio] of Object.entries(ratios))
      if (ratio < CELLS_TARGETS.scaling)
        missed.push(`cells.${what}[${n}] ${ratio} < ${CELLS_TARGETS.scaling} (${n} cells ÷ ${n} × one cell)`);
  for (const r of c.runs)
    if (r.creates_given_up > 0)
      missed.push(`cells: with ${r.cells} cell(s), ${r.creates_given_up} creates still answered 503 after 10 attempts`);
  if (c.max_cell_budget_ratio > CELLS_TARGETS.budgetRatio)
    missed.push(`cells: a cell's checks ran at ${c.max_cell_budget_ratio} × its budget of ${c.budget_per_s}/s`);
  return missed;
}

export function printCells(c: CellsResult): void {
  const rates = (rs: readonly { cell: string; ok_per_s: number; throttled: number }[]) =>
    rs.map((r) => `${r.cell} ${r.ok_per_s}/s${r.throttled ? ` (${r.throttled} throttled)` : ''}`).join(', ');
  table(
    `9. Cells: the stand-in throttles each account at ${c.ses_limit_per_s} calls/s; the verifier's budget is ${c.budget_per_s}/s per cell; ratio = N cells ÷ (N × 1 cell)`,
    [
      'cells',
      'creates',
      'creates/s',
      'ratio',
      '503s',
      'SES calls/create',
      'checks',
      'checks/s',
      'ratio',
      'checks/s per cell',
      'AssumeRole',
    ],
    c.runs.map((r) => [
      r.cells,
      r.creates,
      r.creates_per_s,
      `${c.creates_ratio[String(r.cells)] ?? 1}${mark((c.creates_ratio[String(r.cells)] ?? 1) < CELLS_TARGETS.scaling)}`,
      r.create_503s,
      r.creates_given_up,
      r.ses_calls_per_create,
      r.checks,
      r.checks_per_s,
      `${c.checks_ratio[String(r.cells)] ?? 1}${mark((c.checks_ratio[String(r.cells)] ?? 1) < CELLS_TARGETS.scaling)}`,
      rates(r.check_rates),
      r.assume_role_calls,
    ]),
  );
}
