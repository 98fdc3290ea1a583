/**
 * Least privilege, checked two ways. Statically, as test/infra/stack.test.ts does: the synthesized
 * template gives each function's role exactly the actions its `grants` in src/routes.ts declare.
 * Dynamically: every function is exercised on the local stack through all of its paths (success,
 * adopt, undo, idempotency, failure) and every AWS call it makes is read off the fault proxies; each
 * call must be allowed by its role (or it would be AccessDenied in AWS), and each allowed action must
 * be one the function calls. The template also must leave CORS off and never log whole events.
 */

import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { marshall } from '@aws-sdk/util-dynamodb';
import { type Conditions, grantStatements } from '../lib/grants.js';
import type { ProxiedCall } from '../local/fault-proxy.js';
import { domainKey, IDEMPOTENCY_PARTITION, KEY_PREFIX } from '../src/adapters/table-keys.js';
import type { Grants } from '../src/grants.js';
import { FUNCTION_GRANTS, FUNCTION_NAMES, type FunctionName } from '../src/routes.js';
import { isAnswer } from './client.js';
import { sleep, type Team, type World } from './world.js';

// biome-ignore lint/suspicious/noExplicitAny: a synthesized CloudFormation template, walked field by field
type Json = Record<string, any>;

interface Statement {
  readonly actions: readonly string[];
  /** `dynamodb:LeadingKeys` patterns the statement is limited to, if any. */
  readonly leadingKeys?: readonly string[];
}

export interface FunctionPolicy {
  readonly name: string;
  readonly statements: readonly Statement[];
  readonly environment: Readonly<Record<string, unknown>>;
}

export interface Template {
  readonly policies: ReadonlyMap<FunctionName, FunctionPolicy>;
  readonly cors: unknown;
}

const APP_SERVICES = /^(dynamodb|ses|sqs|events|kms):/;
/**
 * Powertools Idempotency reads a record with GetItem only when DynamoDB refuses its conditional put
 * without returning the existing item (it asks for ALL_OLD, which DynamoDB returns): a fallback the
 * grants keep, lest it end in AccessDenied, that no run here can provoke.
 */
const UNPROVOKED_FALLBACKS = new Set([`dynamodb:GetItem on ${IDEMPOTENCY_PARTITION}`]);
/** What Lambda's SQS event source mapping does with a queue-fed function's role (not the function's code). */
const SQS_SOURCE_ACTIONS = [
  'sqs:ReceiveMessage',
  'sqs:ChangeMessageVisibility',
  'sqs:GetQueueUrl',
  'sqs:DeleteMessage',
  'sqs:GetQueueAttributes',
];
/** What Lambda's DynamoDB stream mapping does with the fan-out's role, and its on-failure queue. */
const STREAM_SOURCE_ACTIONS = [
  'dynamodb:DescribeStream',
  'dynamodb:GetRecords',
  'dynamodb:GetShardIterator',
  'dynamodb:ListStreams',
  'sqs:SendMessage',
  'sqs:GetQueueAttributes',
  'sqs:GetQueueUrl',
];
/**
 * What a role holds besides its `grants`: the actions its event source mapping uses (the stack may
 * grant them or not, as CDK decides) and the EventBridge events the function must be able to publish.
 */
const BESIDES_GRANTS: Partial<
  Record<FunctionName, { readonly source: readonly string[]; readonly required: readonly string[] }>
> = {
  verifier: { source: SQS_SOURCE_ACTIONS, required: ['events:PutEvents'] },
  'webhook-deliver': { source: SQS_SOURCE_ACTIONS, required: ['events:PutEvents'] },
  'webhook-fanout': { source: STREAM_SOURCE_ACTIONS, required: [] },
};

