/**
 * Isolation and access: another team's ids on every endpoint (answered exactly like an unknown id),
 * revoked keys, keys without the scope, cross-origin requests (no CORS), and where keys may never
 * appear: responses after creation (checked on every answer by the world) and the functions' logs,
 * captured at DEBUG level for the whole run.
 */
import { randomUUID } from 'node:crypto';
import { pemBody, revealsKey, rsaKey } from '../test/support/dkim-keys.js';
import { isAnswer, type Outcome } from './client.js';
import { secretOf, type Team, type World } from './world.js';

interface Endpoint {
  readonly name: string;
  readonly method: string;
  readonly path: (id: string) => string;
  readonly body?: (domain: string) => unknown;
}

const ENDPOINTS: readonly Endpoint[] = [
  { name: 'create', method: 'POST', path: () => '/domains', body: (d) => ({ domain: d }) },
  { name: 'list', method: 'GET', path: () => '/domains' },
  { name: 'get', method: 'GET', path: (id) => `/domains/${id}` },
  { name: 'zone-file', method: 'GET', path: (id) => `/domains/${id}/zone-file` },
  { name: 'verify', method: 'POST', path: (id) => `/domains/${id}/verify` },
  { name: 'update', method: 'PATCH', path: (id) => `/domains/${id}`, body: () => ({ return_path: 'mail' }) },
  { name: 'delete', method: 'DELETE', path: (id) => `/domains/${id}` },
];

const fresh = (tag: string) => `${tag}-${randomUUID().slice(0, 8)}.example.com`;

/** Any sign of `victim`'s domain in `o` (an answer to another team) is a cross-team read. */
function reveals(o: Outcome, victim: { id: string; domain: string }): boolean {
  if (!isAnswer(o)) return false;
  return o.text.includes(victim.id) || (o.status < 400 && o.text.includes(victim.domain));
}

async function otherTeam(w: World, a: Team, b: Team): Promise<void> {
  const domainA = fresh('iso-a');
  const made = await w.call('access', 'POST', '/domains', a.key, { domain: domainA });
  if (!isAnswer(made) || made.status !== 201)
    return void w.tally.violation('access', `setup create answered ${made.status}`);
  const victim = { id: String(made.json.data.id), domain: domainA };
  const before = await w.call('access', 'GET', `/domains/${victim.id}`, a.key);
  const unknownId = randomUUID();
  for (const e of ENDPOINTS) {
    if (e.name === 'create') {
      // The name is taken (one SES identity per account): 409, and nothing about the owner.
      const o = await w.call(
        'access',
        'POST',
        '/domains',
        b.key,
        { domain: domainA },
        { label: `other team: create ${domainA}` },
      );
      if (o.status !== 409)
        w.tally.violation('access', `another team creating a taken name got ${o.status} (expected 409)`);
      if (isAnswer(o) && (o.text.includes(victim.id) || o.text.includes(a.teamId)))
        w.tally.crossTeam('access', `the 409 for a taken name reveals the owner's id or team`);
      continue;
    }
    if (e.name === 'list') {
      const o = await w.call('access', 'GET', '/domains', b.key, undefined, { label: 'other team: list' });
      if (reveals(o, victim)) w.tally.crossTeam('access', `team ${b.teamId}'s list shows ${a.teamId}'s domain`);
      continue;
    }
    const body = e.body?.(domainA);
    const foreign = await w.call('access', e.method, e.path(victim.id), b.key, body, {
      label: `other team: ${e.name} a foreign id`,
    });
    const unknown = await w.call('access', e.method, e.path(unknownId), b.key, body, {
      label: `other team: ${e.name} an unknown id`,
    });
    if (foreign.status !== 404)
      w.tally.crossTeam('access', `${e.name} with another team's id answered ${foreign.status} (expected 404)`);
    if (reveals(foreign, victim)) w.tally.crossTeam('access', `${e.name} with another team's id reveals the domain`);
    if (
      isAnswer(foreign) &&
      isAnswer(unknown) &&
      (foreign.status !== unknown.status || foreign.text !== unknown.text)
    ) {
      w.tally.violation(
        'access',
        `${e.name}: another team's id is answered differently from an unknown id (${foreign.status} vs ${unknown.status})`,
      );
    }
  }
  const after = await w.call('access', 'GET', `/domains/${victim.id}`, a.key);
  if (!isAnswer(before) || !isAnswer(after) || before.text !== after.text)
    w.tally.violation('access', `another team's requests changed ${a.teamId}'s domain`);
  w.tally.detail(
    'access',
    `another team's id on get, zone-file, verify, update and delete: answered exactly as an unknown id (404); its list and 409 reveal nothing`,
  );
}

