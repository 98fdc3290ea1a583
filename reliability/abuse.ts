/**
 * A caller who aims at what the service owns, or simply sends a lot:
 *  - the takeover attempt: a team registers a name whose SES identity another application made;
 *  - thousands of requests with keys that were never issued (checksum failing, checksum holding,
 *    the earlier shape), garbage, revoked keys, and unknown domain ids, each phase alone so that the
 *    AWS calls it causes can be counted from the fault proxies' logs (every call of the functions
 *    goes through them); then the same flood while a normal domain's check runs, which must end;
 *  - oversized DNS (hundreds of values, some 60 KB per name) and DNS that never answers, checked
 *    together with a normal domain: every check must end in a written status, none in the DLQ.
 *
 * The key figures depend on the functions' key cache (API_KEY_CACHE_SECONDS): run.ts gives this
 * category a stack of its own with the cache on, as in production.
 */
import { randomUUID } from 'node:crypto';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { ProxiedCall } from '../local/fault-proxy.js';
import { apiKeyKey, domainKey, KEY_PREFIX } from '../src/adapters/table-keys.js';
import { histogram, isAnswer, type Outcome } from './client.js';
import { attackForeign, type ForeignTotals, foreignKind, type Mark, mark } from './foreign-identities.js';
import { badChecksumKey, garbageKey, keyIdIn, legacyShapeUnknownKey, wellFormedUnknownKey } from './forged-keys.js';
import { sleep, type Team, type World } from './world.js';

const CATEGORY = 'abuse' as const;
const fresh = (tag: string) => `${tag}-${randomUUID().slice(0, 8)}.example.com`;

/** Runs jobs 0, 1, 2, … at most `concurrency` at a time, starting job i only while `more(i)` holds. */
async function pool<T>(
  more: (i: number) => boolean,
  concurrency: number,
  job: (i: number) => Promise<T>,
): Promise<T[]> {
  const out: T[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (more(next)) {
        const i = next++;
        out[i] = await job(i);
      }
    }),
  );
  return out;
}