/** Synthesizes the stack the way bin/app.ts does (cdk.json's context, no bundling) and reads each role. */
export async function synthesize(context: Record<string, unknown> = {}): Promise<Template> {
  const { App } = await import('aws-cdk-lib');
  const { Template: CdkTemplate } = await import('aws-cdk-lib/assertions');
  const { DomainsStack } = await import('../lib/domains-stack.js');
  const { stackConfigFromContext, stackName } = await import('../lib/stack-config.js');
  const cdkJson = JSON.parse(readFileSync(new URL('../cdk.json', import.meta.url), 'utf8')) as { context: Json };
  const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [], ...context } });
  const config = stackConfigFromContext(app.node);
  const stack = new DomainsStack(app, stackName(config.stage), config);
  const template = CdkTemplate.fromStack(stack).toJSON() as {
    Resources: Record<string, { Type: string; Properties: Json }>;
  };
  const resources = template.Resources;
  const policies = new Map<FunctionName, FunctionPolicy>();
  for (const name of FUNCTION_NAMES) {
    const fn = stack.functions[name];
    const roleId = stack.getLogicalId(fn.role.node.defaultChild as never);
    const fnId = stack.getLogicalId(fn.fn.node.defaultChild as never);
    const statements: Statement[] = [];
    for (const r of Object.values(resources)) {
      if (r.Type !== 'AWS::IAM::Policy' || !(r.Properties.Roles as Json[]).some((x) => x.Ref === roleId)) continue;
      for (const s of r.Properties.PolicyDocument.Statement as Json[]) {
        if (s.Effect !== 'Allow') continue;
        const actions = ([] as string[]).concat(s.Action);
        statements.push({ actions, leadingKeys: leadingKeysOf(s.Condition) });
      }
    }
    policies.set(name, { name, statements, environment: resources[fnId]?.Properties.Environment?.Variables ?? {} });
  }
  const api = Object.values(resources).find((r) => r.Type === 'AWS::ApiGatewayV2::Api');
  return { policies, cors: api?.Properties.CorsConfiguration };
}

/** One AWS call as IAM sees it: the action and, for DynamoDB, the partition key it touches. */
interface IamCall {
  readonly action: string;
  readonly leadingKey?: string;
}

function dynamoCalls(c: ProxiedCall): IamCall[] {
  let body: Json;
  try {
    body = JSON.parse(c.body) as Json;
  } catch {
    return [{ action: `dynamodb:${c.operation}` }];
  }
  const pkOf = (x: Json | undefined): string | undefined => x?.Key?.PK?.S ?? x?.Item?.PK?.S;
  if (c.operation === 'TransactWriteItems') {
    const kinds: Record<string, string> = {
      Put: 'PutItem',
      Update: 'UpdateItem',
      Delete: 'DeleteItem',
      ConditionCheck: 'ConditionCheckItem',
    };
    return (body.TransactItems as Json[]).flatMap((t) =>
      Object.entries(t).map(([k, v]) => ({ action: `dynamodb:${kinds[k] ?? k}`, leadingKey: pkOf(v as Json) })),
    );
  }
  if (c.operation === 'TransactGetItems')
    return (body.TransactItems as Json[]).map((t) => ({ action: 'dynamodb:GetItem', leadingKey: pkOf(t.Get) }));
  if (c.operation === 'Query') {
    const values = (body.ExpressionAttributeValues ?? {}) as Record<string, { S?: string }>;
    return [{ action: 'dynamodb:Query', leadingKey: values[':pk']?.S }];
  }
  return [{ action: `dynamodb:${c.operation}`, leadingKey: pkOf(body) }];
}

