/**
 * SES identities that exist outside the API: made straight in SES by another application sharing
 * the account (untagged, or with its own tags), by another stage of this API, or for another domain
 * id. Teams then try every way in: creates with Easy DKIM (both key lengths), BYODKIM and a MAIL
 * FROM, retries, concurrent creates by several teams, verify and delete of whatever they hold. And an
 * identity the API made that the other application deletes and makes again under the API's domain.
 *
 * What must hold: every create answers 409 `identity_in_use` (or, while another team's claim on the
 * name is still being undone, 409 `domain_already_registered`; a same-team duplicate in flight may get
 * the contract's 503), never 201; the identity still exists with its DKIM settings, tokens, MAIL FROM
 * and tags exactly as before; no domain item or claim holds its name afterwards; and the functions
 * made no call that changes it (read from the SES proxy's log).
 */
import { randomUUID } from 'node:crypto';
import {
  CreateEmailIdentityCommand,
  type CreateEmailIdentityCommandInput,
  DeleteEmailIdentityCommand,
  GetEmailIdentityCommand,
  PutEmailIdentityMailFromAttributesCommand,
} from '@aws-sdk/client-sesv2';
import type { ProxiedCall } from '../local/fault-proxy.js';
import { pemBody, rsaKey } from '../test/support/dkim-keys.js';
import { histogram, isAnswer, type Outcome } from './client.js';
import type { Category } from './tally.js';
import { sleep, type Team, type World } from './world.js';

const CATEGORY: Category = 'foreign-identities';
const STAGE = 'local';
const fresh = (tag: string) => `${tag}-${randomUUID().slice(0, 8)}.example.net`;

/** How the other party made its identity. `liveDomainId`: tags naming a domain this API really holds. */
interface ForeignKind {
  readonly name: string;
  readonly tags?: (ctx: { liveDomainId: string }) => { Key: string; Value: string }[];
  readonly byodkim?: boolean;
  readonly keyLength?: 'RSA_1024_BIT';
  readonly mailFrom?: string;
}

export const FOREIGN_KINDS: readonly ForeignKind[] = [
  { name: 'untagged, Easy DKIM' },
  { name: 'untagged, BYODKIM, MAIL FROM', byodkim: true, mailFrom: 'bounce' },
  { name: 'untagged, Easy DKIM 1024, MAIL FROM', keyLength: 'RSA_1024_BIT', mailFrom: 'send' },
  { name: "another application's own tags", tags: () => [{ Key: 'app', Value: 'billing' }] },
  {
    name: 'another stage',
    tags: () => [
      { Key: 'krafter:stage', Value: 'prod' },
      { Key: 'krafter:domain-id', Value: randomUUID() },
    ],
  },
  {
    name: 'this stage, another domain id',
    tags: () => [
      { Key: 'krafter:stage', Value: STAGE },
      { Key: 'krafter:domain-id', Value: randomUUID() },
    ],
  },
  {
    name: "this stage, a live domain's id",
    tags: ({ liveDomainId }) => [
      { Key: 'krafter:stage', Value: STAGE },
      { Key: 'krafter:domain-id', Value: liveDomainId },
    ],
  },
  { name: 'the stage tag only', tags: () => [{ Key: 'krafter:stage', Value: STAGE }] },
];

/** The kind of that name; a kind renamed or removed fails loudly instead of testing another one. */
export function foreignKind(name: string): ForeignKind {
  const kind = FOREIGN_KINDS.find((k) => k.name === name);
  if (!kind)
    throw new Error(
      `no foreign identity kind named "${name}" (expected one of: ${FOREIGN_KINDS.map((k) => k.name).join('; ')})`,
    );
  return kind;
}

/** Everything the other party set on its identity; the read-time fields (last checked) are left out. */
async function identityState(w: World, domain: string): Promise<string | null> {
  try {
    const o = await w.otherApp().send(new GetEmailIdentityCommand({ EmailIdentity: domain }));
    return JSON.stringify({
      type: o.IdentityType,
      dkim: o.DkimAttributes,
      mailFrom: o.MailFromAttributes,
      tags: o.Tags,
      policies: o.Policies,
    });
  } catch {
    return null;
  }
}

