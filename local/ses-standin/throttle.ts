/** SES's rate limit as a token bucket over all calls, and failures a test injects into the next calls. */

export type FailWith = 'throttle' | 'server_error' | 'timeout';

export interface ThrottleOptions {
  /** Token bucket over all SES calls (SES: about 1/s per account and region); null = unlimited. */
  ratePerSecond?: number | null;
  /** The next N SES calls fail with `failWith` (default throttle); timeout = never answered. */
  failNext?: number;
  failWith?: FailWith;
}

export class Throttle {
  private bucket: { rate: number | null; tokens: number; at: number };
  private failures: { count: number; kind: FailWith } = { count: 0, kind: 'throttle' };

  constructor(private readonly now: () => number) {
    this.bucket = { rate: null, tokens: 0, at: now() };
  }

  /** Changes what is given; the rest stays as it was. */
  set(t: ThrottleOptions): void {
    if (t.ratePerSecond !== undefined) {
      const rate = t.ratePerSecond !== null && t.ratePerSecond > 0 ? t.ratePerSecond : null;
      this.bucket = { rate, tokens: Math.max(1, rate ?? 0), at: this.now() };
    }
    this.failures = { count: t.failNext ?? this.failures.count, kind: t.failWith ?? this.failures.kind };
  }

  /** No limit, no injected failure. */
  lift(): void {
    this.set({ ratePerSecond: null, failNext: 0, failWith: 'throttle' });
  }

  state(): { ratePerSecond: number | null; failNext: number; failWith: FailWith } {
    return { ratePerSecond: this.bucket.rate, failNext: this.failures.count, failWith: this.failures.kind };
  }

  /** Whether one SES call gets through: injected failures first, then the token bucket (burst = rate). */
  admit(): FailWith | null {
    if (this.failures.count > 0) {
      this.failures.count--;
      return this.failures.kind;
    }
    const bucket = this.bucket;
    if (bucket.rate === null) return null;
    const t = this.now();
    bucket.tokens = Math.min(Math.max(1, bucket.rate), bucket.tokens + ((t - bucket.at) / 1000) * bucket.rate);
    bucket.at = t;
    if (bucket.tokens < 1) return 'throttle';
    bucket.tokens -= 1;
    return null;
  }
}
