/**
 * The system's state as the checks see it: every table item (a consistent Scan, straight to
 * DynamoDB, never through a fault proxy) and every SES identity the stand-in holds, and the
 * invariants that must hold between them whatever failed on the way.
 */
import { type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { INDEX, KEY_PREFIX, SORT_KEY } from '../src/adapters/table-keys.js';

export type Item = Record<string, unknown>;

export interface Snapshot {
  readonly items: readonly Item[];
  readonly identities: readonly string[];
}

export async function scanTable(ddb: DynamoDBClient, tableName: string): Promise<Item[]> {
  const items: Item[] = [];
  // biome-ignore lint/suspicious/noExplicitAny: DynamoDB's LastEvaluatedKey, passed back as it came
  let start: Record<string, any> | undefined;
  do {
    const out = await ddb.send(
      new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: start }),
    );
    for (const i of out.Items ?? []) items.push(unmarshall(i));
    start = out.LastEvaluatedKey;
  } while (start);
  return items.sort((a, b) => `${a.PK}\u0000${a.SK}`.localeCompare(`${b.PK}\u0000${b.SK}`));
}

/**
 * Items that change on every authenticated request by design: the per-team, per-minute request
 * counters of the rate limiter. They meter requests; they are not domain state.
 */
export const isMeteringItem = (i: Item) => typeof i.PK === 'string' && i.PK.startsWith(KEY_PREFIX.rateLimit);

/** A stable text form of a snapshot, for "exactly as it was" comparisons (metering left out). */
export function fingerprint(s: Snapshot): string {
  const stable = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(stable);
    if (v instanceof Set) return [...v].map(stable).sort();
    if (v && typeof v === 'object')
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k) => [k, stable((v as Item)[k])]),
      );
    return v;
  };
  return JSON.stringify({
    items: s.items.filter((i) => !isMeteringItem(i)).map(stable),
    identities: [...s.identities].sort(),
  });
}

/** Names the first differences between two snapshots (for a readable violation). */
export function describeDiff(before: Snapshot, after: Snapshot): string {
  const key = (i: Item) => `${String(i.PK)} / ${String(i.SK)}`;
  const a = new Map(before.items.filter((i) => !isMeteringItem(i)).map((i) => [key(i), JSON.stringify(i)]));
  const b = new Map(after.items.filter((i) => !isMeteringItem(i)).map((i) => [key(i), JSON.stringify(i)]));
  const out: string[] = [];
  for (const [k, v] of b)
    if (!a.has(k)) out.push(`+item ${k}`);
    else if (a.get(k) !== v) out.push(`~item ${k}`);
  for (const k of a.keys()) if (!b.has(k)) out.push(`-item ${k}`);
  const ia = new Set(before.identities);
  const ib = new Set(after.identities);
  for (const n of ib) if (!ia.has(n)) out.push(`+identity ${n}`);
  for (const n of ia) if (!ib.has(n)) out.push(`-identity ${n}`);
  return out.slice(0, 8).join(', ') + (out.length > 8 ? `, ... (${out.length} differences)` : '');
}

export const isDomainItem = (i: Item) =>
  typeof i.PK === 'string' &&
  i.PK.startsWith(KEY_PREFIX.team) &&
  typeof i.SK === 'string' &&
  i.SK.startsWith(KEY_PREFIX.domain);
export const isClaimItem = (i: Item) =>
  typeof i.PK === 'string' && i.PK.startsWith(KEY_PREFIX.domainName) && i.SK === SORT_KEY.claim;

export interface InvariantOptions {
  /**
   * Also require what holds once clients have retried their failed calls: every ready domain has
   * its SES identity. (A delete whose table write failed after SES removed the identity leaves a
   * ready domain without one until the client's retry.)
   */
  readonly settled?: boolean;
  /** Domain ids a delete answered 200 for: none may exist again. */
  readonly deleted?: ReadonlySet<string>;
  /**
   * SES identities made outside the API (another application of the account): they need no domain
   * item, and no domain item or name claim may ever hold their names.
   */
  readonly foreign?: ReadonlySet<string>;
}

/**
 * The invariants, each violation one line:
 *  - every domain item has its name claim, pointing back at it, and every claim its domain item;
 *  - no two domain items share a name;
 *  - every SES identity belongs to a domain item (a not-yet-ready item counts as its owner), except
 *    one made outside the API, whose name no domain item or claim may hold;
 *  - a `verifying` domain holds a due-time lease, so a lost check is queued again;
 *  - a deleted domain never exists again;
 *  - settled: every ready domain has its SES identity.
 */
export function invariantViolations(s: Snapshot, o: InvariantOptions = {}): string[] {
  const out: string[] = [];
  const domains = s.items.filter(isDomainItem);
  const claims = new Map(s.items.filter(isClaimItem).map((c) => [String(c.PK).slice(KEY_PREFIX.domainName.length), c]));
  const byName = new Map<string, Item[]>();
  for (const d of domains) {
    const name = String(d.domain);
    byName.set(name, [...(byName.get(name) ?? []), d]);
    const claim = claims.get(name);
    if (!claim)
      out.push(
        `domain ${String(d.id)} (${name}, team ${String(d.teamId)}, ready=${String(d.ready)}) has no name claim`,
      );
    else if (claim.domainId !== d.id || claim.teamId !== d.teamId) {
      out.push(
        `domain ${String(d.id)} (${name}) is not the one its claim points at (${String(claim.teamId)}/${String(claim.domainId)})`,
      );
    }
    if (d.status === 'verifying' && !d[INDEX.sk])
      out.push(`domain ${String(d.id)} (${name}) is verifying without a due-time lease`);
    if (o.deleted?.has(String(d.id)))
      out.push(`domain ${String(d.id)} (${name}) exists again after its delete succeeded`);
  }
  for (const [name, ds] of byName) if (ds.length > 1) out.push(`${ds.length} domain items share the name ${name}`);
  for (const [name, c] of claims) {
    const d = domains.find((x) => x.id === c.domainId && x.teamId === c.teamId);
    if (!d) out.push(`claim on ${name} points at ${String(c.teamId)}/${String(c.domainId)}, which does not exist`);
    else if (d.domain !== name) out.push(`claim on ${name} points at a domain named ${String(d.domain)}`);
  }
  for (const identity of s.identities) {
    if (o.foreign?.has(identity)) continue;
    if (!byName.has(identity)) out.push(`SES identity ${identity} belongs to no domain item`);
  }
  for (const name of o.foreign ?? []) {
    if (byName.has(name)) out.push(`a domain item holds ${name}, whose SES identity was made outside the API`);
    if (claims.has(name)) out.push(`a name claim holds ${name}, whose SES identity was made outside the API`);
  }
  if (o.settled) {
    const identities = new Set(s.identities);
    for (const d of domains)
      if (d.ready === true && !identities.has(String(d.domain)))
        out.push(`ready domain ${String(d.id)} (${String(d.domain)}) has no SES identity`);
  }
  return out;
}