/** Makes an identity the way another application would, straight in SES; returns its state. */
async function makeForeign(w: World, domain: string, kind: ForeignKind, liveDomainId: string): Promise<string | null> {
  const input: CreateEmailIdentityCommandInput = { EmailIdentity: domain, Tags: kind.tags?.({ liveDomainId }) };
  if (kind.byodkim) {
    const key = rsaKey(2048);
    w.dkimSecrets.push(...key.secretPieces);
    input.DkimSigningAttributes = { DomainSigningSelector: 'other', DomainSigningPrivateKey: pemBody(key.pkcs1Pem) };
  } else if (kind.keyLength) {
    input.DkimSigningAttributes = { NextSigningKeyLength: kind.keyLength };
  }
  await w.otherApp().send(new CreateEmailIdentityCommand(input));
  if (kind.mailFrom)
    await w.otherApp().send(
      new PutEmailIdentityMailFromAttributesCommand({
        EmailIdentity: domain,
        MailFromDomain: `${kind.mailFrom}.${domain}`,
      }),
    );
  return identityState(w, domain);
}

const MUTATING = new Set([
  'CreateEmailIdentity',
  'PutEmailIdentityMailFromAttributes',
  'PutEmailIdentityDkimSigningAttributes',
  'DeleteEmailIdentity',
  'VerifyDomainIdentity',
  'DeleteIdentity',
]);

/** The identity an SES call names: in the v2 path, the v2 create's body, or the v1 form. */
function identityNamed(c: ProxiedCall): string | null {
  const path = c.path.split('?')[0] ?? '';
  const m = /^\/v2\/email\/identities\/([^/]+)/.exec(path);
  if (m) return decodeURIComponent(m[1]!).toLowerCase();
  try {
    if (c.operation === 'CreateEmailIdentity') return String(JSON.parse(c.body).EmailIdentity).toLowerCase();
  } catch {
    return null;
  }
  const form = new URLSearchParams(c.body);
  return (form.get('Domain') ?? form.get('Identity'))?.toLowerCase() ?? null;
}

/**
 * The functions' SES calls since `since` that change `domain`'s identity, or tried to. A create that
 * SES refused (it exists) is the one expected attempt; anything else is a change to an identity the
 * API does not own.
 */
export function changesTried(w: World, domain: string, since: number): ProxiedCall[] {
  return w.faults.ses
    .calls()
    .filter(
      (c) =>
        c.seq > since &&
        MUTATING.has(c.operation) &&
        identityNamed(c) === domain &&
        !(c.operation === 'CreateEmailIdentity' && c.status !== 200),
    );
}

/** Where each fault proxy's log stands: the calls after it are the ones a step caused. */
export interface Mark {
  readonly dynamodb: number;
  readonly sqs: number;
  readonly ses: number;
}

export function mark(w: World): Mark {
  const last = (calls: readonly ProxiedCall[]) => calls.at(-1)?.seq ?? 0;
  return {
    dynamodb: last(w.faults.dynamodb.calls()),
    sqs: last(w.faults.sqs.calls()),
    ses: last(w.faults.ses.calls()),
  };
}

/** The create bodies a team tries for a name: every DKIM kind, with and without a return path. */
function createBodies(w: World, domain: string): { label: string; body: unknown }[] {
  const key = rsaKey(2048);
  // Sent to the API: no log line or answer may carry a piece of it.
  w.dkimSecrets.push(...key.secretPieces);
  return [
    { label: 'Easy DKIM', body: { domain } },
    {
      label: 'Easy DKIM 1024, return_path',
      body: { domain, return_path: 'mail', dkim: { type: 'easy_dkim', key_length: 1024 } },
    },
    {
      label: 'BYODKIM, return_path',
      body: {
        domain,
        return_path: 'bounce',
        dkim: { type: 'byodkim', selector: 'takeover', private_key: key.pkcs1Pem },
      },
    },
  ];
}

export interface ForeignTotals {
  identities: number;
  /** Answers to the creates sent one at a time (first tries and retries). */
  answers: Outcome[];
  /** Answers to the concurrent creates. */
  concurrent: Outcome[];
}