function toIam(service: 'dynamodb' | 'sqs' | 'ses', c: ProxiedCall): IamCall[] {
  if (service === 'dynamodb') return dynamoCalls(c);
  if (service === 'sqs') return [{ action: `sqs:${c.operation === 'SendMessageBatch' ? 'SendMessage' : c.operation}` }];
  // SES authorizes the tags a create carries as a TagResource on the new identity, in the same call.
  if (c.operation === 'CreateEmailIdentity' && /"Tags"\s*:\s*\[\s*\{/.test(c.body))
    return [{ action: 'ses:CreateEmailIdentity' }, { action: 'ses:TagResource' }];
  return [{ action: `ses:${c.operation}` }];
}

/** IAM's `StringLike`: `*` matches any characters. */
const glob = (pattern: string, value: string) =>
  new RegExp(
    `^${pattern
      .split('*')
      .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  ).test(value);

function allows(p: FunctionPolicy, call: IamCall): boolean {
  return p.statements.some(
    (s) =>
      s.actions.some((a) => glob(a, call.action)) &&
      (!s.leadingKeys || (call.leadingKey !== undefined && s.leadingKeys.some((k) => glob(k, call.leadingKey!)))),
  );
}

/** The KMS calls the functions made, from the KMS stand-in's own log (it has no fault proxy in front). */
const kmsCalls = (w: World): IamCall[] => w.stack.kms.calls().map((c) => ({ action: `kms:${c.action}` }));

/** Records the AWS calls made while `run` exercises one function. */
async function exercise(w: World, run: () => Promise<void>): Promise<IamCall[]> {
  await w.settle();
  for (const p of [w.faults.dynamodb, w.faults.sqs, w.faults.ses]) p.resetLog();
  w.stack.kms.reset();
  const eventsBefore = w.stack.events.events().length;
  // What a route queues, the verifier picks up: held at its first read (a domain read after the
  // route's enqueue), it adds nothing to the route's calls until the log is taken.
  const hold = w.faults.dynamodb.inject({
    operation: 'GetItem',
    when: (c) =>
      c.body.includes(`"${KEY_PREFIX.domain}`) &&
      w.faults.sqs.calls().some((q) => q.operation.startsWith('SendMessage')),
    fault: { kind: 'hang' },
  });
  await run();
  await sleep(150);
  const calls: IamCall[] = [];
  for (const service of ['dynamodb', 'sqs', 'ses'] as const) {
    for (const c of w.faults[service].calls()) if (c.fault !== 'hang') calls.push(...toIam(service, c));
  }
  calls.push(...kmsCalls(w));
  if (w.stack.events.events().length > eventsBefore) calls.push({ action: 'events:PutEvents' });
  hold.remove();
  await w.settle();
  return calls;
}

async function exerciseVerifier(w: World, team: Team, id: string): Promise<IamCall[]> {
  await w.settle();
  for (const p of [w.faults.dynamodb, w.faults.sqs, w.faults.ses]) p.resetLog();
  const eventsBefore = w.stack.events.events().length;
  // Queued directly (not through the verify route), so only the verifier's calls reach the proxies.
  await w.stack.sqs.send(
    new SendMessageCommand({
      QueueUrl: w.stack.queues.queueUrl,
      MessageBody: JSON.stringify({
        teamId: team.teamId,
        domainId: id,
        requestedAt: new Date().toISOString(),
        reason: 'user',
      }),
    }),
  );
  await w.settle();
  const calls: IamCall[] = [];
  for (const service of ['dynamodb', 'sqs', 'ses'] as const)
    for (const c of w.faults[service].calls()) calls.push(...toIam(service, c));
  if (w.stack.events.events().length > eventsBefore) calls.push({ action: 'events:PutEvents' });
  return calls;
}

