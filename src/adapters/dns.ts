/**
 * DNS lookups for the records we ask customers to publish (TXT, CNAME, MX), through a
 * `node:dns` resolver that can be pointed at specific servers (`DNS_SERVERS`, e.g. a test server).
 * "No such record" is an answer (null); a server that cannot answer is an error (`DnsLookupError`),
 * so callers can tell "not published yet" from "could not check".
 */
import { promises as dns } from 'node:dns';

export type Resolver = dns.Resolver;
export type RecordType = 'TXT' | 'CNAME' | 'MX';

export interface MxRecord {
  exchange: string;
  priority: number;
}

interface RecordOf {
  TXT: string;
  CNAME: string;
  MX: MxRecord;
}

/** NXDOMAIN: the name does not exist. NODATA: the name exists, but has no record of that type. */
export type LookupResult<T> = { found: true; records: T[] } | { found: false; reason: 'NXDOMAIN' | 'NODATA' };

export class DnsLookupError extends Error {
  override readonly name = 'DnsLookupError';
  constructor(
    /** The resolver's code, e.g. ESERVFAIL, ETIMEOUT, ECONNREFUSED, EREFUSED. */
    readonly code: string,
    readonly hostname: string,
    readonly type: RecordType,
    options?: { cause?: unknown },
  ) {
    super(`DNS ${type} lookup for ${hostname} failed: ${code}`, options);
  }
}

export interface ResolverOptions {
  /** Per-try timeout in ms. */
  timeout?: number;
  tries?: number;
}

/**
 * A resolver using `servers`, a comma-separated list of `ip[:port]` (IPv6 as `[ip]:port`); the
 * system's resolvers when unset or empty. Short timeouts: a Lambda must not spend its budget
 * waiting on one slow server.
 */
export function createResolver(
  servers: string | undefined = process.env.DNS_SERVERS,
  options: ResolverOptions = {},
): Resolver {
  const resolver = new dns.Resolver({ timeout: options.timeout ?? 2000, tries: options.tries ?? 2 });
  const list = (servers ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (list.length > 0) resolver.setServers(list);
  return resolver;
}

/** Lower-case, without the trailing dot, so names compare as DNS compares them. */
export function normalizeName(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, '');
}

export async function lookup<K extends RecordType>(
  resolver: Resolver,
  name: string,
  type: K,
): Promise<LookupResult<RecordOf[K]>> {
  const hostname = normalizeName(name);
  try {
    const records = await query(resolver, hostname, type);
    // Some resolvers report NOERROR with an empty answer instead of ENODATA.
    if (records.length === 0) return { found: false, reason: 'NODATA' };
    return { found: true, records: records as RecordOf[K][] };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ENOTFOUND') return { found: false, reason: 'NXDOMAIN' };
    if (code === 'ENODATA') return { found: false, reason: 'NODATA' };
    throw new DnsLookupError(typeof code === 'string' ? code : 'EUNKNOWN', hostname, type, { cause: error });
  }
}

async function query(resolver: Resolver, hostname: string, type: RecordType): Promise<RecordOf[RecordType][]> {
  switch (type) {
    case 'TXT':
      // A TXT record longer than 255 bytes arrives as several strings: one value is their concatenation.
      return (await resolver.resolveTxt(hostname)).map((chunks) => chunks.join(''));
    case 'CNAME':
      return (await resolver.resolveCname(hostname)).map(normalizeName);
    case 'MX':
      return (await resolver.resolveMx(hostname)).map((mx) => ({
        exchange: normalizeName(mx.exchange),
        priority: mx.priority,
      }));
  }
}

function orNull<T>(result: LookupResult<T>): T[] | null {
  return result.found ? result.records : null;
}

/** TXT values (chunks joined); null when the name or the type does not exist. */
export async function lookupTxt(resolver: Resolver, name: string): Promise<string[] | null> {
  return orNull(await lookup(resolver, name, 'TXT'));
}

/** CNAME targets (normalized); null when the name or the type does not exist. */
export async function lookupCname(resolver: Resolver, name: string): Promise<string[] | null> {
  return orNull(await lookup(resolver, name, 'CNAME'));
}

/** MX records (exchange normalized); null when the name or the type does not exist. */
export async function lookupMx(resolver: Resolver, name: string): Promise<MxRecord[] | null> {
  return orNull(await lookup(resolver, name, 'MX'));
}
