/**
 * Races on one domain name: many concurrent creates (one team, many teams, and with SES throttling
 * as it really does at about one call per second, clients retrying each 503), verify, delete and
 * create all at once, repeated deletes, and a delete landing in the middle of a verifier check.
 * After each: exactly one winner, one SES identity, invariants, and no deleted domain coming back.
 */
import { randomUUID } from 'node:crypto';
import { histogram, isAnswer, type Outcome } from './client.js';
import { sleep, type Team, type World } from './world.js';

const fresh = (tag: string) => `${tag}-${randomUUID().slice(0, 8)}.example.com`;

const count = (outs: readonly Outcome[], status: number) => outs.filter((o) => o.status === status).length;

/** Successful CreateEmailIdentity calls for `name` that reached SES through the proxy. */
function identityCreations(w: World, name: string): number {
  return w.faults.ses
    .calls()
    .filter((c) => c.operation === 'CreateEmailIdentity' && c.status === 200 && c.body.includes(`"${name}"`)).length;
}

/** A create that follows the contract: on 503 it waits for Retry-After (with jitter) and tries again. */
async function createRetrying(w: World, key: string, domain: string, attempts = 12): Promise<Outcome> {
  let last: Outcome | undefined;
  for (let i = 0; i < attempts; i++) {
    last = await w.call(
      'races',
      'POST',
      '/domains',
      key,
      { domain },
      { allow503: true, label: `create ${domain} (retrying)` },
    );
    if (last.status !== 503) return last;
    const after = isAnswer(last) ? Number(last.headers['retry-after'] ?? 1) : 1;
    await sleep(after * 1000 * (0.5 + Math.random()));
  }
  return last!;
}

interface StormResult {
  readonly outs: Outcome[];
  readonly winners: string[];
}

async function createStorm(
  w: World,
  label: string,
  domain: string,
  keys: readonly string[],
  o: { retry?: boolean; attempts?: number } = {},
): Promise<StormResult> {
  const outs = await Promise.all(
    keys.map((key) =>
      o.retry
        ? createRetrying(w, key, domain, o.attempts)
        : w.call('races', 'POST', '/domains', key, { domain }, { allow503: true, label: `${label}: create` }),
    ),
  );
  await w.settle();
  // A create answered 503 (another request of the team was still setting the domain up) is retried
  // after Retry-After, as the contract says: now the name is taken (409), or it is this client's turn.
  const retried = await Promise.all(
    outs.map(async (x, i) =>
      x.status === 503 && !o.retry
        ? w.call(
            'races',
            'POST',
            '/domains',
            keys[i]!,
            { domain },
            { allow503: true, label: `${label}: retry after 503` },
          )
        : null,
    ),
  );
  for (const r of retried)
    if (r && r.status !== 409 && r.status !== 201)
      w.tally.violation('races', `${label}: a create retried after its 503 answered ${r.status}`);
  const winners = [...outs, ...retried]
    .filter((x): x is Outcome => x !== null && x.status === 201)
    .map((x) => (isAnswer(x) ? String(x.json?.data?.id) : ''));
  const snap = await w.snapshot();
  const items = snap.items.filter((i) => i.entity === 'Domain' && i.domain === domain);
  const identities = snap.identities.filter((n) => n === domain).length;
  const distinct = new Set(winners).size;
  w.tally.detail(
    'races',
    `${label}: ${histogram(outs)}; ${distinct} distinct id(s) in the 201s; ${identityCreations(w, domain)} SES identity creation(s)`,
  );
  if (winners.length !== 1) {
    w.tally.violation(
      'races',
      `${label}: ${winners.length} creates answered 201 (expected exactly one), with ${distinct} distinct id(s): ${histogram(outs)}`,
    );
  }
  if (items.length !== 1)
    w.tally.violation('races', `${label}: ${items.length} domain items for ${domain} (expected one)`);
  else if (!winners.includes(String(items[0]!.id)))
    w.tally.violation(
      'races',
      `${label}: the surviving domain ${String(items[0]!.id)} is not the one a 201 returned (${winners.join(', ') || 'none'})`,
    );
  else if (items[0]!.ready !== true) w.tally.violation('races', `${label}: the surviving domain is not ready`);
  if (identities !== 1)
    w.tally.violation('races', `${label}: ${identities} SES identities for ${domain} (expected one)`);
  const losers = outs.filter((x) => x.status !== 201 && x.status !== 409 && x.status !== 503);
  if (losers.length > 0)
    w.tally.violation('races', `${label}: losing creates answered other than 409: ${histogram(losers)}`);
  await w.checkInvariants('races', label, { settled: true });
  return { outs, winners };
}