/** Drives every function through all of its paths; returns the AWS calls seen per function. */
export async function observeCalls(w: World): Promise<Map<FunctionName, IamCall[]>> {
  const seen = new Map<FunctionName, IamCall[]>();
  const add = (name: FunctionName, calls: IamCall[]) => seen.set(name, [...(seen.get(name) ?? []), ...calls]);
  const team = await w.team('iam');
  const fresh = () => `iam-${randomUUID().slice(0, 8)}.example.com`;
  let id = '';
  const remember = (o: Awaited<ReturnType<World['call']>>) => {
    if (isAnswer(o) && o.status === 201) id = String(o.json.data.id);
  };

  // create: plain; with an Idempotency-Key (saved, then replayed); adopting an identity left behind (also with BYODKIM); failing and undone
  add(
    'create-domain',
    await exercise(w, async () => remember(await w.call('iam', 'POST', '/domains', team.key, { domain: fresh() }))),
  );
  add(
    'create-domain',
    await exercise(w, async () => {
      const key = randomUUID();
      const body = { domain: fresh() };
      const send = () =>
        w.send('iam', {
          method: 'POST',
          path: '/domains',
          headers: [
            ['authorization', `Bearer ${team.key}`],
            ['content-type', 'application/json'],
            ['idempotency-key', key],
          ],
          body: JSON.stringify(body),
        });
      await send();
      await send();
      // A failing request with a key (the name is taken now): its idempotency record is removed again.
      await w.send('iam', {
        method: 'POST',
        path: '/domains',
        headers: [
          ['authorization', `Bearer ${team.key}`],
          ['content-type', 'application/json'],
          ['idempotency-key', randomUUID()],
        ],
        body: JSON.stringify(body),
      });
    }),
  );
  // Adopting the identity an earlier attempt of the same create left (its MAIL FROM call and its
  // undo failed): only an identity tagged for the domain is adopted, so it is made that way.
  const privateKey = generateKeyPairSync('rsa', { modulusLength: 1024 })
    .privateKey.export({ format: 'pem', type: 'pkcs8' })
    .toString();
  const byodkim = { type: 'byodkim', selector: 'k1', private_key: privateKey };
  for (const body of [{ domain: fresh() }, { domain: fresh(), dkim: byodkim }]) {
    const failing = ['PutEmailIdentityMailFromAttributes', 'DeleteEmailIdentity'].map((operation) =>
      w.faults.ses.inject({
        operation,
        when: (c) => c.path.includes(`/identities/${body.domain}`),
        fault: { kind: 'before', run: () => w.stack.ses.throttle({ failNext: 1, failWith: 'server_error' }) },
      }),
    );
    await w.call('iam', 'POST', '/domains', team.key, body, { allow503: true });
    for (const r of failing) r.remove();
    w.stack.ses.throttle({ failNext: 0 });
    // Adopting with BYODKIM puts the team's key on the identity (PutEmailIdentityDkimSigningAttributes).
    add('create-domain', await exercise(w, async () => void (await w.call('iam', 'POST', '/domains', team.key, body))));
  }
  add(
    'create-domain',
    await exercise(w, async () => {
      const name = fresh();
      const rule = w.faults.ses.inject({
        operation: 'VerifyDomainIdentity',
        fault: { kind: 'before', run: () => w.stack.ses.throttle({ failNext: 1, failWith: 'server_error' }) },
      });
      await w.call('iam', 'POST', '/domains', team.key, { domain: name }, { allow503: true });
      rule.remove();
      w.stack.ses.throttle({ failNext: 0 });
    }),
  );
  add('list-domains', await exercise(w, async () => void (await w.call('iam', 'GET', '/domains?limit=1', team.key))));
  add('get-domain', await exercise(w, async () => void (await w.call('iam', 'GET', `/domains/${id}`, team.key))));
  add(
    'get-zone-file',
    await exercise(w, async () => void (await w.call('iam', 'GET', `/domains/${id}/zone-file`, team.key))),
  );
  add(
    'verify-domain',
    await exercise(w, async () => {
      await w.send('iam', {
        method: 'POST',
        path: `/domains/${id}/verify`,
        headers: [
          ['authorization', `Bearer ${team.key}`],
          ['idempotency-key', randomUUID()],
        ],
      });
      // A failing request with a key: its idempotency record is removed again.
      await w.send('iam', {
        method: 'POST',
        path: `/domains/${randomUUID()}/verify`,
        headers: [
          ['authorization', `Bearer ${team.key}`],
          ['idempotency-key', randomUUID()],
        ],
      });
      // The queue refuses: the status goes back.
      const rule = w.faults.sqs.inject({
        operation: 'SendMessage',
        fault: {
          kind: 'respond',
          status: 500,
          body: '{"__type":"com.amazonaws.sqs#InternalError","message":"x"}',
          headers: { 'content-type': 'application/x-amz-json-1.0' },
        },
      });
      await w.call('iam', 'POST', `/domains/${id}/verify`, team.key, undefined, { allow503: true });
      await w.call('iam', 'POST', `/domains/${id}/verify`, team.key, undefined, { allow503: true });
      rule.remove();
    }),
  );
  add(
    'update-domain',
    await exercise(
      w,
      async () => void (await w.call('iam', 'PATCH', `/domains/${id}`, team.key, { return_path: 'mail' })),
    ),
  );
  add(
    'update-domain',
    await exercise(
      w,
      async () =>
        void (await w.call('iam', 'PATCH', `/domains/${id}`, team.key, {
          dkim: { type: 'easy_dkim', key_length: 1024 },
        })),
    ),
  );
  add(
    'update-domain',
    await exercise(w, async () => void (await w.call('iam', 'PATCH', `/domains/${id}`, team.key, { dkim: byodkim }))),
  );
  add('delete-domain', await exercise(w, async () => void (await w.call('iam', 'DELETE', `/domains/${id}`, team.key))));
  w.deleted.add(id);

  // the verifier (records published, so the status changes: history, event, cleared event) and the scheduler
  const made = await w.call('iam', 'POST', '/domains', team.key, { domain: fresh() });
  remember(made);
  const detail = await w.call('iam', 'GET', `/domains/${id}`, team.key);
  if (isAnswer(detail)) w.e2e.publish(detail.json.data.dns_records);
  add('verifier', await exerciseVerifier(w, team, id));
  // A domain never verified, created long ago: the verifier releases it (identity, item, claim, count).
  const stale = await w.call('iam', 'POST', '/domains', team.key, { domain: fresh() });
  if (isAnswer(stale) && stale.status === 201) {
    const staleId = String(stale.json.data.id);
    await w.stack.ddb.send(
      new UpdateItemCommand({
        TableName: w.stack.tableName,
        Key: marshall(domainKey(team.teamId, staleId)),
        UpdateExpression: 'SET createdAt = :long_ago',
        ExpressionAttributeValues: { ':long_ago': { S: new Date(Date.now() - 30 * 24 * 3600_000).toISOString() } },
      }),
    );
    add('verifier', await exerciseVerifier(w, team, staleId));
    w.deleted.add(staleId);
  }
  add(
    'scheduler',
    await exercise(w, async () => {
      await w.stack.runScheduler(new Date(Date.now() + 25 * 3600_000));
    }),
  );
  await observeWebhookCalls(w, add);
  add('openapi', await exercise(w, async () => void (await w.send('iam', { method: 'GET', path: '/openapi.json' }))));
  add('not-found', await exercise(w, async () => void (await w.send('iam', { method: 'GET', path: '/nowhere' }))));
  add(
    'console',
    await exercise(w, async () => void (await w.send('iam', { method: 'GET', path: '/console', absolute: true }))),
  );
  return seen;
}

