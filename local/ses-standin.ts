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

import { AsyncLocalStorage } from 'node:async_hooks';
import { createPrivateKey, createPublicKey, randomBytes, randomInt, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { pathToFileURL } from 'node:url';
import { createResolver, DnsLookupError, lookup, type RecordType } from '../src/adapters/dns.js';
import { listen } from './listen.js';

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
export type FailWith = 'throttle' | 'server_error' | 'timeout';
export interface ThrottleOptions {
  /** Token bucket over all SES calls (SES: about 1/s per account and region); null = unlimited. */
  ratePerSecond?: number | null;
  /** The next N SES calls fail with `failWith` (default throttle); timeout = never answered. */
  failNext?: number;
  failWith?: FailWith;
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

type Status = 'PENDING' | 'SUCCESS' | 'FAILED' | 'TEMPORARY_FAILURE' | 'NOT_STARTED';
type Problem = 'HOST_NOT_FOUND' | 'TYPE_NOT_FOUND' | 'INVALID_VALUE' | 'DNS_SERVER_ERROR';
/** One thing SES looks for in DNS: the DKIM CNAMEs, the v1 TXT, or the MAIL FROM MX. */
interface Check {
  status: Status;
  /** Start of the current 72-hour search: creation, a restart of the setup, or the loss of the record. */
  since: number;
  lastChecked?: number;
  lastSuccess?: number;
  problem?: Problem | undefined;
}
interface Identity {
  name: string;
  /** The region the identity was created in (from the request's signature): its MX must point there. */
  region?: string;
  createdAt: number;
  tags: { Key: string; Value: string }[];
  keyLength: string;
  /** Easy DKIM tokens; absent for an identity that v1 VerifyDomainIdentity created, or with BYODKIM. */
  dkimTokens?: string[] | undefined;
  /** BYODKIM: the selector and the public key derived from the private key SES was given. */
  byodkim?: { selector: string; publicKey: string | null; bits: number } | undefined;
  dkim?: Check;
  /** v1 `_amazonses` TXT token, stable: SES returns the same one on every call. */
  verificationToken?: string;
  txt?: Check;
  behaviorOnMxFailure: string;
  mailFrom?: (Check & { domain: string }) | undefined;
}
type Body = Record<string, unknown>;

const SEARCH_WINDOW_MS = 72 * 3600 * 1000;
const V1_NS = 'http://ses.amazonaws.com/doc/2010-12-01/';
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;
const ID = '([^/]+)';
/** SES v2 routes as the SDK's serializers send them (ListEmailIdentities moved to POST list-identities). */
const V2_ROUTES: [string, RegExp, string][] = [
  ['POST', /^\/v2\/email\/identities\/?$/, 'CreateEmailIdentity'],
  ['GET', /^\/v2\/email\/identities\/?$/, 'ListEmailIdentities'],
  ['POST', /^\/v2\/email\/list-identities\/?$/, 'ListEmailIdentities'],
  ['GET', new RegExp(`^/v2/email/identities/${ID}/?$`), 'GetEmailIdentity'],
  ['DELETE', new RegExp(`^/v2/email/identities/${ID}/?$`), 'DeleteEmailIdentity'],
  ['PUT', new RegExp(`^/v2/email/identities/${ID}/mail-from/?$`), 'PutEmailIdentityMailFromAttributes'],
  ['PUT', new RegExp(`^/v2/email/identities/${ID}/dkim/signing/?$`), 'PutEmailIdentityDkimSigningAttributes'],
];
/** SES's patterns for BYODKIM input (DkimSigningAttributes). */
const SELECTOR = /^(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))$/;
const BASE64 = /^[a-zA-Z0-9+/]+={0,2}$/;

class SesError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly fault = 'Sender',
  ) {
    super(message);
  }
}
const badRequest = (message: string) => new SesError('BadRequestException', 400, message);
const notFound = (id: string) => new SesError('NotFoundException', 404, `Email identity ${id} does not exist.`);
/** An injected failure as each API generation reports it (v1 throttles with 400 Throttling). */
const injected = (kind: 'throttle' | 'server_error', v1: boolean) =>
  kind === 'server_error'
    ? new SesError('InternalFailure', 500, 'An internal error occurred.', 'Receiver')
    : v1
      ? new SesError('Throttling', 400, 'Rate exceeded')
      : new SesError('TooManyRequestsException', 429, 'Too Many Requests.');