const mixedTotals = { rounds: 0, requests: 0, deleted: 0, recreated: 0, verifies: 0 };

/** Verify, delete and create (both teams) and reads, all at once on one domain; then what must hold. */
async function mixedRound(w: World, a: Team, b: Team, round: number): Promise<void> {
  const label = `mixed round ${round}`;
  const domain = fresh(`mixed${round}`);
  const made = await w.call('races', 'POST', '/domains', a.key, { domain }, { label: `${label}: setup` });
  if (made.status !== 201 || !isAnswer(made)) {
    w.tally.violation('races', `${label}: setup create answered ${made.status}`);
    return;
  }
  const id = String(made.json.data.id);
  const started = Date.now();
  type Op = { kind: string; run: () => Promise<Outcome> };
  const ops: Op[] = [
    ...Array.from({ length: 8 }, () => ({
      kind: 'verify',
      run: () => w.call('races', 'POST', `/domains/${id}/verify`, a.key, undefined, { label: `${label}: verify` }),
    })),
    ...Array.from({ length: 4 }, () => ({
      kind: 'delete',
      run: () => w.call('races', 'DELETE', `/domains/${id}`, a.key, undefined, { label: `${label}: delete` }),
    })),
    ...Array.from({ length: 6 }, () => ({
      kind: 'create-a',
      run: () =>
        w.call(
          'races',
          'POST',
          '/domains',
          a.key,
          { domain },
          { allow503: true, label: `${label}: create (same team)` },
        ),
    })),
    ...Array.from({ length: 3 }, () => ({
      kind: 'create-b',
      run: () =>
        w.call(
          'races',
          'POST',
          '/domains',
          b.key,
          { domain },
          { allow503: true, label: `${label}: create (other team)` },
        ),
    })),
    ...Array.from({ length: 6 }, () => ({
      kind: 'get-a',
      run: () => w.call('races', 'GET', `/domains/${id}`, a.key, undefined, { label: `${label}: get` }),
    })),
    ...Array.from({ length: 3 }, () => ({
      kind: 'get-b',
      run: () => w.call('races', 'GET', `/domains/${id}`, b.key, undefined, { label: `${label}: get (other team)` }),
    })),
    ...Array.from({ length: 2 }, () => ({
      kind: 'list-b',
      run: () => w.call('races', 'GET', '/domains', b.key, undefined, { label: `${label}: list (other team)` }),
    })),
  ];
  // Shuffle, then start everything in the same tick.
  for (let i = ops.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [ops[i], ops[j]] = [ops[j]!, ops[i]!];
  }
  const results = await Promise.all(ops.map(async (op) => ({ kind: op.kind, out: await op.run() })));
  const of = (kind: string) => results.filter((r) => r.kind === kind).map((r) => r.out);

  const deletes = of('delete');
  const deleted = count(deletes, 200);
  mixedTotals.rounds++;
  mixedTotals.requests += results.length;
  mixedTotals.verifies += count(of('verify'), 200);
  if (deleted > 1) w.tally.violation('races', `${label}: ${deleted} deletes of one domain answered 200`);
  if (deleted >= 1) w.deleted.add(id);
  for (const o of deletes)
    if (o.status !== 200 && o.status !== 404) w.tally.violation('races', `${label}: a delete answered ${o.status}`);
  for (const o of of('verify'))
    if (o.status !== 200 && o.status !== 404) w.tally.violation('races', `${label}: a verify answered ${o.status}`);
  for (const o of of('get-b')) {
    if (o.status !== 404)
      w.tally.crossTeam('races', `${label}: team ${b.teamId} read ${a.teamId}'s domain: ${o.status}`);
  }
  for (const o of of('list-b')) {
    if (
      isAnswer(o) &&
      Array.isArray(o.json?.data) &&
      o.json.data.some((d: { id: string; domain: string }) => d.id === id)
    ) {
      w.tally.crossTeam('races', `${label}: team ${b.teamId}'s list shows ${a.teamId}'s domain`);
    }
  }
  const newIds = [...of('create-a'), ...of('create-b')]
    .filter((o) => o.status === 201)
    .map((o) => (isAnswer(o) ? String(o.json.data.id) : ''));
  mixedTotals.deleted += deleted;
  mixedTotals.recreated += newIds.length;
  if (newIds.length > 1) w.tally.violation('races', `${label}: ${newIds.length} re-creates answered 201`);
  if (newIds.length > 0 && deleted === 0)
    w.tally.violation('races', `${label}: a create answered 201 while the domain was never deleted`);
  for (const o of [...of('create-a'), ...of('create-b')])
    if (o.status !== 201 && o.status !== 409 && o.status !== 503)
      w.tally.violation('races', `${label}: a create answered ${o.status}`);

  await w.settle();
  await w.readDlq();
  const snap = await w.snapshot();
  const items = snap.items.filter((i) => i.entity === 'Domain' && i.domain === domain);
  if (deleted === 0 && !items.some((i) => i.id === id))
    w.tally.violation('races', `${label}: the domain vanished though no delete succeeded`);
  for (const newId of newIds) {
    const item = items.find((i) => i.id === newId);
    if (item?.ready !== true)
      w.tally.violation('races', `${label}: the re-created domain ${newId} (201) is ${item ? 'not ready' : 'missing'}`);
  }
  const stuck = items.filter((i) => i.status === 'verifying' && !w.dlq.some((m) => m.domainId === i.id));
  const accepted = count(of('verify'), 200);
  if (accepted > 0 && stuck.length > 0) {
    // A check whose answer was "already verifying" rides on the queued one; after the drain nothing may still wait.
    w.tally.violation(
      'races',
      `${label}: ${accepted} verify request(s) accepted, and the domain is still verifying after the queue drained (since ${new Date(started).toISOString()})`,
    );
  }
  await w.checkInvariants('races', label, { settled: true });
  // Clean up for the next round.
  for (const item of items) {
    const owner = item.teamId === a.teamId ? a : b;
    const out = await w.call('races', 'DELETE', `/domains/${String(item.id)}`, owner.key, undefined, {
      label: `${label}: cleanup`,
    });
    if (out.status === 200) w.deleted.add(String(item.id));
  }
}