async function keyMatrix(w: World, a: Team): Promise<void> {
  const domain = fresh('keys');
  const made = await w.call('access', 'POST', '/domains', a.key, { domain });
  const id = isAnswer(made) && made.status === 201 ? String(made.json.data.id) : randomUUID();
  const used = await w.keyFor(a.teamId, ['domains:manage']);
  const ok = await w.call('access', 'GET', '/domains', used.key, undefined, { label: 'key before revocation' });
  if (ok.status !== 200) w.tally.violation('access', `a fresh key answered ${ok.status}`);
  await w.e2e.revokeKey(used.keyId);
  const noScope = await w.keyFor(a.teamId, []);
  const otherScope = await w.keyFor(a.teamId, ['emails:send', 'domains:read']);
  const cases: [string, string, number, string][] = [
    ['revoked key', used.key, 401, 'invalid_api_key'],
    ['key without scopes', noScope.key, 403, 'insufficient_scope'],
    ['key with other scopes', otherScope.key, 403, 'insufficient_scope'],
  ];
  let n = 0;
  for (const [what, key, status, code] of cases) {
    for (const e of ENDPOINTS) {
      const o = await w.call('access', e.method, e.path(id), key, e.body?.(fresh('keys-create')), {
        label: `${what}: ${e.name}`,
      });
      n++;
      if (o.status !== status || !isAnswer(o) || o.json?.error?.code !== code) {
        w.tally.violation(
          'access',
          `${what} on ${e.name} answered ${o.status} ${isAnswer(o) ? (o.json?.error?.code ?? '') : ''} (expected ${status} ${code})`,
        );
      }
      if (isAnswer(o) && (o.text.includes(domain) || o.text.includes(id)))
        w.tally.violation('access', `${what} on ${e.name}: the refusal reveals the domain`);
    }
  }
  const still = await w.call('access', 'GET', `/domains/${id}`, a.key);
  if (still.status !== 200)
    w.tally.violation('access', `the domain the refused keys aimed at answers ${still.status} to its owner`);
  w.tally.detail(
    'access',
    `${n} requests with a revoked key (401) or a key without domains:manage (403) on every endpoint`,
  );
}

async function cors(w: World, a: Team): Promise<void> {
  const origin = 'https://evil.example';
  const paths = ['/domains', `/domains/${randomUUID()}`, `/domains/${randomUUID()}/verify`, '/openapi.json'];
  let n = 0;
  for (const path of paths) {
    for (const method of ['OPTIONS', 'GET', 'POST', 'DELETE']) {
      const headers: [string, string][] = [
        ['origin', origin],
        ['authorization', `Bearer ${a.key}`],
      ];
      if (method === 'OPTIONS')
        headers.push(
          ['access-control-request-method', 'POST'],
          ['access-control-request-headers', 'authorization,content-type'],
        );
      // Every answer is checked for access-control-* headers by the world.
      await w.send(
        'access',
        { method, path, headers, body: method === 'POST' && path === '/domains' ? '{"domain":1}' : undefined },
        { label: `CORS ${method} ${path}` },
      );
      n++;
    }
  }
  w.tally.detail('access', `${n} cross-origin requests and preflights: no access-control-* header on any answer`);
}

/**
 * BYODKIM private keys go to SES and nowhere else: create domains with them (PEM and a bare base64
 * body), ask for their verification, and keep pieces of the keys for the log scan; every answer and
 * the whole table must carry only the public half.
 */
