/**
 * Injected faults at each step of create, verify, delete, the verifier and the scheduler: SES
 * throttling, 5xx and never-answered calls through the SES stand-in's own failure modes; DynamoDB
 * and SQS throttling bodies, 5xx, delays, dropped connections, answers lost after the write
 * happened, and stalls (a function frozen between two steps while its client gives up and
 * retries) through the fault proxies. After each scenario: the invariants while the fault holds,
 * then the client's retries as the contract tells it (503 → retry), then the settled invariants and
 * the end state the client was promised.
 */
import { randomUUID } from 'node:crypto';
import { type Fault, type FaultProxy, type FaultRule, type RuleHandle, wireErrors } from '../local/fault-proxy.js';
import { claimKey, INDEX, KEY_PREFIX } from '../src/adapters/table-keys.js';
import { isAnswer, type Outcome } from './client.js';
import { isClaimItem, isDomainItem } from './state.js';
import { sleep, type Team, type World } from './world.js';

export type Flow = 'create' | 'verify' | 'update' | 'delete' | 'verifier' | 'scheduler';
type Service = 'dynamodb' | 'sqs' | 'ses';

export type FaultKind =
  | 'throttle-once'
  | 'throttle'
  | '5xx-once'
  | '5xx'
  | 'delay'
  | 'drop-once'
  | 'drop'
  | 'lost-answer'
  | 'stall';

/** Fails once: the SDK's own retry absorbs it and the call must succeed. */
const ONCE: ReadonlySet<FaultKind> = new Set(['throttle-once', '5xx-once', 'delay', 'drop-once', 'lost-answer']);

interface Target {
  readonly domain: string;
  readonly id: string;
}

export interface Step {
  readonly flow: Flow;
  readonly name: string;
  readonly service: Service;
  /** Where in the calls of that service the step is. */
  readonly rule: (t: Target) => Pick<FaultRule, 'operation' | 'bodyIncludes' | 'when'>;
  /**
   * The request under test is a retry: an earlier attempt stopped halfway (its MAIL FROM call and its
   * undo both failed), leaving the claim, the unready item and the SES identity for the retry to resume.
   */
  readonly afterHalfCreate?: boolean;
  /** A fault elsewhere that makes this step run (e.g. a failed token call, so the rollback runs). */
  readonly precondition?: {
    readonly service: Service;
    readonly rule: (t: Target) => Pick<FaultRule, 'operation' | 'bodyIncludes' | 'when'>;
    readonly kind: FaultKind;
  };
}

const sesPath = (t: Target) => (c: { path: string }) => c.path.includes(`/identities/${encodeURIComponent(t.domain)}`);

