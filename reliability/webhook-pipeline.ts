/**
 * The webhook pipeline under faults: domain changes write event items in their transactions, the
 * fan-out (fed by the table's stream) makes one delivery per subscribed endpoint and queues it, the
 * delivery worker signs (KMS) and sends it, records the attempt and queues the next. Each scenario
 * gives a fresh team three endpoints (two enabled, one of them subscribed to some types only, and
 * one disabled) with counting receivers on 127.0.0.1 that verify every signature with
 * `standardwebhooks`, then makes a domain go through create → PATCH → verified → delete while one
 * fault is active at one step: DynamoDB (the event's transaction, the fan-out's Query of endpoints,
 * the delivery's put, the attempt's record), SQS (the first attempt's and a retry's SendMessage), KMS
 * (Decrypt of the signing secret) or the receiver itself (500s, a timeout, a 429 with Retry-After).
 *
 * What must hold once the pipeline is idle: every event the table holds reached every endpoint
 * subscribed to its type (a valid signature under its `webhook-id`, the body exactly as stored), or
 * its delivery shows `failed`; one body per `webhook-id`; received sequences of a domain unique per
 * id and never above the stored ones; nothing reached a disabled or unsubscribed endpoint, nor
 * another team's. A fault that never fired tested nothing, and counts as a violation.
 *
 * Then a hanging endpoint (held past the 10 s limit) beside three healthy ones: the healthy ones get
 * every event, and their first-attempt latency with the hanging one present is reported beside the
 * latency without it.
 *
 * Runs in a stack with the pipeline on, local targets allowed, and a short retry schedule (the
 * functions read these once per process: run.ts gives this part a process of its own).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { Webhook } from 'standardwebhooks';
import { type Fault, type FaultProxy, wireErrors } from '../local/fault-proxy.js';
import { KEY_PREFIX } from '../src/adapters/table-keys.js';
import { parseWebhookEventItem, type WebhookEvent } from '../src/adapters/webhook-events.js';
import { deliveryIdFor } from '../src/domain/webhook-delivery.js';
import { isAnswer, type Outcome } from './client.js';
import type { Category } from './tally.js';
import { sleep, type Team, type World } from './world.js';

const CATEGORY: Category = 'webhooks';
const SCOPES = ['domains:manage', 'webhooks:manage'];
const ALL_TYPES = ['domain.created', 'domain.updated', 'domain.status_changed', 'domain.deleted'] as const;
/** The stack options this part needs (run.ts and the test start its world with them). */
export const PIPELINE_WORLD = {
  allowLocalTargets: true,
  webhookDelivery: true,
  retrySchedule: '1,1,2',
  // Past an attempt's 10 s, so that a slow attempt is not handed to a second worker meanwhile.
  deliveryVisibilityTimeoutSeconds: 12,
} as const;
/** Attempts a delivery makes with that schedule: the first and three retries. */
const ATTEMPTS = 4;
/** How long the sender waits for a receiver. */
const ATTEMPT_LIMIT_MS = 10_000;

// ---------------------------------------------------------------- receivers

interface Receipt {
  readonly at: number;
  readonly webhookId: string;
  readonly body: string;
  readonly verified: boolean;
  /** What the receiver answered (0: held until the sender gave up). */
  readonly answered: number;
}

/** What the n-th request (1-based) gets. */
type Answer =
  | { readonly kind: 'ok' }
  | { readonly kind: 'status'; readonly status: number; readonly headers?: Record<string, string> }
  | { readonly kind: 'hold'; readonly ms: number };

const OK: Answer = { kind: 'ok' };