async function dkimKeys(w: World, a: Team): Promise<void> {
  let created = 0;
  for (const type of ['pkcs8', 'pkcs1'] as const) {
    const key = rsaKey(2048);
    const body = type === 'pkcs8' ? key.pkcs8Pem : pemBody(key.pkcs1Pem);
    w.dkimSecrets.push(...key.secretPieces);
    const domain = fresh(`byodkim-${type}`);
    const made = await w.call('access', 'POST', '/domains', a.key, {
      domain,
      dkim: { type: 'byodkim', selector: `k${type}`, private_key: body },
    });
    if (!isAnswer(made) || made.status !== 201)
      return void w.tally.violation('access', `BYODKIM create answered ${made.status}`);
    created++;
    if (revealsKey(JSON.stringify((await w.snapshot()).items), w.dkimSecrets))
      w.tally.violation('access', `the table holds a piece of ${domain}'s DKIM private key`);
    for (const answer of [
      made,
      await w.call('access', 'POST', `/domains/${made.json.data.id}/verify`, a.key),
      await w.call('access', 'GET', `/domains/${made.json.data.id}`, a.key),
    ]) {
      if (isAnswer(answer) && revealsKey(answer.text, w.dkimSecrets))
        w.tally.violation('access', `an answer about ${domain} contains its DKIM private key`);
    }
  }
  w.tally.detail(
    'access',
    `${created} BYODKIM domains created and verified: no answer carries the private key (the logs are searched below)`,
  );
}

/** Keys in the functions' logs: none, in any form; and no Authorization header value at all. */
export function scanLogs(w: World): void {
  const text = w.logs.text();
  const lines = w.logs.lines();
  if (lines === 0) {
    w.tally.violation('access', 'no log line was captured: the key-in-logs check would prove nothing');
    return;
  }
  let leaks = 0;
  for (const k of w.keys) {
    if (text.includes(k.plaintext) || text.includes(secretOf(k.plaintext))) {
      leaks++;
      w.tally.violation('access', `the key ${k.keyId} appears in the functions' logs`);
    }
  }
  const prefixed = text.match(/kr_live_[0-9A-Za-z]{8,}/g) ?? [];
  if (prefixed.length > 0)
    w.tally.violation(
      'access',
      `${prefixed.length} key-shaped strings (kr_live_...) in the logs, e.g. ${prefixed[0]!.slice(0, 14)}…`,
    );
  const bearer = text.match(/Bearer [^\s"]{6,}/g) ?? [];
  if (bearer.length > 0) w.tally.violation('access', `${bearer.length} Authorization values in the logs`);
  const dkimLeaks = w.dkimSecrets.filter((piece) => revealsKey(text, [piece])).length;
  if (dkimLeaks > 0) w.tally.violation('access', `${dkimLeaks} pieces of BYODKIM private keys in the functions' logs`);
  const levels = ['DEBUG', 'INFO', 'WARN', 'ERROR']
    .map((l) => `${l} ${(text.match(new RegExp(`"level":"${l}"`, 'g')) ?? []).length}`)
    .join(', ');
  w.tally.detail(
    'access',
    `logs at POWERTOOLS_LOG_LEVEL=DEBUG: ${lines} lines (${(w.logs.bytesCaptured() / 1e6).toFixed(1)} MB; ${levels}) searched for ${w.keys.length} keys and their secrets: ${leaks} found; for ${w.dkimSecrets.length} pieces of DKIM private keys: ${dkimLeaks} found`,
  );
}

export async function runAccess(w: World): Promise<void> {
  const started = Date.now();
  const a = await w.team('access-a');
  const b = await w.team('access-b');
  await otherTeam(w, a, b);
  await keyMatrix(w, a);
  await cors(w, a);
  await dkimKeys(w, a);
  await w.settle();
  await w.checkInvariants('access', 'after the access checks', { settled: true });
  w.tally.durationsMs.set('access', Date.now() - started);
}
