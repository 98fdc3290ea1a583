/**
 * A local stand-in for the SES identity calls this project makes, for the real AWS SDK v3 clients
 * (point `AWS_ENDPOINT_URL_SESV2` and `AWS_ENDPOINT_URL_SES` at `url`):
 * - SES v2 (REST-JSON): CreateEmailIdentity, GetEmailIdentity, DeleteEmailIdentity,
 *   ListEmailIdentities, PutEmailIdentityMailFromAttributes, PutEmailIdentityDkimSigningAttributes
 *   (domain identities; Easy DKIM with either key length, or BYODKIM);
 * - SES v1 (Query/XML): VerifyDomainIdentity, DeleteIdentity.
 * Like SES, statuses come from DNS (`dnsServers`, default `DNS_SERVERS`), looked up on each
 * GetEmailIdentity. Identities and the rate limit are kept per account and region, as SES keeps
 * them: the region is the call's SigV4 credential scope, the account the one its access key id
 * stands for (see ../access-keys.ts; the STS stand-in issues keys of other accounts). Test controls
 * (throttling, injected failures, reset) are methods and also `/_standin/*` HTTP routes, so a
 * separately started process can be driven.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { pathToFileURL } from 'node:url';
import { createResolver, lookup } from '../../src/adapters/dns.js';
import { AccessKeys, signedKeyId, signedRegion } from '../access-keys.js';
import { listen } from '../listen.js';
import { Accounts, type Scope, type ScopedThrottleOptions } from './accounts.js';
import { control } from './control.js';
import { injected, SesError, unauthorized } from './errors.js';
import { readBody, sendJson } from './http.js';
import { fileStore } from './store.js';
import { answerV1, failV1, v1Request } from './v1.js';
import { answerV2, failV2, v2Request } from './v2.js';

export type { Scope, ScopedThrottleOptions } from './accounts.js';
export type { FailWith, ThrottleOptions } from './throttle.js';

export interface SesStandInOptions {
  port?: number;
  host?: string;
  dnsServers?: string;
  /** Region of a call whose signature names none (SES "runs in" the region of each call's signature). */
  region?: string;
  /** Clock in ms, for the 72-hour windows, timestamps, `calls()`, the rate limit and credential expiry. */
  now?: () => number;
  /** JSON file keeping identities across restarts. */
  dataFile?: string;
  /** SES allows 10,000 identities per account and region. */
  maxIdentities?: number;
  /**
   * Which account each access key id stands for; shared with the STS stand-in, which registers the
   * temporary credentials it issues. Default: every long-term key is the local account's.
   */
  keys?: AccessKeys;
}
export interface StandInCall {
  action: string;
  at: number;
  /** HTTP status answered; 0 for a call left hanging (failWith 'timeout'). */
  status: number;
  /** The account and region the call was for ('' when its credentials named no account). */
  account: string;
  region: string;
}
export interface SesStandIn {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
  /** Identity names of every account and region (or of those `scope` names), sorted. */
  identities(scope?: Scope): string[];
  /** The accounts and regions that have been called, each with its identity names. */
  accounts(): { account: string; region: string; identities: string[] }[];
  /** Every SES call received (control routes excluded), answered or not, in order. */
  calls(): StandInCall[];
  /** Forgets identities and calls, and lifts throttling and injected failures. */
  reset(): void;
  /**
   * Rate limits and injected failures: of one account and region when `account` or `region` is
   * given (the other defaulting to the stand-in's own), else a rate for every account and region
   * and failures for the next calls of any.
   */
  throttle(options: ScopedThrottleOptions): void;
}

export async function startSesStandIn(options: SesStandInOptions = {}): Promise<SesStandIn> {
  const now = options.now ?? Date.now;
  const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const resolver = createResolver(options.dnsServers ?? process.env.DNS_SERVERS);
  const keys = options.keys ?? new AccessKeys(now);
  const accounts = new Accounts({
    now,
    lookup: (name, type) => lookup(resolver, name, type),
    store: fileStore(options.dataFile),
    defaults: { account: keys.defaultAccount, region },
    limit: options.maxIdentities,
  });
  let callLog: StandInCall[] = [];

  const reset = () => {
    accounts.reset();
    callLog = [];
  };

  /** The account a call's credentials stand for, or the 403 AWS answers before any service sees it. */
  const accountOf = (req: IncomingMessage, v1: boolean): string => {
    const keyId = signedKeyId(req.headers.authorization);
    if (!keyId) throw unauthorized('missing', v1);
    const token = req.headers['x-amz-security-token'];
    const resolved = keys.resolve(keyId, Array.isArray(token) ? token[0] : token);
    if ('problem' in resolved) throw unauthorized(resolved.problem, v1);
    return resolved.account;
  };

  const held = new Set<ServerResponse>();
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://standin');
    const text = await readBody(req);
    if (url.pathname.startsWith('/_standin/')) return control(controls, method, url, text, res);
    const isV1 = (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
    const request = isV1 ? v1Request(text) : v2Request(method, url, text);
    if ('refused' in request) return request.refused(res);
    const [answer, fail] = isV1 ? [answerV1, failV1] : [answerV2, failV2];
    const callRegion = signedRegion(req.headers.authorization) ?? region;
    const entry: StandInCall = { action: request.action, at: now(), status: 0, account: '', region: callRegion };
    callLog.push(entry);
    try {
      entry.account = accountOf(req, isV1);
      const account = accounts.get(entry.account, callRegion);
      const failure = accounts.admit(account, request.action);
      if (failure === 'timeout') return void held.add(res.on('close', () => held.delete(res)));
      if (failure) throw injected(failure, isV1);
      const result = await request.run(account, { region: callRegion });
      entry.status = 200;
      answer(res, request.action, result);
    } catch (error) {
      if (!(error instanceof SesError)) throw error;
      entry.status = error.status;
      fail(res, error);
    }
  };
  const controls = {
    identities: (scope: Scope) => accounts.names(scope),
    accounts: () =>
      accounts.list().map((a) => ({ account: a.account, region: a.region, identities: a.identities.names() })),
    calls: () => callLog,
    reset,
    throttle: (t: ScopedThrottleOptions) => {
      accounts.setThrottle(t);
      return accounts.throttleState();
    },
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { message: String(error) }, 'InternalFailure');
    });
  });
  const listenHost = options.host ?? '127.0.0.1';
  const port = await listen(server, options.port, listenHost);
  const host = listenHost.includes(':') ? `[${listenHost}]` : listenHost;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of held) res.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
    identities: (scope = {}) => accounts.names(scope),
    accounts: controls.accounts,
    calls: () => callLog.map((c) => ({ ...c })),
    reset,
    throttle: (t) => accounts.setThrottle(t),
  };
}

// Run on its own: `npm exec -- tsx local/ses-standin/index.ts` (PORT, DNS_SERVERS, AWS_REGION, SES_DATA_FILE).
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const standIn = await startSesStandIn({ port: Number(process.env.PORT ?? 0), dataFile: process.env.SES_DATA_FILE });
  console.log(`SES stand-in listening on ${standIn.url}`);
  const stop = () => void standIn.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