/** The webhook endpoint routes, each through its paths; a test event to a name that resolves nowhere. */
async function observeWebhookCalls(w: World, add: (name: FunctionName, calls: IamCall[]) => void): Promise<void> {
  const team = await w.team('iam-hooks', ['webhooks:manage']);
  let id = '';
  add(
    'create-webhook',
    await exercise(w, async () => {
      const o = await w.call('iam', 'POST', '/webhooks', team.key, { url: 'https://hooks.iam.invalid/krafter' });
      if (isAnswer(o) && o.status === 201) id = String(o.json.data.id);
    }),
  );
  add('list-webhooks', await exercise(w, async () => void (await w.call('iam', 'GET', '/webhooks', team.key))));
  add('get-webhook', await exercise(w, async () => void (await w.call('iam', 'GET', `/webhooks/${id}`, team.key))));
  add(
    'update-webhook',
    await exercise(w, async () => void (await w.call('iam', 'PATCH', `/webhooks/${id}`, team.key, { enabled: false }))),
  );
  add(
    'rotate-webhook-secret',
    await exercise(w, async () => void (await w.call('iam', 'POST', `/webhooks/${id}/rotate-secret`, team.key))),
  );
  add(
    'test-webhook',
    await exercise(w, async () => void (await w.call('iam', 'POST', `/webhooks/${id}/test`, team.key))),
  );
  add(
    'delete-webhook',
    await exercise(w, async () => void (await w.call('iam', 'DELETE', `/webhooks/${id}`, team.key))),
  );
}

/** The `dynamodb:LeadingKeys` patterns a statement's condition limits it to, if any. */
function leadingKeysOf(conditions: Conditions | undefined): string[] | undefined {
  const keys = conditions?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'] as string | string[] | undefined;
  return keys === undefined ? undefined : ([] as string[]).concat(keys);
}

/** The statements lib/grants.ts derives from `grants`, without synthesizing; resources do not matter here. */
function statementsOf(grants: Grants | null): Statement[] {
  if (!grants) return [];
  const targets = {
    tableArn: 'TABLE',
    verifyQueueArn: 'VERIFY_QUEUE',
    deliveryQueueArn: 'DELIVERY_QUEUE',
    identityArns: ['IDENTITIES'],
    stage: 'STAGE',
    secretsKeyArn: 'SECRETS_KEY',
  };
  return grantStatements(grants, targets).map((s) => ({
    actions: s.actions,
    leadingKeys: leadingKeysOf(s.conditions),
  }));
}