/** An identity remembers the region it was created in (the SigV4 credential scope of the call): its MAIL FROM MX must point there. */
const requestRegion = new AsyncLocalStorage<string>();
const signedRegion = (req: IncomingMessage) =>
  /Credential=[^/]+\/\d{8}\/([a-z0-9-]+)\//.exec(req.headers.authorization ?? '')?.[1];
const seconds = (ms: number | undefined) => (ms === undefined ? undefined : Math.floor(ms / 1000));
const dkimToken = () =>
  Array.from({ length: 32 }, () => 'abcdefghijklmnopqrstuvwxyz0123456789'[randomInt(36)]).join('');
const xml = (s: string) => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
const normal = (s: string) => s.trim().toLowerCase().replace(/\.$/, '');

/**
 * The public half of a BYODKIM key as SES takes it: base64 DER, RSA of 1024 to 2048 bits. SES signs
 * only with PKCS#1 keys: a PKCS#8 key is accepted without error, but its DKIM never verifies (as
 * reported in awsdocs/amazon-ses-developer-guide#71), so its public half here is null.
 */
function publicHalf(base64: string): { publicKey: string | null; bits: number } {
  const der = Buffer.from(base64, 'base64');
  let key: ReturnType<typeof createPrivateKey>;
  try {
    // OpenSSL reads either encoding whatever the type says; the structure tells them apart below.
    key = createPrivateKey({ key: der, format: 'der', type: 'pkcs1' });
  } catch {
    throw badRequest('Invalid DomainSigningPrivateKey: expected a base64-encoded RSA private key.');
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (key.asymmetricKeyType !== 'rsa' || bits < 1024 || bits > 2048)
    throw badRequest('Invalid DomainSigningPrivateKey: the key must be RSA of 1024 to 2048 bits.');
  return {
    publicKey: isPkcs1(der) ? createPublicKey(key).export({ format: 'der', type: 'spki' }).toString('base64') : null,
    bits,
  };
}

/**
 * PKCS#1 RSAPrivateKey is SEQUENCE { INTEGER version, INTEGER modulus, ... }; PKCS#8 has a SEQUENCE
 * (the algorithm) after the version. Reads the DER header only.
 */
function isPkcs1(der: Buffer): boolean {
  const lengthBytes = (der[1] ?? 0) & 0x80 ? (der[1] ?? 0) & 0x7f : 0;
  const version = 2 + lengthBytes;
  return der[0] === 0x30 && der[version] === 0x02 && der[version + 1] === 0x01 && der[version + 3] === 0x02;
}

/** Whether a DKIM TXT value publishes this public key in its p= tag. */
const publishesKey = (txt: string, publicKey: string | null) =>
  publicKey !== null &&
  txt.split(';').some((tag) => /^\s*p\s*=/.test(tag) && tag.replace(/^\s*p\s*=/, '').replace(/\s+/g, '') === publicKey);

export async function startSesStandIn(options: SesStandInOptions = {}): Promise<SesStandIn> {
  const now = options.now ?? Date.now;
  const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const resolver = createResolver(options.dnsServers ?? process.env.DNS_SERVERS);
  const stored =
    options.dataFile && existsSync(options.dataFile) ? readFileSync(options.dataFile, 'utf8') : '{"identities":[]}';
  const identities = new Map((JSON.parse(stored) as { identities: Identity[] }).identities.map((i) => [i.name, i]));
  let callLog: StandInCall[] = [];
  let bucket = { rate: null as number | null, tokens: 0, at: now() };
  let failures = { count: 0, kind: 'throttle' as FailWith };

  const save = () => {
    if (!options.dataFile) return;
    writeFileSync(`${options.dataFile}.tmp`, JSON.stringify({ identities: [...identities.values()] }, null, 1));
    renameSync(`${options.dataFile}.tmp`, options.dataFile);
  };
  const throttle = (t: ThrottleOptions) => {
    if (t.ratePerSecond !== undefined) {
      const rate = t.ratePerSecond !== null && t.ratePerSecond > 0 ? t.ratePerSecond : null;
      bucket = { rate, tokens: Math.max(1, rate ?? 0), at: now() };
    }
    failures = { count: t.failNext ?? failures.count, kind: t.failWith ?? failures.kind };
  };
  const reset = () => {
    identities.clear();
    callLog = [];
    throttle({ ratePerSecond: null, failNext: 0, failWith: 'throttle' });
    save();
  };
  /** Whether one SES call gets through: injected failures first, then the token bucket (burst = rate). */
  const admit = (): FailWith | null => {
    if (failures.count > 0) {
      failures.count--;
      return failures.kind;
    }
    if (bucket.rate === null) return null;
    const t = now();
    bucket.tokens = Math.min(Math.max(1, bucket.rate), bucket.tokens + ((t - bucket.at) / 1000) * bucket.rate);
    bucket.at = t;
    if (bucket.tokens < 1) return 'throttle';
    bucket.tokens -= 1;
    return null;
  };

  // ---- Statuses from DNS, the way SES decides them ----
  const probe = async (
    name: string,
    type: RecordType,
    ok: (values: unknown[]) => boolean,
  ): Promise<Problem | undefined> => {
    try {
      const r = await lookup(resolver, name, type);
      if (!r.found) return r.reason === 'NXDOMAIN' ? 'HOST_NOT_FOUND' : 'TYPE_NOT_FOUND';
      return ok(r.records) ? undefined : 'INVALID_VALUE';
    } catch (error) {
      if (error instanceof DnsLookupError) return 'DNS_SERVER_ERROR';
      throw error;
    }
  };
  /**
   * Moves a check on after a lookup. SES polls in the background; here statuses move lazily, on
   * GetEmailIdentity, so a record first seen after its 72-hour window is too late: FAILED.
   * FAILED is final, as SES stops looking; the caller restarts it (delete and create again,
   * VerifyDomainIdentity, PutEmailIdentityMailFromAttributes). A record found once and then gone
   * turns SUCCESS back to PENDING and opens a new 72-hour window from that moment. A DNS server
   * error is TEMPORARY_FAILURE (DNS_SERVER_ERROR), and is not counted as a missing record.
   */
  const advance = (check: Check, problem: Problem | undefined) => {
    const t = now();
    if (check.status === 'FAILED') return;
    check.lastChecked = t;
    check.problem = problem;
    if (check.status === 'SUCCESS') {
      if (problem) check.since = t;
    } else if (t - check.since >= SEARCH_WINDOW_MS) {
      check.status = 'FAILED';
      return;
    }
    if (!problem) check.lastSuccess = t;
    check.status = !problem ? 'SUCCESS' : problem === 'DNS_SERVER_ERROR' ? 'TEMPORARY_FAILURE' : 'PENDING';
  };
  const refresh = async (id: Identity) => {
    const worst = (ps: (Problem | undefined)[]) => ps.find((p) => p === 'DNS_SERVER_ERROR') ?? ps.find(Boolean);
    const feedback = `feedback-smtp.${id.region ?? region}.amazonses.com`;
    const [dkim, txt, mailFrom] = await Promise.all([
      id.byodkim
        ? probe(`${id.byodkim.selector}._domainkey.${id.name}`, 'TXT', (v) =>
            v.some((txt) => publishesKey(txt as string, id.byodkim!.publicKey)),
          )
        : id.dkimTokens &&
          Promise.all(
            id.dkimTokens.map((t) =>
              probe(`${t}._domainkey.${id.name}`, 'CNAME', (v) => v.includes(`${t}.dkim.amazonses.com`)),
            ),
          ).then(worst),
      id.txt && probe(`_amazonses.${id.name}`, 'TXT', (v) => v.includes(id.verificationToken)),
      id.mailFrom &&
        probe(id.mailFrom.domain, 'MX', (v) => v.some((mx) => (mx as { exchange: string }).exchange === feedback)),
    ]);
    if (id.dkim) advance(id.dkim, dkim);
    if (id.txt) advance(id.txt, txt);
    if (id.mailFrom) advance(id.mailFrom, mailFrom);
    save();
  };
  /** A v2 identity verifies through DKIM; the v1 TXT decides only for an identity v1 created (no DKIM). */
  const verification = (id: Identity): Check => id.dkim ?? id.txt ?? { status: 'NOT_STARTED', since: 0 };
  const dkimAttributes = (id: Identity) =>
    id.byodkim
      ? {
          SigningEnabled: true,
          Status: id.dkim?.status ?? 'NOT_STARTED',
          Tokens: [],
          SigningAttributesOrigin: 'EXTERNAL',
        }
      : {
          SigningEnabled: id.dkimTokens !== undefined,
          Status: id.dkim?.status ?? 'NOT_STARTED',
          ...(id.dkimTokens && { Tokens: id.dkimTokens, SigningHostedZone: 'dkim.amazonses.com' }),
          SigningAttributesOrigin: 'AWS_SES',
          NextSigningKeyLength: id.keyLength,
          ...(id.dkimTokens && {
            CurrentSigningKeyLength: id.keyLength,
            LastKeyGenerationTimestamp: seconds(id.createdAt),
          }),
        };
  /**
   * Applies DkimSigningAttributes the way SES does: BYODKIM when a selector and private key come,
   * otherwise Easy DKIM with NextSigningKeyLength (new tokens only when Easy DKIM was not on yet).
   * Either restarts SES's search for the DKIM records.
   */
  const applySigning = (id: Identity, signing: Body, external: boolean) => {
    if (external) {
      const selector = signing.DomainSigningSelector;
      const key = signing.DomainSigningPrivateKey;
      if (typeof selector !== 'string' || selector.length > 63 || !SELECTOR.test(selector))
        throw badRequest('Invalid DomainSigningSelector.');
      if (typeof key !== 'string' || key.length > 20480 || !BASE64.test(key))
        throw badRequest('Invalid DomainSigningPrivateKey.');
      id.byodkim = { selector: selector.toLowerCase(), ...publicHalf(key) };
      id.dkimTokens = undefined;
    } else {
      const length = signing.NextSigningKeyLength ?? 'RSA_2048_BIT';
      if (length !== 'RSA_1024_BIT' && length !== 'RSA_2048_BIT')
        throw badRequest(`Invalid NextSigningKeyLength ${String(length)}.`);
      id.keyLength = length;
      if (id.byodkim || !id.dkimTokens) id.dkimTokens = [dkimToken(), dkimToken(), dkimToken()];
      id.byodkim = undefined;
    }
    id.dkim = { status: 'PENDING', since: now() };
  };
  const domainOf = (raw: unknown, field: string) => {
    const name = typeof raw === 'string' ? normal(raw) : '';
    if (!name) throw badRequest(`${field} is required.`);
    if (!DOMAIN.test(name)) throw badRequest(`Invalid domain name ${String(raw)}.`);
    return name;
  };
  const create = (name: string): Identity => {
    if (identities.size >= (options.maxIdentities ?? 10_000)) {
      throw new SesError('LimitExceededException', 400, 'Maximum number of identities exceeded.');
    }
    const id = {
      name,
      region: requestRegion.getStore() ?? region,
      createdAt: now(),
      tags: [],
      keyLength: 'RSA_2048_BIT',
      behaviorOnMxFailure: 'USE_DEFAULT_VALUE',
    };
    identities.set(name, id);
    return id;
  };
  const existing = (raw: string) => {
    const id = identities.get(normal(raw));
    if (!id) throw notFound(raw);
    return id;
  };

  const v2: Record<string, (raw: string, body: Body) => Promise<unknown>> = {
    async CreateEmailIdentity(_, body) {
      const name = domainOf(body.EmailIdentity, 'EmailIdentity');
      if (identities.has(name))
        throw new SesError('AlreadyExistsException', 400, `Email identity ${name} already exist.`);
      const signing = (body.DkimSigningAttributes ?? {}) as Body;
      if (typeof body.ConfigurationSetName === 'string') {
        throw new SesError(
          'NotFoundException',
          404,
          `Configuration set <${body.ConfigurationSetName}> does not exist.`,
        );
      }
      const external = signing.DomainSigningPrivateKey !== undefined || signing.DomainSigningSelector !== undefined;
      // Checked before the identity exists: a refused key creates nothing.
      const draft = { keyLength: 'RSA_2048_BIT' } as Identity;
      applySigning(draft, signing, external);
      const id = create(name);
      Object.assign(id, {
        keyLength: draft.keyLength,
        dkimTokens: draft.dkimTokens,
        byodkim: draft.byodkim,
        dkim: { status: 'PENDING', since: id.createdAt },
      });
      id.tags = Array.isArray(body.Tags) ? (body.Tags as Identity['tags']) : [];
      save();
      return { IdentityType: 'DOMAIN', VerifiedForSendingStatus: false, DkimAttributes: dkimAttributes(id) };
    },
    async GetEmailIdentity(raw) {
      const id = existing(raw);
      await refresh(id);
      const v = verification(id);
      return {
        IdentityType: 'DOMAIN',
        FeedbackForwardingStatus: true,
        VerifiedForSendingStatus: v.status === 'SUCCESS',
        DkimAttributes: dkimAttributes(id),
        // Without a custom MAIL FROM, SES leaves out the domain and its status (that enum has no NOT_STARTED).
        MailFromAttributes: {
          ...(id.mailFrom && { MailFromDomain: id.mailFrom.domain, MailFromDomainStatus: id.mailFrom.status }),
          BehaviorOnMxFailure: id.behaviorOnMxFailure,
        },
        Policies: {},
        Tags: id.tags,
        VerificationStatus: v.status,
        VerificationInfo: {
          LastCheckedTimestamp: seconds(v.lastChecked),
          LastSuccessTimestamp: seconds(v.lastSuccess),
          ErrorType: v.status === 'SUCCESS' ? undefined : v.problem,
        },
      };
    },
    async DeleteEmailIdentity(raw) {
      identities.delete(existing(raw).name);
      save();
      return {};
    },
    async PutEmailIdentityMailFromAttributes(raw, body) {
      const id = identities.get(normal(raw));
      if (!id) throw badRequest(`Identity <${raw}> does not exist.`); // SES answers 400 here, not 404
      const behavior = body.BehaviorOnMxFailure ?? 'USE_DEFAULT_VALUE';
      if (behavior !== 'USE_DEFAULT_VALUE' && behavior !== 'REJECT_MESSAGE') {
        throw badRequest(`Invalid BehaviorOnMxFailure ${String(behavior)}.`);
      }
      const domain = body.MailFromDomain ? domainOf(body.MailFromDomain, 'MailFromDomain') : undefined;
      if (domain && !domain.endsWith(`.${id.name}`))
        throw badRequest(`MAIL FROM domain ${domain} must be a subdomain of ${id.name}.`);
      id.behaviorOnMxFailure = behavior;
      // Setting it (again) starts a new search, as SES does; no domain turns custom MAIL FROM off.
      id.mailFrom = domain ? { domain, status: 'PENDING', since: now() } : undefined;
      save();
      return {};
    },
    async PutEmailIdentityDkimSigningAttributes(raw, body) {
      const id = existing(raw);
      const origin = body.SigningAttributesOrigin;
      if (origin !== 'AWS_SES' && origin !== 'EXTERNAL')
        throw badRequest(`Invalid SigningAttributesOrigin ${String(origin)}.`);
      const signing = (body.SigningAttributes ?? {}) as Body;
      if (
        origin === 'AWS_SES' &&
        !id.byodkim &&
        id.dkimTokens &&
        (signing.NextSigningKeyLength ?? id.keyLength) === id.keyLength
      ) {
        throw badRequest('The identity already uses this DKIM key length.');
      }
      applySigning(id, signing, origin === 'EXTERNAL');
      save();
      return { DkimStatus: id.dkim?.status, DkimTokens: id.dkimTokens ?? [] };
    },
    /** Statuses as of the last GetEmailIdentity: listing looks nothing up. */
    async ListEmailIdentities(_, body) {
      const size = Number(body.PageSize ?? 100);
      if (!Number.isInteger(size) || size < 1 || size > 1000) throw badRequest('Invalid PageSize.');
      const start =
        typeof body.NextToken === 'string' ? Number(Buffer.from(body.NextToken, 'base64url').toString()) || 0 : 0;
      const all = [...identities.values()].sort((a, b) => a.name.localeCompare(b.name));
      const next = start + size < all.length ? Buffer.from(String(start + size)).toString('base64url') : undefined;
      const EmailIdentities = all.slice(start, start + size).map((id) => ({
        IdentityType: 'DOMAIN',
        IdentityName: id.name,
        SendingEnabled: verification(id).status === 'SUCCESS',
        VerificationStatus: verification(id).status,
      }));
      return { EmailIdentities, NextToken: next };
    },
  };

  /** v1 actions return the inner XML of their `<Action>Result>` element. */
  const v1: Record<string, (form: URLSearchParams) => Promise<string>> = {
    async VerifyDomainIdentity(form) {
      let name: string;
      try {
        name = domainOf(form.get('Domain'), 'Domain');
      } catch (error) {
        throw new SesError('InvalidParameterValue', 400, (error as Error).message);
      }
      // The same identity as v2's: VerifyDomainIdentity first makes CreateEmailIdentity answer AlreadyExists.
      const id = identities.get(name) ?? create(name);
      id.verificationToken ??= randomBytes(32).toString('base64');
      // Calling it again restarts a search that failed.
      if (!id.txt || id.txt.status === 'FAILED') id.txt = { status: 'PENDING', since: now() };
      save();
      return `<VerificationToken>${xml(id.verificationToken)}</VerificationToken>`;
    },
    async DeleteIdentity(form) {
      // v1 deletes idempotently: an unknown identity is not an error.
      identities.delete(normal(form.get('Identity') ?? ''));
      save();
      return '';
    },
  };

  // ---- HTTP ----
  const held = new Set<ServerResponse>();
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? 'GET';
    const { pathname, searchParams } = new URL(req.url ?? '/', 'http://standin');
    const text = await readBody(req);
    if (pathname.startsWith('/_standin/')) return control(method, pathname, text, res);
    const isV1 = (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
    let run: () => Promise<unknown>;
    let action: string;
    if (isV1) {
      const form = new URLSearchParams(text);
      action = form.get('Action') ?? 'Unknown';
      const op =
        v1[action] ?? (async () => Promise.reject(new SesError('InvalidAction', 400, `Unknown action ${action}.`)));
      run = () => op(form);
    } else {
      const route = V2_ROUTES.map(([m, re, name]) => [m === method && re.exec(pathname), v2[name], name] as const).find(
        ([match, op]) => match && op,
      );
      if (!route) return sendJson(res, 404, { message: null }, 'UnknownOperationException');
      const [match, op, name] = route;
      let body: Body;
      try {
        // Older SDKs list with GET and query parameters.
        body = { ...Object.fromEntries(searchParams), ...(text ? (JSON.parse(text) as Body) : {}) };
      } catch {
        return sendJson(res, 400, { message: 'Invalid JSON body.' }, 'BadRequestException');
      }
      action = name;
      run = () => op!(decodeURIComponent((match || [])[1] ?? ''), body);
    }
    const entry: StandInCall = { action, at: now(), status: 0 };
    callLog.push(entry);
    try {
      const failure = admit();
      if (failure === 'timeout') return void held.add(res.on('close', () => held.delete(res)));
      if (failure) throw injected(failure, isV1);
      const result = await requestRegion.run(signedRegion(req) ?? region, run);
      entry.status = 200;
      if (!isV1) return sendJson(res, 200, result);
      send(
        res,
        200,
        'xml',
        `<${action}Response xmlns="${V1_NS}"><${action}Result>${String(result)}</${action}Result>${meta()}</${action}Response>`,
      );
    } catch (error) {
      if (!(error instanceof SesError)) throw error;
      entry.status = error.status;
      if (!isV1) return sendJson(res, error.status, { message: error.message }, error.code);
      const detail = `<Type>${error.fault}</Type><Code>${error.code}</Code><Message>${xml(error.message)}</Message>`;
      send(
        res,
        error.status,
        'xml',
        `<ErrorResponse xmlns="${V1_NS}"><Error>${detail}</Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`,
      );
    }
  };
  const names = () => [...identities.keys()].sort();
  const control = (method: string, path: string, text: string, res: ServerResponse) => {
    if (method === 'GET' && path === '/_standin/identities') return sendJson(res, 200, { identities: names() });
    if (method === 'GET' && path === '/_standin/calls') return sendJson(res, 200, { calls: callLog });
    if (method === 'POST' && path === '/_standin/reset') {
      reset();
      return sendJson(res, 200, {});
    }
    if (method === 'POST' && path === '/_standin/throttle') {
      try {
        throttle(JSON.parse(text || '{}') as ThrottleOptions);
      } catch {
        return sendJson(res, 400, { message: 'Expected a JSON body.' });
      }
      return sendJson(res, 200, { ratePerSecond: bucket.rate, failNext: failures.count, failWith: failures.kind });
    }
    sendJson(res, 404, { message: `No stand-in control at ${method} ${path}.` });
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
    identities: names,
    calls: () => callLog.map((c) => ({ ...c })),
    reset,
    throttle,
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of req) parts.push(chunk as Buffer);
  return Buffer.concat(parts).toString('utf8');
}
function send(res: ServerResponse, status: number, type: 'json' | 'xml', body: string, errorType?: string) {
  // SES v2 names the error in x-amzn-ErrorType; the SDK reads it before the body.
  const headers = {
    'content-type': type === 'json' ? 'application/json' : 'text/xml',
    'x-amzn-requestid': randomUUID(),
  };
  res.writeHead(status, errorType ? { ...headers, 'x-amzn-errortype': errorType } : headers);
  res.end(body);
}
const sendJson = (res: ServerResponse, status: number, body: unknown, errorType?: string) =>
  send(res, status, 'json', JSON.stringify(body), errorType);
const meta = () => `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata>`;

// Run on its own: `npm exec -- tsx local/ses-standin.ts` (PORT, DNS_SERVERS, AWS_REGION, SES_DATA_FILE).
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const standIn = await startSesStandIn({ port: Number(process.env.PORT ?? 0), dataFile: process.env.SES_DATA_FILE });
  console.log(`SES stand-in listening on ${standIn.url}`);
  const stop = () => void standIn.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
