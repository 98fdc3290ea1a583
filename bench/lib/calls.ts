/**
 * Counts the AWS round trips a function makes by adding a middleware to the very client instances
 * the functions use. It sits in the deserialize step, inside the SDK's retry loop, so every HTTP
 * attempt counts once (a retried call is two round trips). The same instrumentation can capture
 * the commands a request sent, so a floor can send exactly those again, overlapping the ones the
 * request overlapped (see `replay`).
 */

export type Service = 'dynamodb' | 'sqs' | 'ses' | 'eventbridge' | 'kms';

export interface Call {
  readonly service: Service;
  /** Operation name, e.g. GetItem, SendMessage, CreateEmailIdentity. */
  readonly op: string;
  /** Which client object made it (named after its export: ddb, dynamodb, sqs, sesv2, sesv1, eventBridge, kms). */
  readonly client: string;
  /** What made the call, when the log was given a way to tell (`CallLog` `origin`). */
  readonly origin?: string;
  /** When the attempt left the client (ms since epoch). */
  readonly at: number;
  /** When the attempt started and settled (`performance.now()`), to see which calls overlapped. */
  readonly start: number;
  end: number;
}

/** A call's span in time (`performance.now()`); `end` is when it settled, failed or not. */
export interface Interval {
  readonly start: number;
  readonly end: number;
}

export interface CallCounts {
  readonly dynamodb: number;
  readonly sqs: number;
  readonly ses: number;
  readonly eventbridge: number;
  readonly kms: number;
  readonly total: number;
  /** The operations in order, `Service.Operation`. */
  readonly ops: string[];
  /** The operations by overlap group: ` ∥ ` between calls in flight together, ` → ` where the next group waited. */
  readonly sequence: string;
  /** The client objects that made them. */
  readonly clients: string[];
}

type Next = (args: unknown) => Promise<unknown>;
type Middleware = (next: Next, context: { commandName?: string }) => Next;
interface Command {
  readonly input: unknown;
}
type Send = (command: Command, ...rest: unknown[]) => Promise<unknown>;
interface Instrumentable {
  readonly middlewareStack: object;
  send: Send;
}

/** One command a request sent, with the client it went through, when it ran and whether it failed. */
export interface Captured extends Interval {
  readonly client: Instrumentable;
  readonly send: Send;
  readonly command: Command;
  end: number;
  failed: boolean;
}

const MIDDLEWARE_NAME = 'benchCallCounter';

export class CallLog {
  private calls: Call[] = [];
  private captured: Captured[] | null = null;
  private readonly stacks = new Set<object>();
  private readonly clients = new Set<object>();

  /**
   * `origin`: names what made a call from the stack trace at the call, async frames included (e.g.
   * which of several functions sharing one process). Without it no trace is taken.
   */
  private readonly origin: ((stack: string) => string) | undefined;

  constructor(options: { origin?: (stack: string) => string } = {}) {
    this.origin = options.origin;
  }

  /**
   * Counts the client's calls and lets `capture` see its commands. The counter goes once on each
   * middleware stack: a document client shares its plain client's stack.
   */
  attach(client: Instrumentable, service: Service, name: string): void {
    if (!this.stacks.has(client.middlewareStack)) {
      this.stacks.add(client.middlewareStack);
      const counter: Middleware = (next, context) => async (args) => {
        const start = performance.now();
        const origin = this.origin;
        const call: Call = {
          service,
          op: (context.commandName ?? 'Unknown').replace(/Command$/, ''),
          client: name,
          ...(origin && { origin: origin(new Error().stack ?? '') }),
          at: Date.now(),
          start,
          end: start,
        };
        this.calls.push(call);
        try {
          return await next(args);
        } finally {
          call.end = performance.now();
        }
      };
      const stack = client.middlewareStack as { add(mw: Middleware, options: { step: string; name: string }): void };
      stack.add(counter, { step: 'deserialize', name: MIDDLEWARE_NAME });
    }
    if (this.clients.has(client)) return;
    this.clients.add(client);
    const send = client.send.bind(client) as Send;
    client.send = async (command, ...rest) => {
      const start = performance.now();
      const entry: Captured = { client, send, command, start, end: start, failed: false };
      this.captured?.push(entry);
      try {
        return await send(command, ...rest);
      } catch (err) {
        entry.failed = true;
        throw err;
      } finally {
        entry.end = performance.now();
      }
    };
  }

  reset(): void {
    this.calls = [];
  }

  /** The calls since the last reset (and resets). */
  take(): Call[] {
    const out = this.calls;
    this.calls = [];
    return out;
  }

  peek(): readonly Call[] {
    return this.calls;
  }

  /** Runs `fn` and returns the commands it sent, in order. */
  async capture<T>(fn: () => Promise<T>): Promise<{ result: T; commands: Captured[] }> {
    const commands: Captured[] = [];
    this.captured = commands;
    try {
      return { result: await fn(), commands };
    } finally {
      this.captured = null;
    }
  }
}

/** Strings in a command input replaced (e.g. a request's domain name and id by a new one's). */
function substitute(value: unknown, replacements: ReadonlyArray<readonly [string, string]>): unknown {
  if (replacements.length === 0) return value;
  if (typeof value === 'string') return replacements.reduce((s, [from, to]) => s.replaceAll(from, to), value);
  if (Array.isArray(value)) return value.map((v) => substitute(v, replacements));
  if (value instanceof Set) return new Set([...value].map((v) => substitute(v, replacements)));
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, replacements)]));
  }
  return value;
}

