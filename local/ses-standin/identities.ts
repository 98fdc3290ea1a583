/**
 * SES domain identities and how their statuses move: what SES looks for in DNS for each identity
 * (the DKIM CNAMEs or BYODKIM TXT, the v1 `_amazonses` TXT, the MAIL FROM MX), how one lookup moves a
 * check within its 72-hour search, and the rules of the calls that change an identity. No HTTP here:
 * DNS comes in as a lookup function and time as plain numbers.
 */
import { DnsLookupError, type LookupResult, type RecordType } from '../../src/adapters/dns.js';
import { dkimToken, publishesKey, type Signing } from './dkim.js';
import { badRequest, notFound, SesError } from './errors.js';

export type Status = 'PENDING' | 'SUCCESS' | 'FAILED' | 'TEMPORARY_FAILURE' | 'NOT_STARTED';
export type Problem = 'HOST_NOT_FOUND' | 'TYPE_NOT_FOUND' | 'INVALID_VALUE' | 'DNS_SERVER_ERROR';

/** One thing SES looks for in DNS: the DKIM CNAMEs, the v1 TXT, or the MAIL FROM MX. */
export interface Check {
  status: Status;
  /** Start of the current 72-hour search: creation, a restart of the setup, or the loss of the record. */
  since: number;
  lastChecked?: number;
  lastSuccess?: number;
  problem?: Problem | undefined;
}

export interface Identity {
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

/** Looks a name up; throws DnsLookupError when the DNS server fails (see src/adapters/dns.ts). */
export type Lookup = (name: string, type: RecordType) => Promise<LookupResult<unknown>>;

export const SEARCH_WINDOW_MS = 72 * 3600 * 1000;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/;

export const normal = (s: string) => s.trim().toLowerCase().replace(/\.$/, '');

/** A domain name from a request field, normalised as SES does; throws BadRequestException. */
export function domainOf(raw: unknown, field: string): string {
  const name = typeof raw === 'string' ? normal(raw) : '';
  if (!name) throw badRequest(`${field} is required.`);
  if (!DOMAIN.test(name)) throw badRequest(`Invalid domain name ${String(raw)}.`);
  return name;
}

/** The identities of one account and region, keyed by normalised name. */
export class Identities {
  private readonly byName: Map<string, Identity>;

  constructor(
    saved: readonly Identity[] = [],
    /** SES allows 10,000 identities per account and region. */
    private readonly limit = 10_000,
  ) {
    this.byName = new Map(saved.map((i) => [i.name, i]));
  }

