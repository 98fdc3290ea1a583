/**
 * One reliability environment: the local stack (same handlers, stand-ins behind them) with fault
 * proxies in front of DynamoDB, SQS and SES, a DNS server, the functions' log output captured, and a
 * client whose every answer is checked the same way (status class, error envelope, security
 * headers, no CORS, no key material, no internal error text) and counted in the tally.
 */
import { randomUUID } from 'node:crypto';
import { GetEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import type { FaultProxies } from '../local/fault-proxy.js';
import type { LocalStack } from '../local/stack.js';
import { KEY_PREFIX } from '../src/adapters/table-keys.js';
import { type E2E, startE2E } from '../test/support/e2e.js';
import { type Answer, isAnswer, type Outcome, RawClient, type RawRequest } from './client.js';
import { type InvariantOptions, invariantViolations, type Snapshot, scanTable } from './state.js';
import { type Category, Tally } from './tally.js';

export const SECURITY_HEADERS: ReadonlyArray<readonly [string, RegExp]> = [
  ['strict-transport-security', /max-age=\d+/],
  ['x-content-type-options', /^nosniff$/],
  ['x-frame-options', /^(DENY|SAMEORIGIN)$/i],
  ['content-security-policy', /frame-ancestors 'none'|default-src/],
  ['referrer-policy', /./],
  ['cache-control', /no-store/],
];

/** Text that only an internal error, a stack trace or an AWS SDK error would put in a body. */
const INTERNAL_TEXT =
  /\n\s+at .+:\d+:\d+|\bat (?:async )?[\w.<>]+ \((?:file:|node:|\/).+:\d+:\d+\)|node_modules|Exception\b|ConditionalCheck|TransactionCanceled|ECONNRESET|ECONNREFUSED|socket hang up|Rate of requests exceeds|RequestThrottled|InternalServerError|Too Many Requests|An internal error occurred|x-amzn|\$metadata/;

export interface Team {
  readonly teamId: string;
  readonly keyId: string;
  readonly key: string;
}

export interface SendOptions {
  /** A fault is injected: a 503 `service_unavailable` with Retry-After is the expected answer. */
  readonly allow503?: boolean;
  /** Every SES cell of the region may be full: a 503 `identity_quota_exceeded` is the expected answer. */
  readonly allowQuota503?: boolean;
  /** What the request was, for findings. */
  readonly label?: string;
}

/** Captures everything written to stdout and stderr (the functions' Powertools logs) without showing it. */
export class LogCapture {
  private chunks: string[] = [];
  private bytes = 0;
  private readonly original = {
    out: process.stdout.write.bind(process.stdout),
    err: process.stderr.write.bind(process.stderr),
  };
  private active = false;

  start(): void {
    if (this.active) return;
    this.active = true;
    const grab = (chunk: unknown, ...rest: unknown[]) => {
      const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk);
      if (this.bytes < 512 * 1024 * 1024) {
        this.chunks.push(text);
        this.bytes += text.length;
      }
      const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      cb?.();
      return true;
    };
    process.stdout.write = grab as typeof process.stdout.write;
    process.stderr.write = grab as typeof process.stderr.write;
  }

  stop(): void {
    if (!this.active) return;
    this.active = false;
    process.stdout.write = this.original.out;
    process.stderr.write = this.original.err;
  }

  /** Writes to the real stdout even while capturing. */
  print(line: string): void {
    this.original.out(`${line}\n`);
  }

  text(): string {
    return this.chunks.join('');
  }

  lines(): number {
    return this.chunks.reduce((n, c) => n + (c.match(/\n/g)?.length ?? 0), 0);
  }

  bytesCaptured(): number {
    return this.bytes;
  }
}

export interface WorldOptions {
  readonly dynamoEndpoint?: string;
  /** Powertools log level of the functions (DEBUG: the most they ever log). */
  readonly logLevel?: string;
  readonly captureLogs?: boolean;
  readonly maxReceiveCount?: number;
  readonly visibilityTimeoutSeconds?: number;
  /**
   * API_KEY_CACHE_SECONDS of the functions (default 0: every request looks its key up, so a revoked
   * key is refused at once and auth meets the faults). The abuse run needs the cache on, to show
   * what an unknown or revoked key costs in a warm container.
   */
  readonly apiKeyCacheSeconds?: number;
  /**
   * WEBHOOKS_ALLOW_LOCAL_TARGETS=1, as `npm start` may set it: webhook receivers on 127.0.0.1 (and
   * `http:`) accepted. Off by default, as deployed; the functions read it once per process.
   */
  readonly allowLocalTargets?: boolean;
  /**
   * Runs the webhook pipeline (fan-out and delivery worker). Off by default: its background calls
   * would be laid at the door of whatever request the proxies saw last.
   */
  readonly webhookDelivery?: boolean;
  /** WEBHOOK_RETRY_SCHEDULE_SECONDS of the functions (default: the deployed schedule). */
  readonly retrySchedule?: string;
  /** The delivery queue's visibility timeout: when an attempt whose worker failed comes back. */
  readonly deliveryVisibilityTimeoutSeconds?: number;
  /** More environment for the functions (e.g. SES_CELLS), set last. */
  readonly env?: Readonly<Record<string, string>>;
}