/** One foreign identity against two teams: sequential creates, retries, a concurrent storm, verify and delete. */
export async function attackForeign(
  w: World,
  kind: ForeignKind,
  teams: readonly [Team, Team],
  totals: ForeignTotals,
  o: { storm?: number; category?: Category } = {},
): Promise<void> {
  const category = o.category ?? CATEGORY;
  const domain = fresh('foreign');
  const [a, b] = teams;
  // A live domain of team a, whose id the "live domain's id" kind puts in its tags.
  const live = await w.call(category, 'POST', '/domains', a.key, { domain: fresh('live') });
  const liveId = isAnswer(live) && live.status === 201 ? String(live.json.data.id) : randomUUID();
  const before = await makeForeign(w, domain, kind, liveId);
  w.foreign.add(domain);
  totals.identities++;
  const since = mark(w).ses;
  const label = `${kind.name} (${domain})`;

  const expect409 = (out: Outcome, what: string) => {
    totals.answers.push(out);
    if (!isAnswer(out) || out.status !== 409 || out.json?.error?.code !== 'identity_in_use') {
      w.tally.violation(
        category,
        `${label}: ${what} answered ${out.status} ${isAnswer(out) ? (out.json?.error?.code ?? '') : ''} (expected 409 identity_in_use)`,
      );
    }
  };
  const bodies = createBodies(w, domain);
  for (const team of teams) {
    for (const { label: what, body } of bodies) {
      expect409(
        await w.call(category, 'POST', '/domains', team.key, body, { label: `${label}: create, ${what}` }),
        `create (${what})`,
      );
    }
  }
  // A client retrying the same refused create, as after a timeout.
  for (let i = 0; i < 3; i++) {
    expect409(
      await w.call(category, 'POST', '/domains', a.key, bodies[2]!.body, { label: `${label}: retry ${i + 1}` }),
      `retry ${i + 1}`,
    );
  }
  // Concurrent creates by both teams with every body: one claim at a time meets the identity and is
  // undone; the others meet that claim (409 already registered) or, for the same team and the same
  // request, the contract's 503 + Retry-After.
  const storm = o.storm ?? 8;
  const outs = await Promise.all(
    Array.from({ length: storm }, (_, i) =>
      w.call(category, 'POST', '/domains', teams[i % 2]!.key, bodies[i % bodies.length]!.body, {
        allow503: true,
        label: `${label}: concurrent create ${i + 1}`,
      }),
    ),
  );
  totals.concurrent.push(...outs);
  const wrong = outs.filter(
    (x) =>
      !(
        x.status === 503 ||
        (isAnswer(x) &&
          x.status === 409 &&
          ['identity_in_use', 'domain_already_registered'].includes(x.json?.error?.code))
      ),
  );
  if (wrong.length > 0) w.tally.violation(category, `${label}: concurrent creates answered ${histogram(wrong)}`);
  if (!outs.some((x) => isAnswer(x) && x.json?.error?.code === 'identity_in_use'))
    w.tally.violation(category, `${label}: no concurrent create was told identity_in_use (${histogram(outs)})`);
  await w.settle();
  // Every claim was given back: the next create meets the identity again, not a name someone holds.
  expect409(
    await w.call(category, 'POST', '/domains', b.key, { domain }, { label: `${label}: create after the storm` }),
    'create after the concurrent creates',
  );

  // Verify and delete whatever the teams hold under that name (nothing), and the ids they might guess.
  for (const team of teams) {
    const list = await w.call(category, 'GET', '/domains', team.key, undefined, { label: `${label}: list` });
    const held = isAnswer(list)
      ? ((list.json?.data ?? []) as { id: string; domain: string }[]).filter((d) => d.domain === domain)
      : [];
    if (held.length > 0)
      w.tally.violation(
        category,
        `${label}: team ${team.teamId} holds ${held.length} domain(s) named after the foreign identity`,
      );
    for (const id of [...held.map((d) => d.id), randomUUID()]) {
      const v = await w.call(category, 'POST', `/domains/${id}/verify`, team.key, undefined, {
        label: `${label}: verify`,
      });
      const d = await w.call(category, 'DELETE', `/domains/${id}`, team.key, undefined, { label: `${label}: delete` });
      if (v.status !== 404 || d.status !== 404)
        w.tally.violation(category, `${label}: verify/delete of ${id} answered ${v.status}/${d.status} (expected 404)`);
    }
  }
  await w.settle();
  await expectUntouched(w, category, label, domain, before, since);
}

