/**
 * A fault-injecting HTTP proxy for the local stand-ins (DynamoDB Local, the SQS stand-in, the SES
 * stand-in). It forwards every request unchanged, names the AWS operation it carries, logs it, and,
 * when a rule matches, answers in place of the service instead: an error in the service's own wire
 * format (throttling, 5xx), a delay, a request left hanging (a timeout, or a function frozen between
 * two steps), a dropped connection, or a dropped answer after the service already acted on the call.
 *
 * The functions reach the services through the proxies; the harness keeps talking to the services
 * directly, so its own reads (table scans, queue inspection) are never faulted.
 */
import { Agent, createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { listen } from './listen.js';

export type Fault =
  /** Answer with this status, headers and body; the service never sees the call. */
  | {
      readonly kind: 'respond';
      readonly status: number;
      readonly body: string;
      readonly headers?: Readonly<Record<string, string>>;
    }
  /** Forward after `ms`. */
  | { readonly kind: 'delay'; readonly ms: number }
  /** Never answer; the connection is cut on `release()` or `close()`. The service never sees the call. */
  | { readonly kind: 'hang' }
  /** Cut the connection without an answer; the service never sees the call. */
  | { readonly kind: 'drop' }
  /** Forward, let the service act, then cut the connection: the caller cannot tell that it worked. */
  | { readonly kind: 'drop-answer' }
  /** Run `run` (e.g. arm a stand-in's own failure mode), then forward. */
  | { readonly kind: 'before'; readonly run: () => void | Promise<void> };

export interface ProxiedCall {
  readonly seq: number;
  readonly at: number;
  readonly method: string;
  readonly path: string;
  /** AWS operation name (`GetItem`, `SendMessage`, `CreateEmailIdentity`, ...), or `?`. */
  readonly operation: string;
  readonly body: string;
  /** Fault applied, if any. */
  fault?: Fault['kind'];
  /** Status the caller received; 0 while pending or when it never received one. */
  status: number;
}

export interface FaultRule {
  /** Operation name(s) the rule applies to; any operation when absent. */
  readonly operation?: string | readonly string[];
  /** Every string must occur in the request body (e.g. a key prefix, an update expression). */
  readonly bodyIncludes?: string | readonly string[];
  readonly when?: (call: ProxiedCall) => boolean;
  readonly fault: Fault;
  /** Matching calls to let through unharmed before the rule starts to fire. */
  readonly skip?: number;
  /** How many times the rule fires (default: until removed). */
  readonly times?: number;
}

export interface RuleHandle {
  /** Times the rule fired. */
  readonly fired: number;
  remove(): void;
}

export interface FaultProxy {
  readonly name: string;
  readonly url: string;
  readonly port: number;
  inject(rule: FaultRule): RuleHandle;
  /** Removes every rule. */
  clear(): void;
  /** Cuts every call a fault touched that is still unanswered (`hang`, or a stand-in armed to never answer). */
  release(): void;
  /** Calls seen since the last `resetLog()`. */
  calls(): ProxiedCall[];
  resetLog(): void;
  /** Requests received and not yet answered (hanging ones included). */
  inFlight(): number;
  close(): Promise<void>;
}

/** The operation an AWS SDK request carries: JSON protocols' X-Amz-Target, Query's `Action`, SES v2's REST routes. */
export function operationOf(method: string, path: string, headers: IncomingMessage['headers'], body: string): string {
  const target = headers['x-amz-target'];
  if (typeof target === 'string' && target.includes('.')) return target.slice(target.lastIndexOf('.') + 1);
  const type = headers['content-type'] ?? '';
  if (type.startsWith('application/x-www-form-urlencoded')) return new URLSearchParams(body).get('Action') ?? '?';
  const p = path.split('?')[0] ?? '';
  if (p.startsWith('/v2/email/')) {
    if (/^\/v2\/email\/identities\/?$/.test(p))
      return method === 'POST' ? 'CreateEmailIdentity' : 'ListEmailIdentities';
    if (/^\/v2\/email\/list-identities\/?$/.test(p)) return 'ListEmailIdentities';
    if (/^\/v2\/email\/identities\/[^/]+\/mail-from\/?$/.test(p)) return 'PutEmailIdentityMailFromAttributes';
    if (/^\/v2\/email\/identities\/[^/]+\/dkim\/signing\/?$/.test(p)) return 'PutEmailIdentityDkimSigningAttributes';
    if (/^\/v2\/email\/identities\/[^/]+\/?$/.test(p))
      return method === 'DELETE' ? 'DeleteEmailIdentity' : 'GetEmailIdentity';
  }
  return '?';
}

/** Errors as each service puts them on the wire, so the SDK parses them like the real thing. */
export const wireErrors = {
  dynamodb: {
    throttle: (): Fault => dynamoError(400, 'ThrottlingException', 'Rate of requests exceeds the allowed throughput.'),
    provisionedThroughput: (): Fault =>
      dynamoError(
        400,
        'ProvisionedThroughputExceededException',
        'The level of configured provisioned throughput for the table was exceeded.',
      ),
    internal: (): Fault => dynamoError(500, 'InternalServerError', 'Internal server error'),
    unavailable: (): Fault => dynamoError(503, 'ServiceUnavailable', 'Service unavailable'),
  },
  sqs: {
    throttle: (): Fault => sqsError(400, 'RequestThrottled', 'Request is throttled.', 'Sender'),
    internal: (): Fault =>
      sqsError(500, 'InternalError', 'We encountered an internal error. Please try again.', 'Receiver'),
    unavailable: (): Fault =>
      sqsError(
        503,
        'ServiceUnavailable',
        'The request has failed due to a temporary failure of the server.',
        'Receiver',
      ),
  },
} as const;

function dynamoError(status: number, type: string, message: string): Fault {
  const prefix =
    type === 'InternalServerError' || type === 'ServiceUnavailable'
      ? 'com.amazon.coral.service'
      : 'com.amazonaws.dynamodb.v20120810';
  return {
    kind: 'respond',
    status,
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'FAULTPROXY' },
    body: JSON.stringify({ __type: `${prefix}#${type}`, message }),
  };
}