export const STEPS: readonly Step[] = [
  // create: claim + item in one transaction, SES identity, MAIL FROM, v1 token, mark ready (with its event); undo on failure
  {
    flow: 'create',
    name: 'auth: key lookup',
    service: 'dynamodb',
    rule: () => ({ operation: 'GetItem', bodyIncludes: KEY_PREFIX.apiKey }),
  },
  {
    flow: 'create',
    name: 'claim + item transaction',
    service: 'dynamodb',
    rule: (t) => ({ operation: 'TransactWriteItems', bodyIncludes: [claimKey(t.domain).PK, '"Put"'] }),
  },
  {
    flow: 'create',
    name: 'SES CreateEmailIdentity',
    service: 'ses',
    rule: () => ({ operation: 'CreateEmailIdentity' }),
  },
  {
    flow: 'create',
    name: 'SES PutEmailIdentityMailFromAttributes',
    service: 'ses',
    rule: (t) => ({ operation: 'PutEmailIdentityMailFromAttributes', when: sesPath(t) }),
  },
  {
    flow: 'create',
    name: 'SES v1 VerifyDomainIdentity',
    service: 'ses',
    rule: (t) => ({ operation: 'VerifyDomainIdentity', bodyIncludes: `Domain=${encodeURIComponent(t.domain)}` }),
  },
  {
    flow: 'create',
    name: 'mark ready',
    service: 'dynamodb',
    rule: () => ({ operation: 'TransactWriteItems', bodyIncludes: 'SET ready = :true' }),
  },
  {
    flow: 'create',
    name: 'undo: SES DeleteEmailIdentity (after the token call failed)',
    service: 'ses',
    rule: (t) => ({ operation: 'DeleteEmailIdentity', when: sesPath(t) }),
    precondition: {
      service: 'ses',
      rule: (t) => ({ operation: 'VerifyDomainIdentity', bodyIncludes: `Domain=${encodeURIComponent(t.domain)}` }),
      kind: '5xx',
    },
  },
  {
    flow: 'create',
    name: 'undo: delete item + claim (after the token call failed)',
    service: 'dynamodb',
    rule: (t) => ({ operation: 'TransactWriteItems', bodyIncludes: [claimKey(t.domain).PK, '"Delete"'] }),
    precondition: {
      service: 'ses',
      rule: (t) => ({ operation: 'VerifyDomainIdentity', bodyIncludes: `Domain=${encodeURIComponent(t.domain)}` }),
      kind: '5xx',
    },
  },
  {
    flow: 'create',
    name: 'resume: SES GetEmailIdentity (adopting the identity an earlier attempt left)',
    service: 'ses',
    rule: (t) => ({ operation: 'GetEmailIdentity', when: sesPath(t) }),
    afterHalfCreate: true,
  },
  // verify: mark verifying, enqueue; put the status back if the enqueue fails
  {
    flow: 'verify',
    name: 'mark verifying',
    service: 'dynamodb',
    rule: (t) => ({ operation: 'UpdateItem', bodyIncludes: [':verifying', 'previousStatus = #s', t.id] }),
  },
  {
    flow: 'verify',
    name: 'SQS SendMessage',
    service: 'sqs',
    rule: (t) => ({ operation: 'SendMessage', bodyIncludes: t.id }),
  },
  {
    flow: 'verify',
    name: 'revert status (after the enqueue failed)',
    service: 'dynamodb',
    rule: (t) => ({ operation: 'UpdateItem', bodyIncludes: [':prev', t.id] }),
    precondition: { service: 'sqs', rule: (t) => ({ operation: 'SendMessage', bodyIncludes: t.id }), kind: '5xx' },
  },
  // update (PATCH return_path and the Easy DKIM key length): the update lease, SES MAIL FROM and DKIM, then the table, then a new check
  {
    flow: 'update',
    name: 'take the update lease',
    service: 'dynamodb',
    rule: (t) => ({ operation: 'UpdateItem', bodyIncludes: ['updateLeaseUntil = :until', t.id] }),
  },
  {
    flow: 'update',
    name: 'SES PutEmailIdentityMailFromAttributes',
    service: 'ses',
    rule: (t) => ({ operation: 'PutEmailIdentityMailFromAttributes', when: sesPath(t) }),
  },
  {
    flow: 'update',
    name: 'SES PutEmailIdentityDkimSigningAttributes',
    service: 'ses',
    rule: (t) => ({ operation: 'PutEmailIdentityDkimSigningAttributes', when: sesPath(t) }),
  },
  {
    flow: 'update',
    name: 'table write',
    service: 'dynamodb',
    rule: (t) => ({ operation: 'TransactWriteItems', bodyIncludes: ['returnPath = :rp', t.id] }),
  },
  {
    flow: 'update',
    name: 'SQS SendMessage',
    service: 'sqs',
    rule: (t) => ({ operation: 'SendMessage', bodyIncludes: t.id }),
  },
  // delete: read, SES identity, item + claim
  {
    flow: 'delete',
    name: 'read the domain',
    service: 'dynamodb',
    rule: (t) => ({ operation: 'GetItem', bodyIncludes: `${KEY_PREFIX.domain}${t.id}` }),
  },
  {
    flow: 'delete',
    name: 'SES DeleteEmailIdentity',
    service: 'ses',
    rule: (t) => ({ operation: 'DeleteEmailIdentity', when: sesPath(t) }),
  },
  {
    flow: 'delete',
    name: 'delete item + claim transaction',
    service: 'dynamodb',
    rule: (t) => ({ operation: 'TransactWriteItems', bodyIncludes: [claimKey(t.domain).PK, '"Delete"'] }),
  },
  // verifier: read, pace, SES, DNS, write (+ history), clear the published event
  {
    flow: 'verifier',
    name: 'read the domain',
    service: 'dynamodb',
    rule: (t) => ({ operation: 'GetItem', bodyIncludes: `${KEY_PREFIX.domain}${t.id}` }),
  },
  {
    flow: 'verifier',
    name: 'SES pacer slot',
    service: 'dynamodb',
    rule: () => ({ operation: 'UpdateItem', bodyIncludes: KEY_PREFIX.sesPacer }),
  },
  {
    flow: 'verifier',
    name: 'SES GetEmailIdentity',
    service: 'ses',
    rule: (t) => ({ operation: 'GetEmailIdentity', when: sesPath(t) }),
  },
  {
    flow: 'verifier',
    name: 'write the result',
    service: 'dynamodb',
    rule: (t) => ({ operation: ['UpdateItem', 'TransactWriteItems'], bodyIncludes: ['recordChecks', t.id] }),
  },
  {
    flow: 'verifier',
    name: 'clear the published event',
    service: 'dynamodb',
    rule: (t) => ({ operation: 'UpdateItem', bodyIncludes: ['REMOVE pendingEvent', t.id] }),
  },
  // scheduler: due-time query, lease, batch enqueue
  {
    flow: 'scheduler',
    name: 'due-time query',
    service: 'dynamodb',
    rule: () => ({ operation: 'Query', bodyIncludes: KEY_PREFIX.due }),
  },
  {
    flow: 'scheduler',
    name: 'lease the due entry',
    service: 'dynamodb',
    rule: (t) => ({ operation: 'UpdateItem', bodyIncludes: [`${INDEX.sk} = :next`, t.id] }),
  },
  {
    flow: 'scheduler',
    name: 'SQS SendMessageBatch',
    service: 'sqs',
    rule: (t) => ({ operation: 'SendMessageBatch', bodyIncludes: t.id }),
  },
];

