/**
 * A bounded load run against the local stack with autocannon: several teams, mixed creates, lists,
 * reads and verify requests for a fixed time. Afterwards no write may be lost (every 201 is a ready
 * domain with its SES identity, and nothing else was added), no 5xx may have happened, and no list
 * may have shown another team's domain. Reports p50/p99 latency and throughput.
 */
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import { API_BASE_PATH } from '../src/routes.js';
import { isAnswer } from './client.js';
import { isDomainItem } from './state.js';
import type { Team, World } from './world.js';

export interface LoadOptions {
  readonly seconds?: number;
  readonly connections?: number;
  readonly teams?: number;
}

interface Ctx {
  op?: string;
  team?: number;
}

export async function runLoad(w: World, o: LoadOptions = {}): Promise<void> {
  const started = Date.now();
  const seconds = o.seconds ?? 15;
  const connections = o.connections ?? 10;
  const teams: Team[] = [];
  for (let i = 0; i < (o.teams ?? 8); i++) teams.push(await w.team(`load${i}`));
  /** Domain ids per team: made before the run and every 201 during it. */
  const ids: string[][] = teams.map(() => []);
  const owner = new Map<string, number>();
  const created = teams.map(() => 0);
  for (const [t, team] of teams.entries()) {
    for (let k = 0; k < 2; k++) {
      const out = await w.call('load', 'POST', '/domains', team.key, {
        domain: `load-seed-${randomUUID().slice(0, 8)}.example.com`,
      });
      if (isAnswer(out) && out.status === 201) {
        ids[t]!.push(String(out.json.data.id));
        owner.set(String(out.json.data.id), t);
        created[t]!++;
      }
    }
  }
  const statuses = new Map<number, number>();
  const byOp = new Map<string, Map<number, number>>();
  let crossTeam = 0;
  let headerProblems = 0;
  let serial = 0;
  let createsSent = 0;
  let createsAnswered = 0;
  const url = new URL(w.stack.apiUrl);

  const result: autocannon.Result = await autocannon({
    url: `${url.protocol}//${url.host}`,
    connections,
    duration: seconds,
    timeout: 20,
    requests: [
      {
        // biome-ignore lint/suspicious/noExplicitAny: autocannon types the request it lets us rewrite loosely
        setupRequest: (req: any, context: Ctx) => {
          const t = Math.floor(Math.random() * teams.length);
          const team = teams[t]!;
          const own = ids[t]!;
          const r = Math.random();
          const auth = { authorization: `Bearer ${team.key}` };
          context.team = t;
          if (r < 0.3 || own.length === 0) {
            context.op = 'create';
            createsSent++;
            return {
              ...req,
              method: 'POST',
              path: `${API_BASE_PATH}/domains`,
              headers: { ...auth, 'content-type': 'application/json' },
              body: JSON.stringify({ domain: `load-${++serial}-${randomUUID().slice(0, 6)}.example.com` }),
            };
          }
          const id = own[Math.floor(Math.random() * own.length)]!;
          if (r < 0.6) {
            context.op = 'list';
            return { ...req, method: 'GET', path: `${API_BASE_PATH}/domains`, headers: auth, body: undefined };
          }
          if (r < 0.9) {
            context.op = 'get';
            return { ...req, method: 'GET', path: `${API_BASE_PATH}/domains/${id}`, headers: auth, body: undefined };
          }
          context.op = 'verify';
          return {
            ...req,
            method: 'POST',
            path: `${API_BASE_PATH}/domains/${id}/verify`,
            headers: auth,
            body: undefined,
          };
        },
        onResponse: (status: number, body: string, context: Ctx, headers: Record<string, string | string[]>) => {
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          const op = context.op ?? '?';
          const h = byOp.get(op) ?? new Map<number, number>();
          h.set(status, (h.get(status) ?? 0) + 1);
          byOp.set(op, h);
          const names = Object.keys(headers ?? {}).map((k) => k.toLowerCase());
          if (!names.includes('strict-transport-security') || names.some((k) => k.startsWith('access-control-')))
            headerProblems++;
          const t = context.team ?? -1;
          if (op === 'create') createsAnswered++;
          if (op === 'create' && status === 201) {
            try {
              const id = String(JSON.parse(body).data.id);
              ids[t]!.push(id);
              owner.set(id, t);
              created[t]!++;
            } catch {
              /* counted below as a lost write if it is not in the table */
            }
          }
          if (op === 'list' && status === 200) {
            try {
              for (const d of JSON.parse(body).data as { id: string }[]) {
                const o2 = owner.get(d.id);
                if (o2 !== undefined && o2 !== t) crossTeam++;
              }
            } catch {
              /* a malformed list answer shows up in the status counts */
            }
          }
        },
      },
    ],
    // biome-ignore lint/suspicious/noExplicitAny: autocannon's types omit setupRequest's context argument
  } as any);

  const fiveXx = [...statuses].filter(([s]) => s >= 500).reduce((n, [, c]) => n + c, 0);
  w.tally.bulk('load', result.requests.total, statuses, result.timeouts);
  if (fiveXx > 0)
    w.tally.unexpected5xx(
      'load',
      `${fiveXx} 5xx answers under load: ${[...statuses]
        .filter(([s]) => s >= 500)
        .map(([s, c]) => `${c}× ${s}`)
        .join(', ')}`,
      fiveXx,
    );
  if (result.errors > 0) w.tally.violation('load', `${result.errors} connection errors under load`);
  if (result.timeouts > 0) w.tally.violation('load', `${result.timeouts} requests timed out under load`);
  if (crossTeam > 0) w.tally.crossTeam('load', `${crossTeam} list entries showed another team's domain`);
  if (headerProblems > 0)
    w.tally.violation('load', `${headerProblems} answers without security headers or with CORS headers`);

  await w.settle(60_000);
  const snap = await w.snapshot();
  // Creates still in flight when the clock ran out complete without anyone reading their answer.
  const unanswered = createsSent - createsAnswered;
  let lost = 0;
  let extra = 0;
  for (const [t, team] of teams.entries()) {
    const items = snap.items.filter((i) => isDomainItem(i) && i.teamId === team.teamId);
    const ready = items.filter((i) => i.ready === true);
    const known = new Set(ids[t]);
    lost += [...known].filter((id) => !ready.some((i) => i.id === id)).length;
    extra += items.filter((i) => !known.has(String(i.id))).length;
    for (const i of items)
      if (i.ready !== true)
        w.tally.violation('load', `domain ${String(i.domain)} was left half-created (not ready) after the load run`);
    for (const i of ready)
      if (!snap.identities.includes(String(i.domain)))
        w.tally.violation('load', `domain ${String(i.domain)} has no SES identity after the load run`);
  }
  if (lost > 0) w.tally.violation('load', `${lost} domains answered 201 are missing from the table`);
  if (extra > unanswered)
    w.tally.violation(
      'load',
      `${extra} domains in the table that no 201 reported (only ${unanswered} creates were unanswered when the run ended)`,
    );
  await w.checkInvariants('load', 'after the load run', { settled: true });

  const creates = created.reduce((a, b) => a + b, 0);
  const ops = [...byOp]
    .map(
      ([op, h]) =>
        `${op} ${[...h.values()].reduce((a, b) => a + b, 0)} (${[...h]
          .sort((a, b) => a[0] - b[0])
          .map(([s, c]) => `${c}× ${s}`)
          .join(', ')})`,
    )
    .join('; ');
  w.tally.detail(
    'load',
    `${seconds} s, ${connections} connections, ${teams.length} teams: ${result.requests.total} requests (${Math.round(result.requests.average)}/s), latency p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms; ${fiveXx} 5xx, ${result.errors} errors, ${result.timeouts} timeouts`,
  );
  w.tally.detail('load', ops);
  w.tally.detail(
    'load',
    `${creates} successful creates (including ${teams.length * 2} before the run) + ${extra} completed after the clock stopped (${unanswered} unanswered) = ${snap.items.filter((i) => isDomainItem(i) && teams.some((t) => t.teamId === i.teamId)).length} domains in the table; ${lost} lost`,
  );
  w.tally.durationsMs.set('load', Date.now() - started);
}
