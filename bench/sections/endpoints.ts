/**
 * Sections 2 and 3, in process against DynamoDB Local: the AWS calls each endpoint makes (counted
 * on the real clients, key cache warm and cold), and its warm latency against the floor: the very
 * commands the endpoint sent, captured and sent again through the same clients (with a fresh name
 * and id where the request creates or deletes one), those the endpoint had in flight together sent
 * together again. Import only after the environment is set.
 */
import { randomUUID } from 'node:crypto';
import { DeleteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { lambdaContext } from '../../local/lambda-context.js';
import { domainKey, INDEX, webhookEventKey } from '../../src/adapters/table-keys.js';
import { DEFAULT_RETURN_PATH } from '../../src/domain/return-path.js';
import { routes, SCOPE_DOMAINS_MANAGE } from '../../src/routes.js';
import { createKey } from '../../src/services/api-keys.js';
import { clearKeyCache } from '../../src/services/auth.js';
import { apiEvent } from '../lib/api-event.js';
import type { BareEnv } from '../lib/bare-env.js';
import { type CallCounts, type CallLog, type Captured, countCalls, replay } from '../lib/calls.js';
import { LIST_SIZE } from '../lib/settings.js';
import { median, percentile, ratio, round, scaled } from '../lib/stats.js';

type Invoke = (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

export const ENDPOINTS = {
  create: 'create-domain',
  list: 'list-domains',
  get: 'get-domain',
  verify: 'verify-domain',
  update: 'update-domain',
  delete: 'delete-domain',
} as const;
export type EndpointName = keyof typeof ENDPOINTS;

export interface EndpointResult {
  readonly function: string;
  /** Calls per request with the key cache warm (the steady state of a warm container). */
  readonly calls: CallCounts & { readonly key_cache_cold: CallCounts };
  readonly warm_ms: number;
  readonly warm_p90_ms: number;
  readonly floor_ms: number;
  readonly warm_ratio: number;
  /** The floor made exactly the calls the endpoint made, overlapping the same ones. */
  readonly floor_same_calls: boolean;
  readonly samples: number;
}

const READ_TEAM = 'bench-read';
const WRITE_TEAM = 'bench-write';

export async function measureEndpoints(
  env: BareEnv,
  log: CallLog,
  progress: (line: string) => void,
): Promise<Partial<Record<EndpointName, EndpointResult>>> {
  const handlers = {} as Record<EndpointName, Invoke>;
  for (const [name, fn] of Object.entries(ENDPOINTS) as [EndpointName, string][]) {
    if (!routes.some((r) => r.name === fn)) continue;
    const mod = (await import(`../../functions/${fn}.js`)) as { handler: unknown };
    handlers[name] = mod.handler as Invoke;
  }
  const readKey = (await createKey(READ_TEAM, [SCOPE_DOMAINS_MANAGE])).plaintext;
  const writeKey = (await createKey(WRITE_TEAM, [SCOPE_DOMAINS_MANAGE])).plaintext;

  let serial = 0;
  const uniqueDomain = (prefix: string) => `${prefix}${++serial}-${process.pid}.example.com`;

  const call = async (name: EndpointName, key: string, params?: Record<string, string>, body?: unknown) => {
    const res = await handlers[name](apiEvent(ENDPOINTS[name], { key, params, body }), lambdaContext(ENDPOINTS[name]));
    const status = res.statusCode ?? 0;
    if (status < 200 || status > 299) throw new Error(`${name} answered ${status}: ${String(res.body)}`);
    return JSON.parse(String(res.body)) as { data: { id: string } };
  };
  const create = async (team: 'read' | 'write', domain = uniqueDomain(team === 'read' ? 'r' : 'w')) => ({
    domain,
    id: (await call('create', team === 'read' ? readKey : writeKey, undefined, { domain })).data.id,
  });
  /**
   * Puts a domain back to `pending` with the default return path (as after a check) so it can be
   * asked to verify again, or to change its return path again. Its webhook event counter goes back
   * to none and its first event item goes: a change's transaction is conditional on the counter it
   * read and writes the event item of the next number, so the floor's replay of a captured change
   * holds only from the same counter.
   */
  const resetVerifying = async (id: string) => {
    await env.setup.send(
      new UpdateCommand({
        TableName: env.tableName,
        Key: domainKey(WRITE_TEAM, id),
        UpdateExpression: `SET #s = :pending, returnPath = :rp REMOVE previousStatus, eventSeq, ${INDEX.pk}, ${INDEX.sk}`,
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':pending': 'pending', ':rp': DEFAULT_RETURN_PATH },
      }),
    );
    await env.setup.send(new DeleteCommand({ TableName: env.tableName, Key: webhookEventKey(WRITE_TEAM, id, 1) }));
  };

  progress(`seeding ${LIST_SIZE} domains`);
  const readIds: string[] = [];
  for (let i = 0; i < LIST_SIZE; i++) readIds.push((await create('read')).id);
  const getId = readIds[0]!;
  const verifyId = (await create('write')).id;

  /**
   * One request: `endpoint` invokes the function, `floor(template)` replays the commands a
   * warm invocation sent; `prepare` runs untimed before either.
   */
  interface Case {
    prepare?: () => Promise<void>;
    endpoint: () => Promise<unknown>;
    /** Captures the template: one warm request whose names are known. */
    template: () => Promise<{ commands: Captured[]; names: string[] }>;
    floor: (template: { commands: Captured[]; names: string[] }) => Promise<unknown>;
    iterations: number;
    warmup: number;
  }
  let next = { domain: '', id: '' };
  const asIs = (t: { commands: Captured[] }) => replay(t.commands);
  /** The template's domain name and id swapped for a fresh one, as a new request would carry. */
  const renamed = (t: { commands: Captured[]; names: string[] }) =>
    replay(t.commands, [
      [t.names[0]!, next.domain],
      [t.names[1]!, next.id],
    ]);
  const cases: Record<EndpointName, Case> = {
    get: {
      endpoint: () => call('get', readKey, { id: getId }),
      template: async () => ({
        commands: (await log.capture(() => call('get', readKey, { id: getId }))).commands,
        names: [],
      }),
      floor: asIs,
      iterations: scaled(400, 60),
      warmup: 20,
    },
    list: {
      endpoint: () => call('list', readKey),
      template: async () => ({ commands: (await log.capture(() => call('list', readKey))).commands, names: [] }),
      floor: asIs,
      iterations: scaled(400, 60),
      warmup: 20,
    },
    create: {
      prepare: async () => {
        next = { domain: uniqueDomain('c'), id: randomUUID() };
      },
      endpoint: () => call('create', writeKey, undefined, { domain: next.domain }),
      template: async () => {
        const domain = uniqueDomain('t');
        const { result, commands } = await log.capture(() => call('create', writeKey, undefined, { domain }));
        return { commands, names: [domain, result.data.id] };
      },
      floor: renamed,
      iterations: scaled(120, 30),
      warmup: 10,
    },
    verify: {
      prepare: () => resetVerifying(verifyId),
      endpoint: () => call('verify', writeKey, { id: verifyId }),
      template: async () => {
        await resetVerifying(verifyId);
        return { commands: (await log.capture(() => call('verify', writeKey, { id: verifyId }))).commands, names: [] };
      },
      floor: asIs,
      iterations: scaled(200, 40),
      warmup: 10,
    },
    update: {
      prepare: () => resetVerifying(verifyId),
      endpoint: () => call('update', writeKey, { id: verifyId }, { return_path: 'bounce' }),
      template: async () => {
        await resetVerifying(verifyId);
        return {
          commands: (await log.capture(() => call('update', writeKey, { id: verifyId }, { return_path: 'bounce' })))
            .commands,
          names: [],
        };
      },
      floor: asIs,
      iterations: scaled(200, 40),
      warmup: 10,
    },
    delete: {
      // A fresh domain to delete, made through the create endpoint (untimed).
      prepare: async () => {
        next = await create('write', uniqueDomain('d'));
      },
      endpoint: () => call('delete', writeKey, { id: next.id }),
      template: async () => {
        const victim = await create('write', uniqueDomain('t'));
        return {
          commands: (await log.capture(() => call('delete', writeKey, { id: victim.id }))).commands,
          names: [victim.domain, victim.id],
        };
      },
      floor: renamed,
      iterations: scaled(120, 30),
      warmup: 5,
    },
  };

  const results: Partial<Record<EndpointName, EndpointResult>> = {};
  // Endpoints of the route table only (a checkout without one of them skips it).
  const present = (Object.keys(ENDPOINTS) as EndpointName[]).filter((n) => routes.some((r) => r.name === ENDPOINTS[n]));
  for (const name of present) {
    const c = cases[name];
    // Key cache warm: the preceding requests of these keys filled it.
    await call('get', readKey, { id: getId });
    await call('get', writeKey, { id: verifyId });
    await c.prepare?.();
    log.reset();
    await c.endpoint();
    const warmCalls = log.take();
    // Key cache cold, as in a fresh container (or after API_KEY_CACHE_SECONDS).
    await c.prepare?.();
    clearKeyCache();
    log.reset();
    await c.endpoint();
    const coldCalls = log.take();
    const template = await c.template();
    await c.prepare?.();
    log.reset();
    await c.floor(template);
    const floorCalls = log.take();
    // The same calls, overlapped the same way (within a group the order is not fixed).
    const same = countCalls(floorCalls).sequence === countCalls(warmCalls).sequence;

    progress(`${name}: ${c.iterations} warm requests and as many floors`);
    const timed = async (fn: () => Promise<unknown>) => {
      await c.prepare?.();
      const t0 = performance.now();
      await fn();
      return performance.now() - t0;
    };
    const floor = () => c.floor(template);
    for (let i = 0; i < c.warmup; i++) {
      await timed(c.endpoint);
      await timed(floor);
    }
    const real: number[] = [];
    const floors: number[] = [];
    for (let i = 0; i < c.iterations; i++) {
      // Alternate which goes first, so neither always runs right after the other's garbage.
      if (i % 2 === 0) {
        real.push(await timed(c.endpoint));
        floors.push(await timed(floor));
      } else {
        floors.push(await timed(floor));
        real.push(await timed(c.endpoint));
      }
    }
    log.reset();
    const warmMs = median(real);
    const floorMs = median(floors);
    results[name] = {
      function: ENDPOINTS[name],
      calls: { ...countCalls(warmCalls), key_cache_cold: countCalls(coldCalls) },
      warm_ms: round(warmMs, 3),
      warm_p90_ms: round(percentile(real, 90), 3),
      floor_ms: round(floorMs, 3),
      warm_ratio: ratio(warmMs, floorMs),
      floor_same_calls: same,
      samples: c.iterations,
    };
  }
  // Out of the due-time index again, so the scheduler section finds only the domains it seeded.
  await resetVerifying(verifyId);
  return results;
}
