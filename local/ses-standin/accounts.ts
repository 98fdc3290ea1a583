/**
 * SES keeps identities and its rate limit per account and region: 10,000 identities and about one
 * identity call a second in each, whatever the others do. Here each (account, region) gets its own
 * identities and token bucket on first use. A rate set without naming an account applies to every
 * account and region (now and later); failures injected without naming one hit the next calls
 * whatever their account, and `failNext: 0` without naming one lifts every injected failure. No
 * HTTP here.
 */
import type { Account } from './account.js';
import { Identities, type Lookup } from './identities.js';
import type { SavedAccount, Store } from './store.js';
import { type FailWith, Throttle, type ThrottleOptions } from './throttle.js';

export interface Scope {
  readonly account?: string | undefined;
  readonly region?: string | undefined;
}

/**
 * Throttle options aimed at one account and region, or (neither given) at every call. With
 * `action`, the injected failures hit only the next calls of that SES action (of that account and
 * region when named): a failure halfway through a create, say.
 */
export type ScopedThrottleOptions = ThrottleOptions & Scope & { readonly action?: string | undefined };

interface AimedFailures {
  readonly account: string | undefined;
  readonly region: string | undefined;
  readonly action: string;
  count: number;
  readonly kind: FailWith;
}

export interface AccountRegion extends Account {
  readonly throttle: Throttle;
}

export interface AccountsOptions {
  readonly now: () => number;
  readonly lookup: Lookup;
  readonly store: Store;
  /** The stand-in's own account and the region of calls whose signature names none. */
  readonly defaults: { readonly account: string; readonly region: string };
  /** Identities per account and region (SES: 10,000). */
  readonly limit?: number | undefined;
}

const keyOf = (account: string, region: string) => `${account}/${region}`;

export class Accounts {
  private readonly byKey = new Map<string, AccountRegion>();
  /** Failures injected for any call, ahead of each account's own. */
  private readonly everyCall: Throttle;
  /** Failures for the next calls of one action. */
  private aimed: AimedFailures[] = [];
  /** The rate new accounts and regions start with. */
  private rate: number | null = null;

  constructor(private readonly o: AccountsOptions) {
    this.everyCall = new Throttle(o.now);
    for (const saved of o.store.load(o.defaults)) this.create(saved.account, saved.region, saved.identities);
  }

  /** The identities and throttle of one account and region, made on first use. */
  get(account: string, region: string): AccountRegion {
    return this.byKey.get(keyOf(account, region)) ?? this.create(account, region, []);
  }

  private create(account: string, region: string, saved: SavedAccount['identities']): AccountRegion {
    const throttle = new Throttle(this.o.now);
    throttle.set({ ratePerSecond: this.rate });
    const entry: AccountRegion = {
      account,
      region,
      identities: new Identities(saved, this.o.limit),
      throttle,
      now: this.o.now,
      lookup: this.o.lookup,
      save: () => this.save(),
    };
    this.byKey.set(keyOf(account, region), entry);
    return entry;
  }

  /** Every account and region seen, those a filter names only when given one. */
  list(scope: Scope = {}): AccountRegion[] {
    return [...this.byKey.values()]
      .filter(
        (a) =>
          (scope.account === undefined || a.account === scope.account) &&
          (scope.region === undefined || a.region === scope.region),
      )
      .sort((a, b) => keyOf(a.account, a.region).localeCompare(keyOf(b.account, b.region)));
  }

  /** Identity names of the accounts and regions a filter names (all without one), sorted; a name held in two is listed twice. */
  names(scope: Scope = {}): string[] {
    return this.list(scope)
      .flatMap((a) => a.identities.names())
      .sort();
  }

  /**
   * Whether a call of this account and region gets through: failures for every call first, then
   * those aimed at its action, then its account's own failures and token bucket.
   */
  admit(account: AccountRegion, action = ''): FailWith | null {
    const everyCall = this.everyCall.admit();
    if (everyCall) return everyCall;
    const aimed = this.aimed.find(
      (f) =>
        f.count > 0 &&
        f.action === action &&
        (f.account === undefined || f.account === account.account) &&
        (f.region === undefined || f.region === account.region),
    );
    if (aimed) {
      aimed.count--;
      return aimed.kind;
    }
    return account.throttle.admit();
  }

  setThrottle(t: ScopedThrottleOptions): void {
    const { account, region, action, ...options } = t;
    if (action !== undefined) {
      this.aimed = this.aimed.filter((f) => f.count > 0);
      this.aimed.push({
        account,
        region,
        action,
        count: options.failNext ?? 1,
        kind: options.failWith ?? 'throttle',
      });
      return;
    }
    if (account !== undefined || region !== undefined) {
      this.get(account ?? this.o.defaults.account, region ?? this.o.defaults.region).throttle.set(options);
      return;
    }
    if (options.ratePerSecond !== undefined) {
      this.rate = options.ratePerSecond;
      for (const a of this.byKey.values()) a.throttle.set({ ratePerSecond: options.ratePerSecond });
    }
    this.everyCall.set({ failNext: options.failNext, failWith: options.failWith });
    // No failures for any call means none anywhere: a test lifting its faults lifts the aimed ones too.
    if (options.failNext === 0) {
      this.aimed = [];
      for (const a of this.byKey.values()) a.throttle.set({ failNext: 0 });
    }
  }

  throttleState() {
    return {
      ...this.everyCall.state(),
      ratePerSecond: this.rate,
      aimed: this.aimed.filter((f) => f.count > 0),
      accounts: this.list().map((a) => ({ account: a.account, region: a.region, ...a.throttle.state() })),
    };
  }

  /** Forgets every identity and lifts every limit and injected failure. */
  reset(): void {
    this.byKey.clear();
    this.rate = null;
    this.aimed = [];
    this.everyCall.lift();
    this.save();
  }

  private save(): void {
    this.o.store.save(
      this.list().map((a) => ({ account: a.account, region: a.region, identities: a.identities.all() })),
    );
  }
}
