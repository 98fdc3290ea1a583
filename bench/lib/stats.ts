/** Small numeric helpers: every figure the bench reports is a median or a percentile of samples. */

export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

export const median = (samples: readonly number[]): number => percentile(samples, 50);

/** Rounds for the JSON file: enough digits to compare runs, not noise. */
export function round(value: number, digits = 2): number {
  if (!Number.isFinite(value)) return value;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export const ratio = (value: number, floor: number): number => round(value / floor, 2);

/** Scale factor for a quick run (`BENCH_SCALE=0.1`); sizes never drop below their minimum. */
export function benchScale(): number {
  const raw = process.env.BENCH_SCALE;
  if (raw === undefined || raw === '') return 1;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || n > 1) throw new Error(`BENCH_SCALE must be a number in (0, 1], got "${raw}"`);
  return n;
}

export const scaled = (full: number, min: number, scale = benchScale()): number =>
  Math.max(min, Math.round(full * scale));
