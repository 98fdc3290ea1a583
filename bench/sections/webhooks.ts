/**
 * Webhooks: how soon a change reaches the team's endpoint, what each delivery costs in AWS calls,
 * how many deliveries a burst gets through with 20 endpoints, and whether a hanging endpoint slows
 * the healthy ones. The local stack runs in a child process (webhooks-child.ts); the receivers and
 * the changes (PATCH /domains/:id, each with a return path of its own) are here, on another event
 * loop, so a time is taken from the PATCH's start to the receiver's first byte of the delivery.
 */
import { type CallCounts, summarize } from '../lib/calls.js';
import { Child } from '../lib/child.js';
import { type Arrival, type Receivers, startReceivers } from '../lib/receivers.js';
import { percentile, round } from '../lib/stats.js';
import { type DeliveredDomain, perSecond, returnPathOf } from '../lib/webhook-bench.js';
import type { StepCalls, TEAMS, WebhooksTarget } from './webhooks-child.js';

export interface WebhooksOptions {
  /** Changes timed one endpoint away (after a few for warm-up). */
  readonly latencyEvents: number;
  /** Changes at once to a team with `burstEndpoints` endpoints. */
  readonly burstEvents: number;
  readonly burstEndpoints: number;
  /** Changes in each arm of the isolation measure (without, then with the hanging endpoint). */
  readonly isolationEvents: number;
  readonly healthyEndpoints: number;
  /** Pace of the timed changes (open loop: a change starts on time whatever the earlier ones do). */
  readonly ratePerS: number;
}

/** AWS calls per delivered event, averaged. */
export interface PerDelivery {
  readonly dynamodb: number;
  readonly sqs: number;
  readonly kms: number;
  readonly ops: string[];
}

export interface StepsPerDelivery {
  readonly fanout: PerDelivery;
  readonly deliver: PerDelivery;
  readonly total: PerDelivery;
}

export interface WebhooksResult {
  readonly events: number;
  readonly rate_per_s: number;
  /** From the PATCH's start to the receiver's first byte of its first attempt. */
  readonly first_attempt_p50_ms: number;
  readonly first_attempt_p99_ms: number;
  /** The PATCH itself (its answer), and from its answer to the first byte. */
  readonly patch_p50_ms: number;
  readonly after_answer_p50_ms: number;
  /** One endpoint per event: the fan-out's read of the endpoints is not shared. */
  readonly calls_per_delivery: StepsPerDelivery;
  /** With `burst.endpoints` endpoints per event. */
  readonly calls_per_delivery_burst: StepsPerDelivery;
  readonly burst: {
    readonly endpoints: number;
    readonly events: number;
    readonly deliveries: number;
    /** From the burst's first PATCH to the last delivery's first byte. */
    readonly span_s: number;
    /** From the first delivery's first byte to the last one's. */
    readonly delivering_s: number;
  };
  /** Deliveries per second over the burst's span. */
  readonly deliveries_per_s: number;
  readonly isolation: {
    readonly healthy_endpoints: number;
    readonly events: number;
    readonly p50_without_ms: number;
    readonly p50_with_ms: number;
    readonly p99_without_ms: number;
    readonly p99_with_ms: number;
    /** Attempts the hanging endpoint received (each held its worker's batch for the 10 s limit). */
    readonly hanging_attempts: number;
  };
  /** Healthy endpoints' first-attempt p50 with the hanging endpoint present ÷ without. */
  readonly isolation_ratio: number;
  /** AWS clients the fan-out and the worker were seen calling (for the cold-start check). */
  readonly clients: Record<'webhook-fanout' | 'webhook-deliver', string[]>;
}

type Team = (typeof TEAMS)[number];

interface Domain {
  readonly id: string;
  /** The domain's previous PATCH, settled: one change per domain at a time. */
  busy: Promise<unknown>;
}

interface Change {
  start: number;
  answered: number;
  /** Endpoint paths still to hear of it. */
  readonly waiting: Set<string>;
  /** First-byte time per endpoint path. */
  readonly arrived: Map<string, number>;
  readonly done: Promise<void>;
  resolve(): void;
}

const ARM_DEADLINE_MS = 60_000;

