/**
 * A local stand-in for STS AssumeRole (and GetCallerIdentity), for the real `@aws-sdk/client-sts`
 * client (point `AWS_ENDPOINT_URL_STS` at `url`). It speaks STS's wire format, the Query protocol
 * (`POST /`, a form body with `Action` and `Version`, XML answers), and issues temporary credentials
 * (`ASIA…` key id, secret, session token, expiry) of the account a role ARN names, registered in the
 * AccessKeys the SES stand-in reads: SES calls signed with them reach that account's identities.
 *
 * Any well-formed role may be assumed (no trust policies here); a caller whose own key names no
 * account is refused as STS refuses it. Test controls (a rate limit, injected throttling, AccessDenied,
 * server errors or timeouts, for one role or any) are methods and also `/_standin/*` HTTP routes.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { pathToFileURL } from 'node:url';
import { AccessKeys, signedKeyId, type TemporaryCredentials } from './access-keys.js';
import { listen } from './listen.js';
import { readBody } from './ses-standin/http.js';
import { Throttle } from './ses-standin/throttle.js';

export type StsFailWith = 'throttle' | 'server_error' | 'timeout' | 'access_denied';

export interface StsFaultOptions {
  /** Token bucket over every STS call; null = unlimited. */
  ratePerSecond?: number | null;
  /** The next N AssumeRole calls (of `roleArn` only, when given) fail with `failWith` (default throttle). */
  failNext?: number;
  failWith?: StsFailWith;
  roleArn?: string;
  /**
   * Credentials issued from now on last this many seconds, whatever the call asked (null: as asked).
   * Not something STS does: it makes a caller that renews credentials ahead of expiry assume the
   * role again at each use, so that AssumeRole faults meet its calls.
   */
  sessionSeconds?: number | null;
}

export interface StsCall {
  action: string;
  at: number;
  /** HTTP status answered; 0 for a call left hanging. */
  status: number;
  roleArn?: string;
  /** The error code answered, if any. */
  error?: string;
}

export interface StsStandInOptions {
  port?: number;
  host?: string;
  /** Shared with the SES stand-in (default: a registry of this stand-in's own). */
  keys?: AccessKeys;
  now?: () => number;
  /** The longest session a role allows (IAM's MaxSessionDuration, default one hour). */
  maxSessionSeconds?: number;
}

export interface StsStandIn {
  readonly url: string;
  readonly port: number;
  readonly keys: AccessKeys;
  close(): Promise<void>;
  /** Every STS call received (control routes excluded), in order. */
  calls(): StsCall[];
  /** Forgets the calls and lifts limits and injected failures; issued credentials stay valid. */
  reset(): void;
  faults(options: StsFaultOptions): void;
}

const NS = 'https://sts.amazonaws.com/doc/2011-06-15/';
/** IAM's role ARN: 12-digit account, optional path, name of up to 64 characters. */
const ROLE_ARN = /^arn:aws(?:-[a-z]+)*:iam::(\d{12}):role\/((?:[\w+=,.@-]+\/)*)([\w+=,.@-]{1,64})$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const MIN_SESSION_SECONDS = 900;

class StsError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly type = 'Sender',
  ) {
    super(message);
  }
}

const xml = (s: string) => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** One role ARN as IAM reads it; ValidationError otherwise. */
export function parseRoleArn(raw: string | null): { account: string; name: string } {
  if (raw === null)
    throw new StsError(
      'ValidationError',
      400,
      "1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null",
    );
  if (raw.length < 20 || raw.length > 2048)
    throw new StsError(
      'ValidationError',
      400,
      `1 validation error detected: Value '${raw}' at 'roleArn' failed to satisfy constraint: Member must have length between 20 and 2048`,
    );
  const match = ROLE_ARN.exec(raw);
  if (!match) throw new StsError('ValidationError', 400, `${raw} is invalid`);
  return { account: match[1]!, name: match[3]! };
}

