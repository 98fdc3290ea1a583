/**
 * A local stand-in for the SES identity calls this project makes, for the real AWS SDK v3 clients
 * (point `AWS_ENDPOINT_URL_SESV2` and `AWS_ENDPOINT_URL_SES` at `url`):
 * - SES v2 (REST-JSON): CreateEmailIdentity, GetEmailIdentity, DeleteEmailIdentity,
 *   ListEmailIdentities, PutEmailIdentityMailFromAttributes, PutEmailIdentityDkimSigningAttributes
 *   (domain identities; Easy DKIM with either key length, or BYODKIM);
 * - SES v1 (Query/XML): VerifyDomainIdentity, DeleteIdentity.
 * Like SES, statuses come from DNS (`dnsServers`, default `DNS_SERVERS`), looked up on each
 * GetEmailIdentity. Test controls (throttling, injected failures, reset) are methods and also
 * `/_standin/*` HTTP routes, so a separately started process can be driven.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { pathToFileURL } from 'node:url';
import { createResolver, lookup } from '../../src/adapters/dns.js';
import { listen } from '../listen.js';
import type { Account } from './account.js';
import { control } from './control.js';
import { injected, SesError } from './errors.js';
import { readBody, sendJson } from './http.js';
import { Identities } from './identities.js';
import { fileStore } from './store.js';
import { Throttle, type ThrottleOptions } from './throttle.js';
import { answerV1, failV1, v1Request } from './v1.js';
import { answerV2, failV2, v2Request } from './v2.js';

export type { FailWith, ThrottleOptions } from './throttle.js';

export interface SesStandInOptions {
  port?: number;
  host?: string;
  dnsServers?: string;
  /** Region SES "runs in": the MAIL FROM MX must point at feedback-smtp.<region>.amazonses.com. */
  region?: string;
  /** Clock in ms, for the 72-hour windows, timestamps, `calls()` and the rate limit. */
  now?: () => number;
  /** JSON file keeping identities across restarts. */
  dataFile?: string;
  /** SES allows 10,000 identities per account and region. */
  maxIdentities?: number;
}
export interface StandInCall {
  action: string;
  at: number;
  /** HTTP status answered; 0 for a call left hanging (failWith 'timeout'). */
  status: number;
}
export interface SesStandIn {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
  /** Identity names, sorted. */
  identities(): string[];
  /** Every SES call received (control routes excluded), answered or not, in order. */
  calls(): StandInCall[];
  /** Forgets identities and calls, and lifts throttling and injected failures. */
  reset(): void;
  throttle(options: ThrottleOptions): void;
}

/** An identity remembers the region it was created in (the SigV4 credential scope of the call): its MAIL FROM MX must point there. */
const signedRegion = (req: IncomingMessage) =>
  /Credential=[^/]+\/\d{8}\/([a-z0-9-]+)\//.exec(req.headers.authorization ?? '')?.[1];

export async function startSesStandIn(options: SesStandInOptions = {}): Promise<SesStandIn> {
  const now = options.now ?? Date.now;
  const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const resolver = createResolver(options.dnsServers ?? process.env.DNS_SERVERS);
  const store = fileStore(options.dataFile);
  const identities = new Identities(store.load(), options.maxIdentities);
  const account: Account = {
    identities,
    region,
    now,
    lookup: (name, type) => lookup(resolver, name, type),
    save: () => store.save(identities.all()),
  };
  const throttling = new Throttle(now);
  let callLog: StandInCall[] = [];

  const reset = () => {
    identities.clear();
    callLog = [];
    throttling.lift();
    account.save();
  };

  const held = new Set<ServerResponse>();
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://standin');
    const text = await readBody(req);
    if (url.pathname.startsWith('/_standin/')) return control(controls, method, url.pathname, text, res);
    const isV1 = (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
    const request = isV1 ? v1Request(text) : v2Request(method, url, text);
    if ('refused' in request) return request.refused(res);
    const [answer, fail] = isV1 ? [answerV1, failV1] : [answerV2, failV2];
    const entry: StandInCall = { action: request.action, at: now(), status: 0 };
    callLog.push(entry);
    try {
      const failure = throttling.admit();
      if (failure === 'timeout') return void held.add(res.on('close', () => held.delete(res)));
      if (failure) throw injected(failure, isV1);
      const result = await request.run(account, { region: signedRegion(req) ?? region });
      entry.status = 200;
      answer(res, request.action, result);
    } catch (error) {
      if (!(error instanceof SesError)) throw error;
      entry.status = error.status;
      fail(res, error);
    }
  };
  const controls = {
    identities: () => identities.names(),
    calls: () => callLog,
    reset,
    throttle: (t: ThrottleOptions) => {
      throttling.set(t);
      return throttling.state();
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
    identities: () => identities.names(),
    calls: () => callLog.map((c) => ({ ...c })),
    reset,
    throttle: (t) => throttling.set(t),
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