export async function measureWebhooks(
  opts: WebhooksOptions,
  progress: (line: string) => void,
): Promise<WebhooksResult> {
  const child = new Child(new URL('./webhooks-child.ts', import.meta.url));
  const receivers = await startReceivers();
  try {
    progress('starting the local stack');
    const target = await child.next<WebhooksTarget>('ready');
    const run = new Run(target, receivers);
    const calls = async () => {
      child.send('ask', 'calls');
      return child.next<StepCalls>('calls');
    };

    progress('creating endpoints and domains');
    await run.endpoint('wh-latency', 'latency');
    for (let i = 0; i < opts.burstEndpoints; i++) await run.endpoint('wh-burst', `burst-${i}`);
    for (let i = 0; i < opts.healthyEndpoints; i++) await run.endpoint('wh-isolation', `healthy-${i}`);
    receivers.hang('hanging');
    const hanging = await run.endpoint('wh-isolation', 'hanging');
    await run.api('wh-isolation', 'PATCH', `/webhooks/${hanging}`, { enabled: false });
    // Enough domains that a domain's next change never waits for its last at the set pace.
    const paced = Math.max(4, Math.ceil(opts.ratePerS));
    const latencyDomains = await run.domains('wh-latency', 'latency', paced);
    const burstDomains = await run.domains('wh-burst', 'burst', opts.burstEvents);
    const isolationDomains = await run.domains('wh-isolation', 'isolation', paced);

    progress('warming up');
    await run.paced('wh-latency', latencyDomains, 3, opts.ratePerS, ['latency']);
    await calls();

    progress(`latency: ${opts.latencyEvents} changes at ${opts.ratePerS}/s, one endpoint`);
    const timed = await run.paced('wh-latency', latencyDomains, opts.latencyEvents, opts.ratePerS, ['latency']);
    const latencyCalls = await calls();
    const firstByte = timed.map((c) => c.arrived.get('/hook/latency')! - c.start);

    const burstPaths = Array.from({ length: opts.burstEndpoints }, (_, i) => `burst-${i}`);
    progress(`burst: ${opts.burstEvents} changes at once, ${opts.burstEndpoints} endpoints each`);
    const burst = await run.burst('wh-burst', burstDomains, burstPaths);
    const burstCalls = await calls();
    const arrivals = burst.flatMap((c) => [...c.arrived.values()]);
    const burstStart = Math.min(...burst.map((c) => c.start));
    const burstEnd = Math.max(...arrivals);

    const healthy = Array.from({ length: opts.healthyEndpoints }, (_, i) => `healthy-${i}`);
    const healthyLatencies = (changes: Change[]) =>
      changes.flatMap((c) => [...c.arrived.values()].map((t) => t - c.start));
    progress(`isolation: ${opts.isolationEvents} changes to ${opts.healthyEndpoints} endpoints, without a hanging one`);
    const without = healthyLatencies(
      await run.paced('wh-isolation', isolationDomains, opts.isolationEvents, opts.ratePerS, healthy),
    );
    await run.api('wh-isolation', 'PATCH', `/webhooks/${hanging}`, { enabled: true });
    progress(`isolation: the same with an endpoint that never answers`);
    const hangingBefore = receivers.arrivals.filter((a) => a.path === '/hook/hanging').length;
    const withHanging = healthyLatencies(
      await run.paced('wh-isolation', isolationDomains, opts.isolationEvents, opts.ratePerS, healthy),
    );
    const hangingAttempts = receivers.arrivals.filter((a) => a.path === '/hook/hanging').length - hangingBefore;

    const p50Without = percentile(without, 50);
    const p50With = percentile(withHanging, 50);
    const deliveries = burst.length * opts.burstEndpoints;
    return {
      events: opts.latencyEvents,
      rate_per_s: opts.ratePerS,
      first_attempt_p50_ms: round(percentile(firstByte, 50), 1),
      first_attempt_p99_ms: round(percentile(firstByte, 99), 1),
      patch_p50_ms: round(
        percentile(
          timed.map((c) => c.answered - c.start),
          50,
        ),
        1,
      ),
      after_answer_p50_ms: round(
        percentile(
          timed.map((c) => c.arrived.get('/hook/latency')! - c.answered),
          50,
        ),
        1,
      ),
      calls_per_delivery: perDelivery(latencyCalls, timed.length),
      calls_per_delivery_burst: perDelivery(burstCalls, deliveries),
      burst: {
        endpoints: opts.burstEndpoints,
        events: burst.length,
        deliveries,
        span_s: round((burstEnd - burstStart) / 1000, 2),
        delivering_s: round((burstEnd - Math.min(...arrivals)) / 1000, 2),
      },
      deliveries_per_s: round(perSecond(deliveries, burstStart, burstEnd), 1),
      isolation: {
        healthy_endpoints: opts.healthyEndpoints,
        events: opts.isolationEvents,
        p50_without_ms: round(p50Without, 1),
        p50_with_ms: round(p50With, 1),
        p99_without_ms: round(percentile(without, 99), 1),
        p99_with_ms: round(percentile(withHanging, 99), 1),
        hanging_attempts: hangingAttempts,
      },
      isolation_ratio: round(p50With / p50Without, 2),
      clients: {
        'webhook-fanout': [...new Set([...latencyCalls.fanout.clients, ...burstCalls.fanout.clients])].sort(),
        'webhook-deliver': [...new Set([...latencyCalls.deliver.clients, ...burstCalls.deliver.clients])].sort(),
      },
    };
  } finally {
    // Closing the receivers ends the hanging attempt at once, so the stack stops without waiting for it.
    await receivers.close();
    child.send('ask', 'stop');
    await Promise.race([child.done, new Promise((r) => setTimeout(r, 20_000).unref())]);
    child.kill();
    await child.done;
  }
}