/** The role `grants` describe, as the stack builds it (lib/grants.ts), plus what Lambda adds for the verifier. */
export function policyFromGrants(name: FunctionName, grants: Grants | null): FunctionPolicy {
  const statements = statementsOf(grants);
  const besides = BESIDES_GRANTS[name];
  if (besides) statements.push({ actions: [...besides.required, ...besides.source] });
  return { name, statements, environment: {} };
}

/** The app-level actions `grants` declare. */
function declared(grants: Grants | null): Set<string> {
  return new Set(statementsOf(grants).flatMap((s) => s.actions));
}

export async function runIam(w: World, o: { template?: boolean } = {}): Promise<void> {
  const started = Date.now();
  const seen = await observeCalls(w);
  let template: Template | undefined;
  if (o.template !== false) {
    template = await synthesize();
    for (const [name, policy] of template.policies) {
      const allowed = new Set(policy.statements.flatMap((s) => s.actions).filter((a) => APP_SERVICES.test(a)));
      const expected = declared(FUNCTION_GRANTS[name]);
      const besides = BESIDES_GRANTS[name];
      for (const a of besides?.source ?? []) if (allowed.has(a)) expected.add(a);
      for (const a of besides?.required ?? []) expected.add(a);
      const extra = [...allowed].filter((a) => !expected.has(a));
      const missing = [...expected].filter((a) => !allowed.has(a));
      if (extra.length > 0)
        w.tally.violation('iam', `${name}: the role allows ${extra.join(', ')}, which its grants do not declare`);
      if (missing.length > 0)
        w.tally.violation('iam', `${name}: the role lacks ${missing.join(', ')}, which its grants declare`);
      if (String(policy.environment.POWERTOOLS_LOGGER_LOG_EVENT ?? '').toLowerCase() === 'true')
        w.tally.violation('iam', `${name}: logs whole events (with the Authorization header)`);
    }
    if (template.cors !== undefined)
      w.tally.violation('iam', `the HTTP API has CORS on without corsOrigins: ${JSON.stringify(template.cors)}`);
  }
  let checked = 0;
  for (const [name, calls] of seen) {
    const policy = template?.policies.get(name) ?? policyFromGrants(name, FUNCTION_GRANTS[name]);
    const actions = new Set(calls.map((c) => c.action));
    if (policy) {
      for (const call of calls) {
        checked++;
        if (!allows(policy, call)) {
          w.tally.violation(
            'iam',
            `${name} calls ${call.action}${call.leadingKey ? ` on ${call.leadingKey.replace(/#.*/, '#…')}` : ''}, which its role does not allow (AccessDenied in AWS)`,
          );
        }
      }
      const unused = [...new Set(policy.statements.flatMap((s) => s.actions))].filter(
        (a) => APP_SERVICES.test(a) && !actions.has(a) && !BESIDES_GRANTS[name]?.source.includes(a),
      );
      if (unused.length > 0)
        w.tally.violation('iam', `${name}: the role allows ${unused.join(', ')}, which no exercised path calls`);
      // Per item family too: an action used on one family must not pass for used on all it is granted on.
      const unusedFamilies = policy.statements
        .flatMap((st) =>
          (st.leadingKeys ?? []).flatMap((k) =>
            st.actions
              .filter(
                (a) =>
                  actions.has(a) &&
                  !calls.some((c) => c.action === a && c.leadingKey !== undefined && glob(k, c.leadingKey)),
              )
              .map((a) => `${a} on ${k}`),
          ),
        )
        .filter((grant) => !UNPROVOKED_FALLBACKS.has(grant));
      if (unusedFamilies.length > 0)
        w.tally.violation(
          'iam',
          `${name}: the role allows ${unusedFamilies.join(', ')}, which no exercised path calls`,
        );
    }
    w.tally.detail('iam', `${name}: calls ${[...actions].sort().join(', ') || 'nothing'}`);
  }
  w.tally.detail(
    'iam',
    `${checked} AWS calls of ${seen.size} functions checked against their roles ${template ? 'in the synthesized template, which matches src/routes.ts grants' : "as src/routes.ts grants describe them (the template's roles are test/infra's)"}`,
  );
  w.tally.durationsMs.set('iam', Date.now() - started);
}