export const ALL_KINDS: readonly FaultKind[] = [
  'throttle-once',
  'throttle',
  '5xx-once',
  '5xx',
  'delay',
  'drop-once',
  'drop',
  'lost-answer',
  'stall',
];

/** The faults for one step; `none` when a kind cannot happen there. */
function faultsFor(w: World, service: Service, kind: FaultKind): { fault: Fault; times?: number } {
  const ses = w.stack.ses;
  if (service === 'ses') {
    // SES answers in its own wire format: the stand-in does it, armed as the call arrives.
    const arm = (failNext: number, failWith: 'throttle' | 'server_error' | 'timeout'): Fault => ({
      kind: 'before',
      run: () => ses.throttle({ failNext, failWith }),
    });
    switch (kind) {
      case 'throttle-once':
        return { fault: arm(1, 'throttle'), times: 1 };
      case 'throttle':
        return { fault: arm(1, 'throttle') };
      case '5xx-once':
        return { fault: arm(1, 'server_error'), times: 1 };
      case '5xx':
        return { fault: arm(1, 'server_error') };
      case 'stall':
        return { fault: arm(1, 'timeout'), times: 1 };
      default:
        break;
    }
  }
  const errors = service === 'sqs' ? wireErrors.sqs : wireErrors.dynamodb;
  switch (kind) {
    case 'throttle-once':
      return { fault: errors.throttle(), times: 1 };
    case 'throttle':
      return { fault: errors.throttle() };
    case '5xx-once':
      return { fault: errors.internal(), times: 1 };
    case '5xx':
      return { fault: service === 'sqs' ? errors.internal() : errors.unavailable() };
    case 'delay':
      return { fault: { kind: 'delay', ms: 800 }, times: 1 };
    case 'drop-once':
      return { fault: { kind: 'drop' }, times: 1 };
    case 'drop':
      return { fault: { kind: 'drop' } };
    case 'lost-answer':
      return { fault: { kind: 'drop-answer' }, times: 1 };
    case 'stall':
      return { fault: { kind: 'hang' }, times: 1 };
  }
}

function proxyOf(w: World, service: Service): FaultProxy {
  return w.faults[service];
}

function arm(w: World, step: Step, kind: FaultKind, t: Target): RuleHandle[] {
  const rules: RuleHandle[] = [];
  if (step.precondition) {
    const pre = faultsFor(w, step.precondition.service, step.precondition.kind);
    rules.push(proxyOf(w, step.precondition.service).inject({ ...step.precondition.rule(t), ...pre }));
  }
  const f = faultsFor(w, step.service, kind);
  rules.push(proxyOf(w, step.service).inject({ ...step.rule(t), ...f }));
  return rules;
}

/**
 * A fault that never fired tested nothing: the step did not run, or its rule no longer matches the
 * call (a renamed placeholder in an update expression, a new key format, an operation that moved).
 * That is lost coverage, so it counts as a violation, not a note.
 */
function expectFired(w: World, label: string, rules: readonly RuleHandle[]): void {
  if (!rules.every((r) => r.fired > 0))
    w.tally.violation(
      'faults',
      `${label}: the fault never fired (the step did not run, or its rule no longer matches the call)`,
    );
}

const fresh = (tag: string) => `${tag}-${randomUUID().slice(0, 8)}.example.com`;
const STALL_CLIENT_TIMEOUT_MS = 2000;