async function repeatedDeletes(w: World, a: Team, b: Team): Promise<void> {
  const label = 'repeated deletes';
  const made = await w.call('races', 'POST', '/domains', a.key, { domain: fresh('redelete') });
  if (!isAnswer(made) || made.status !== 201)
    return void w.tally.violation('races', `${label}: setup answered ${made.status}`);
  const id = String(made.json.data.id);
  const burst = await Promise.all(
    Array.from({ length: 20 }, () => w.call('races', 'DELETE', `/domains/${id}`, a.key, undefined, { label })),
  );
  const after = [];
  for (let i = 0; i < 5; i++)
    after.push(await w.call('races', 'DELETE', `/domains/${id}`, a.key, undefined, { label }));
  const other = await w.call('races', 'DELETE', `/domains/${id}`, b.key, undefined, { label: `${label} (other team)` });
  if (count(burst, 200) >= 1) w.deleted.add(id);
  if (count(burst, 200) !== 1 || count(burst, 404) !== 19)
    w.tally.violation(
      'races',
      `${label}: 20 concurrent deletes answered ${histogram(burst)} (expected one 200, nineteen 404)`,
    );
  if (count(after, 404) !== 5)
    w.tally.violation('races', `${label}: deletes after the delete answered ${histogram(after)}`);
  const bodies = new Set([...burst, ...after].filter((o) => o.status === 404).map((o) => (isAnswer(o) ? o.text : '')));
  if (bodies.size !== 1) w.tally.violation('races', `${label}: the 404s differ: ${[...bodies].join(' | ')}`);
  if (other.status !== 404)
    w.tally.violation('races', `${label}: another team's delete of a deleted domain answered ${other.status}`);
  w.tally.detail('races', `${label}: 20 concurrent → ${histogram(burst)}; 5 later → ${histogram(after)}`);
  await w.settle();
  await w.checkInvariants('races', label, { settled: true });
}