export class World {
  readonly tally = new Tally();
  /** Every key created in this world, plaintext: none may show up in a log or a later response. */
  readonly keys: { keyId: string; plaintext: string }[] = [];
  /** Pieces of BYODKIM private keys sent to the API: none may show up in a log or a response. */
  readonly dkimSecrets: string[] = [];
  /** Domain ids a delete answered 200 for. */
  readonly deleted = new Set<string>();
  /**
   * SES identities made straight in the stand-in, as another application of the account would: the
   * invariants let them have no domain item, and require that none ever gets one.
   */
  readonly foreign = new Set<string>();
  /** Verify messages found in the dead-letter queue (drained from it by `readDlq`). */
  readonly dlq: { teamId: string; domainId: string; requestedAt: string; reason: string }[] = [];
  readonly client: RawClient;
  readonly stack: LocalStack;
  readonly faults: FaultProxies;

  private constructor(
    readonly e2e: E2E,
    readonly logs: LogCapture,
  ) {
    this.stack = e2e.stack;
    if (!e2e.stack.faults) throw new Error('the local stack was started without fault proxies');
    this.faults = e2e.stack.faults;
    this.client = new RawClient(e2e.stack.apiUrl);
  }

  static async start(o: WorldOptions = {}): Promise<World> {
    const logs = new LogCapture();
    if (o.captureLogs !== false) logs.start();
    try {
      const e2e = await startE2E({
        dynamoEndpoint: o.dynamoEndpoint ?? process.env.TEST_DYNAMODB_ENDPOINT,
        tableName: `rel-${randomUUID()}`,
        faultProxies: true,
        // Every AWS call is read off the proxies and laid at the door of the request that caused it;
        // the webhook fan-out, reading the table's stream in the background, would blur that.
        webhookDelivery: o.webhookDelivery ?? false,
        deliveryVisibilityTimeoutSeconds: o.deliveryVisibilityTimeoutSeconds,
        visibilityTimeoutSeconds: o.visibilityTimeoutSeconds ?? 1,
        maxReceiveCount: o.maxReceiveCount ?? 3,
        env: {
          POWERTOOLS_LOG_LEVEL: o.logLevel ?? 'DEBUG',
          API_KEY_CACHE_SECONDS: String(o.apiKeyCacheSeconds ?? 0),
          SES_BACKGROUND_RATE: '1000',
          // The per-team limiter still counts every request (and meets the faults), but never refuses one here.
          RATE_LIMIT_PER_MINUTE: '1000000',
          // Set either way, so that a value in the caller's environment cannot decide it.
          WEBHOOKS_ALLOW_LOCAL_TARGETS: o.allowLocalTargets ? '1' : '',
          ...(o.retrySchedule !== undefined && { WEBHOOK_RETRY_SCHEDULE_SECONDS: o.retrySchedule }),
          ...o.env,
        },
      });
      return new World(e2e, logs);
    } catch (err) {
      logs.stop();
      throw err;
    }
  }

  async stop(): Promise<void> {
    this.client.close();
    this.ses?.destroy();
    this.other?.destroy();
    await this.e2e.stop();
    this.logs.stop();
  }

  async team(prefix: string, scopes: string[] = ['domains:manage']): Promise<Team> {
    const teamId = `${prefix}-${randomUUID().slice(0, 8)}`;
    const k = await this.e2e.newKey(teamId, scopes);
    this.keys.push(k);
    return { teamId, keyId: k.keyId, key: k.plaintext };
  }

  async keyFor(teamId: string, scopes: string[]): Promise<{ keyId: string; key: string }> {
    const k = await this.e2e.newKey(teamId, scopes);
    this.keys.push(k);
    return { keyId: k.keyId, key: k.plaintext };
  }

  /** Sends one request and checks its answer; the outcome is returned for the caller's own checks. */
  async send(category: Category, r: RawRequest, o: SendOptions = {}): Promise<Outcome> {
    const out = await this.client.send(r);
    this.observe(category, r, out, o);
    return out;
  }