/** A client following the contract: on 503/429 it waits for Retry-After, within a time budget. */
async function retryUntil(
  w: World,
  label: string,
  send: () => Promise<Outcome>,
  done: (o: Outcome) => boolean,
  budgetMs = 45_000,
): Promise<Outcome> {
  const deadline = Date.now() + budgetMs;
  let out = await send();
  for (let i = 1; !done(out) && Date.now() < deadline; i++) {
    const after =
      isAnswer(out) && /^\d+$/.test(out.headers['retry-after'] ?? '')
        ? Number(out.headers['retry-after']) * 1000
        : 200 * i;
    await sleep(Math.min(after, Math.max(0, deadline - Date.now())));
    out = await send();
  }
  if (!done(out))
    w.tally.violation('faults', `${label}: still ${out.status} after retrying for ${budgetMs / 1000} s without faults`);
  return out;
}

/**
 * After a stall the client retries at once, while the stalled function is still frozen: whatever
 * the answer (a clean 503 while the first request holds the domain, or success), it must be one the
 * contract allows; the frozen function then resumes, as a slow call would, before the client's
 * retries go on.
 */
async function retryWhileStalled(w: World, kind: FaultKind, send: () => Promise<Outcome>): Promise<void> {
  if (kind !== 'stall') return;
  await send();
  await w.settle();
}

async function makeDomain(w: World, team: Team, label: string): Promise<Target | null> {
  const domain = fresh('fault');
  const out = await w.call('faults', 'POST', '/domains', team.key, { domain }, { label: `${label}: setup` });
  if (!isAnswer(out) || out.status !== 201) {
    w.tally.violation('faults', `${label}: setup create answered ${out.status}`);
    return null;
  }
  return { domain, id: String(out.json.data.id) };
}

/** What the table and SES say about one name. */
async function stateOf(w: World, domain: string) {
  const snap = await w.snapshot();
  const items = snap.items.filter((i) => isDomainItem(i) && i.domain === domain);
  const claim = snap.items.find((i) => isClaimItem(i) && i.PK === claimKey(domain).PK);
  return { items, claim, identity: snap.identities.includes(domain) };
}

async function cleanup(w: World, team: Team, domain: string): Promise<void> {
  const { items } = await stateOf(w, domain);
  for (const item of items) {
    const out = await w.call('faults', 'DELETE', `/domains/${String(item.id)}`, team.key, undefined, {
      label: 'cleanup',
    });
    if (out.status === 200) w.deleted.add(String(item.id));
  }
}

/** An attempt that stops halfway: MAIL FROM fails, and so does the undo's identity delete. */
async function halfCreate(w: World, team: Team, domain: string, label: string): Promise<void> {
  const arm5xx = (operation: string): RuleHandle =>
    w.faults.ses.inject({
      operation,
      when: sesPath({ domain, id: '' }),
      fault: { kind: 'before', run: () => w.stack.ses.throttle({ failNext: 1, failWith: 'server_error' }) },
    });
  const rules = [arm5xx('PutEmailIdentityMailFromAttributes'), arm5xx('DeleteEmailIdentity')];
  const out = await w.call(
    'faults',
    'POST',
    '/domains',
    team.key,
    { domain },
    { allow503: true, label: `${label}: the earlier attempt` },
  );
  for (const r of rules) r.remove();
  w.stack.ses.throttle({ failNext: 0 });
  const s = await stateOf(w, domain);
  // Without the half-state, the resume step that follows tests nothing: lost coverage, like a fault that never fired.
  if (out.status !== 503 || s.items.length !== 1 || s.items[0]!.ready === true || !s.identity) {
    w.tally.violation(
      'faults',
      `${label}: the earlier attempt did not stop halfway (${out.status}, ${s.items.length} item(s), identity ${s.identity})`,
    );
  }
}