/** Deletes a domain while the verifier is between reading it and writing its result. */
async function deleteDuringCheck(w: World, a: Team, step: 'ses' | 'write'): Promise<void> {
  const label = `delete during a verifier check (${step === 'ses' ? 'while SES is asked' : 'while the result is written'})`;
  const domain = fresh(`midcheck-${step}`);
  const made = await w.call('races', 'POST', '/domains', a.key, { domain });
  if (!isAnswer(made) || made.status !== 201)
    return void w.tally.violation('races', `${label}: setup answered ${made.status}`);
  const id = String(made.json.data.id);
  const proxy = step === 'ses' ? w.faults.ses : w.faults.dynamodb;
  const rule =
    step === 'ses'
      ? proxy.inject({
          operation: 'GetEmailIdentity',
          bodyIncludes: [],
          when: (c) => c.path.includes(encodeURIComponent(domain)),
          fault: { kind: 'delay', ms: 1500 },
          times: 1,
        })
      : proxy.inject({
          operation: ['UpdateItem', 'TransactWriteItems'],
          bodyIncludes: ['recordChecks', id],
          fault: { kind: 'delay', ms: 1500 },
          times: 1,
        });
  const v = await w.call('races', 'POST', `/domains/${id}/verify`, a.key, undefined, { label });
  if (v.status !== 200) w.tally.violation('races', `${label}: verify answered ${v.status}`);
  const deadline = Date.now() + 10_000;
  while (rule.fired === 0 && Date.now() < deadline) await sleep(20);
  if (rule.fired === 0) w.tally.violation('races', `${label}: the verifier never reached the ${step} step`);
  const del = await w.call('races', 'DELETE', `/domains/${id}`, a.key, undefined, { label });
  if (del.status !== 200) w.tally.violation('races', `${label}: delete answered ${del.status}`);
  else w.deleted.add(id);
  rule.remove();
  await w.settle();
  await w.stack.runScheduler(new Date(Date.now() + 24 * 3600_000));
  await w.settle();
  const after = await w.call('races', 'GET', `/domains/${id}`, a.key, undefined, { label });
  if (after.status !== 404) w.tally.violation('races', `${label}: the deleted domain answers ${after.status}`);
  const found = await w.checkInvariants('races', label, { settled: true });
  w.tally.detail(
    'races',
    `${label}: delete ${del.status}, afterwards GET ${after.status}${found.length === 0 ? ', not resurrected' : ''}`,
  );
}

export interface RaceOptions {
  readonly concurrency?: number;
  readonly mixedRounds?: number;
  /** Also run creates against SES at its real pace (1 call/s), clients retrying after Retry-After. */
  readonly throttledSes?: boolean;
  /** Clients in each throttled storm. */
  readonly throttledClients?: number;
  /** Attempts each throttled client makes. */
  readonly throttledAttempts?: number;
}

/** `n` concurrent creates of one name by one team. */
export async function stormOneTeam(w: World, n = 50): Promise<void> {
  const a = await w.team('race-one');
  await createStorm(
    w,
    `${n} concurrent creates, one team`,
    fresh('same-team'),
    Array.from({ length: n }, () => a.key),
  );
}

/** `n` concurrent creates of one name by `n` teams, then by 10 teams with n/10 requests each. */
export async function stormManyTeams(w: World, n = 50): Promise<void> {
  const teams = await Promise.all(Array.from({ length: n }, (_, i) => w.team(`race-t${i}`)));
  await createStorm(
    w,
    `${n} concurrent creates, ${n} teams`,
    fresh('cross-team'),
    teams.map((t) => t.key),
  );
  const per = Math.max(1, Math.floor(n / 10));
  const keys = teams.slice(0, 10).flatMap((t) => Array.from({ length: per }, () => t.key));
  await createStorm(w, `${keys.length} concurrent creates, 10 teams × ${per}`, fresh('mixed-teams'), keys);
}

/** Concurrent creates while SES allows one call per second, every client retrying each 503 after Retry-After. */
export async function stormThrottled(
  w: World,
  o: { clients?: number; sameTeam: boolean; attempts?: number },
): Promise<void> {
  const k = o.clients ?? 10;
  const teams = o.sameTeam
    ? [await w.team('race-thr')]
    : await Promise.all(Array.from({ length: k }, (_, i) => w.team(`race-thr${i}`)));
  const keys = Array.from({ length: k }, (_, i) => teams[o.sameTeam ? 0 : i]!.key);
  w.stack.ses.throttle({ ratePerSecond: 1 });
  const label = `${k} concurrent creates, ${o.sameTeam ? 'one team' : `${k} teams`}, SES at 1 call/s, clients retrying after Retry-After`;
  await createStorm(w, label, fresh(o.sameTeam ? 'throttled-same' : 'throttled-cross'), keys, {
    retry: true,
    attempts: o.attempts,
  });
  w.stack.ses.throttle({ ratePerSecond: null });
}

