/**
 * What a reliability run counts, per category: requests sent, 5xx that must not happen, 503s that an
 * injected fault explains, invariant violations, cross-team reads, and free-form findings. Every
 * category module writes here; the summary and the tests read it.
 */
export type Category =
  | 'bad-input'
  | 'races'
  | 'faults'
  | 'access'
  | 'iam'
  | 'load'
  | 'foreign-identities'
  | 'abuse'
  | 'webhooks'
  | 'cells';

export const CATEGORIES: readonly Category[] = [
  'bad-input',
  'races',
  'faults',
  'access',
  'iam',
  'load',
  'foreign-identities',
  'abuse',
  'webhooks',
  'cells',
];

export interface Finding {
  readonly category: Category;
  readonly message: string;
}

interface Counts {
  requests: number;
  /** 5xx that nothing explains (any 500, or a 5xx where no fault was injected). */
  unexpected5xx: number;
  /** 503 + Retry-After answers where the contract allows them: an injected fault, SES throttling, a concurrent create of the same domain. */
  expected503: number;
  /** Requests the client gave up on (a stalled function). */
  timedOut: number;
  statuses: Map<number, number>;
}

export class Tally {
  private readonly counts = new Map<Category, Counts>();
  readonly violations: Finding[] = [];
  readonly crossTeamReads: Finding[] = [];
  readonly fiveXx: Finding[] = [];
  /** Behaviour worth knowing that is not a violation of a stated invariant. */
  readonly notes: Finding[] = [];
  /** Extra lines per category for the summary (latencies, corpus size...). */
  readonly details = new Map<Category, string[]>();
  readonly durationsMs = new Map<Category, number>();

  private of(category: Category): Counts {
    let c = this.counts.get(category);
    if (!c) {
      c = { requests: 0, unexpected5xx: 0, expected503: 0, timedOut: 0, statuses: new Map() };
      this.counts.set(category, c);
    }
    return c;
  }

  request(category: Category, status: number | 'timeout'): void {
    const c = this.of(category);
    c.requests++;
    if (status === 'timeout') c.timedOut++;
    else c.statuses.set(status, (c.statuses.get(status) ?? 0) + 1);
  }

  /** Adds requests counted elsewhere (the load generator's). */
  bulk(category: Category, requests: number, statuses: ReadonlyMap<number, number>, timedOut = 0): void {
    const c = this.of(category);
    c.requests += requests;
    c.timedOut += timedOut;
    for (const [s, n] of statuses) c.statuses.set(s, (c.statuses.get(s) ?? 0) + n);
  }

  unexpected5xx(category: Category, message: string, n = 1): void {
    this.of(category).unexpected5xx += n;
    this.fiveXx.push({ category, message });
  }

  expected503(category: Category): void {
    this.of(category).expected503++;
  }

  violation(category: Category, message: string): void {
    this.violations.push({ category, message });
  }

  crossTeam(category: Category, message: string): void {
    this.crossTeamReads.push({ category, message });
  }

  note(category: Category, message: string): void {
    if (!this.notes.some((n) => n.category === category && n.message === message))
      this.notes.push({ category, message });
  }

  detail(category: Category, line: string): void {
    const lines = this.details.get(category) ?? [];
    lines.push(line);
    this.details.set(category, lines);
  }

  requests(category?: Category): number {
    if (category) return this.counts.get(category)?.requests ?? 0;
    return [...this.counts.values()].reduce((n, c) => n + c.requests, 0);
  }

  countsOf(category: Category): Readonly<Counts> {
    return this.of(category);
  }

  total5xx(): number {
    return [...this.counts.values()].reduce((n, c) => n + c.unexpected5xx, 0);
  }

  violationsIn(category: Category): Finding[] {
    return this.violations.filter((v) => v.category === category);
  }

  /** The machine-readable last line. */
  lastLine(): string {
    return `reliability: ${this.requests()} requests, ${this.total5xx()} 5xx, ${this.violations.length} invariant violations, ${this.crossTeamReads.length} cross-team reads`;
  }

  ok(): boolean {
    return this.total5xx() === 0 && this.violations.length === 0 && this.crossTeamReads.length === 0;
  }

  /**
   * Everything counted, as plain JSON: a category run in a process of its own (one that needs the
   * functions configured differently, see run.ts) hands its tally back this way.
   */
  toJSON(): TallyJson {
    return {
      counts: [...this.counts].map(([category, c]) => ({ category, ...c, statuses: [...c.statuses] })),
      violations: this.violations,
      crossTeamReads: this.crossTeamReads,
      fiveXx: this.fiveXx,
      notes: this.notes,
      details: [...this.details],
      durationsMs: [...this.durationsMs],
    };
  }

  /** Adds a tally that another process counted. */
  merge(t: TallyJson): void {
    for (const { category, statuses, ...n } of t.counts) {
      const c = this.of(category);
      c.requests += n.requests;
      c.unexpected5xx += n.unexpected5xx;
      c.expected503 += n.expected503;
      c.timedOut += n.timedOut;
      for (const [s, k] of statuses) c.statuses.set(s, (c.statuses.get(s) ?? 0) + k);
    }
    this.violations.push(...t.violations);
    this.crossTeamReads.push(...t.crossTeamReads);
    this.fiveXx.push(...t.fiveXx);
    for (const n of t.notes) this.note(n.category, n.message);
    for (const [c, lines] of t.details) for (const l of lines) this.detail(c, l);
    for (const [c, ms] of t.durationsMs) this.durationsMs.set(c, (this.durationsMs.get(c) ?? 0) + ms);
  }
}

export interface TallyJson {
  readonly counts: ReadonlyArray<
    Omit<Counts, 'statuses'> & {
      readonly category: Category;
      readonly statuses: ReadonlyArray<readonly [number, number]>;
    }
  >;
  readonly violations: readonly Finding[];
  readonly crossTeamReads: readonly Finding[];
  readonly fiveXx: readonly Finding[];
  readonly notes: readonly Finding[];
  readonly details: ReadonlyArray<readonly [Category, readonly string[]]>;
  readonly durationsMs: ReadonlyArray<readonly [Category, number]>;
}