export class Receiver {
  readonly receipts: Receipt[] = [];
  secret = '';
  answer: (n: number) => Answer = () => OK;
  private readonly held = new Set<ServerResponse>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<Receiver> {
    let self: Receiver | undefined;
    const server = createServer((req, res) => self?.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    self = new Receiver(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`);
    return self;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const at = Date.now();
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let verified = false;
      try {
        new Webhook(this.secret).verify(body, req.headers as Record<string, string>);
        verified = true;
      } catch {
        verified = false;
      }
      const a = this.answer(this.receipts.length + 1);
      const answered = a.kind === 'ok' ? 200 : a.kind === 'status' ? a.status : 0;
      this.receipts.push({ at, webhookId: String(req.headers['webhook-id'] ?? ''), body, verified, answered });
      if (a.kind === 'hold') {
        this.held.add(res);
        setTimeout(() => {
          this.held.delete(res);
          res.destroy();
        }, a.ms).unref();
        return;
      }
      res.writeHead(answered, a.kind === 'status' ? a.headers : undefined).end(answered < 300 ? 'ok' : 'no');
    });
  }

  close(): Promise<void> {
    for (const res of this.held) res.destroy();
    this.server.closeAllConnections();
    return new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

// ---------------------------------------------------------------- endpoints and events

interface Hook {
  readonly id: string;
  readonly label: string;
  readonly events: readonly string[];
  readonly enabled: boolean;
  readonly receiver: Receiver;
}

async function endpoint(
  w: World,
  team: Team,
  label: string,
  o: { events?: readonly string[]; enabled?: boolean } = {},
): Promise<Hook | null> {
  const receiver = await Receiver.start();
  const out = await w.call(
    CATEGORY,
    'POST',
    '/webhooks',
    team.key,
    { url: receiver.url, description: label, ...(o.events && { events: o.events }) },
    { label: `create endpoint ${label}` },
  );
  if (!isAnswer(out) || out.status !== 201 || typeof out.json?.data?.secret !== 'string') {
    w.tally.violation(CATEGORY, `endpoint ${label}: create answered ${describe(out)}`);
    await receiver.close();
    return null;
  }
  receiver.secret = out.json.data.secret as string;
  const id = String(out.json.data.id);
  if (o.enabled === false) {
    const off = await w.call(CATEGORY, 'PATCH', `/webhooks/${id}`, team.key, { enabled: false });
    if (!isAnswer(off) || off.status !== 200)
      w.tally.violation(CATEGORY, `endpoint ${label}: disabling answered ${describe(off)}`);
  }
  return { id, label, events: o.events ?? ALL_TYPES, enabled: o.enabled !== false, receiver };
}

/** The team's event items as stored (read directly, never through a proxy). */
async function storedEvents(w: World, teamId: string): Promise<WebhookEvent[]> {
  const events: WebhookEvent[] = [];
  let start: Record<string, never> | undefined;
  do {
    const out = await w.stack.ddb.send(
      new QueryCommand({
        TableName: w.stack.tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :sk)',
        ExpressionAttributeValues: { ':pk': { S: `${KEY_PREFIX.team}${teamId}` }, ':sk': { S: KEY_PREFIX.event } },
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    for (const item of out.Items ?? []) events.push(parseWebhookEventItem(unmarshall(item)));
    start = out.LastEvaluatedKey as Record<string, never> | undefined;
  } while (start);
  return events;
}

/** The endpoint's delivery log as the team reads it: id → status. */
async function deliveryLog(w: World, team: Team, hook: Hook): Promise<Map<string, string> | null> {
  const log = new Map<string, string>();
  let after = '';
  for (let page = 0; page < 20; page++) {
    const out = await w.call(
      CATEGORY,
      'GET',
      `/webhooks/${hook.id}/deliveries?limit=100${after ? `&after=${encodeURIComponent(after)}` : ''}`,
      team.key,
      undefined,
      { label: 'GET /webhooks/:id/deliveries' },
    );
    if (!isAnswer(out) || out.status !== 200) {
      w.tally.violation(CATEGORY, `the delivery log of ${hook.label}: ${describe(out)}`);
      return null;
    }
    for (const d of out.json.data as { id: string; status: string }[]) log.set(d.id, d.status);
    after = out.json.next_cursor ?? out.json.meta?.next_cursor ?? '';
    if (!after) break;
  }
  return log;
}

/** Waits until the pipeline has nothing left to do; false when it never got there. */
async function pipelineIdle(w: World, timeoutMs = 90_000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([w.stack.webhooksIdle().then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

async function deliveryDlqDepth(w: World): Promise<number> {
  const out = await w.stack.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: w.stack.deliveryQueues.dlqUrl,
      AttributeNames: ['ApproximateNumberOfMessages'],
    }),
  );
  return Number(out.Attributes?.ApproximateNumberOfMessages ?? 0);
}

/**
 * The invariants for one team once the pipeline is idle; `others` are receivers of other teams,
 * which must never see one of this team's events. Returns how many deliveries were checked.
 */
async function checkDelivered(
  w: World,
  label: string,
  team: Team,
  hooks: readonly Hook[],
  others: readonly Receiver[] = [],
): Promise<{ events: WebhookEvent[]; checked: number; failed: number }> {
  const violation = (m: string) => w.tally.violation(CATEGORY, `${label}: ${m}`);
  const events = await storedEvents(w, team.teamId);
  const byId = new Map(events.map((e) => [e.eventId, e]));
  const maxSeq = new Map<string, number>();
  for (const e of events) maxSeq.set(e.domainId, Math.max(maxSeq.get(e.domainId) ?? 0, e.sequence));
  let checked = 0;
  let failed = 0;
  for (const hook of hooks) {
    const r = hook.receiver;
    const bodies = new Map<string, Set<string>>();
    const seqIds = new Map<string, string>();
    for (const x of r.receipts) {
      if (!x.verified) violation(`${hook.label} got a request whose signature does not verify (${x.webhookId})`);
      const seen = bodies.get(x.webhookId) ?? new Set<string>();
      seen.add(x.body);
      bodies.set(x.webhookId, seen);
      const e = byId.get(x.webhookId);
      if (!e) {
        violation(`${hook.label} got ${x.webhookId}, which is no event of its team`);
        continue;
      }
      if (!hook.enabled) violation(`${hook.label} (disabled) got ${e.type} ${x.webhookId}`);
      else if (!hook.events.includes(e.type)) violation(`${hook.label} (not subscribed to ${e.type}) got it`);
      let data: { id?: unknown; sequence?: unknown } | undefined;
      try {
        data = (JSON.parse(x.body) as { data?: typeof data }).data;
      } catch {
        violation(`${hook.label} got a body that is not JSON under ${x.webhookId}`);
      }
      const seq = Number(data?.sequence);
      const domainId = String(data?.id);
      if (!(seq <= (maxSeq.get(domainId) ?? 0)))
        violation(`${hook.label} got sequence ${seq} of ${domainId}, above the stored ${maxSeq.get(domainId) ?? 0}`);
      const key = `${domainId}#${seq}`;
      const prior = seqIds.get(key);
      if (prior !== undefined && prior !== x.webhookId)
        violation(`${hook.label} got sequence ${seq} of ${domainId} under two ids (${prior}, ${x.webhookId})`);
      seqIds.set(key, x.webhookId);
    }
    for (const [id, set] of bodies)
      if (set.size > 1) violation(`${hook.label} got ${set.size} different bodies under ${id}`);
    if (!hook.enabled) continue;
    const log = await deliveryLog(w, team, hook);
    for (const e of events) {
      if (!hook.events.includes(e.type)) continue;
      checked++;
      const status = log?.get(deliveryIdFor(e.eventId, hook.id, e.occurredAt));
      // Reached: the receiver took a correctly signed copy of the stored body (answered 2xx).
      const took = r.receipts.some(
        (x) => x.webhookId === e.eventId && x.verified && x.body === e.payload && x.answered === 200,
      );
      if (took) {
        if (log && status !== 'delivered')
          violation(`${hook.label} took ${e.type} ${e.eventId}, yet its delivery shows ${status ?? 'nothing'}`);
        continue;
      }
      if (status === 'failed') {
        failed++;
        continue;
      }
      violation(
        `${e.type} ${e.eventId} (sequence ${e.sequence}) never reached ${hook.label}, and its delivery is ${status ?? 'missing from the log'}`,
      );
    }
  }
  for (const o of others)
    for (const x of o.receipts)
      if (byId.has(x.webhookId)) violation(`another team's receiver got ${byId.get(x.webhookId)!.type} ${x.webhookId}`);
  return { events, checked, failed };
}

// ---------------------------------------------------------------- domain changes

/** A client following the contract: 503 and 429 are retried after Retry-After, within a budget. */
async function untilDone(
  w: World,
  label: string,
  send: () => Promise<Outcome>,
  ok: readonly number[],
  budgetMs = 45_000,
): Promise<Outcome> {
  const deadline = Date.now() + budgetMs;
  let out = await send();
  for (let i = 1; !ok.includes(out.status as number) && Date.now() < deadline; i++) {
    if (out.status !== 503 && out.status !== 429 && out.status !== 'timeout') break;
    const after =
      isAnswer(out) && /^\d+$/.test(out.headers['retry-after'] ?? '')
        ? Number(out.headers['retry-after']) * 1000
        : 300 * i;
    await sleep(Math.min(after, 2_000, Math.max(0, deadline - Date.now())));
    out = await send();
  }
  if (!ok.includes(out.status as number)) w.tally.violation(CATEGORY, `${label}: ended with ${describe(out)}`);
  return out;
}

/** create → ready, PATCH, verify → verified, delete; false when a step could not be made. */
async function lifeOfADomain(w: World, team: Team, label: string): Promise<boolean> {
  const domain = `pipe-${randomUUID().slice(0, 8)}.example.com`;
  const call = (method: string, path: string, body?: unknown) => () =>
    w.call(CATEGORY, method, path, team.key, body, { allow503: true, label: `${label}: ${method} ${path}` });
  const created = await untilDone(w, `${label}: create`, call('POST', '/domains', { domain }), [201]);
  if (!isAnswer(created) || created.status !== 201) return false;
  const id = String(created.json.data.id);
  const patched = await untilDone(
    w,
    `${label}: PATCH`,
    call('PATCH', `/domains/${id}`, { return_path: 'bounce' }),
    [200],
  );
  if (patched.status !== 200) return false;
  const shown = await untilDone(w, `${label}: GET`, call('GET', `/domains/${id}`), [200]);
  if (!isAnswer(shown) || shown.status !== 200) return false;
  w.e2e.publish(shown.json.data.dns_records);
  const verify = await untilDone(w, `${label}: verify`, call('POST', `/domains/${id}/verify`), [200, 202]);
  if (verify.status !== 200 && verify.status !== 202) return false;
  const deadline = Date.now() + 45_000;
  let status = '';
  while (Date.now() < deadline) {
    const out = await call('GET', `/domains/${id}`)();
    status = isAnswer(out) && out.status === 200 ? String(out.json.data.status) : status;
    if (status === 'verified') break;
    await sleep(250);
  }
  if (status !== 'verified') {
    w.tally.violation(CATEGORY, `${label}: the domain never became verified (${status || 'no answer'})`);
    return false;
  }
  const deleted = await untilDone(w, `${label}: delete`, call('DELETE', `/domains/${id}`), [200]);
  if (deleted.status !== 200) return false;
  w.deleted.add(id);
  return true;
}

// ---------------------------------------------------------------- faults

type Service = 'dynamodb' | 'sqs' | 'kms' | 'receiver';
const SERVICE_NAMES: Record<Service, string> = { dynamodb: 'DynamoDB', sqs: 'SQS', kms: 'KMS', receiver: 'receiver' };

interface Armed {
  /** Times the fault fired. */
  fired(): number;
  lift(): void;
}

interface Scenario {
  readonly service: Service;
  readonly step: string;
  readonly kind: string;
  /** In the fast subset. */
  readonly quick?: boolean;
  /** Arms the fault for `team` (after its endpoints exist); the first hook is the subscribed-to-all one. */
  arm(w: World, team: Team, hooks: readonly Hook[]): Armed;
  /** Checks the end state beyond the shared invariants (e.g. Retry-After honoured). */
  after?(w: World, label: string, hooks: readonly Hook[]): void;
}

function proxyFault(
  proxy: (w: World) => FaultProxy,
  operation: string,
  needles: readonly string[],
  fault: Fault,
  times: number,
  o: { perType?: boolean; exclude?: string } = {},
): Scenario['arm'] {
  const { exclude } = o;
  return (w, team) => {
    const p = proxy(w);
    // One rule per event type: each of the four changes meets the fault, not only the first.
    const rules = (o.perType ? ALL_TYPES.map((t) => [`"${t}"`]) : [[]]).map((extra) =>
      p.inject({
        operation,
        bodyIncludes: [team.teamId, ...needles, ...extra],
        ...(exclude !== undefined && { when: (c: { body: string }) => !c.body.includes(exclude) }),
        fault,
        times,
      }),
    );
    return {
      fired: () => rules.reduce((n, r) => n + r.fired, 0),
      lift: () => {
        for (const r of rules) r.remove();
      },
    };
  };
}

const ddb = (w: World) => w.faults.dynamodb;
const sqs = (w: World) => w.faults.sqs;
const HANG: Fault = { kind: 'hang' };

/**
 * DynamoDB and SQS faults: persistent enough (beyond the SDK's own three tries) that the step fails
 * once and the pipeline's own retry has to recover, or a call that never answers (the client's 5 s
 * request timeout cuts it).
 */
function proxySteps(
  service: 'dynamodb' | 'sqs',
  step: string,
  operation: string,
  needles: readonly string[],
  o: { perType?: boolean; quick?: string; times?: number; exclude?: string } = {},
): Scenario[] {
  const proxy = service === 'dynamodb' ? ddb : sqs;
  const errors = service === 'dynamodb' ? wireErrors.dynamodb : wireErrors.sqs;
  const times = o.times ?? 4;
  const kinds: [string, Fault, number][] = [
    ['throttle', errors.throttle(), times],
    ['500', errors.internal(), times],
    ['hang', HANG, 1],
  ];
  return kinds.map(([kind, fault, n]) => ({
    service,
    step,
    kind,
    quick: o.quick === kind,
    arm: proxyFault(proxy, operation, needles, fault, n, o),
  }));
}

function kmsStep(kind: 'throttle' | 'server_error' | 'timeout', failNext: number): Scenario {
  return {
    service: 'kms',
    step: 'Decrypt of the signing secret',
    kind: kind === 'server_error' ? '500' : kind,
    arm: (w) => {
      const before = w.stack.kms.calls().length;
      w.stack.kms.throttle({ failNext, failWith: kind });
      return {
        fired: () =>
          w.stack.kms
            .calls()
            .slice(before)
            .filter((c) => c.error !== undefined || c.status === 0).length,
        lift: () => w.stack.kms.throttle({ failNext: 0, failWith: 'throttle' }),
      };
    },
  };
}

function receiverStep(kind: string, answer: (n: number) => Answer, o: { quick?: boolean } = {}): Scenario {
  return {
    service: 'receiver',
    step: 'the receiver',
    kind,
    quick: o.quick,
    arm: (_w, _team, hooks) => {
      const r = hooks[0]!.receiver;
      r.answer = answer;
      return {
        fired: () => r.receipts.filter((x) => x.answered !== 200).length,
        lift: () => {
          r.answer = () => OK;
        },
      };
    },
  };
}

const RETRY_AFTER_SECONDS = 3;

export const SCENARIOS: readonly Scenario[] = [
  ...proxySteps('dynamodb', "the event item's transaction", 'TransactWriteItems', [KEY_PREFIX.event], {
    perType: true,
  }),
  ...proxySteps('dynamodb', "the fan-out's Query of endpoints", 'Query', [KEY_PREFIX.webhook], {
    quick: 'throttle',
    times: 6,
  }),
  ...proxySteps('dynamodb', 'the delivery put', 'PutItem', [KEY_PREFIX.delivery], { times: 6 }),
  // Three times: the worker's first message fails once (the SDK tries three times), and comes back.
  ...proxySteps('dynamodb', 'the attempt record write', 'UpdateItem', [KEY_PREFIX.delivery, 'lastAttemptAt'], {
    times: 3,
  }),
  // A first attempt's message has no notBefore.
  ...proxySteps('sqs', 'SendMessage of a first attempt (fan-out)', 'SendMessage', ['deliveryId'], {
    quick: '500',
    exclude: 'notBefore',
  }),
  ...proxySteps('sqs', 'SendMessage of a retry (worker)', 'SendMessage', ['deliveryId', 'notBefore'], {
    times: 3,
  }).map((s) => ({ ...s, arm: withFirstAnswer(s.arm, { kind: 'status', status: 500 }) })),
  kmsStep('throttle', 3),
  kmsStep('server_error', 3),
  kmsStep('timeout', 1),
  receiverStep('500 twice', (n) => (n <= 2 ? { kind: 'status', status: 500 } : OK), { quick: true }),
  {
    ...receiverStep('500 always', () => ({ kind: 'status', status: 500 })),
    after: (w, label, hooks) => {
      const per = new Map<string, number>();
      for (const x of hooks[0]!.receiver.receipts) per.set(x.webhookId, (per.get(x.webhookId) ?? 0) + 1);
      for (const [id, n] of per)
        if (n !== ATTEMPTS) w.tally.violation(CATEGORY, `${label}: ${id} was attempted ${n} times, not ${ATTEMPTS}`);
    },
  },
  receiverStep('held past the 10 s limit once', (n) => (n === 1 ? { kind: 'hold', ms: ATTEMPT_LIMIT_MS + 1_500 } : OK)),
  {
    ...receiverStep(`429 with Retry-After: ${RETRY_AFTER_SECONDS}`, (n) =>
      n === 1 ? { kind: 'status', status: 429, headers: { 'retry-after': String(RETRY_AFTER_SECONDS) } } : OK,
    ),
    quick: true,
    after: (w, label, hooks) => {
      const x = hooks[0]!.receiver.receipts;
      const i = x.findIndex((r) => r.answered === 429);
      const next = i >= 0 ? x.slice(i + 1).find((r) => r.webhookId === x[i]!.webhookId) : undefined;
      // The schedule alone says 1 s (±10%); Retry-After asks for longer.
      if (next && next.at - x[i]!.at < RETRY_AFTER_SECONDS * 1000 * 0.9)
        w.tally.violation(
          CATEGORY,
          `${label}: the retry after a 429 with Retry-After ${RETRY_AFTER_SECONDS} came ${next.at - x[i]!.at} ms later`,
        );
    },
  },
];

/** Also makes the first receiver fail its first request, so that the worker queues a retry. */
function withFirstAnswer(arm: Scenario['arm'], first: Answer): Scenario['arm'] {
  return (w, team, hooks) => {
    hooks[0]!.receiver.answer = (n) => (n === 1 ? first : OK);
    return arm(w, team, hooks);
  };
}

// ---------------------------------------------------------------- runs

export interface PipelineOptions {
  /** Only the scenarios of the fast subset. */
  readonly quick?: boolean;
  /** Only the scenarios whose label contains this. */
  readonly only?: string;
  /** Events per phase of the hanging-endpoint run (0: left out). */
  readonly hangingEvents?: number;
  readonly progress?: (line: string) => void;
}

export async function runWebhookPipeline(w: World, o: PipelineOptions = {}): Promise<void> {
  // A team that makes no changes: its endpoint must never hear of anyone else's.
  const bystander = await w.team('pipe-bystander', SCOPES);
  const watching = await endpoint(w, bystander, 'the bystander team');
  const others = watching ? [watching.receiver] : [];
  const scenarios = SCENARIOS.filter(
    (s) => (!o.quick || s.quick) && (o.only === undefined || label(s).includes(o.only)),
  );
  let events = 0;
  let checked = 0;
  let failed = 0;
  let fired = 0;
  let receipts = 0;
  try {
    for (const s of scenarios) {
      const t = Date.now();
      const r = await scenario(w, s, label(s), others);
      events += r.events;
      checked += r.checked;
      failed += r.failed;
      fired += r.fired;
      receipts += r.receipts;
      o.progress?.(`${label(s)}: ${r.events} events, ${r.fired} faults fired, ${Date.now() - t} ms`);
    }
    if (watching && watching.receiver.receipts.length > 0)
      w.tally.violation(CATEGORY, `the bystander team's endpoint got ${watching.receiver.receipts.length} requests`);
  } finally {
    await watching?.receiver.close();
  }
  const dlq = await deliveryDlqDepth(w);
  if (dlq > 0) w.tally.violation(CATEGORY, `pipeline: ${dlq} delivery messages in the dead-letter queue`);
  w.tally.detail(
    CATEGORY,
    `pipeline: ${scenarios.length} fault scenarios (${[...new Set(scenarios.map((s) => SERVICE_NAMES[s.service]))].join(', ')}), ${fired} faults fired, ${events} events, ${checked} event × endpoint deliveries checked (${failed} failed after the schedule, the rest received with a valid signature), ${receipts} requests to receivers; the bystander team's endpoint got ${watching?.receiver.receipts.length ?? '?'}`,
  );
  const n = o.hangingEvents ?? 10;
  if (n > 0) await hangingEndpoint(w, n);
}

const label = (s: Scenario) => `pipeline › ${s.service} › ${s.step} › ${s.kind}`;

async function scenario(
  w: World,
  s: Scenario,
  label: string,
  others: readonly Receiver[],
): Promise<{ events: number; checked: number; failed: number; fired: number; receipts: number }> {
  const team = await w.team('pipe', SCOPES);
  const made = [
    await endpoint(w, team, 'endpoint A (all types)'),
    await endpoint(w, team, 'endpoint B (created, status_changed)', {
      events: ['domain.created', 'domain.status_changed'],
    }),
    await endpoint(w, team, 'endpoint C (disabled)', { enabled: false }),
  ];
  const hooks = made.filter((h): h is Hook => h !== null);
  try {
    if (hooks.length !== made.length) return { events: 0, checked: 0, failed: 0, fired: 0, receipts: 0 };
    const armed = s.arm(w, team, hooks);
    await lifeOfADomain(w, team, label);
    const idle = await pipelineIdle(w);
    const fired = armed.fired();
    armed.lift();
    if (fired === 0)
      w.tally.violation(
        CATEGORY,
        `${label}: the fault never fired (the step did not run, or its rule no longer matches)`,
      );
    if (!idle) {
      w.tally.violation(CATEGORY, `${label}: the pipeline was still busy 90 s after the last change`);
      w.faults.reset();
      await pipelineIdle(w);
    }
    const r = await checkDelivered(w, label, team, hooks, others);
    if (r.events.length !== ALL_TYPES.length || !ALL_TYPES.every((t) => r.events.some((e) => e.type === t)))
      w.tally.violation(
        CATEGORY,
        `${label}: the table holds ${r.events.map((e) => e.type).join(', ') || 'no events'} for four changes`,
      );
    s.after?.(w, label, hooks);
    if (s.kind === '500 always' && r.failed === 0)
      w.tally.violation(CATEGORY, `${label}: a receiver that always fails, yet no delivery ended failed`);
    return {
      events: r.events.length,
      checked: r.checked,
      failed: r.failed,
      fired,
      receipts: hooks.reduce((n, h) => n + h.receiver.receipts.length, 0),
    };
  } finally {
    w.faults.reset();
    w.stack.kms.throttle({ failNext: 0, failWith: 'throttle' });
    for (const h of hooks) await h.receiver.close();
  }
}

const p50 = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s[Math.floor((s.length - 1) / 2)]!;
};