async function createScenario(w: World, step: Step, kind: FaultKind, label: string): Promise<void> {
  const team = await w.team('fault-c');
  const domain = fresh('fault-create');
  if (step.afterHalfCreate) await halfCreate(w, team, domain, label);
  const rules = arm(w, step, kind, { domain, id: '' });
  const first = await w.call(
    'faults',
    'POST',
    '/domains',
    team.key,
    { domain },
    { allow503: true, label, timeoutMs: kind === 'stall' ? STALL_CLIENT_TIMEOUT_MS : 20_000 },
  );
  expectFired(w, label, rules);
  // Persistent faults end with the request; a stalled function stays frozen until released.
  for (const r of rules) r.remove();
  if (kind !== 'stall') w.stack.ses.throttle({ failNext: 0 });
  await w.checkInvariants('faults', `${label} (while the fault holds)`);
  checkAnswer(w, label, kind, first, [201], !!step.precondition);
  await retryWhileStalled(w, kind, () =>
    w.call(
      'faults',
      'POST',
      '/domains',
      team.key,
      { domain },
      { allow503: true, label: `${label}: retry while stalled` },
    ),
  );
  let final = first;
  if (first.status !== 201) {
    final = await retryUntil(
      w,
      `${label}: client retry`,
      () =>
        w.call('faults', 'POST', '/domains', team.key, { domain }, { allow503: true, label: `${label}: client retry` }),
      (o) => o.status === 201 || o.status === 409,
    );
  }
  await w.settle();
  const s = await stateOf(w, domain);
  const mine = s.items.filter((i) => i.teamId === team.teamId);
  const promised = [first, final]
    .filter((o) => o.status === 201)
    .map((o) => (isAnswer(o) ? String(o.json.data.id) : ''));
  if (s.items.length !== 1 || mine.length !== 1)
    w.tally.violation(
      'faults',
      `${label}: ${s.items.length} domain item(s) for the name after the client's retries (expected the client's one)`,
    );
  else {
    if (mine[0]!.ready !== true)
      w.tally.violation('faults', `${label}: the domain is not ready after the client's retries`);
    for (const id of promised)
      if (mine[0]!.id !== id)
        w.tally.violation(
          'faults',
          `${label}: a 201 returned ${id}, but the domain that exists is ${String(mine[0]!.id)}`,
        );
    if (!s.identity) w.tally.violation('faults', `${label}: no SES identity for the created domain`);
    if (final.status === 409 && promised.length === 0)
      w.tally.note(
        'faults',
        `${label.replace(/ › [^›]+$/, '')}: after a ${kind} the retry answered 409 for the team's own, finished domain (created by the stalled attempt)`,
      );
  }
  await w.checkInvariants('faults', label, { settled: true });
  await cleanup(w, team, domain);
}

async function verifyScenario(w: World, step: Step, kind: FaultKind, label: string): Promise<void> {
  const team = await w.team('fault-v');
  const t = await makeDomain(w, team, label);
  if (!t) return;
  await w.settle();
  const rules = arm(w, step, kind, t);
  const t0 = Date.now();
  const first = await w.call('faults', 'POST', `/domains/${t.id}/verify`, team.key, undefined, {
    allow503: true,
    label,
    timeoutMs: kind === 'stall' ? STALL_CLIENT_TIMEOUT_MS : 20_000,
  });
  expectFired(w, label, rules);
  for (const r of rules) r.remove();
  await w.checkInvariants('faults', `${label} (while the fault holds)`);
  checkAnswer(w, label, kind, first, [200], !!step.precondition);
  await retryWhileStalled(w, kind, () =>
    w.call('faults', 'POST', `/domains/${t.id}/verify`, team.key, undefined, {
      allow503: true,
      label: `${label}: retry while stalled`,
    }),
  );
  if (first.status !== 200) {
    await retryUntil(
      w,
      `${label}: client retry`,
      () =>
        w.call('faults', 'POST', `/domains/${t.id}/verify`, team.key, undefined, {
          allow503: true,
          label: `${label}: client retry`,
        }),
      (o) => o.status === 200,
    );
  }
  await w.settle();
  await expectEnded(w, t, t0, label);
  await w.checkInvariants('faults', label, { settled: true });
  await cleanup(w, team, t.domain);
}

async function updateScenario(w: World, step: Step, kind: FaultKind, label: string): Promise<void> {
  const team = await w.team('fault-u');
  const t = await makeDomain(w, team, label);
  if (!t) return;
  await w.settle();
  const rules = arm(w, step, kind, t);
  const body = { return_path: 'mail', dkim: { type: 'easy_dkim', key_length: 1024 } };
  const patch = (what: string) =>
    w.call('faults', 'PATCH', `/domains/${t.id}`, team.key, body, {
      allow503: true,
      label: what,
      timeoutMs: kind === 'stall' ? STALL_CLIENT_TIMEOUT_MS : 20_000,
    });
  const first = await patch(label);
  expectFired(w, label, rules);
  for (const r of rules) r.remove();
  if (kind !== 'stall') w.stack.ses.throttle({ failNext: 0 });
  await w.checkInvariants('faults', `${label} (while the fault holds)`);
  checkAnswer(w, label, kind, first, [200], !!step.precondition);
  if (first.status !== 'timeout') {
    // The answer is final for a client that does not retry: SES must look for the records the API shows.
    const m = await w.mailFromAgrees(t.domain);
    if (!m.agrees)
      w.tally.violation(
        'faults',
        `${label}: after answering ${first.status}, SES's MAIL FROM is ${m.ses} while the domain shows ${m.table}`,
      );
  }
  await retryWhileStalled(w, kind, () => patch(`${label}: retry while stalled`));
  if (first.status !== 200) {
    await retryUntil(
      w,
      `${label}: client retry`,
      () =>
        w.call('faults', 'PATCH', `/domains/${t.id}`, team.key, body, {
          allow503: true,
          label: `${label}: client retry`,
        }),
      (o) => o.status === 200,
    );
  }
  await w.settle();
  const m = await w.mailFromAgrees(t.domain);
  if (!m.agrees || m.table !== `mail.${t.domain}`)
    w.tally.violation(
      'faults',
      `${label}: after the client's retries SES's MAIL FROM is ${m.ses}, the domain shows ${m.table} (expected mail.${t.domain})`,
    );
  // DKIM is not set back after a failure, but the client's retry makes SES and the table agree.
  const k = await w.dkimKeyLength(t.domain);
  if (k.ses !== 'RSA_1024_BIT' || k.table !== 'RSA_1024_BIT')
    w.tally.violation(
      'faults',
      `${label}: after the client's retries SES's DKIM key length is ${k.ses}, the domain shows ${k.table} (expected RSA_1024_BIT)`,
    );
  await w.checkInvariants('faults', label, { settled: true });
  await cleanup(w, team, t.domain);
}