function perDelivery(calls: StepCalls, deliveries: number): StepsPerDelivery {
  const per = (c: Pick<CallCounts, 'dynamodb' | 'sqs' | 'kms' | 'ops'>): PerDelivery => ({
    dynamodb: round(c.dynamodb / deliveries, 2),
    sqs: round(c.sqs / deliveries, 2),
    kms: round(c.kms / deliveries, 2),
    ops: summarize(c.ops, deliveries),
  });
  const { fanout, deliver } = calls;
  return {
    fanout: per(fanout),
    deliver: per(deliver),
    total: per({
      dynamodb: fanout.dynamodb + deliver.dynamodb,
      sqs: fanout.sqs + deliver.sqs,
      kms: fanout.kms + deliver.kms,
      ops: [...fanout.ops, ...deliver.ops],
    }),
  };
}

/** The section's requests and the changes waiting for their deliveries. */
class Run {
  private readonly changes = new Map<string, Change>();
  private serial = 0;

  constructor(
    private readonly target: WebhooksTarget,
    private readonly receivers: Receivers,
  ) {
    receivers.onArrival = (a) => this.arrived(a);
  }

  async api(team: Team, method: string, path: string, body?: unknown): Promise<{ data: { id: string } }> {
    const res = await fetch(`${this.target.apiUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.target.keys[team]}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status > 299) throw new Error(`${method} ${path} answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as { data: { id: string } };
  }

  /** An endpoint of `team` at the receiver path `name`, told of domain.updated only. */
  async endpoint(team: Team, name: string): Promise<string> {
    const body = { url: this.receivers.url(name), events: ['domain.updated'], description: `bench ${name}` };
    return (await this.api(team, 'POST', '/webhooks', body)).data.id;
  }

  async domains(team: Team, label: string, n: number): Promise<Domain[]> {
    const out: Domain[] = [];
    for (let i = 0; i < n; i++) {
      const { data } = await this.api(team, 'POST', '/domains', { domain: `d${i}.${label}.webhook-bench.example.com` });
      out.push({ id: data.id, busy: Promise.resolve() });
    }
    return out;
  }

  /** Changes `domain` (a return path never used before) once its last change has answered. */
  private change(team: Team, domain: Domain, paths: readonly string[]): Change {
    const returnPath = `b${++this.serial}`;
    let resolve: () => void = () => undefined;
    const done = new Promise<void>((r) => {
      resolve = r;
    });
    const change: Change = {
      start: Number.NaN,
      answered: Number.NaN,
      waiting: new Set(paths.map((p) => `/hook/${p}`)),
      arrived: new Map(),
      done,
      resolve,
    };
    this.changes.set(`${domain.id}/${returnPath}`, change);
    domain.busy = domain.busy.then(async () => {
      change.start = performance.now();
      await this.api(team, 'PATCH', `/domains/${domain.id}`, { return_path: returnPath });
      change.answered = performance.now();
    });
    return change;
  }

  private arrived(a: Arrival): void {
    const event = a.body as { type?: string; data?: DeliveredDomain & { id: string } };
    if (event.type !== 'domain.updated' || !event.data) return;
    const change = this.changes.get(`${event.data.id}/${returnPathOf(event.data)}`);
    // A retry or a second copy: only the first attempt is timed.
    if (!change?.waiting.delete(a.path)) return;
    change.arrived.set(a.path, a.firstByteAt);
    if (change.waiting.size === 0) change.resolve();
  }

  private async settle(changes: Change[], domains: readonly Domain[]): Promise<Change[]> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const missing = changes.reduce((n, c) => n + c.waiting.size, 0);
        reject(new Error(`${missing} deliveries had not arrived ${ARM_DEADLINE_MS / 1000} s after the last change`));
      }, ARM_DEADLINE_MS);
    });
    try {
      await Promise.race([Promise.all(domains.map((d) => d.busy)), deadline]);
      await Promise.race([Promise.all(changes.map((c) => c.done)), deadline]);
    } finally {
      clearTimeout(timer);
    }
    return changes;
  }

  /** `n` changes at `ratePerS`, round the domains; resolves when every one reached every path. */
  async paced(
    team: Team,
    domains: readonly Domain[],
    n: number,
    ratePerS: number,
    paths: readonly string[],
  ): Promise<Change[]> {
    const t0 = performance.now();
    const changes: Change[] = [];
    for (let i = 0; i < n; i++) {
      const due = t0 + (i * 1000) / ratePerS - performance.now();
      if (due > 0) await new Promise((r) => setTimeout(r, due));
      changes.push(this.change(team, domains[i % domains.length]!, paths));
    }
    return this.settle(changes, domains);
  }

  /** One change to each domain at once. */
  async burst(team: Team, domains: readonly Domain[], paths: readonly string[]): Promise<Change[]> {
    return this.settle(
      domains.map((d) => this.change(team, d, paths)),
      domains,
    );
  }
}