/** What AssumeRole checks before it issues anything; the session's length in seconds. */
export function sessionSeconds(form: URLSearchParams, max: number): number {
  const session = form.get('RoleSessionName');
  if (session === null || !SESSION_NAME.test(session))
    throw new StsError(
      'ValidationError',
      400,
      `1 validation error detected: Value '${session}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`,
    );
  const raw = form.get('DurationSeconds');
  const seconds = raw === null ? 3600 : Number(raw);
  if (!Number.isInteger(seconds) || seconds < MIN_SESSION_SECONDS || seconds > 43_200)
    throw new StsError(
      'ValidationError',
      400,
      `1 validation error detected: Value '${raw}' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200`,
    );
  if (seconds > max)
    throw new StsError(
      'ValidationError',
      400,
      'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
    );
  return seconds;
}

/** The AssumeRoleResult STS answers for credentials issued to a session of a role. */
export function assumeRoleResult(role: { account: string; name: string }, session: string, c: TemporaryCredentials) {
  const roleId = `AROA${randomBytes(8).toString('hex').toUpperCase().slice(0, 16)}`;
  return (
    `<AssumedRoleUser><Arn>${xml(`arn:aws:sts::${role.account}:assumed-role/${role.name}/${session}`)}</Arn>` +
    `<AssumedRoleId>${roleId}:${xml(session)}</AssumedRoleId></AssumedRoleUser>` +
    `<Credentials><AccessKeyId>${c.accessKeyId}</AccessKeyId><SecretAccessKey>${xml(c.secretAccessKey)}</SecretAccessKey>` +
    `<SessionToken>${xml(c.sessionToken)}</SessionToken><Expiration>${iso(c.expiresAt)}</Expiration></Credentials>`
  );
}

const injected = (kind: Exclude<StsFailWith, 'timeout'>, roleArn: string) =>
  kind === 'access_denied'
    ? new StsError('AccessDenied', 403, `User is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`)
    : kind === 'server_error'
      ? new StsError('InternalFailure', 500, 'An internal error occurred.', 'Receiver')
      : new StsError('Throttling', 400, 'Rate exceeded');

/** Injected AssumeRole failures: per role ARN, and ('*') for any. */
class Faults {
  private readonly byRole = new Map<string, { count: number; kind: StsFailWith }>();

  set(roleArn: string, count: number | undefined, kind: StsFailWith | undefined): void {
    const before = this.byRole.get(roleArn) ?? { count: 0, kind: 'throttle' };
    this.byRole.set(roleArn, { count: count ?? before.count, kind: kind ?? before.kind });
  }

  take(roleArn: string): StsFailWith | null {
    for (const key of [roleArn, '*']) {
      const f = this.byRole.get(key);
      if (f && f.count > 0) {
        f.count--;
        return f.kind;
      }
    }
    return null;
  }

  clear(): void {
    this.byRole.clear();
  }
}

function sendXml(res: ServerResponse, status: number, body: string) {
  res.writeHead(status, { 'content-type': 'text/xml', 'x-amzn-requestid': randomUUID() });
  res.end(body);
}

const sendJson = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