  /** A JSON API call with a key. */
  call(
    category: Category,
    method: string,
    path: string,
    key: string | null,
    body?: unknown,
    o: SendOptions & { timeoutMs?: number } = {},
  ): Promise<Outcome> {
    const headers: [string, string][] = [];
    if (key !== null) headers.push(['authorization', `Bearer ${key}`]);
    if (body !== undefined) headers.push(['content-type', 'application/json']);
    return this.send(
      category,
      { method, path, headers, body: body === undefined ? undefined : JSON.stringify(body), timeoutMs: o.timeoutMs },
      o,
    );
  }

  observe(category: Category, r: RawRequest, out: Outcome, o: SendOptions = {}): void {
    const what = o.label ?? `${r.method} ${r.path.slice(0, 80)}`;
    if (!isAnswer(out)) {
      this.tally.request(category, 'timeout');
      if (out.status === 'error') this.tally.violation(category, `${what}: no HTTP answer (${out.error})`);
      return;
    }
    this.tally.request(category, out.status);
    if (out.status >= 500) {
      const envelope = out.json?.error;
      if (
        out.status === 503 &&
        ((o.allow503 && envelope?.code === 'service_unavailable' && /^\d+$/.test(out.headers['retry-after'] ?? '')) ||
          (o.allowQuota503 && envelope?.code === 'identity_quota_exceeded'))
      ) {
        this.tally.expected503(category);
      } else {
        this.tally.unexpected5xx(category, `${what} → ${out.status} ${out.text.slice(0, 160)}`);
      }
    }
    for (const problem of answerProblems(out, r.path))
      this.tally.violation(category, `${what} → ${out.status}: ${problem}`);
    const leaked = this.keys.find(
      (k) =>
        out.text.includes(k.plaintext) ||
        out.text.includes(secretOf(k.plaintext)) ||
        Object.values(out.headers).some((h) => h.includes(secretOf(k.plaintext))),
    );
    if (leaked) this.tally.violation(category, `${what}: the response carries the key ${leaked.keyId}`);
  }

  async snapshot(): Promise<Snapshot> {
    return { items: await scanTable(this.stack.ddb, this.stack.tableName), identities: this.stack.ses.identities() };
  }

  /** Checks the invariants now; each violation is recorded under `label`. */
  async checkInvariants(
    category: Category,
    label: string,
    o: Omit<InvariantOptions, 'deleted'> = {},
  ): Promise<string[]> {
    const found = invariantViolations(await this.snapshot(), { ...o, deleted: this.deleted, foreign: this.foreign });
    // A broken state stays broken until repaired: each one is counted once, where it first showed.
    const fresh = found.filter((v) => !this.reported.has(v));
    for (const v of fresh) {
      this.reported.add(v);
      this.tally.violation(category, `${label}: ${v}`);
    }
    return fresh;
  }

  private readonly reported = new Set<string>();

  /** Lifts every fault, cuts stalled calls, and waits until nothing is in flight and the queue is drained. */
  async settle(timeoutMs = 30_000): Promise<void> {
    this.faults.reset();
    this.stack.ses.throttle({ ratePerSecond: null, failNext: 0 });
    const deadline = Date.now() + timeoutMs;
    let quiet = 0;
    while (Date.now() < deadline) {
      const busy = this.faults.dynamodb.inFlight() + this.faults.sqs.inFlight() + this.faults.ses.inFlight();
      quiet = busy === 0 ? quiet + 1 : 0;
      // An empty queue (nothing visible, nothing in flight) means every queued check has run.
      if (quiet >= 2 && (await this.queueDepth()) === 0) {
        if (this.faults.dynamodb.inFlight() + this.faults.sqs.inFlight() + this.faults.ses.inFlight() === 0) return;
      }
      await sleep(quiet >= 2 ? 100 : 40);
    }
  }