async function deleteScenario(w: World, step: Step, kind: FaultKind, label: string): Promise<void> {
  const team = await w.team('fault-d');
  const t = await makeDomain(w, team, label);
  if (!t) return;
  await w.settle();
  const rules = arm(w, step, kind, t);
  const first = await w.call('faults', 'DELETE', `/domains/${t.id}`, team.key, undefined, {
    allow503: true,
    label,
    timeoutMs: kind === 'stall' ? STALL_CLIENT_TIMEOUT_MS : 20_000,
  });
  expectFired(w, label, rules);
  for (const r of rules) r.remove();
  if (kind !== 'stall') w.stack.ses.throttle({ failNext: 0 });
  await w.checkInvariants('faults', `${label} (while the fault holds)`);
  checkAnswer(w, label, kind, first, [200], !!step.precondition);
  if (first.status === 404 && kind === 'lost-answer') {
    w.tally.note(
      'faults',
      `delete › ${step.name}: when the answer to the delete transaction is lost, the SDK's retry finds the domain gone and the client gets 404 for a delete that worked`,
    );
  }
  await retryWhileStalled(w, kind, () =>
    w.call('faults', 'DELETE', `/domains/${t.id}`, team.key, undefined, {
      allow503: true,
      label: `${label}: retry while stalled`,
    }),
  );
  let final = first;
  if (first.status !== 200 && first.status !== 404) {
    final = await retryUntil(
      w,
      `${label}: client retry`,
      () =>
        w.call('faults', 'DELETE', `/domains/${t.id}`, team.key, undefined, {
          allow503: true,
          label: `${label}: client retry`,
        }),
      (o) => o.status === 200 || o.status === 404,
    );
  }
  if (first.status === 200 || final.status === 200) w.deleted.add(t.id);
  await w.settle();
  const s = await stateOf(w, t.domain);
  if (s.items.length > 0 || s.claim || s.identity) {
    w.tally.violation(
      'faults',
      `${label}: after the client's delete (${final.status}) there remain ${s.items.length} item(s), ${s.claim ? 'the claim' : 'no claim'}, ${s.identity ? 'the SES identity' : 'no identity'}`,
    );
  }
  const get = await w.call('faults', 'GET', `/domains/${t.id}`, team.key, undefined, { label: `${label}: read back` });
  if (get.status !== 404) w.tally.violation('faults', `${label}: the deleted domain answers ${get.status}`);
  await w.checkInvariants('faults', label, { settled: true });
}