export async function startStsStandIn(options: StsStandInOptions = {}): Promise<StsStandIn> {
  const now = options.now ?? Date.now;
  const keys = options.keys ?? new AccessKeys(now);
  const maxSession = options.maxSessionSeconds ?? 3600;
  const rate = new Throttle(now);
  const faults = new Faults();
  let sessionOverride: number | null = null;
  let callLog: StsCall[] = [];

  /** The caller's account, from the key it signed with; refused as STS refuses an unknown key. */
  const callerAccount = (req: IncomingMessage): string => {
    const keyId = signedKeyId(req.headers.authorization);
    if (!keyId) throw new StsError('MissingAuthenticationToken', 403, 'Request is missing Authentication Token');
    const token = req.headers['x-amz-security-token'];
    const resolved = keys.resolve(keyId, Array.isArray(token) ? token[0] : token);
    if ('account' in resolved) return resolved.account;
    if (resolved.problem === 'expired')
      throw new StsError('ExpiredToken', 400, 'The security token included in the request is expired');
    throw new StsError('InvalidClientTokenId', 403, 'The security token included in the request is invalid.');
  };

  const actions: Record<string, (form: URLSearchParams, caller: string, entry: StsCall) => string | 'hang'> = {
    AssumeRole(form, _, entry) {
      const roleArn = form.get('RoleArn');
      if (roleArn !== null) entry.roleArn = roleArn;
      const role = parseRoleArn(roleArn);
      const seconds = sessionSeconds(form, maxSession);
      const failure = faults.take(roleArn!);
      if (failure === 'timeout') return 'hang';
      if (failure) throw injected(failure, roleArn!);
      return assumeRoleResult(
        role,
        form.get('RoleSessionName')!,
        keys.issue(role.account, roleArn!, sessionOverride ?? seconds),
      );
    },
    GetCallerIdentity: (_, caller) =>
      `<Arn>arn:aws:iam::${caller}:root</Arn><UserId>${caller}</UserId><Account>${caller}</Account>`,
  };

  const held = new Set<ServerResponse>();
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://standin').pathname;
    const text = await readBody(req);
    if (path.startsWith('/_standin/')) return control(method, path, text, res);
    const form = new URLSearchParams(text);
    const action = form.get('Action') ?? '?';
    const entry: StsCall = { action, at: now(), status: 0 };
    callLog.push(entry);
    try {
      const run = actions[action];
      if (method !== 'POST' || !run) throw new StsError('InvalidAction', 400, `Could not find operation ${action}.`);
      const caller = callerAccount(req);
      if (rate.admit()) throw injected('throttle', '');
      const result = run(form, caller, entry);
      if (result === 'hang') return void held.add(res.on('close', () => held.delete(res)));
      entry.status = 200;
      const meta = `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata>`;
      sendXml(
        res,
        200,
        `<${action}Response xmlns="${NS}"><${action}Result>${result}</${action}Result>${meta}</${action}Response>`,
      );
    } catch (error) {
      if (!(error instanceof StsError)) throw error;
      Object.assign(entry, { status: error.status, error: error.code });
      const detail = `<Type>${error.type}</Type><Code>${error.code}</Code><Message>${xml(error.message)}</Message>`;
      sendXml(
        res,
        error.status,
        `<ErrorResponse xmlns="${NS}"><Error>${detail}</Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
      );
    }
  };

  const setFaults = (o: StsFaultOptions) => {
    if (o.ratePerSecond !== undefined) rate.set({ ratePerSecond: o.ratePerSecond });
    if (o.sessionSeconds !== undefined) sessionOverride = o.sessionSeconds;
    if (o.failNext !== undefined || o.failWith !== undefined) faults.set(o.roleArn ?? '*', o.failNext, o.failWith);
  };
  const reset = () => {
    callLog = [];
    rate.lift();
    faults.clear();
    sessionOverride = null;
  };
  const control = (method: string, path: string, text: string, res: ServerResponse) => {
    if (method === 'GET' && path === '/_standin/calls') return sendJson(res, 200, { calls: callLog });
    if (method === 'GET' && path === '/_standin/credentials') return sendJson(res, 200, { credentials: keys.issued() });
    if (method === 'POST' && path === '/_standin/reset') {
      reset();
      return sendJson(res, 200, {});
    }
    if (method === 'POST' && path === '/_standin/faults') {
      try {
        setFaults(JSON.parse(text || '{}') as StsFaultOptions);
      } catch {
        return sendJson(res, 400, { message: 'Expected a JSON body.' });
      }
      return sendJson(res, 200, {});
    }
    sendJson(res, 404, { message: `No stand-in control at ${method} ${path}.` });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent)
        sendXml(
          res,
          500,
          `<ErrorResponse xmlns="${NS}"><Error><Type>Receiver</Type><Code>InternalFailure</Code><Message>${xml(String(error))}</Message></Error></ErrorResponse>`,
        );
    });
  });
  const listenHost = options.host ?? '127.0.0.1';
  const port = await listen(server, options.port, listenHost);
  const host = listenHost.includes(':') ? `[${listenHost}]` : listenHost;
  return {
    url: `http://${host}:${port}`,
    port,
    keys,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of held) res.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
    calls: () => callLog.map((c) => ({ ...c })),
    reset,
    faults: setFaults,
  };
}

// Run on its own: `npm exec -- tsx local/sts-standin.ts` (PORT).
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const standIn = await startStsStandIn({ port: Number(process.env.PORT ?? 0) });
  console.log(`STS stand-in listening on ${standIn.url}`);
  const stop = () => void standIn.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