const percentile = (xs: readonly number[], p: number) => {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

// ---- counting the AWS calls a phase causes ----

interface CallCount {
  readonly dynamodb: ProxiedCall[];
  readonly sqs: ProxiedCall[];
  readonly ses: ProxiedCall[];
  /** GetItem calls on API key items. */
  readonly keyReads: ProxiedCall[];
}

function callsSince(w: World, m: Mark): CallCount {
  const dynamodb = w.faults.dynamodb.calls().filter((c) => c.seq > m.dynamodb);
  return {
    dynamodb,
    sqs: w.faults.sqs.calls().filter((c) => c.seq > m.sqs),
    ses: w.faults.ses.calls().filter((c) => c.seq > m.ses),
    keyReads: dynamodb.filter((c) => c.operation === 'GetItem' && c.body.includes(`"${KEY_PREFIX.apiKey}`)),
  };
}

const byOperation = (calls: readonly ProxiedCall[]) => {
  const h = new Map<string, number>();
  for (const c of calls) h.set(c.operation, (h.get(c.operation) ?? 0) + 1);
  return [...h].map(([op, n]) => `${n} ${op}`).join(', ') || 'none';
};

// ---- the key flood ----

/** A request shape per endpoint; `id` is a domain id (unknown to everyone). */
const SHAPES: ReadonlyArray<(id: string) => { method: string; path: string; body?: unknown }> = [
  () => ({ method: 'GET', path: '/domains' }),
  () => ({ method: 'POST', path: '/domains', body: { domain: 'flood.example.com' } }),
  (id) => ({ method: 'GET', path: `/domains/${id}` }),
  (id) => ({ method: 'POST', path: `/domains/${id}/verify` }),
  (id) => ({ method: 'PATCH', path: `/domains/${id}`, body: { return_path: 'mail' } }),
  (id) => ({ method: 'DELETE', path: `/domains/${id}` }),
];

interface Phase {
  readonly name: string;
  /** The key of request i (the whole token after "Bearer "). */
  readonly key: (i: number) => string;
  /** How many requests; or, as a test, whether to send request i (each worker asks before each request). */
  readonly requests: number | ((i: number) => boolean);
  /** Request shapes to use (default all). */
  readonly shapes?: readonly number[];
  readonly expect: { status: number; code: string };
  /** Told of each answer as it arrives. */
  readonly onAnswer?: (out: Outcome) => void;
}

interface PhaseResult {
  readonly outs: Outcome[];
  readonly calls: CallCount;
  readonly ms: number;
}

async function flood(w: World, p: Phase, concurrency: number): Promise<PhaseResult> {
  const m = mark(w);
  const t0 = Date.now();
  const shapes = p.shapes ?? SHAPES.map((_, i) => i);
  const requests = p.requests;
  const more = typeof requests === 'number' ? (i: number) => i < requests : requests;
  const outs = await pool(more, concurrency, async (i) => {
    const s = SHAPES[shapes[i % shapes.length]!]!(randomUUID());
    const out = await w.call(CATEGORY, s.method, s.path, p.key(i), s.body, {
      label: `${p.name}: ${s.method} ${s.path.replace(/[0-9a-f-]{36}/, '{id}')}`,
    });
    if (!isAnswer(out) || out.status !== p.expect.status || out.json?.error?.code !== p.expect.code) {
      w.tally.violation(
        CATEGORY,
        `${p.name}: ${s.method} ${s.path} answered ${out.status} ${isAnswer(out) ? (out.json?.error?.code ?? '') : ''} (expected ${p.expect.status} ${p.expect.code})`,
      );
    }
    p.onAnswer?.(out);
    return out;
  });
  // Every AWS call of a request is in the proxies' logs by its answer: the handler awaits them all
  // (a read's rate-limit count included) before it answers, and the proxy logs a call on arrival.
  return { outs, calls: callsSince(w, m), ms: Date.now() - t0 };
}

function latency(r: PhaseResult): string {
  const ms = r.outs.map((o) => o.ms);
  return `p50 ${percentile(ms, 50)} ms, p99 ${percentile(ms, 99)} ms, ${Math.round((r.outs.length / Math.max(1, r.ms)) * 1000)} req/s`;
}

/** Splits `total` over the phases in these shares (the rest to the last). */
function shares(total: number, parts: readonly number[]): number[] {
  const out = parts.map((p) => Math.floor(total * p));
  out[out.length - 1]! += total - out.reduce((a, b) => a + b, 0);
  return out;
}

/** The phases' shares of the key flood: checksum failing, garbage, well-formed unknown, earlier shape, revoked, unknown domain ids. */
const FLOOD_SHARES = [0.3, 0.15, 0.2, 0.1, 0.1, 0.15] as const;
const REVOKED_KEYS = 8;
/** The smallest key flood whose revoked-key phase (a tenth of it) sends each revoked key at least once. */
export const MIN_FLOOD_REQUESTS = REVOKED_KEYS * 10;

export async function keyFlood(w: World, o: { requests: number; concurrency?: number }): Promise<void> {
  if (!(o.requests >= MIN_FLOOD_REQUESTS))
    throw new RangeError(
      `a key flood of ${o.requests} requests is too small: at least ${MIN_FLOOD_REQUESTS}, so that each of the ${REVOKED_KEYS} revoked keys is sent`,
    );
  const concurrency = o.concurrency ?? 16;
  const cached = Number(w.stack.env.API_KEY_CACHE_SECONDS ?? 0) > 0;
  const owner = await w.team('abuse-owner');
  // Warm the owner's key (one read) so that the unknown-id phase counts only what unknown ids cost.
  await w.call(CATEGORY, 'GET', '/domains', owner.key);
  const revoked: string[] = [];
  for (let i = 0; i < REVOKED_KEYS; i++) {
    const k = await w.keyFor(owner.teamId, ['domains:manage']);
    await w.e2e.revokeKey(k.keyId);
    revoked.push(k.key);
  }
  await w.settle();

  const [nChecksum = 0, nGarbage = 0, nUnknown = 0, nLegacy = 0, nRevoked = 0, nDomainIds = 0] = shares(
    o.requests,
    FLOOD_SHARES,
  );
  const invalid = { status: 401, code: 'invalid_api_key' };
  const lines: string[] = [];
  const problems: string[] = [];

  // Never issued, checksum fails: refused from the key's own characters, no AWS call at all.
  const checksum = await flood(
    w,
    { name: 'never-issued keys (checksum fails)', key: () => badChecksumKey(), requests: nChecksum, expect: invalid },
    concurrency,
  );
  const garbage = await flood(
    w,
    { name: 'garbage keys', key: () => garbageKey(), requests: nGarbage, expect: invalid },
    concurrency,
  );
  for (const [what, r] of [
    ['never-issued keys with a failing checksum', checksum],
    ['garbage keys', garbage],
  ] as const) {
    const aws = r.calls.dynamodb.length + r.calls.sqs.length + r.calls.ses.length;
    if (aws > 0)
      problems.push(
        `${r.outs.length} requests with ${what} caused ${aws} AWS calls (DynamoDB: ${byOperation(r.calls.dynamodb)}; expected none)`,
      );
    lines.push(
      `${r.outs.length} requests with ${what}: ${histogram(r.outs)}; ${r.calls.dynamodb.length} DynamoDB calls, ${r.calls.ses.length} SES, ${r.calls.sqs.length} SQS; ${latency(r)}`,
    );
  }

  // Well-formed, never issued: each id costs one read, then is remembered as unknown (with the cache
  // on). The first round sends each id once, so no two requests for one id race to the table.
  const unknownPhase = async (name: string, make: () => string, n: number) => {
    const distinct = Math.max(1, Math.floor(n / 4));
    const keys = Array.from({ length: distinct }, make);
    const first = await flood(
      w,
      { name: `${name}, first use`, key: (i) => keys[i]!, requests: distinct, expect: invalid },
      concurrency,
    );
    const again = await flood(
      w,
      { name: `${name}, repeated`, key: (i) => keys[i % distinct]!, requests: n - distinct, expect: invalid },
      concurrency,
    );
    const ids = new Set(keys.map(keyIdIn));
    const readIds = [...first.calls.keyReads, ...again.calls.keyReads].filter((c) =>
      [...ids].some((id) => c.body.includes(`"${apiKeyKey(id).PK}"`)),
    );
    const expectedFirst = distinct;
    const expectedAgain = cached ? 0 : n - distinct;
    if (first.calls.keyReads.length !== expectedFirst)
      problems.push(
        `${name}: ${distinct} distinct ids cost ${first.calls.keyReads.length} key reads on first use (expected ${expectedFirst})`,
      );
    if (again.calls.keyReads.length !== expectedAgain)
      problems.push(
        `${name}: ${n - distinct} repeats cost ${again.calls.keyReads.length} key reads (expected ${expectedAgain}${cached ? ', remembered as unknown' : ', no cache'})`,
      );
    const other = [...first.calls.dynamodb, ...again.calls.dynamodb].length - readIds.length;
    if (
      other > 0 ||
      first.calls.ses.length + again.calls.ses.length + first.calls.sqs.length + again.calls.sqs.length > 0
    )
      problems.push(
        `${name}: calls other than the key reads: ${byOperation([...first.calls.dynamodb, ...again.calls.dynamodb].filter((c) => !readIds.includes(c)))}`,
      );
    lines.push(
      `${n} requests with ${distinct} ${name}: ${histogram([...first.outs, ...again.outs])}; ${first.calls.keyReads.length} DynamoDB reads on first use, ${again.calls.keyReads.length} for the ${n - distinct} repeats; ${latency(again)}`,
    );
  };
  await unknownPhase('never-issued well-formed keys (checksum holds)', wellFormedUnknownKey, nUnknown);
  await unknownPhase('unknown keys of the earlier shape (no checksum)', legacyShapeUnknownKey, nLegacy);

  // Revoked keys: the record (with its revocation) is read once and cached like any other key.
  const revFirst = await flood(
    w,
    { name: 'revoked keys, first use', key: (i) => revoked[i]!, requests: revoked.length, expect: invalid },
    concurrency,
  );
  const rev = await flood(
    w,
    {
      name: 'revoked keys, repeated',
      key: (i) => revoked[i % revoked.length]!,
      requests: nRevoked - revoked.length,
      expect: invalid,
    },
    concurrency,
  );
  if (revFirst.calls.keyReads.length !== revoked.length)
    problems.push(
      `${revoked.length} revoked keys cost ${revFirst.calls.keyReads.length} key reads on first use (expected one each)`,
    );
  if (rev.calls.keyReads.length !== (cached ? 0 : nRevoked - revoked.length))
    problems.push(
      `${nRevoked - revoked.length} repeats of revoked keys cost ${rev.calls.keyReads.length} key reads (expected ${cached ? 0 : nRevoked - revoked.length})`,
    );
  lines.push(
    `${nRevoked} requests with ${revoked.length} revoked keys: ${histogram([...revFirst.outs, ...rev.outs])}; ${revFirst.calls.keyReads.length} DynamoDB reads on first use, ${rev.calls.keyReads.length} for the ${nRevoked - revoked.length} repeats; ${latency(rev)}`,
  );

  // What the cache does not do: concurrent first uses of one key each read it (nothing coalesces
  // lookups in flight). Measured, not required: the cost is bounded by the concurrency, once.
  const racing = Array.from({ length: 4 }, wellFormedUnknownKey);
  const race = await flood(
    w,
    {
      name: 'one unknown key, concurrent first uses',
      key: (i) => racing[i % racing.length]!,
      requests: 64,
      expect: invalid,
    },
    concurrency,
  );
  lines.push(
    `64 concurrent first requests (${concurrency} at a time) with 4 never-issued well-formed keys: ${race.calls.keyReads.length} DynamoDB reads (concurrent first uses of one key are not coalesced)`,
  );

  // A valid key and domain ids nobody has: one domain read each (and the rate limiter's count).
  const missing = await flood(
    w,
    {
      name: 'unknown domain ids',
      key: () => owner.key,
      requests: nDomainIds,
      shapes: [2, 3, 4, 5],
      expect: { status: 404, code: 'domain_not_found' },
    },
    concurrency,
  );
  const perRequest = (missing.calls.dynamodb.length / Math.max(1, nDomainIds)).toFixed(2);
  if (missing.calls.ses.length + missing.calls.sqs.length > 0)
    problems.push(
      `unknown domain ids caused ${missing.calls.ses.length} SES and ${missing.calls.sqs.length} SQS calls (expected none)`,
    );
  lines.push(
    `${nDomainIds} requests for unknown domain ids with a valid key: ${histogram(missing.outs)}; ${missing.calls.dynamodb.length} DynamoDB calls (${byOperation(missing.calls.dynamodb)}; ${perRequest} per request), ${missing.calls.keyReads.length} key reads; ${latency(missing)}`,
  );

  for (const p of problems) w.tally.violation(CATEGORY, p);
  for (const l of lines) w.tally.detail(CATEGORY, l);
}

// ---- checks that must end ----

interface Watched {
  readonly label: string;
  readonly team: Team;
  readonly id: string;
  readonly domain: string;
}

async function domainItem(w: World, d: Watched): Promise<Record<string, unknown> | null> {
  // Straight to DynamoDB, not through the proxy: the harness's reads are not the functions' calls.
  const out = await w.stack.ddb.send(
    new GetItemCommand({
      TableName: w.stack.tableName,
      Key: marshall(domainKey(d.team.teamId, d.id)),
      ConsistentRead: true,
    }),
  );
  return out.Item ? unmarshall(out.Item) : null;
}

/** Waits until the domain's check since `t0` is written; the time it took, or null at the deadline. */
async function checkWritten(
  w: World,
  d: Watched,
  t0: number,
  deadlineMs: number,
): Promise<{ ms: number; status: string } | null> {
  while (Date.now() - t0 < deadlineMs) {
    const item = await domainItem(w, d);
    if (
      item &&
      item.status !== 'verifying' &&
      typeof item.lastCheckedAt === 'string' &&
      Date.parse(item.lastCheckedAt) >= t0 - 1000
    )
      return { ms: Date.now() - t0, status: String(item.status) };
    await sleep(100);
  }
  return null;
}

async function makeDomain(
  w: World,
  team: Team,
  label: string,
): Promise<(Watched & { records: { type: string; name: string; value: string; priority: number | null }[] }) | null> {
  const domain = fresh(label);
  const made = await w.call(CATEGORY, 'POST', '/domains', team.key, { domain }, { label: `${label}: create` });
  if (!isAnswer(made) || made.status !== 201) {
    w.tally.violation(CATEGORY, `${label}: setup create answered ${made.status}`);
    return null;
  }
  return { label, team, domain, id: String(made.json.data.id), records: made.json.data.dns_records ?? [] };
}

/** A TXT value of `length` characters (255 fit one DNS string; longer ones are split by the server). */
const filler = (tag: string, i: number, length: number) => `${tag} ${i} ${'x'.repeat(length)}`.slice(0, length);

/**
 * Hundreds of values, some 60 KB per name, at every name the verifier asks about except the DKIM
 * CNAMEs (one value only): uncapped, what the checks keep would pass DynamoDB's 400 KB item limit.
 * Returns the TXT names, the values per TXT and per MX answer, and the bytes served per lookup round.
 */
function publishOversized(
  w: World,
  d: Watched & { records: { type: string; name: string }[] },
): { names: string[]; txtValues: number; mxValues: number; bytes: number } {
  const mailFrom = d.records.find((r) => r.type === 'MX')?.name ?? `send.${d.domain}`;
  const txtValues = 240;
  const mxValues = 600;
  const txtNames = [
    d.domain,
    `_amazonses.${d.domain}`,
    `_amazonses.${d.domain}.${d.domain}`,
    `_dmarc.${d.domain}`,
    `_dmarc.${d.domain}.${d.domain}`,
    mailFrom,
    `${mailFrom}.${d.domain}`,
  ];
  let bytes = 0;
  for (const name of txtNames) {
    const tag = name.startsWith('_dmarc')
      ? 'v=DMARC1; p=none; rua=mailto:x@example.org;'
      : name.startsWith(mailFrom)
        ? 'v=spf1 include:amazonses.com'
        : 'junk';
    const values = Array.from({ length: txtValues }, (_, i) => filler(tag, i, 250));
    w.e2e.dns.set(name, 'TXT', values);
    bytes += values.reduce((n, v) => n + v.length, 0);
  }
  for (const name of [mailFrom, `${mailFrom}.${d.domain}`]) {
    const values = Array.from({ length: mxValues }, (_, i) => ({
      exchange: `mx${i}-${'m'.repeat(48)}.junk.example.org`,
      priority: i % 50,
    }));
    w.e2e.dns.set(name, 'MX', values);
    bytes += values.reduce((n, v) => n + v.exchange.length + 2, 0);
  }
  return { names: txtNames, txtValues, mxValues, bytes };
}

/**
 * Names of the domain that never answer. Only those the SES stand-in does not look up itself (the
 * apex, `_dmarc`, and the doubled names DNS hosts produce): the stand-in asks DNS inside
 * GetEmailIdentity, which real SES never does, so a silent DKIM or MAIL FROM name would hang the
 * stand-in's answer past the SDK's timeout and test the stand-in, not the verifier.
 */
function silence(w: World, d: Watched & { records: { name: string }[] }): string[] {
  const names = new Set([d.domain, `_dmarc.${d.domain}`, ...d.records.map((r) => `${r.name}.${d.domain}`)]);
  for (const n of names) w.e2e.dns.fail(n, 'timeout');
  return [...names];
}

/** SES GetEmailIdentity calls the functions made for `domain` since `m`: one per check run. */
const sesReads = (w: World, domain: string, m: Mark) =>
  w.faults.ses
    .calls()
    .filter((c) => c.seq > m.ses && c.operation === 'GetEmailIdentity' && c.path.includes(`/identities/${domain}`))
    .length;

export async function dnsAbuse(w: World, o: { deadlineMs?: number } = {}): Promise<void> {
  const deadlineMs = o.deadlineMs ?? 45_000;
  const team = await w.team('abuse-dns');
  const big = await makeDomain(w, team, 'oversized-dns');
  const silent = await makeDomain(w, team, 'silent-dns');
  const normal = await makeDomain(w, team, 'normal-dns');
  if (!big || !silent || !normal) return;
  w.e2e.publish(normal.records);
  const served = publishOversized(w, big);
  const silentNames = silence(w, silent);
  await w.settle();
  const m = mark(w);
  const t0 = Date.now();
  for (const d of [big, silent, normal]) {
    const v = await w.call(CATEGORY, 'POST', `/domains/${d.id}/verify`, team.key, undefined, {
      label: `${d.label}: verify`,
    });
    if (v.status !== 200) w.tally.violation(CATEGORY, `${d.label}: verify answered ${v.status}`);
  }
  const [bigDone = null, silentDone = null, normalDone = null] = await Promise.all(
    [big, silent, normal].map((d) => checkWritten(w, d, t0, deadlineMs)),
  );
  await w.settle(deadlineMs);
  await w.readDlq();
  const ids = new Set([big.id, silent.id, normal.id]);
  const dead = w.dlq.filter((x) => ids.has(x.domainId));
  for (const [d, done] of [
    [big, bigDone],
    [silent, silentDone],
    [normal, normalDone],
  ] as const) {
    if (!done)
      w.tally.violation(
        CATEGORY,
        `${d.label}: no status written within ${deadlineMs / 1000} s of the verify (stuck in verifying)`,
      );
    if (dead.some((x) => x.domainId === d.id)) w.tally.violation(CATEGORY, `${d.label}: the check went to the DLQ`);
  }
  if (normalDone && normalDone.status !== 'verified')
    w.tally.violation(CATEGORY, `the normal domain checked beside them is ${normalDone.status}, not verified`);
  const bigItem = await domainItem(w, big);
  const itemKb = bigItem ? Buffer.byteLength(JSON.stringify(bigItem)) / 1024 : 0;
  // What the verifier saw, as its diagnostics say it ("<n> values were found"). Without the largest
  // answer whole, the check would end quickly on a few values and prove nothing about large ones.
  const seen = Math.max(
    0,
    ...[...JSON.stringify(bigItem ?? {}).matchAll(/(\d+) values were found/g)].map((x) => Number(x[1])),
  );
  const largest = Math.max(served.txtValues, served.mxValues);
  if (bigDone && seen < largest) {
    w.tally.violation(
      CATEGORY,
      `oversized DNS: the largest answer the diagnostics name has ${seen} values, fewer than the ${largest} served: the large answers did not reach the verifier whole`,
    );
  }
  // One check each: a write that fails and is retried would show as more SES reads.
  const runs = {
    big: sesReads(w, big.domain, m),
    silent: sesReads(w, silent.domain, m),
    normal: sesReads(w, normal.domain, m),
  };
  if (runs.big > 1 || runs.silent > 1)
    w.tally.violation(
      CATEGORY,
      `checks ran again: ${runs.big} for the oversized domain, ${runs.silent} for the silent one (expected one each)`,
    );
  const secs = (x: { ms: number } | null) => (x ? `${(x.ms / 1000).toFixed(1)} s` : 'never');
  w.tally.detail(
    CATEGORY,
    `oversized DNS (${served.names.length} TXT names × ${served.txtValues} values of 250 characters and 2 MX names × ${served.mxValues} values: ${(served.bytes / 1024).toFixed(0)} KB per lookup round): check written in ${secs(bigDone)} (${bigDone?.status ?? 'none'}), ${runs.big} check run; the largest answer the diagnostics name: ${seen} values; domain item ${itemKb.toFixed(1)} KB`,
  );
  w.tally.detail(
    CATEGORY,
    `silent DNS (${silentNames.length} names never answer): check written in ${secs(silentDone)} (${silentDone?.status ?? 'none'}), ${runs.silent} check run; the normal domain beside them: ${secs(normalDone)} (${normalDone?.status ?? 'none'}); ${dead.length} in the DLQ`,
  );
  // Only this run's names: the zone is shared with whatever runs next in this stack.
  for (const name of new Set([...served.names, ...silentNames, ...normal.records.map((r) => r.name)]))
    w.e2e.dns.remove(name);
}

/**
 * Bad keys flood the API from before a normal domain's verify until after its check's status is
 * written, so that the whole check meets the flood: the check must end, and verified.
 */
export async function floodDuringCheck(w: World, o: { concurrency?: number; deadlineMs?: number } = {}): Promise<void> {
  const deadlineMs = o.deadlineMs ?? 45_000;
  const team = await w.team('abuse-beside');
  const d = await makeDomain(w, team, 'checked-during-flood');
  if (!d) return;
  w.e2e.publish(d.records);
  await w.settle();
  const m = mark(w);
  const kinds = [badChecksumKey, garbageKey, wellFormedUnknownKey];
  // Each well-formed key is a new id: the one kind that costs a read (one each).
  let wellFormed = 0;
  const key = (i: number) => {
    const kind = kinds[i % kinds.length]!;
    if (kind === wellFormedUnknownKey) wellFormed++;
    return kind();
  };
  let stop = false;
  let verifySent = false;
  let afterVerify = 0;
  let firstAnswer = () => {};
  const answered = new Promise<void>((resolve) => (firstAnswer = resolve));
  const flooding = flood(
    w,
    {
      name: 'mixed bad keys beside a check',
      key,
      requests: () => !stop,
      expect: { status: 401, code: 'invalid_api_key' },
      onAnswer: () => {
        firstAnswer();
        if (verifySent) afterVerify++;
      },
    },
    o.concurrency ?? 16,
  );
  // The flood is answering before the verify goes out, and goes on until the check is written (or
  // the deadline passes): the check runs inside the flood whatever either one's speed.
  await answered;
  const t0 = Date.now();
  verifySent = true;
  const v = await w.call(CATEGORY, 'POST', `/domains/${d.id}/verify`, team.key, undefined, {
    label: 'verify during the flood',
  });
  const done = v.status === 200 ? await checkWritten(w, d, t0, deadlineMs) : null;
  stop = true;
  const r = await flooding;
  const reads = callsSince(w, m).keyReads.length;
  if (v.status !== 200) w.tally.violation(CATEGORY, `verify during the flood answered ${v.status}`);
  else if (!done)
    w.tally.violation(CATEGORY, `a domain checked during the flood: no status written within ${deadlineMs / 1000} s`);
  else if (done.status !== 'verified')
    w.tally.violation(CATEGORY, `a domain checked during the flood ended ${done.status}, not verified`);
  // At most one read per well-formed unknown id (the other two kinds cost none); the verify's own key is cached.
  if (reads > wellFormed + 1)
    w.tally.violation(
      CATEGORY,
      `the flood beside the check cost ${reads} key reads for ${wellFormed} well-formed unknown ids`,
    );
  w.tally.detail(
    CATEGORY,
    `${r.outs.length} requests with mixed bad keys (${o.concurrency ?? 16} at a time) over ${(r.ms / 1000).toFixed(1)} s, from before a domain's verify until its check was written, ${afterVerify} of them answered after the verify went out: ${histogram(r.outs)}; ${latency(r)}; the check written ${done ? `${(done.ms / 1000).toFixed(1)} s after the verify (${done.status})` : 'never'}; ${reads} key reads, for ${wellFormed} well-formed unknown ids`,
  );
}

export interface AbuseOptions {
  /** Requests in the key flood (its phases alone), e.g. 4,000. */
  readonly floodRequests?: number;
  readonly dns?: boolean;
}

/** The takeover attempt of issue 12: a team registers, with its own BYODKIM and MAIL FROM, a name whose identity another application made. */
export async function takeoverAttempt(w: World): Promise<void> {
  const teams = [await w.team('abuse-a'), await w.team('abuse-b')] as const;
  const totals: ForeignTotals = { identities: 0, answers: [], concurrent: [] };
  await attackForeign(w, { ...foreignKind('untagged, BYODKIM, MAIL FROM'), name: 'takeover attempt' }, teams, totals, {
    storm: 4,
    category: CATEGORY,
  });
  const all = [...totals.answers, ...totals.concurrent];
  w.tally.detail(
    CATEGORY,
    `takeover attempt on another application's identity (its BYODKIM and MAIL FROM; teams' creates with BYODKIM, Easy DKIM, return_path, retries, 4 at once): ${all.length} creates → ${histogram(all)}; the identity afterwards: ${w.tally.violationsIn(CATEGORY).length === 0 ? 'unchanged' : 'see the violations'}`,
  );
}

export async function runAbuse(w: World, o: AbuseOptions = {}): Promise<void> {
  const started = Date.now();
  await takeoverAttempt(w);

  const cache = Number(w.stack.env.API_KEY_CACHE_SECONDS ?? 0);
  w.tally.detail(
    CATEGORY,
    `key cache: API_KEY_CACHE_SECONDS=${cache} (one container here; in Lambda, each warm container remembers its own)`,
  );
  if (cache === 0)
    w.tally.note(CATEGORY, 'the key cache is off in this stack: unknown and revoked keys cost a read on every request');
  await keyFlood(w, { requests: o.floodRequests ?? 4000 });
  await floodDuringCheck(w);
  if (o.dns !== false) await dnsAbuse(w);

  // Thousands of key-shaped tokens were sent: none may have been logged.
  const logged = (w.logs.text().match(/kr_live_[0-9A-Za-z]{8,}/g) ?? []).length;
  if (logged > 0) w.tally.violation(CATEGORY, `${logged} key-shaped strings in the functions' logs`);
  await w.settle();
  await w.checkInvariants(CATEGORY, 'after the abuse run', { settled: true });
  w.tally.durationsMs.set(CATEGORY, Date.now() - started);
}
