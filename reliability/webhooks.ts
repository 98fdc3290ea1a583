/**
 * Webhook targets that must never be called: every refused URL notation, host names that resolve to
 * private addresses through the stack's `DNS_SERVERS`, a name that points somewhere public when it
 * is saved and at loopback when it is called (DNS rebinding), and a receiver that redirects to
 * another address.
 *
 * What must hold: each refused URL, sent to create and to PATCH of an existing endpoint, answers 400
 * `validation_error` with `field: "url"` and never a 5xx; nothing is stored or changed (the team's
 * endpoints as GET shows them and its table partition are the same before and after, and KMS seals
 * nothing); a test event to a rebound name answers `delivered: false` with an error and reaches no
 * receiver; a redirect is not followed (`delivered: false`, the redirect's status, the second receiver
 * gets no connection).
 *
 * Two parts: `runWebhooks` in a stack as deployed (no local targets), and `runWebhooksLocal` in a
 * stack with WEBHOOKS_ALLOW_LOCAL_TARGETS=1, since a redirecting receiver has to listen on 127.0.0.1
 * and be accepted. There, loopback is all that changes: everything else stays refused.
 */
import { randomUUID } from 'node:crypto';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { type AddressInfo, createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { KEY_PREFIX } from '../src/adapters/table-keys.js';
import type { RecordType } from '../test/support/dns-server.js';
import { REFUSED_WEBHOOK_URLS, type RefusedUrl } from '../test/support/webhook-bad-urls.js';
import { histogram, isAnswer, type Outcome } from './client.js';
import type { Category } from './tally.js';
import type { Team, World } from './world.js';

const CATEGORY: Category = 'webhooks';
/** The test zone the world's DNS server answers for; anything else there is NXDOMAIN. */
const ZONE = 'webhooks-rel.example';
/** An ordinary public address (never connected to: names are pointed elsewhere before any attempt). */
const PUBLIC_V4 = '93.184.215.14';
const SCOPES = ['webhooks:manage'];

type Records = ReadonlyArray<readonly [RecordType, readonly string[]]>;

export interface PrivateName {
  readonly label: string;
  readonly records: Records;
  /** Every address is loopback: accepted when local targets are allowed. */
  readonly loopback: boolean;
}

const name = (label: string, records: Records, loopback = false): PrivateName => ({ label, records, loopback });

/** Host names whose addresses (one of them is enough) webhooks may not reach. */
export const PRIVATE_NAMES: readonly PrivateName[] = [
  name('private 10/8', [['A', ['10.0.0.5']]]),
  name('private 172.16/12', [['A', ['172.16.3.4']]]),
  name('private 192.168/16', [['A', ['192.168.0.10']]]),
  name('loopback', [['A', ['127.0.0.1']]], true),
  name('loopback elsewhere in 127/8', [['A', ['127.53.0.9']]], true),
  name('metadata service', [['A', ['169.254.169.254']]]),
  name('container credentials', [['A', ['169.254.170.2']]]),
  name('CGNAT', [['A', ['100.64.0.9']]]),
  name('unspecified', [['A', ['0.0.0.0']]]),
  name('multicast', [['A', ['224.0.0.251']]]),
  name('IPv6 loopback', [['AAAA', ['::1']]], true),
  name('unique-local fc00::/7', [['AAAA', ['fc00::5']]]),
  name('metadata service over IPv6', [['AAAA', ['fd00:ec2::254']]]),
  name('IPv6 link-local', [['AAAA', ['fe80::1']]]),
  name('IPv4-mapped private', [['AAAA', ['::ffff:10.0.0.5']]]),
  name('IPv4-mapped metadata', [['AAAA', ['::ffff:169.254.169.254']]]),
  name('IPv4-mapped loopback', [['AAAA', ['::ffff:127.0.0.1']]], true),
  name('NAT64 of a private address', [['AAAA', ['64:ff9b::a00:5']]]),
  name('a public and a private address', [['A', [PUBLIC_V4, '10.0.0.5']]]),
  name('public IPv4, unique-local IPv6', [
    ['A', [PUBLIC_V4]],
    ['AAAA', ['fd12:3456::1']],
  ]),
];

export interface WebhooksOptions {
  /** Refused URLs to send (default: all of REFUSED_WEBHOOK_URLS). */
  readonly urls?: readonly RefusedUrl[];
  readonly names?: readonly PrivateName[];
}

/** The part run as deployed: every URL and name refused, and a rebound name never called. */
export async function runWebhooks(w: World, o: WebhooksOptions = {}): Promise<void> {
  const team = await w.team('hooks', SCOPES);
  const base = await baseEndpoint(w, team);
  if (base === null) return;
  const urls = o.urls ?? REFUSED_WEBHOOK_URLS;
  const refused = await refuseAll(
    w,
    team,
    base,
    urls.map((u) => ({ label: u.url.slice(0, 80), url: u.url })),
  );
  w.tally.detail(
    CATEGORY,
    `${urls.length} refused URL notations, each to create and to PATCH: ${refused.answers}; nothing stored or changed, ${refused.kmsCalls} KMS calls`,
  );
  const names = await refuseNames(w, team, base, o.names ?? PRIVATE_NAMES, { allowLocal: false });
  w.tally.detail(
    CATEGORY,
    `${names.count} names resolving to private addresses through DNS_SERVERS, to create and PATCH: ${names.answers}`,
  );
  await rebinding(w, team);
}

/**
 * The part run with local targets allowed (WEBHOOKS_ALLOW_LOCAL_TARGETS=1): what must stay refused
 * stays refused, names resolving to loopback only are accepted, redirects from a receiver on
 * 127.0.0.1 are not followed, and a name rebound to a private address is still never called.
 */
export async function runWebhooksLocal(w: World, o: WebhooksOptions = {}): Promise<void> {
  const team = await w.team('hooks-local', SCOPES);
  const base = await baseEndpoint(w, team);
  if (base === null) return;
  const urls = (o.urls ?? REFUSED_WEBHOOK_URLS).filter((u) => u.refusedLocally);
  const refused = await refuseAll(
    w,
    team,
    base,
    urls.map((u) => ({ label: u.url.slice(0, 80), url: u.url })),
  );
  w.tally.detail(
    CATEGORY,
    `local targets allowed: ${urls.length} URL notations still refused, to create and PATCH: ${refused.answers}; nothing changed`,
  );
  const names = await refuseNames(w, team, base, o.names ?? PRIVATE_NAMES, { allowLocal: true });
  w.tally.detail(
    CATEGORY,
    `local targets allowed: ${names.count} private names (loopback-only ones left out) still refused: ${names.answers}; ${names.accepted} loopback-only names accepted`,
  );
  await redirects(w, team);
  await rebinding(w, team, { allowLocal: true });
}

/** An endpoint every refused PATCH is aimed at; its name never resolves, so it is accepted. */
async function baseEndpoint(w: World, team: Team): Promise<string | null> {
  const out = await w.call(CATEGORY, 'POST', '/webhooks', team.key, {
    url: `https://base-${randomUUID().slice(0, 8)}.${ZONE}/in`,
    description: 'base',
  });
  if (!isAnswer(out) || out.status !== 201 || typeof out.json?.data?.id !== 'string') {
    w.tally.violation(CATEGORY, `the base endpoint was not created: ${describe(out)}`);
    return null;
  }
  return out.json.data.id as string;
}

interface Attempt {
  readonly label: string;
  readonly url: string;
}

/**
 * Sends each URL to create and to PATCH of `base`, and compares the team's endpoints and table
 * partition (and the KMS calls) before and after each one.
 */
async function refuseAll(
  w: World,
  team: Team,
  base: string,
  attempts: readonly Attempt[],
): Promise<{ answers: string; kmsCalls: number }> {
  const outs: Outcome[] = [];
  let kmsCalls = 0;
  let before = await state(w, team, base);
  for (const a of attempts) {
    const kmsBefore = w.stack.kms.calls().length;
    const created = await w.call(
      CATEGORY,
      'POST',
      '/webhooks',
      team.key,
      { url: a.url, events: ['domain.created'], description: 'refused' },
      { label: `create ${a.label}` },
    );
    const patched = await w.call(
      CATEGORY,
      'PATCH',
      `/webhooks/${base}`,
      team.key,
      { url: a.url, events: ['domain.deleted'], description: 'changed by a refused PATCH', enabled: false },
      { label: `PATCH ${a.label}` },
    );
    outs.push(created, patched);
    for (const [what, out] of [
      ['create', created],
      ['PATCH', patched],
    ] as const) {
      const problem = notRefusedOnUrl(out);
      if (problem) w.tally.violation(CATEGORY, `${what} with ${a.label}: ${problem}`);
    }
    const calls = w.stack.kms.calls().length - kmsBefore;
    kmsCalls += calls;
    if (calls > 0) w.tally.violation(CATEGORY, `${a.label}: a refused save made ${calls} KMS calls`);
    const after = await state(w, team, base);
    if (after !== before) {
      w.tally.violation(CATEGORY, `${a.label}: the team's endpoints changed: ${firstDifference(before, after)}`);
      before = after;
    }
  }
  return { answers: histogram(outs), kmsCalls };
}

async function refuseNames(
  w: World,
  team: Team,
  base: string,
  names: readonly PrivateName[],
  o: { allowLocal: boolean },
): Promise<{ count: number; answers: string; accepted: number }> {
  const dns = w.e2e.dns;
  const host = (label: string) =>
    `${label.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}-${randomUUID().slice(0, 6)}.${ZONE}`;
  const refused: Attempt[] = [];
  const loopbackOnly: Attempt[] = [];
  for (const n of names) {
    const h = host(n.label);
    for (const [type, values] of n.records) dns.set(h, type, [...values]);
    (o.allowLocal && n.loopback ? loopbackOnly : refused).push({ label: `${n.label} (${h})`, url: `https://${h}/in` });
  }
  // And one more refused only where the chain ends.
  const alias = host('alias');
  const inside = host('inside');
  dns.set(inside, 'A', ['10.0.0.5']);
  dns.set(alias, 'CNAME', [inside]);
  refused.push({ label: `a CNAME to a name with 10.0.0.5 (${alias})`, url: `https://${alias}/in` });
  const result = await refuseAll(w, team, base, refused);
  let accepted = 0;
  for (const a of loopbackOnly) {
    const out = await w.call(CATEGORY, 'POST', '/webhooks', team.key, { url: a.url }, { label: `create ${a.label}` });
    if (isAnswer(out) && out.status === 201) {
      accepted++;
      await w.call(CATEGORY, 'DELETE', `/webhooks/${out.json.data.id}`, team.key);
    } else w.tally.violation(CATEGORY, `${a.label} with local targets allowed: ${describe(out)}, expected 201`);
  }
  return { count: refused.length, answers: result.answers, accepted };
}

/**
 * Names saved while they resolve to a public address, then pointed inside; their test events must
 * answer `delivered: false` with the refusal, and a counting receiver on 127.0.0.1 (where loopback
 * is the target) must see no connection.
 */
async function rebinding(w: World, team: Team, o: { allowLocal?: boolean } = {}): Promise<void> {
  const receiver = await countingReceiver();
  const dns = w.e2e.dns;
  const targets: Records[] = o.allowLocal
    ? [[['A', ['10.0.0.5']]], [['A', ['169.254.169.254']]], [['AAAA', ['fc00::5']]], [['AAAA', ['::ffff:10.0.0.5']]]]
    : [
        [['A', ['127.0.0.1']]],
        [['AAAA', ['::ffff:127.0.0.1']]],
        [
          ['A', [PUBLIC_V4]],
          ['AAAA', ['::1']],
        ],
        [['A', ['169.254.169.254']]],
      ];
  const outs: Outcome[] = [];
  const ids: string[] = [];
  try {
    for (const [i, records] of targets.entries()) {
      const h = `rebind-${i}-${randomUUID().slice(0, 6)}.${ZONE}`;
      const url = `https://${h}:${receiver.port}/in`;
      const what = `a name rebound to ${records.map(([t, v]) => `${t} ${v.join(',')}`).join(' + ')}`;
      dns.set(h, 'A', [PUBLIC_V4]);
      // Half are saved by create, half moved there by PATCH of an endpoint saved elsewhere.
      let id: string | null = null;
      if (i % 2 === 0) {
        const out = await w.call(CATEGORY, 'POST', '/webhooks', team.key, { url }, { label: `create ${what}` });
        if (isAnswer(out) && out.status === 201) id = out.json.data.id as string;
        else w.tally.violation(CATEGORY, `${what}: saved while public, yet ${describe(out)}`);
      } else {
        id = await baseEndpoint(w, team);
        if (id !== null) {
          const out = await w.call(CATEGORY, 'PATCH', `/webhooks/${id}`, team.key, { url }, { label: `PATCH ${what}` });
          if (!isAnswer(out) || out.status !== 200)
            w.tally.violation(CATEGORY, `${what}: PATCH while public, yet ${describe(out)}`);
        }
      }
      if (id === null) continue;
      ids.push(id);
      dns.remove(h);
      for (const [type, values] of records) dns.set(h, type, [...values]);
      const out = await w.call(CATEGORY, 'POST', `/webhooks/${id}/test`, team.key, undefined, {
        label: `test ${what}`,
        timeoutMs: 30_000,
      });
      outs.push(out);
      const d = isAnswer(out) && out.status === 200 ? out.json?.data : undefined;
      if (!d) w.tally.violation(CATEGORY, `test of ${what}: ${describe(out)}, expected 200`);
      else if (d.delivered !== false || d.status_code !== null || !/refused address/.test(String(d.error)))
        w.tally.violation(
          CATEGORY,
          `test of ${what}: ${JSON.stringify(d)}, expected delivered false, no status, and the refusal`,
        );
    }
  } finally {
    for (const id of ids) await w.call(CATEGORY, 'DELETE', `/webhooks/${id}`, team.key);
    await receiver.close();
  }
  if (receiver.connections() > 0)
    w.tally.violation(CATEGORY, `rebinding: the receiver on 127.0.0.1 got ${receiver.connections()} connections`);
  w.tally.detail(
    CATEGORY,
    `${o.allowLocal ? 'local targets allowed: ' : ''}rebinding: ${targets.length} names saved while public, then pointed at ${o.allowLocal ? 'private addresses' : 'loopback and the metadata address'}: tests answered ${histogram(outs)}, all delivered false with the refusal; the receiver on 127.0.0.1 got ${receiver.connections()} connections`,
  );
}

/**
 * A receiver on 127.0.0.1 that answers each test event with a redirect (3xx, Location set per case):
 * not followed, so the test answers `delivered: false` with that status, and a second counting
 * receiver on 127.0.0.1, the target of the loopback redirects, sees no connection.
 */
async function redirects(w: World, team: Team): Promise<void> {
  const second = await countingReceiver();
  let answer = { status: 302, location: '' };
  let hits = 0;
  const first: HttpServer = createHttpServer((req, res) => {
    hits++;
    req.resume();
    req.on('end', () => res.writeHead(answer.status, { location: answer.location }).end());
  });
  await new Promise<void>((resolve) => first.listen(0, '127.0.0.1', resolve));
  const firstPort = (first.address() as AddressInfo).port;
  const inside = `inside-${randomUUID().slice(0, 6)}.${ZONE}`;
  w.e2e.dns.set(inside, 'A', ['10.0.0.5']);
  const cases = [
    { status: 302, location: `http://127.0.0.1:${second.port}/stolen` },
    { status: 301, location: `http://127.0.0.1:${second.port}/` },
    { status: 303, location: `http://localhost:${second.port}/` },
    { status: 307, location: `http://[::ffff:127.0.0.1]:${second.port}/` },
    { status: 308, location: `http://127.0.0.1:${second.port}/` },
    { status: 302, location: 'http://169.254.169.254/latest/meta-data/iam/security-credentials/' },
    { status: 302, location: 'http://10.0.0.5/' },
    { status: 307, location: `https://${inside}/` },
  ];
  const outs: Outcome[] = [];
  let id: string | null = null;
  try {
    const created = await w.call(CATEGORY, 'POST', '/webhooks', team.key, {
      url: `http://127.0.0.1:${firstPort}/hook`,
    });
    if (!isAnswer(created) || created.status !== 201) {
      w.tally.violation(CATEGORY, `a receiver on 127.0.0.1 with local targets allowed: ${describe(created)}`);
      return;
    }
    id = created.json.data.id as string;
    for (const c of cases) {
      answer = c;
      const before = hits;
      const out = await w.call(CATEGORY, 'POST', `/webhooks/${id}/test`, team.key, undefined, {
        label: `test, ${c.status} to ${c.location}`,
        timeoutMs: 30_000,
      });
      outs.push(out);
      const d = isAnswer(out) && out.status === 200 ? out.json?.data : undefined;
      if (!d) w.tally.violation(CATEGORY, `test answered ${c.status} to ${c.location}: ${describe(out)}, expected 200`);
      else if (d.delivered !== false || d.status_code !== c.status || !/redirect/i.test(String(d.error)))
        w.tally.violation(
          CATEGORY,
          `test answered ${c.status} to ${c.location}: ${JSON.stringify(d)}, expected delivered false with that status`,
        );
      if (hits !== before + 1)
        w.tally.violation(CATEGORY, `${c.status} to ${c.location}: the first receiver got ${hits - before} requests`);
    }
  } finally {
    if (id !== null) await w.call(CATEGORY, 'DELETE', `/webhooks/${id}`, team.key);
    await new Promise((resolve) => first.close(resolve));
    await second.close();
  }
  if (second.connections() > 0)
    w.tally.violation(CATEGORY, `redirects: the redirect target on 127.0.0.1 got ${second.connections()} connections`);
  w.tally.detail(
    CATEGORY,
    `local targets allowed: a receiver on 127.0.0.1 answering ${cases.length} redirects (301/302/303/307/308 to loopback, the metadata address, 10.0.0.5, a private name): tests answered ${histogram(outs)}, all delivered false with the 3xx; the redirect target got ${second.connections()} connections`,
  );
}

/** A TCP listener on 127.0.0.1 that only counts connections (TLS or not, a connection is enough). */
async function countingReceiver(): Promise<{ port: number; connections(): number; close(): Promise<void> }> {
  let n = 0;
  const server: TcpServer = createTcpServer((socket) => {
    n++;
    socket.on('error', () => undefined);
    socket.end('HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => n,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The team's endpoints as GET shows them, and its table partition as stored. */
async function state(w: World, team: Team, base: string): Promise<string> {
  const list = await w.call(CATEGORY, 'GET', '/webhooks', team.key, undefined, { label: 'GET /webhooks' });
  const one = await w.call(CATEGORY, 'GET', `/webhooks/${base}`, team.key, undefined, { label: 'GET /webhooks/:id' });
  const out = await w.stack.ddb.send(
    new QueryCommand({
      TableName: w.stack.tableName,
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': { S: `${KEY_PREFIX.team}${team.teamId}` } },
      ConsistentRead: true,
    }),
  );
  return JSON.stringify({
    list: isAnswer(list) ? [list.status, list.json?.data] : list.status,
    one: isAnswer(one) ? [one.status, one.json?.data] : one.status,
    items: (out.Items ?? []).map((i) => unmarshall(i)),
  });
}

function firstDifference(a: string, b: string): string {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return `…${a.slice(Math.max(0, i - 60), i + 60)}… became …${b.slice(Math.max(0, i - 60), i + 60)}…`;
}

/** Why an answer is not the refusal every bad URL gets, or null. */
function notRefusedOnUrl(out: Outcome): string | null {
  if (!isAnswer(out)) return `no answer (${out.status})`;
  const e = out.json?.error;
  if (out.status !== 400 || e?.code !== 'validation_error' || e?.field !== 'url') return describe(out);
  return null;
}

function describe(out: Outcome): string {
  return isAnswer(out) ? `${out.status} ${out.text.slice(0, 200)}` : out.status;
}