/**
 * Splits calls, in the order they started, into groups that ran one after another: a call joins
 * the current group while it started before every call of the group had settled (its interval
 * overlaps the group's), and starts a new group when it started once all of them had, so it may
 * have waited for their answers. A call that started after one member settled while a longer one
 * was still in flight joins the group too, though it may have waited for the shorter one: a replay
 * by groups overlaps at least what the request overlapped, so it is never slower than the pattern
 * it copies.
 */
export function overlapGroups<T extends Interval>(calls: readonly T[]): T[][] {
  const groups: T[][] = [];
  let current: T[] = [];
  let settled = Number.NEGATIVE_INFINITY;
  for (const call of [...calls].sort((a, b) => a.start - b.start)) {
    if (current.length > 0 && call.start >= settled) {
      groups.push(current);
      current = [];
    }
    current.push(call);
    settled = current.length === 1 ? call.end : Math.max(settled, call.end);
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/**
 * Sends the captured commands again through the same clients: new command objects of the same
 * classes with the same inputs (after `replacements`), the calls of one overlap group (see
 * `overlapGroups`) at once and the groups one after the other, as the request made them. A
 * command that failed when captured (a conditional write the code expects to fail) may fail again.
 */
export async function replay(
  commands: readonly Captured[],
  replacements: ReadonlyArray<readonly [string, string]> = [],
): Promise<void> {
  const resend = async (c: Captured) => {
    const Class = c.command.constructor as new (input: unknown) => Command;
    try {
      await c.send(new Class(substitute(c.command.input, replacements)));
    } catch (err) {
      if (!c.failed) throw err;
    }
  };
  for (const group of overlapGroups(commands)) {
    if (group.length === 1) {
      await resend(group[0]!);
      continue;
    }
    // Every call settles before the next group starts, even when one of them fails.
    const settled = await Promise.allSettled(group.map(resend));
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
  }
}

const label = (c: Call) => `${SERVICE_LABEL[c.service]}.${c.op}`;

export function countCalls(calls: readonly Call[]): CallCounts {
  const by = (s: Service) => calls.filter((c) => c.service === s).length;
  return {
    dynamodb: by('dynamodb'),
    sqs: by('sqs'),
    ses: by('ses'),
    eventbridge: by('eventbridge'),
    kms: by('kms'),
    total: calls.length,
    ops: calls.map(label),
    sequence: overlapGroups(calls)
      .map((g) => g.map(label).sort().join(' ∥ '))
      .join(' → '),
    clients: [...new Set(calls.map((c) => c.client))].sort(),
  };
}

/** `['DynamoDB.Query', 'DynamoDB.Query', ...]` → `['DynamoDB.Query ×2', ...]` (per `per` requests). */
export function summarize(ops: readonly string[], per = 1): string[] {
  const counts = new Map<string, number>();
  for (const op of ops) counts.set(op, (counts.get(op) ?? 0) + 1);
  return [...counts].map(([op, n]) => `${op} ×${Math.round((n / per) * 100) / 100}`);
}

export const SERVICE_LABEL: Record<Service, string> = {
  dynamodb: 'DynamoDB',
  sqs: 'SQS',
  ses: 'SES',
  eventbridge: 'EventBridge',
  kms: 'KMS',
};

/** The npm package each instrumented client comes from (to compare with what a bundle contains). */
export const CLIENT_PACKAGE: Record<string, string> = {
  ddb: '@aws-sdk/client-dynamodb',
  dynamodb: '@aws-sdk/client-dynamodb',
  sqs: '@aws-sdk/client-sqs',
  sesv2: '@aws-sdk/client-sesv2',
  sesv1: '@aws-sdk/client-ses',
  eventBridge: '@aws-sdk/client-eventbridge',
  kms: '@aws-sdk/client-kms',
};

/**
 * Instruments the functions' shared clients. Call only after the environment is set: importing
 * the client modules reads TABLE_NAME, SES_REGION, ... as the functions do.
 */
export async function instrumentClients(log: CallLog): Promise<void> {
  const [ddbModule, { sqs }, { sesv2 }, { sesv1 }, { eventBridge }, { kms }] = await Promise.all([
    import('../../src/adapters/dynamodb-client.js'),
    import('../../src/adapters/sqs-client.js'),
    import('../../src/adapters/sesv2-client.js'),
    import('../../src/adapters/sesv1-client.js'),
    import('../../src/adapters/eventbridge-client.js'),
    import('../../src/adapters/kms-client.js'),
  ]);
  log.attach(ddbModule.ddb as unknown as Instrumentable, 'dynamodb', 'ddb');
  // The plain client some libraries take (when the module exports one).
  const plain = (ddbModule as Record<string, unknown>).dynamodb;
  if (plain) log.attach(plain as Instrumentable, 'dynamodb', 'dynamodb');
  log.attach(sqs as unknown as Instrumentable, 'sqs', 'sqs');
  log.attach(sesv2 as unknown as Instrumentable, 'ses', 'sesv2');
  log.attach(sesv1 as unknown as Instrumentable, 'ses', 'sesv1');
  log.attach(eventBridge as unknown as Instrumentable, 'eventbridge', 'eventBridge');
  log.attach(kms as unknown as Instrumentable, 'kms', 'kms');
}