function sqsError(status: number, code: string, message: string, fault: 'Sender' | 'Receiver'): Fault {
  return {
    kind: 'respond',
    status,
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amzn-query-error': `${code};${fault}`,
      'x-amzn-requestid': 'FAULTPROXY',
    },
    body: JSON.stringify({ __type: `com.amazonaws.sqs#${code}`, message }),
  };
}

interface ActiveRule extends FaultRule {
  seen: number;
  fired: number;
  removed: boolean;
}

const asList = (v: string | readonly string[] | undefined): readonly string[] | undefined =>
  v === undefined ? undefined : typeof v === 'string' ? [v] : v;

export async function startFaultProxy(name: string, target: string, opts: { port?: number } = {}): Promise<FaultProxy> {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  let rules: ActiveRule[] = [];
  let log: ProxiedCall[] = [];
  let seq = 0;
  let pending = 0;
  /** Unanswered calls that a fault touched, with the upstream request if one was sent. */
  const touched = new Map<ServerResponse, { upstream?: ReturnType<typeof httpRequest> }>();
  const sockets = new Set<Socket>();

  const pick = (call: ProxiedCall): ActiveRule | undefined => {
    for (const rule of rules) {
      if (rule.removed) continue;
      const ops = asList(rule.operation);
      if (ops && !ops.includes(call.operation)) continue;
      const needles = asList(rule.bodyIncludes);
      if (needles && !needles.every((n) => call.body.includes(n))) continue;
      if (rule.when && !rule.when(call)) continue;
      rule.seen++;
      if (rule.seen <= (rule.skip ?? 0)) continue;
      if (rule.times !== undefined && rule.fired >= rule.times) continue;
      rule.fired++;
      return rule;
    }
    return undefined;
  };

  const forward = (
    req: IncomingMessage,
    body: Buffer,
    track?: { upstream?: ReturnType<typeof httpRequest> },
  ): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const out = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
          agent,
        },
        (res) => {
          const parts: Buffer[] = [];
          res.on('data', (c: Buffer) => parts.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(parts) }),
          );
          res.on('error', reject);
        },
      );
      out.on('error', reject);
      if (track) track.upstream = out;
      out.end(body);
    });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const parts: Buffer[] = [];
    for await (const chunk of req) parts.push(chunk as Buffer);
    const raw = Buffer.concat(parts);
    const text = raw.toString('utf8');
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const call: ProxiedCall = {
      seq: ++seq,
      at: Date.now(),
      method,
      path,
      operation: operationOf(method, path, req.headers, text),
      body: text,
      status: 0,
    };
    log.push(call);
    const rule = pick(call);
    const fault = rule?.fault;
    const track: { upstream?: ReturnType<typeof httpRequest> } = {};
    if (fault) {
      call.fault = fault.kind;
      touched.set(res, track);
      res.on('close', () => touched.delete(res));
    }
    switch (fault?.kind) {
      case 'respond':
        call.status = fault.status;
        res
          .writeHead(fault.status, { 'content-length': Buffer.byteLength(fault.body), ...fault.headers })
          .end(fault.body);
        return;
      case 'hang':
        return;
      case 'drop':
        req.socket.destroy();
        return;
      case 'delay':
        await new Promise((r) => setTimeout(r, fault.ms));
        break;
      case 'before':
        await fault.run();
        break;
      default:
        break;
    }
    const answer = await forward(req, raw, fault ? track : undefined);
    if (fault?.kind === 'drop-answer') {
      req.socket.destroy();
      return;
    }
    call.status = answer.status;
    const headers = { ...answer.headers };
    delete headers['transfer-encoding'];
    delete headers.connection;
    delete headers['keep-alive'];
    headers['content-length'] = String(answer.body.length);
    res.writeHead(answer.status, headers).end(answer.body);
  };

  const server = createServer((req, res) => {
    pending++;
    res.on('close', () => pending--);
    handle(req, res).catch(() => {
      // The service itself is unreachable: the caller sees a dropped connection, as it would without the proxy.
      req.socket.destroy();
    });
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const port = await listen(server, opts.port);

  return {
    name,
    url: `http://127.0.0.1:${port}`,
    port,
    inject(rule) {
      const active: ActiveRule = { ...rule, seen: 0, fired: 0, removed: false };
      rules.push(active);
      return {
        get fired() {
          return active.fired;
        },
        remove() {
          active.removed = true;
          rules = rules.filter((r) => r !== active);
        },
      };
    },
    clear() {
      for (const r of rules) r.removed = true;
      rules = [];
    },
    release() {
      for (const [res, t] of [...touched]) {
        t.upstream?.destroy();
        res.socket?.destroy();
      }
      touched.clear();
    },
    calls: () => [...log],
    resetLog() {
      log = [];
    },
    inFlight: () => pending,
    close: () =>
      new Promise<void>((resolve) => {
        rules = [];
        for (const [res, t] of touched) {
          t.upstream?.destroy();
          res.socket?.destroy();
        }
        for (const s of sockets) s.destroy();
        agent.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface FaultProxies {
  readonly dynamodb: FaultProxy;
  readonly sqs: FaultProxy;
  readonly ses: FaultProxy;
  /** Removes every rule and cuts every hanging request on all three. */
  reset(): void;
  close(): Promise<void>;
}

/** One proxy per service the functions call (SES v1 and v2 share the SES stand-in, hence one proxy). */
export async function startFaultProxies(targets: {
  dynamodb: string;
  sqs: string;
  ses: string;
}): Promise<FaultProxies> {
  const dynamodb = await startFaultProxy('dynamodb', targets.dynamodb);
  const sqs = await startFaultProxy('sqs', targets.sqs);
  const ses = await startFaultProxy('ses', targets.ses);
  const all = [dynamodb, sqs, ses];
  return {
    dynamodb,
    sqs,
    ses,
    reset() {
      for (const p of all) {
        p.clear();
        p.release();
      }
    },
    close: async () => {
      await Promise.all(all.map((p) => p.close()));
    },
  };
}