/** The fields that differ between two identity states, `path: before → after`, for a readable finding. */
function differences(before: string | null, after: string): string {
  const flat = (v: unknown, path: string, out: Map<string, string>) => {
    if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) flat(x, path ? `${path}.${k}` : k, out);
    else out.set(path, JSON.stringify(v));
    return out;
  };
  const a = flat(before === null ? {} : JSON.parse(before), '', new Map());
  const b = flat(JSON.parse(after), '', new Map());
  const keys = [...new Set([...a.keys(), ...b.keys()])].filter((k) => a.get(k) !== b.get(k));
  return keys.map((k) => `${k}: ${a.get(k) ?? '(none)'} → ${b.get(k) ?? '(none)'}`).join('; ');
}

/** The foreign identity as it was, still there, no domain item or claim on it (nor any other invariant broken), and no change tried. */
async function expectUntouched(
  w: World,
  category: Category,
  label: string,
  domain: string,
  before: string | null,
  since: number,
): Promise<void> {
  const after = await identityState(w, domain);
  if (after === null) w.tally.violation(category, `${label}: the foreign identity is gone`);
  else if (after !== before)
    w.tally.violation(category, `${label}: the foreign identity changed: ${differences(before, after)}`);
  // w.foreign holds the name: the invariants include that no domain item or claim holds it.
  await w.checkInvariants(category, label);
  const tried = changesTried(w, domain, since);
  if (tried.length > 0)
    w.tally.violation(
      category,
      `${label}: the functions tried to change it: ${tried.map((c) => `${c.operation} → ${c.status}`).join(', ')}`,
    );
}

/** How the other party makes the name's identity again after deleting the API's. */
const REPLACEMENTS: readonly {
  name: string;
  input: (domain: string, domainId: string) => CreateEmailIdentityCommandInput;
}[] = [
  { name: 'untagged', input: (domain) => ({ EmailIdentity: domain }) },
  {
    name: "another stage's tags with the same domain id",
    input: (domain, domainId) => ({
      EmailIdentity: domain,
      Tags: [
        { Key: 'krafter:stage', Value: 'prod' },
        { Key: 'krafter:domain-id', Value: domainId },
      ],
    }),
  },
];

/**
 * A domain the API made, whose identity the other application then deletes and makes again (its
 * own DKIM, its own MAIL FROM). The team verifies, changes its return path, and deletes the domain:
 * none of it may change or remove the other application's identity.
 */
export async function replacedIdentity(
  w: World,
  team: Team,
  replacement: (typeof REPLACEMENTS)[number],
  o: { category?: Category; patch?: boolean } = {},
): Promise<void> {
  const category = o.category ?? CATEGORY;
  const domain = fresh('replaced');
  const label = `identity replaced by another application, ${replacement.name} (${domain})`;
  const made = await w.call(
    category,
    'POST',
    '/domains',
    team.key,
    { domain, return_path: 'bounce' },
    { label: `${label}: create` },
  );
  if (!isAnswer(made) || made.status !== 201)
    return void w.tally.violation(category, `${label}: setup create answered ${made.status}`);
  const id = String(made.json.data.id);
  await w.otherApp().send(new DeleteEmailIdentityCommand({ EmailIdentity: domain }));
  await w.otherApp().send(new CreateEmailIdentityCommand(replacement.input(domain, id)));
  await w
    .otherApp()
    .send(new PutEmailIdentityMailFromAttributesCommand({ EmailIdentity: domain, MailFromDomain: `theirs.${domain}` }));
  const before = await identityState(w, domain);
  const since = mark(w).ses;

  const verify = await w.call(category, 'POST', `/domains/${id}/verify`, team.key, undefined, {
    label: `${label}: verify`,
  });
  if (verify.status !== 200) w.tally.violation(category, `${label}: verify answered ${verify.status}`);
  await w.settle();
  const checked = await w.call(category, 'GET', `/domains/${id}`, team.key, undefined, { label: `${label}: read` });
  const status = isAnswer(checked) ? checked.json?.data?.status : undefined;
  if (status === 'verifying') w.tally.violation(category, `${label}: the check never ended (still verifying)`);
  if (status === 'verified')
    w.tally.violation(category, `${label}: verified on the strength of an identity the API does not own`);

  let patched = '';
  if (o.patch !== false) {
    // Each setting PATCH changes in SES: the MAIL FROM, and the DKIM signing.
    for (const [what, body] of [
      ['return_path', { return_path: 'mail' }],
      ['DKIM key length', { dkim: { type: 'easy_dkim', key_length: 1024 } }],
    ] as const) {
      const patch = await w.call(category, 'PATCH', `/domains/${id}`, team.key, body, {
        allow503: true,
        label: `${label}: PATCH ${what}`,
      });
      patched += `, PATCH ${what} ${patch.status}${isAnswer(patch) && patch.status >= 400 ? ` ${patch.json?.error?.code ?? ''}` : ''}`;
      await w.settle();
    }
  }
  w.tally.detail(
    category,
    `${label.replace(/ \(.*\)$/, '')}: verify ${verify.status} then ${String(status)}${patched}`,
  );

  // The domain goes; the identity it named is not its own and stays. A lost answer is retried.
  let del = await w.call(category, 'DELETE', `/domains/${id}`, team.key, undefined, {
    allow503: true,
    label: `${label}: delete`,
  });
  for (let i = 0; i < 3 && del.status === 503; i++) {
    await sleep(1000);
    del = await w.call(category, 'DELETE', `/domains/${id}`, team.key, undefined, {
      allow503: true,
      label: `${label}: delete retried`,
    });
  }
  if (del.status !== 200) w.tally.violation(category, `${label}: delete answered ${del.status}`);
  else w.deleted.add(id);
  w.foreign.add(domain);
  const again = await w.call(category, 'DELETE', `/domains/${id}`, team.key, undefined, {
    label: `${label}: delete again`,
  });
  if (again.status !== 404) w.tally.violation(category, `${label}: a second delete answered ${again.status}`);
  const retake = await w.call(category, 'POST', '/domains', team.key, { domain }, { label: `${label}: create again` });
  if (!isAnswer(retake) || retake.json?.error?.code !== 'identity_in_use')
    w.tally.violation(
      category,
      `${label}: creating the name again answered ${retake.status} (expected 409 identity_in_use)`,
    );
  await w.settle();
  await expectUntouched(w, category, label, domain, before, since);
}

