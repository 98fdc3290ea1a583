/**
 * The arithmetic of the cells section, without the stack: the cells a run configures, each cell's
 * SES rate read off the stand-in's call log, and how the figures of N cells compare with N times
 * the figures of one.
 */
import { LOCAL_ACCOUNT } from '../../local/access-keys.js';
import { round } from './stats.js';

export const CELLS_BENCH_REGION = 'eu-central-1';

export interface BenchCell {
  readonly id: string;
  readonly region: string;
  readonly roleArn?: string;
}

/** `n` cells in one region: the stack's own account first, then accounts reached through a role. */
export function benchCells(n: number): BenchCell[] {
  return Array.from({ length: n }, (_, i) =>
    i === 0
      ? { id: 'c1', region: CELLS_BENCH_REGION }
      : {
          id: `c${i + 1}`,
          region: CELLS_BENCH_REGION,
          roleArn: `arn:aws:iam::${String(100_000_000_000 + i)}:role/krafter-ses-cell`,
        },
  );
}

export const accountOfCell = (c: BenchCell) => (c.roleArn ? c.roleArn.split(':')[4]! : LOCAL_ACCOUNT);

/** What the SES stand-in logged of one call. */
export interface LoggedCall {
  readonly action: string;
  readonly at: number;
  readonly status: number;
  readonly account: string;
}

export interface CellRate {
  readonly cell: string;
  readonly calls: number;
  readonly ok: number;
  readonly throttled: number;
  /** Successful calls a second, from the cell's first call to its last in the window. */
  readonly ok_per_s: number;
  /** ok_per_s ÷ the budget: at most 1 if the pacer holds the cell to its budget. */
  readonly budget_ratio: number;
}

/** Each cell's rate of `action` within [from, to] (ms), against a budget of calls a second. */
export function perCellRates(
  calls: readonly LoggedCall[],
  cells: readonly BenchCell[],
  o: { action: string; from: number; to: number; budget: number },
): CellRate[] {
  return cells.map((cell) => {
    const account = accountOfCell(cell);
    const mine = calls.filter((c) => c.account === account && c.action === o.action && c.at >= o.from && c.at <= o.to);
    const ok = mine.filter((c) => c.status === 200);
    const span = ok.length > 1 ? (ok.at(-1)!.at - ok[0]!.at) / 1000 : 0;
    const rate = span > 0 ? (ok.length - 1) / span : 0;
    return {
      cell: cell.id,
      calls: mine.length,
      ok: ok.length,
      throttled: mine.filter((c) => c.status === 429).length,
      ok_per_s: round(rate, 3),
      budget_ratio: round(rate / o.budget, 3),
    };
  });
}

/** A figure of N cells ÷ (N × the figure of one cell): 1 is linear scaling. */
export function scalingRatios(runs: readonly { cells: number; value: number }[]): Record<string, number> {
  const one = runs.find((r) => r.cells === 1)?.value;
  const out: Record<string, number> = {};
  if (!one) return out;
  for (const r of runs) if (r.cells > 1) out[String(r.cells)] = round(r.value / (r.cells * one), 3);
  return out;
}