/** The verifier and the scheduler: the check must end in a status write or the DLQ, whatever fails. */
async function backgroundScenario(w: World, step: Step, kind: FaultKind, label: string): Promise<void> {
  const team = await w.team('fault-bg');
  const t = await makeDomain(w, team, label);
  if (!t) return;
  // Every record published: the check turns the domain verified, so an event is published and cleared.
  const detail = await w.call('faults', 'GET', `/domains/${t.id}`, team.key, undefined, { label: `${label}: setup` });
  if (isAnswer(detail) && Array.isArray(detail.json?.data?.dns_records)) w.e2e.publish(detail.json.data.dns_records);
  await w.settle();
  let t0 = Date.now();
  let rules: RuleHandle[];
  if (step.flow === 'scheduler') {
    // A verified domain is due again a day later: the scheduler must queue its check, whatever fails.
    const first = await w.call('faults', 'POST', `/domains/${t.id}/verify`, team.key, undefined, {
      label: `${label}: setup verify`,
    });
    await w.settle();
    if (first.status !== 200)
      return void w.tally.violation('faults', `${label}: setup verify answered ${first.status}`);
    t0 = Date.now();
    rules = arm(w, step, kind, t);
    // A stalled run is what a Lambda timeout leaves: the harness stops waiting for it.
    const run = await Promise.race([
      w.stack.runScheduler(new Date(Date.now() + 25 * 3600_000)).catch((e: unknown) => ({ error: String(e) })),
      sleep(STALL_CLIENT_TIMEOUT_MS + 1000).then(() => ({ error: 'stalled' })),
    ]);
    if ('error' in run && ONCE.has(kind))
      w.tally.note(
        'faults',
        `${label}: a fault the SDK retries once still failed the scheduler run (${run.error.slice(0, 60)})`,
      );
  } else {
    rules = arm(w, step, kind, t);
    const accepted = await w.call('faults', 'POST', `/domains/${t.id}/verify`, team.key, undefined, {
      label: `${label}: verify`,
    });
    if (accepted.status !== 200)
      return void w.tally.violation('faults', `${label}: verify answered ${accepted.status}`);
  }
  // Let the fault act: once-faults fire once; persistent ones hold until the message is dead-lettered.
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline && !rules.every((r) => r.fired > 0)) await sleep(25);
  expectFired(w, label, rules);
  if (!ONCE.has(kind) && kind !== 'stall' && step.flow === 'verifier') {
    while (Date.now() < deadline) {
      await w.readDlq();
      if (w.dlq.some((m) => m.domainId === t.id)) break;
      await sleep(200);
    }
  }
  await w.checkInvariants('faults', `${label} (while the fault holds)`);
  for (const r of rules) r.remove();
  await w.settle();
  if (step.flow === 'scheduler') {
    // The next run, after the lease the failed run may have taken, queues the check again.
    await w.stack.runScheduler(new Date(Date.now() + 26 * 3600_000));
    await w.settle();
  }
  await expectEnded(w, t, t0, label, ONCE.has(kind));
  await w.checkInvariants('faults', label, { settled: true });
  await cleanup(w, team, t.domain);
}

/** DNS failing for every record of the domain while the verifier looks: the check must still end. */
async function dnsScenario(w: World, mode: 'servfail' | 'refused' | 'timeout'): Promise<void> {
  const label = `verifier › DNS lookups › ${mode}`;
  const team = await w.team('fault-dns');
  const t = await makeDomain(w, team, label);
  if (!t) return;
  const detail = await w.call('faults', 'GET', `/domains/${t.id}`, team.key, undefined, { label: `${label}: setup` });
  const records: { name: string }[] = isAnswer(detail) ? (detail.json?.data?.dns_records ?? []) : [];
  if (isAnswer(detail)) w.e2e.publish(detail.json.data.dns_records);
  for (const r of records) w.e2e.dns.fail(r.name, mode);
  await w.settle();
  const t0 = Date.now();
  const accepted = await w.call('faults', 'POST', `/domains/${t.id}/verify`, team.key, undefined, { label });
  if (accepted.status !== 200) return void w.tally.violation('faults', `${label}: verify answered ${accepted.status}`);
  await w.settle();
  w.e2e.dns.clear();
  await expectEnded(w, t, t0, label, true);
  const d = await w.call('faults', 'GET', `/domains/${t.id}`, team.key, undefined, { label: `${label}: read back` });
  if (isAnswer(d) && d.json?.data?.status === 'failed')
    w.tally.violation('faults', `${label}: a DNS server failure turned the domain failed`);
  await w.checkInvariants('faults', label, { settled: true });
  await cleanup(w, team, t.domain);
}

/**
 * Every accepted verify ends in a status write or in the DLQ. When it ends in neither after the
 * queue drained, the lease must bring it back: the scheduler, run after the lease, queues it again.
 */