  /** A new identity without DKIM or MAIL FROM; LimitExceededException past the quota. */
  add(name: string, region: string, now: number): Identity {
    if (this.byName.size >= this.limit) {
      throw new SesError('LimitExceededException', 400, 'Maximum number of identities exceeded.');
    }
    const id: Identity = {
      name,
      region,
      createdAt: now,
      tags: [],
      keyLength: 'RSA_2048_BIT',
      behaviorOnMxFailure: 'USE_DEFAULT_VALUE',
    };
    this.byName.set(name, id);
    return id;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  find(raw: string): Identity | undefined {
    return this.byName.get(normal(raw));
  }

  /** NotFoundException for an unknown identity. */
  existing(raw: string): Identity {
    const id = this.find(raw);
    if (!id) throw notFound(raw);
    return id;
  }

  delete(raw: string): void {
    this.byName.delete(normal(raw));
  }

  clear(): void {
    this.byName.clear();
  }

  /** Sorted by name. */
  list(): Identity[] {
    return [...this.byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  names(): string[] {
    return [...this.byName.keys()].sort();
  }

  all(): Identity[] {
    return [...this.byName.values()];
  }
}

/**
 * Sets DKIM signing the way SES does: BYODKIM with a selector and key, or Easy DKIM with a key
 * length (new tokens only when Easy DKIM was not on yet). Either restarts SES's search for the DKIM
 * records.
 */
export function applySigning(id: Identity, signing: Signing, now: number): void {
  if (signing.origin === 'EXTERNAL') {
    id.byodkim = { selector: signing.selector, publicKey: signing.publicKey, bits: signing.bits };
    id.dkimTokens = undefined;
  } else {
    id.keyLength = signing.keyLength;
    if (id.byodkim || !id.dkimTokens) id.dkimTokens = [dkimToken(), dkimToken(), dkimToken()];
    id.byodkim = undefined;
  }
  id.dkim = { status: 'PENDING', since: now };
}

/**
 * Sets or clears the custom MAIL FROM domain. Setting it (again) starts a new search, as SES does;
 * no domain turns custom MAIL FROM off.
 */
export function setMailFrom(id: Identity, domain: string | undefined, behavior: string, now: number): void {
  if (domain && !domain.endsWith(`.${id.name}`))
    throw badRequest(`MAIL FROM domain ${domain} must be a subdomain of ${id.name}.`);
  id.behaviorOnMxFailure = behavior;
  id.mailFrom = domain ? { domain, status: 'PENDING', since: now } : undefined;
}

/** v1 VerifyDomainIdentity on an identity: a stable token, and a new search if there was none or it failed. */
export function startTxtVerification(id: Identity, token: () => string, now: number): string {
  id.verificationToken ??= token();
  if (!id.txt || id.txt.status === 'FAILED') id.txt = { status: 'PENDING', since: now };
  return id.verificationToken;
}

/** A v2 identity verifies through DKIM; the v1 TXT decides only for an identity v1 created (no DKIM). */
export const verification = (id: Identity): Check => id.dkim ?? id.txt ?? { status: 'NOT_STARTED', since: 0 };

/** One record SES looks for, and whether the values DNS returned are the right ones. */
export interface RecordCheck {
  readonly name: string;
  readonly type: RecordType;
  readonly ok: (values: unknown[]) => boolean;
}

/**
 * What SES looks up for an identity: the DKIM records (all three Easy DKIM CNAMEs, or the BYODKIM
 * TXT at the selector), the `_amazonses` TXT once v1 asked for it, and the MX of a custom MAIL FROM,
 * which must point at the feedback endpoint of the identity's region.
 */
export function recordsOf(
  id: Identity,
  defaultRegion: string,
): { dkim?: RecordCheck[]; txt?: RecordCheck; mailFrom?: RecordCheck } {
  const byodkim = id.byodkim;
  const feedback = `feedback-smtp.${id.region ?? defaultRegion}.amazonses.com`;
  const dkim: RecordCheck[] | undefined = byodkim
    ? [
        {
          name: `${byodkim.selector}._domainkey.${id.name}`,
          type: 'TXT',
          ok: (v) => v.some((txt) => publishesKey(txt as string, byodkim.publicKey)),
        },
      ]
    : id.dkimTokens?.map((t) => ({
        name: `${t}._domainkey.${id.name}`,
        type: 'CNAME' as const,
        ok: (v: unknown[]) => v.includes(`${t}.dkim.amazonses.com`),
      }));
  const token = id.verificationToken;
  const mailFrom = id.mailFrom;
  return {
    ...(dkim && { dkim }),
    ...(id.txt && { txt: { name: `_amazonses.${id.name}`, type: 'TXT' as const, ok: (v) => v.includes(token) } }),
    ...(mailFrom && {
      mailFrom: {
        name: mailFrom.domain,
        type: 'MX' as const,
        ok: (v) => v.some((mx) => (mx as { exchange: string }).exchange === feedback),
      },
    }),
  };
}

/** What one lookup tells SES: nothing in the way, or the problem it reports. */
export async function probe(lookup: Lookup, record: RecordCheck): Promise<Problem | undefined> {
  try {
    const r = await lookup(record.name, record.type);
    if (!r.found) return r.reason === 'NXDOMAIN' ? 'HOST_NOT_FOUND' : 'TYPE_NOT_FOUND';
    return record.ok(r.records) ? undefined : 'INVALID_VALUE';
  } catch (error) {
    if (error instanceof DnsLookupError) return 'DNS_SERVER_ERROR';
    throw error;
  }
}

/** Of several records' problems, the one SES reports: a DNS server error first, then the first other. */
const worst = (ps: (Problem | undefined)[]) => ps.find((p) => p === 'DNS_SERVER_ERROR') ?? ps.find(Boolean);

/**
 * Moves a check on after a lookup. SES polls in the background; here statuses move lazily, on
 * GetEmailIdentity, so a record first seen after its 72-hour window is too late: FAILED.
 * FAILED is final, as SES stops looking; the caller restarts it (delete and create again,
 * VerifyDomainIdentity, PutEmailIdentityMailFromAttributes). A record found once and then gone
 * turns SUCCESS back to PENDING and opens a new 72-hour window from that moment. A DNS server
 * error is TEMPORARY_FAILURE (DNS_SERVER_ERROR), and is not counted as a missing record.
 */
export function advance(check: Check, problem: Problem | undefined, now: number): void {
  if (check.status === 'FAILED') return;
  check.lastChecked = now;
  check.problem = problem;
  if (check.status === 'SUCCESS') {
    if (problem) check.since = now;
  } else if (now - check.since >= SEARCH_WINDOW_MS) {
    check.status = 'FAILED';
    return;
  }
  if (!problem) check.lastSuccess = now;
  check.status = !problem ? 'SUCCESS' : problem === 'DNS_SERVER_ERROR' ? 'TEMPORARY_FAILURE' : 'PENDING';
}

/** Looks up every record of an identity at once, then moves each of its checks on. */
export async function refresh(
  id: Identity,
  context: { readonly lookup: Lookup; readonly region: string; readonly now: () => number },
): Promise<void> {
  const records = recordsOf(id, context.region);
  const [dkim, txt, mailFrom] = await Promise.all([
    records.dkim && Promise.all(records.dkim.map((r) => probe(context.lookup, r))).then(worst),
    records.txt && probe(context.lookup, records.txt),
    records.mailFrom && probe(context.lookup, records.mailFrom),
  ]);
  if (id.dkim) advance(id.dkim, dkim, context.now());
  if (id.txt) advance(id.txt, txt, context.now());
  if (id.mailFrom) advance(id.mailFrom, mailFrom, context.now());
}