  /** Moves the dead-letter queue's messages into `dlq`. */
  async readDlq(): Promise<void> {
    for (;;) {
      const out = await this.stack.sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.stack.queues.dlqUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 0,
          VisibilityTimeout: 30,
        }),
      );
      const messages = out.Messages ?? [];
      if (messages.length === 0) return;
      for (const m of messages) {
        try {
          this.dlq.push(JSON.parse(m.Body ?? '{}'));
        } catch {
          this.dlq.push({ teamId: '?', domainId: '?', requestedAt: '', reason: `unparsable: ${m.Body ?? ''}` });
        }
      }
      await this.stack.sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: this.stack.queues.dlqUrl,
          Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
        }),
      );
    }
  }

  private ses?: SESv2Client;
  private other?: SESv2Client;

  /**
   * An SES client of another application sharing the account: it talks to the stand-in directly
   * (never through the functions' proxy, so the proxy's log holds only the API's own calls).
   */
  otherApp(): SESv2Client {
    this.other ??= new SESv2Client({
      endpoint: this.stack.ses.url,
      region: this.stack.env.SES_REGION ?? 'eu-central-1',
      credentials: { accessKeyId: 'other-app', secretAccessKey: 'other-app' },
    });
    return this.other;
  }

  /** The MAIL FROM domain SES has for an identity (asked directly, never through a proxy); null without one. */
  async sesMailFrom(domain: string): Promise<string | null> {
    this.ses ??= new SESv2Client({
      endpoint: this.stack.ses.url,
      region: this.stack.env.SES_REGION ?? 'eu-central-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    try {
      const out = await this.ses.send(new GetEmailIdentityCommand({ EmailIdentity: domain }));
      return out.MailFromAttributes?.MailFromDomain ?? null;
    } catch {
      return null;
    }
  }

  /** The Easy DKIM key length SES will use for a domain and the one the table shows ('RSA_1024_BIT' style). */
  async dkimKeyLength(domain: string): Promise<{ ses: string | null; table: string | null }> {
    this.ses ??= new SESv2Client({
      endpoint: this.stack.ses.url,
      region: this.stack.env.SES_REGION ?? 'eu-central-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const item = (await this.snapshot()).items.find(
      (i) => typeof i.SK === 'string' && i.SK.startsWith(KEY_PREFIX.domain) && i.domain === domain && i.ready === true,
    );
    const stored = item?.dkim as { keyLength?: number } | undefined;
    const table = item ? `RSA_${stored?.keyLength ?? 2048}_BIT` : null;
    const ses = await this.ses.send(new GetEmailIdentityCommand({ EmailIdentity: domain })).then(
      (o) => o.DkimAttributes?.NextSigningKeyLength ?? null,
      () => null,
    );
    return { ses, table };
  }

  /** Whether SES looks for the MAIL FROM records the table (and so the API) shows for a domain. */
  async mailFromAgrees(domain: string): Promise<{ agrees: boolean; ses: string | null; table: string | null }> {
    const item = (await this.snapshot()).items.find(
      (i) => typeof i.SK === 'string' && i.SK.startsWith(KEY_PREFIX.domain) && i.domain === domain && i.ready === true,
    );
    const table = item ? `${String(item.returnPath)}.${domain}` : null;
    const ses = await this.sesMailFrom(domain);
    return { agrees: table === null || ses === table, ses, table };
  }

  async queueDepth(): Promise<number> {
    const out = await this.stack.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: this.stack.queues.queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return (
      Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) +
      Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
    );
  }
}

/**
 * The secret part of a key: the 32 characters after the prefix and the 12-character id, in both key
 * shapes (the current one ends in a 6-character checksum, the earlier one has none). The checksum is
 * left out: a leak of the secret alone is still a leak, and a search for secret + checksum misses it.
 */
export function secretOf(plaintext: string): string {
  const start = 'kr_live_'.length + 12;
  return plaintext.slice(start, start + 32);
}

/** What is wrong with an answer regardless of its request: envelope, headers, CORS, internal text. */
export function answerProblems(a: Answer, path = ''): string[] {
  const problems: string[] = [];
  if (a.status >= 400) {
    const e = a.json?.error;
    if (
      !e ||
      typeof e.code !== 'string' ||
      !/^[a-z][a-z0-9_]*$/.test(e.code) ||
      typeof e.message !== 'string' ||
      Object.keys(a.json ?? {}).length !== 1
    ) {
      problems.push(`not in the error envelope: ${a.text.slice(0, 120)}`);
    }
    if (a.status === 429 || a.status === 503) {
      if (!/^\d+$/.test(a.headers['retry-after'] ?? '')) problems.push('no Retry-After');
    }
  }
  if (INTERNAL_TEXT.test(a.text)) problems.push(`internal error text in the body: ${a.text.slice(0, 160)}`);
  const bare = path.split('?')[0] ?? '';
  // The console's files: public, cached, and not JSON (its errors are).
  const page = a.status < 400 && /^\/console(\/|$)/.test(bare);
  for (const [name, pattern] of SECURITY_HEADERS) {
    // The public API description and the console may be cached; everything with account data may not.
    if (name === 'cache-control' && a.status < 400 && (/\/openapi\.json$/.test(bare) || page)) continue;
    const v = a.headers[name];
    if (v === undefined || !pattern.test(v))
      problems.push(`security header ${name} ${v === undefined ? 'missing' : `is "${v}"`}`);
  }
  for (const name of Object.keys(a.headers))
    if (name.startsWith('access-control-')) problems.push(`CORS header ${name} present`);
  // The zone file is text; every other answer of the API is JSON.
  const text = a.status < 400 && /\/zone-file$/.test(bare) && /^text\/plain/.test(a.headers['content-type'] ?? '');
  if (!page && !text && !/^application\/json/.test(a.headers['content-type'] ?? ''))
    problems.push(`content-type ${a.headers['content-type'] ?? 'missing'}`);
  return problems;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