async function expectEnded(w: World, t: Target, t0: number, label: string, expectWrite = false): Promise<void> {
  const ended = async () => {
    await w.readDlq();
    const { items } = await stateOf(w, t.domain);
    const item = items.find((i) => i.id === t.id);
    if (!item) return 'deleted';
    if (w.dlq.some((m) => m.domainId === t.id)) return 'dlq';
    if (
      item.status !== 'verifying' &&
      typeof item.lastCheckedAt === 'string' &&
      Date.parse(item.lastCheckedAt) >= t0 - 2000
    )
      return 'written';
    // Still verifying, or back to a status without a check since the request: not ended.
    return null;
  };
  let how = await ended();
  if (how === null) {
    w.tally.note(
      'faults',
      `${label.replace(/ › [^›]+$/, '')}: an accepted verify was neither checked nor dead-lettered once the queue drained; only the 15-minute lease brings it back`,
    );
    await w.stack.runScheduler(new Date(Date.now() + 16 * 60_000));
    await w.settle();
    how = await ended();
  }
  if (how === null)
    w.tally.violation(
      'faults',
      `${label}: a verify request ended in neither a status write nor the DLQ, even after the lease`,
    );
  if (how === 'dlq') {
    if (expectWrite) w.tally.note('faults', `${label}: a fault the SDK retry should absorb sent the check to the DLQ`);
    // What an operator does with a dead letter: the lease re-queues the domain; it must then be checked.
    await w.stack.runScheduler(new Date(Date.now() + 16 * 60_000));
    await w.settle();
    const { items } = await stateOf(w, t.domain);
    const item = items.find((i) => i.id === t.id);
    if (item && item.status === 'verifying')
      w.tally.violation('faults', `${label}: after the DLQ, the scheduler did not bring the domain's check back`);
  }
}

/** The first answer under a fault: success, or a clean 503 with Retry-After; never a 500 (the tally counts those). */
function checkAnswer(w: World, label: string, kind: FaultKind, o: Outcome, ok: number[], precondition = false): void {
  if (o.status === 'timeout') {
    if (kind !== 'stall') w.tally.violation('faults', `${label}: the request timed out`);
    return;
  }
  if (o.status === 'error') return;
  if (
    ONCE.has(kind) &&
    !precondition &&
    !ok.includes(o.status) &&
    !(kind === 'lost-answer' && (o.status === 404 || o.status === 409))
  ) {
    w.tally.note('faults', `${label}: a fault the SDK retries once still failed the request (${o.status})`);
  }
  if (!ok.includes(o.status) && o.status !== 503 && o.status !== 404 && o.status !== 409) {
    w.tally.violation('faults', `${label}: answered ${o.status} ${isAnswer(o) ? (o.json?.error?.code ?? '') : ''}`);
  }
}

export interface FaultOptions {
  /** Only these kinds (default: all that apply). */
  readonly kinds?: readonly FaultKind[];
  /** Only these steps, by `flow › name` (default: all). */
  readonly only?: (s: Step, k: FaultKind) => boolean;
  readonly progress?: (label: string) => void;
  /** DNS failure modes the verifier meets (default: all three). */
  readonly dns?: ReadonlyArray<'servfail' | 'refused' | 'timeout'>;
}

/** Kinds that make sense for a step: the stand-in does SES errors; delays and drops only go through the proxies. */
function kindsFor(step: Step, kinds: readonly FaultKind[]): FaultKind[] {
  return kinds.filter((k) => {
    if (step.service === 'ses')
      return ['throttle-once', 'throttle', '5xx-once', '5xx', 'stall', 'delay', 'lost-answer', 'drop'].includes(k);
    return true;
  });
}

export async function runFaults(w: World, o: FaultOptions = {}): Promise<number> {
  const started = Date.now();
  let scenarios = 0;
  for (const step of STEPS) {
    for (const kind of kindsFor(step, o.kinds ?? ALL_KINDS)) {
      if (o.only && !o.only(step, kind)) continue;
      const label = `${step.flow} › ${step.name} › ${kind}`;
      scenarios++;
      o.progress?.(label);
      try {
        if (step.flow === 'create') await createScenario(w, step, kind, label);
        else if (step.flow === 'verify') await verifyScenario(w, step, kind, label);
        else if (step.flow === 'update') await updateScenario(w, step, kind, label);
        else if (step.flow === 'delete') await deleteScenario(w, step, kind, label);
        else await backgroundScenario(w, step, kind, label);
      } catch (err) {
        w.tally.violation('faults', `${label}: the scenario crashed: ${String(err)}`);
      } finally {
        await w.settle();
        w.e2e.dns.clear();
      }
    }
  }
  for (const mode of o.dns ?? (['servfail', 'refused', 'timeout'] as const)) {
    scenarios++;
    try {
      await dnsScenario(w, mode);
    } catch (err) {
      w.tally.violation('faults', `verifier › DNS lookups › ${mode}: the scenario crashed: ${String(err)}`);
    } finally {
      w.e2e.dns.clear();
      await w.settle();
    }
  }
  w.tally.detail(
    'faults',
    `${scenarios} scenarios: ${STEPS.length} steps of create, verify, update, delete, the verifier and the scheduler × throttling, 5xx, delays, dropped connections, lost answers, stalls`,
  );
  w.tally.durationsMs.set('faults', Date.now() - started);
  return scenarios;
}