/**
 * Three healthy endpoints, N events; then a fourth that holds every request past the 10 s limit,
 * and N more. The healthy ones must get every event; their first-attempt latency (from the change
 * to the receiver's first byte) with the hanging one present is reported beside the one without.
 */
async function hangingEndpoint(w: World, n: number): Promise<void> {
  const label = 'pipeline › a hanging endpoint beside healthy ones';
  const team = await w.team('pipe-hang', SCOPES);
  const types = ['domain.created'];
  const made = [
    await endpoint(w, team, 'healthy 1', { events: types }),
    await endpoint(w, team, 'healthy 2', { events: types }),
    await endpoint(w, team, 'healthy 3', { events: types }),
  ];
  const healthy = made.filter((h): h is Hook => h !== null);
  let hanging: Hook | null = null;
  try {
    if (healthy.length !== made.length) return;
    const phase = async (): Promise<number[]> => {
      const before = new Set((await storedEvents(w, team.teamId)).map((e) => e.eventId));
      for (let i = 0; i < n; i++) {
        await untilDone(
          w,
          `${label}: create`,
          () =>
            w.call(CATEGORY, 'POST', '/domains', team.key, { domain: `hang-${randomUUID().slice(0, 8)}.example.com` }),
          [201],
        );
      }
      const fresh = (await storedEvents(w, team.teamId)).filter((e) => !before.has(e.eventId));
      // Until every healthy receiver has every new event, or long past any attempt.
      const deadline = Date.now() + 60_000;
      const all = () =>
        healthy.every((h) => fresh.every((e) => h.receiver.receipts.some((x) => x.webhookId === e.eventId)));
      while (!all() && Date.now() < deadline) await sleep(100);
      const latencies: number[] = [];
      for (const h of healthy)
        for (const e of fresh) {
          const first = h.receiver.receipts.find((x) => x.webhookId === e.eventId);
          if (first) latencies.push(Math.max(0, first.at - Date.parse(e.occurredAt)));
        }
      return latencies;
    };
    const without = await phase();
    hanging = await endpoint(w, team, 'hanging', { events: types });
    if (!hanging) return;
    hanging.receiver.answer = () => ({ kind: 'hold', ms: ATTEMPT_LIMIT_MS + 5_000 });
    const withHanging = await phase();
    const hangingCalls = hanging.receiver.receipts.length;
    // Its retries would take minutes on this schedule: deleted, its remaining attempts end at once.
    await w.call(CATEGORY, 'DELETE', `/webhooks/${hanging.id}`, team.key);
    if (!(await pipelineIdle(w, 120_000)))
      w.tally.violation(CATEGORY, `${label}: the pipeline was still busy 120 s after the last change`);
    const r = await checkDelivered(w, label, team, healthy);
    if (r.failed > 0) w.tally.violation(CATEGORY, `${label}: ${r.failed} deliveries to healthy endpoints failed`);
    if (hangingCalls === 0) w.tally.violation(CATEGORY, `${label}: the hanging endpoint was never called`);
    const a = p50(without);
    const b = p50(withHanging);
    if (!(b <= 5_000))
      w.tally.violation(
        CATEGORY,
        `${label}: healthy endpoints' first-attempt p50 is ${b} ms with a hanging one present`,
      );
    w.tally.detail(
      CATEGORY,
      `pipeline: hanging endpoint: 3 healthy endpoints got all ${r.events.length} events; first-attempt p50 ${a} ms without, ${b} ms with one endpoint held past 10 s (${hangingCalls} requests to it), ratio ${(b / Math.max(1, a)).toFixed(2)}`,
    );
  } finally {
    for (const h of [...healthy, ...(hanging ? [hanging] : [])]) await h.receiver.close();
  }
}

function describe(out: Outcome): string {
  return isAnswer(out) ? `${out.status} ${out.text.slice(0, 200)}` : out.status;
}