export interface ForeignOptions {
  /** Which kinds of foreign identity (default: all). */
  readonly kinds?: readonly ForeignKind[];
  /** Concurrent creates per identity. */
  readonly storm?: number;
  /** Also the identities the other application makes again under the API's domains (default true). */
  readonly replaced?: boolean;
  /** Also PATCH the return path of such a domain (default true). */
  readonly patch?: boolean;
}

export async function runForeignIdentities(w: World, o: ForeignOptions = {}): Promise<void> {
  const started = Date.now();
  const teams = [await w.team('foreign-a'), await w.team('foreign-b')] as const;
  const totals: ForeignTotals = { identities: 0, answers: [], concurrent: [] };
  for (const kind of o.kinds ?? FOREIGN_KINDS) await attackForeign(w, kind, teams, totals, { storm: o.storm });
  const replaced = o.replaced === false ? [] : REPLACEMENTS;
  for (const r of replaced) await replacedIdentity(w, teams[0], r, { patch: o.patch });
  await w.checkInvariants(CATEGORY, 'after the foreign identities', { settled: true });
  const created = [...totals.answers, ...totals.concurrent].filter((x) => x.status === 201).length;
  w.tally.detail(
    CATEGORY,
    `${totals.identities} identities made outside the API: ${(o.kinds ?? FOREIGN_KINDS).map((k) => k.name).join('; ')}`,
  );
  w.tally.detail(
    CATEGORY,
    `${totals.answers.length} creates one at a time by 2 teams (Easy DKIM 2048/1024, BYODKIM, return_path, retries): ${histogram(totals.answers)}`,
  );
  w.tally.detail(
    CATEGORY,
    `${totals.concurrent.length} concurrent creates (${o.storm ?? 8} per identity, both teams): ${histogram(totals.concurrent)}; ${created} × 201 in all`,
  );
  w.tally.detail(
    CATEGORY,
    `${totals.identities + replaced.length} foreign identities afterwards (${replaced.length} made again by the other application under a domain of the API, then verify${o.patch === false ? '' : ', PATCH'} and DELETE of that domain): ${w.tally.violationsIn(CATEGORY).length} findings of an identity changed, removed, held by a domain item or claim, or touched by a changing SES call`,
  );
  w.tally.durationsMs.set(CATEGORY, Date.now() - started);
}