export async function mixedRounds(w: World, rounds: number): Promise<void> {
  const a = await w.team('race-a');
  const b = await w.team('race-b');
  for (let r = 1; r <= rounds; r++) await mixedRound(w, a, b, r);
  w.tally.detail(
    'races',
    `verify/delete/create/read at once, ${mixedTotals.rounds} rounds of 32 requests: ${mixedTotals.verifies} verifies accepted, ${mixedTotals.deleted} deletes answered 200, ${mixedTotals.recreated} re-creates answered 201; queue drained and the scheduler run after each`,
  );
}

export async function repeatedDeletesRace(w: World): Promise<void> {
  await repeatedDeletes(w, await w.team('race-a'), await w.team('race-b'));
}

export async function deleteDuringCheckRace(w: World, step: 'ses' | 'write'): Promise<void> {
  await deleteDuringCheck(w, await w.team('race-a'), step);
}

/** Concurrent PATCHes of one domain's return_path: SES must end up looking for the records the API shows. */
export async function patchRace(w: World, n = 6): Promise<void> {
  const a = await w.team('race-patch');
  const domain = fresh('patch');
  const label = `${n} concurrent PATCHes of return_path`;
  const made = await w.call('races', 'POST', '/domains', a.key, { domain });
  if (!isAnswer(made) || made.status !== 201)
    return void w.tally.violation('races', `${label}: setup answered ${made.status}`);
  const id = String(made.json.data.id);
  const outs = await Promise.all(
    Array.from({ length: n }, (_, i) =>
      w.call('races', 'PATCH', `/domains/${id}`, a.key, { return_path: `mail${i}` }, { allow503: true, label }),
    ),
  );
  await w.settle();
  const m = await w.mailFromAgrees(domain);
  w.tally.detail('races', `${label}: ${histogram(outs)}; SES MAIL FROM ${m.ses}, the domain shows ${m.table}`);
  if (!m.agrees)
    w.tally.violation(
      'races',
      `${label}: SES's MAIL FROM is ${m.ses} while the domain shows ${m.table} (${histogram(outs)})`,
    );
  for (const o of outs)
    if (o.status !== 200 && o.status !== 503) w.tally.violation('races', `${label}: a PATCH answered ${o.status}`);
  // One change at a time, but at least one goes through, and what the domain shows is one that answered 200.
  const won = outs
    .filter((o) => o.status === 200)
    .map((o) => (isAnswer(o) ? `${String(o.json.data.dns_records[4].name)}` : ''));
  if (won.length === 0) w.tally.violation('races', `${label}: no PATCH answered 200 (${histogram(outs)})`);
  else if (!won.includes(m.table ?? ''))
    w.tally.violation('races', `${label}: the domain shows ${m.table}, which no 200 answered (${won.join(', ')})`);
  for (const o of outs)
    if (o.status === 503 && isAnswer(o) && !/^\d+$/.test(o.headers['retry-after'] ?? ''))
      w.tally.violation('races', `${label}: a 503 without Retry-After`);
  await w.checkInvariants('races', label, { settled: true });
}

/** Nothing deleted comes back, even after the schedule runs a day later. */
export async function noResurrection(w: World): Promise<void> {
  await w.stack.runScheduler(new Date(Date.now() + 24 * 3600_000));
  await w.settle();
  await w.checkInvariants('races', 'after all races and a scheduler run a day later', { settled: true });
}

export async function runRaces(w: World, o: RaceOptions = {}): Promise<void> {
  const started = Date.now();
  const n = o.concurrency ?? 50;
  await stormOneTeam(w, n);
  await stormManyTeams(w, n);
  await mixedRounds(w, o.mixedRounds ?? 10);
  await repeatedDeletesRace(w);
  for (let i = 0; i < 3; i++) await patchRace(w);
  await deleteDuringCheckRace(w, 'ses');
  await deleteDuringCheckRace(w, 'write');
  // Last: clients retrying through SES throttling spend the SDK clients' shared retry budget.
  if (o.throttledSes !== false) {
    await stormThrottled(w, { clients: o.throttledClients, sameTeam: true, attempts: o.throttledAttempts });
    await stormThrottled(w, { clients: o.throttledClients, sameTeam: false, attempts: o.throttledAttempts });
  }
  await noResurrection(w);
  w.tally.durationsMs.set('races', Date.now() - started);
}
