/**
 * What bounds the stack against a caller who aims at what the service owns, or simply sends a lot:
 * stage throttling, reserved concurrency, table access limited to item families by partition key,
 * and SES calls limited by the owner tags of identities. The numbers are written out: docs/deploy.md
 * explains each of them, so changing one is a decision, not a refactor.
 */
import { AwsSolutionsChecks } from 'cdk-nag';
import {
  apiKeyKey,
  claimKey,
  domainCountKey,
  domainKey,
  PARTITION_KEYS,
  rateBudgetKey,
  rateLimitKey,
  statusChangeKey,
} from '../../src/adapters/table-keys.js';
import {
  BACKGROUND_FUNCTIONS,
  CONSOLE_FUNCTION,
  type FunctionName,
  NOT_FOUND_FUNCTION,
  pages,
  routes,
} from '../../src/routes.js';
import type { Json, PolicyStatementJson } from './helpers.js';
import {
  allFunctionNames,
  build,
  canonical,
  environmentOf,
  functionLogicalId,
  logicalId,
  roleStatements,
} from './helpers.js';

const { stack, template } = build({ stage: 'prod', sesRegion: 'eu-central-1' });

const apiFunctionNames = allFunctionNames.filter((n) => !Object.hasOwn(BACKGROUND_FUNCTIONS, n));

function functionProps(name: FunctionName, t = template, s = stack): Json {
  return (t.findResources('AWS::Lambda::Function')[functionLogicalId(s, name)] as { Properties: Json }).Properties;
}

function stageProps(t = template): Json {
  const stages = Object.values(t.findResources('AWS::ApiGatewayV2::Stage')) as { Properties: Json }[];
  expect(stages).toHaveLength(1);
  return stages[0]!.Properties;
}

/** IAM's StringLike: `*` matches any characters, `?` one. */
function like(pattern: string, value: string): boolean {
  const escaped = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')));
  return new RegExp(`^${escaped.join('')}$`).test(value);
}

const actionsOf = (s: PolicyStatementJson) => ([] as string[]).concat(s.Action);
const leadingKeysOf = (s: PolicyStatementJson) =>
  ((s.Condition?.['ForAllValues:StringLike'] as Json | undefined)?.['dynamodb:LeadingKeys'] as string[] | undefined) ??
  null;

describe('stage throttling', () => {
  test('every route: 50 requests per second, bursts of 100', () => {
    expect(stageProps().DefaultRouteSettings).toEqual({ ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 });
  });

  test('the routes whose function changes SES identities: 1 per second, bursts of 5', () => {
    const slow = { ThrottlingRateLimit: 1, ThrottlingBurstLimit: 5 };
    expect(stageProps().RouteSettings).toEqual({
      'POST /api/v1/domains': slow,
      'PATCH /api/v1/domains/{id}': slow,
      'DELETE /api/v1/domains/{id}': slow,
    });
  });

  test('the stage is created after the routes its settings name (API Gateway refuses unknown route keys)', () => {
    const stageResource = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'))[0] as {
      DependsOn?: string[];
    };
    const routeIds = Object.keys(template.findResources('AWS::ApiGatewayV2::Route'));
    const pageRoutes = pages.flatMap((page) => page.methods).length;
    expect(routeIds).toHaveLength(routes.length + pageRoutes + 1);
    const routeKeyOf = (id: string) =>
      String((template.findResources('AWS::ApiGatewayV2::Route')[id] as { Properties: Json }).Properties.RouteKey);
    const declared = routeIds.filter((id) => routeKeyOf(id) !== '$default');
    expect(declared).toHaveLength(routes.length + pageRoutes);
    for (const id of declared) expect(stageResource.DependsOn).toContain(id);
  });

  test('context sets both limits, as numbers or as text', () => {
    const { template: t } = build({
      throttleRate: '200',
      throttleBurst: 400,
      sesThrottleRate: 2,
      sesThrottleBurst: '10',
    });
    expect(stageProps(t).DefaultRouteSettings).toEqual({ ThrottlingRateLimit: 200, ThrottlingBurstLimit: 400 });
    expect((stageProps(t).RouteSettings as Json)['POST /api/v1/domains']).toEqual({
      ThrottlingRateLimit: 2,
      ThrottlingBurstLimit: 10,
    });
  });
});

describe('reserved concurrency', () => {
  test('each API function, the not-found and console ones included, has a ceiling of 10', () => {
    expect(apiFunctionNames).toContain(NOT_FOUND_FUNCTION);
    expect(apiFunctionNames).toContain(CONSOLE_FUNCTION);
    for (const name of apiFunctionNames)
      expect([name, functionProps(name).ReservedConcurrentExecutions]).toEqual([name, 10]);
  });

  test('the verifier has 2 reserved, not fewer than its queue trigger runs at once; the scheduler 1', () => {
    expect(functionProps('verifier').ReservedConcurrentExecutions).toBe(2);
    expect(functionProps('scheduler').ReservedConcurrentExecutions).toBe(1);
    const mapping = Object.values(template.findResources('AWS::Lambda::EventSourceMapping')).find(
      (m) =>
        (m as { Properties: { FunctionName?: Json } }).Properties.FunctionName?.Ref ===
        functionLogicalId(stack, 'verifier'),
    ) as { Properties: Json };
    const maximum = (mapping.Properties.ScalingConfig as Json).MaximumConcurrency as number;
    expect(maximum).toBeLessThanOrEqual(functionProps('verifier').ReservedConcurrentExecutions as number);
  });

  test('in total 218 reserved: an account needs at least 318 concurrency, since Lambda keeps 100 unreserved', () => {
    const total = allFunctionNames.reduce(
      (sum, name) => sum + ((functionProps(name).ReservedConcurrentExecutions as number | undefined) ?? 0),
      0,
    );
    // The verifier 2, the scheduler 1, the webhook fan-out 5 and the delivery worker 20.
    expect(total).toBe(apiFunctionNames.length * 10 + 2 + 1 + 5 + 20);
    expect(total).toBe(218);
  });

  test('context sets each reservation; 0 means none (never a reservation of 0, which would stop the function)', () => {
    const { stack: s, template: t } = build({
      apiConcurrency: '25',
      verifierConcurrency: 4,
      schedulerConcurrency: '2',
    });
    for (const name of apiFunctionNames) expect(functionProps(name, t, s).ReservedConcurrentExecutions).toBe(25);
    expect(functionProps('verifier', t, s).ReservedConcurrentExecutions).toBe(4);
    expect(functionProps('scheduler', t, s).ReservedConcurrentExecutions).toBe(2);

    const { stack: none, template: noneTemplate } = build({
      apiConcurrency: 0,
      verifierConcurrency: '0',
      schedulerConcurrency: 0,
      deliverConcurrency: 0,
      fanoutConcurrency: '0',
    });
    for (const name of allFunctionNames)
      expect(functionProps(name, noneTemplate, none).ReservedConcurrentExecutions).toBeUndefined();
  });
});

describe('table access by item family (dynamodb:LeadingKeys)', () => {
  /** Per function: each table action and the partition-key patterns it is limited to. */
  const expected: Record<string, Record<string, string[]>> = {
    'create-domain': {
      'dynamodb:GetItem': ['APIKEY#*', 'IDEMPOTENCY', 'TEAM#*'],
      'dynamodb:PutItem': ['DOMAINNAME#*', 'IDEMPOTENCY', 'TEAM#*'],
      'dynamodb:UpdateItem': ['IDEMPOTENCY', 'RATELIMIT#*', 'TEAM#*'],
      'dynamodb:DeleteItem': ['DOMAINNAME#*', 'IDEMPOTENCY', 'TEAM#*'],
    },
    'list-domains': {
      'dynamodb:GetItem': ['APIKEY#*'],
      'dynamodb:Query': ['TEAM#*'],
      'dynamodb:UpdateItem': ['RATELIMIT#*'],
    },
    'get-domain': { 'dynamodb:GetItem': ['APIKEY#*', 'TEAM#*'], 'dynamodb:UpdateItem': ['RATELIMIT#*'] },
    'get-zone-file': { 'dynamodb:GetItem': ['APIKEY#*', 'TEAM#*'], 'dynamodb:UpdateItem': ['RATELIMIT#*'] },
    'verify-domain': {
      'dynamodb:GetItem': ['APIKEY#*', 'IDEMPOTENCY'],
      'dynamodb:PutItem': ['IDEMPOTENCY'],
      'dynamodb:UpdateItem': ['IDEMPOTENCY', 'RATELIMIT#*', 'TEAM#*'],
      'dynamodb:DeleteItem': ['IDEMPOTENCY'],
    },
    // PutItem on the team's partition: the webhook event written with the change.
    'update-domain': {
      'dynamodb:GetItem': ['APIKEY#*', 'TEAM#*'],
      'dynamodb:PutItem': ['TEAM#*'],
      'dynamodb:UpdateItem': ['RATELIMIT#*', 'TEAM#*'],
    },
    'delete-domain': {
      'dynamodb:GetItem': ['APIKEY#*', 'TEAM#*'],
      'dynamodb:PutItem': ['TEAM#*'],
      'dynamodb:UpdateItem': ['RATELIMIT#*', 'TEAM#*'],
      'dynamodb:DeleteItem': ['DOMAINNAME#*', 'TEAM#*'],
    },
    'create-webhook': {
      'dynamodb:GetItem': ['APIKEY#*'],
      'dynamodb:PutItem': ['TEAM#*'],
      'dynamodb:UpdateItem': ['RATELIMIT#*', 'TEAM#*'],
    },
    'list-webhooks': {
      'dynamodb:GetItem': ['APIKEY#*'],
      'dynamodb:Query': ['TEAM#*'],
      'dynamodb:UpdateItem': ['RATELIMIT#*'],
    },
    'get-webhook': { 'dynamodb:GetItem': ['APIKEY#*', 'TEAM#*'], 'dynamodb:UpdateItem': ['RATELIMIT#*'] },
    'update-webhook': { 'dynamodb:GetItem': ['APIKEY#*'], 'dynamodb:UpdateItem': ['RATELIMIT#*', 'TEAM#*'] },
    'delete-webhook': {
      'dynamodb:GetItem': ['APIKEY#*'],
      'dynamodb:UpdateItem': ['RATELIMIT#*', 'TEAM#*'],
      'dynamodb:DeleteItem': ['TEAM#*'],
    },
    'rotate-webhook-secret': {
      'dynamodb:GetItem': ['APIKEY#*', 'TEAM#*'],
      'dynamodb:UpdateItem': ['RATELIMIT#*', 'TEAM#*'],
    },
    'test-webhook': { 'dynamodb:GetItem': ['APIKEY#*', 'TEAM#*'], 'dynamodb:UpdateItem': ['RATELIMIT#*'] },
    'list-webhook-deliveries': {
      'dynamodb:GetItem': ['APIKEY#*', 'TEAM#*'],
      'dynamodb:Query': ['TEAM#*'],
      'dynamodb:UpdateItem': ['RATELIMIT#*'],
    },
    'replay-webhook-delivery': {
      'dynamodb:GetItem': ['APIKEY#*', 'TEAM#*'],
      'dynamodb:UpdateItem': ['RATELIMIT#*', 'TEAM#*'],
    },
    openapi: {},
    [NOT_FOUND_FUNCTION]: {},
    [CONSOLE_FUNCTION]: {},
    verifier: {
      'dynamodb:GetItem': ['TEAM#*'],
      'dynamodb:PutItem': ['TEAM#*'],
      'dynamodb:UpdateItem': ['RATE#*', 'TEAM#*'],
      'dynamodb:DeleteItem': ['DOMAINNAME#*', 'TEAM#*'],
    },
    scheduler: { 'dynamodb:UpdateItem': ['TEAM#*'] },
    'webhook-fanout': {
      'dynamodb:GetItem': ['TEAM#*'],
      'dynamodb:Query': ['TEAM#*'],
      'dynamodb:PutItem': ['TEAM#*'],
    },
    'webhook-deliver': { 'dynamodb:GetItem': ['TEAM#*'], 'dynamodb:UpdateItem': ['TEAM#*'] },
  };

  test('every function is listed here', () => {
    expect(Object.keys(expected).sort()).toEqual([...allFunctionNames].sort());
  });

  test.each(allFunctionNames)('%s: each table action limited to its item families', (name) => {
    const tableArn = { 'Fn::GetAtt': [logicalId(stack, stack.table), 'Arn'] };
    const granted: Record<string, string[]> = {};
    for (const statement of roleStatements(stack, template, name)) {
      const onTable = ([] as unknown[]).concat(statement.Resource).some((r) => canonical(r) === canonical(tableArn));
      if (!onTable) continue;
      const keys = leadingKeysOf(statement);
      expect([name, statement.Action, keys]).toEqual([name, statement.Action, expect.any(Array)]);
      for (const action of actionsOf(statement)) granted[action] = [...(granted[action] ?? []), ...keys!].sort();
    }
    expect(granted).toEqual(expected[name]);
  });

  test('only the scheduler queries an index, read-only', () => {
    for (const name of allFunctionNames) {
      const onIndexes = roleStatements(stack, template, name).filter((s) =>
        JSON.stringify(s.Resource).includes('/index/*'),
      );
      if (name === 'scheduler') expect(onIndexes.map(actionsOf)).toEqual([['dynamodb:Query']]);
      else expect(onIndexes).toEqual([]);
    }
  });

  test("no function can write an API key: only the operator's `npm run keys` does", () => {
    const writes = [
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:BatchWriteItem',
      'dynamodb:ConditionCheckItem',
      'dynamodb:*',
    ];
    for (const name of allFunctionNames) {
      for (const statement of roleStatements(stack, template, name)) {
        if (!actionsOf(statement).some((a) => writes.includes(a) || a === '*')) continue;
        const keys = leadingKeysOf(statement);
        // A write without a key condition could reach any item.
        expect([name, keys === null]).toEqual([name, false]);
        expect([name, keys!.filter((k) => like(k, 'APIKEY#0123456789abcdef'))]).toEqual([name, []]);
      }
    }
  });

  test('no grant reaches beyond the item families the table holds', () => {
    const families = Object.values(PARTITION_KEYS) as string[];
    for (const name of allFunctionNames) {
      for (const statement of roleStatements(stack, template, name)) {
        for (const key of leadingKeysOf(statement) ?? [])
          expect([name, families]).toEqual([name, expect.arrayContaining([key])]);
      }
    }
  });

  test('the key builders build keys inside the families the grants name', () => {
    const built: [string, string][] = [
      [PARTITION_KEYS.apiKey, apiKeyKey('k1').PK],
      [PARTITION_KEYS.team, domainKey('acme', 'd1').PK],
      [PARTITION_KEYS.team, domainCountKey('acme').PK],
      [PARTITION_KEYS.team, statusChangeKey('acme', 'd1', '2026-01-01T00:00:00Z').PK],
      [PARTITION_KEYS.domainName, claimKey('example.com').PK],
      [PARTITION_KEYS.sesPacer, rateBudgetKey('ses-eu-central-1').PK],
      [PARTITION_KEYS.rateLimit, rateLimitKey('acme', 1_700_000_000).PK],
    ];
    for (const [pattern, key] of built) expect([pattern, key, like(pattern, key)]).toEqual([pattern, key, true]);
    // The pacer's pattern must not also cover the rate-limit counters, nor the reverse.
    expect(like(PARTITION_KEYS.sesPacer, rateLimitKey('acme', 1).PK)).toBe(false);
    expect(like(PARTITION_KEYS.rateLimit, rateBudgetKey('x').PK)).toBe(false);
  });
});

describe('SES calls limited by the identity owner tags', () => {
  const identities = { 'Fn::Join': expect.any(Array) };
  const sesStatements = (name: FunctionName) =>
    roleStatements(stack, template, name).filter((s) => actionsOf(s).some((a) => a.startsWith('ses:')));
  const statementWith = (name: FunctionName, action: string) => {
    const found = sesStatements(name).filter((s) => actionsOf(s).includes(action));
    expect([name, action, found.length]).toEqual([name, action, 1]);
    return found[0]!;
  };

  test('create-domain may create an identity only tagged with this stage and a domain id, and nothing but those tags', () => {
    for (const action of ['ses:CreateEmailIdentity', 'ses:TagResource']) {
      expect(statementWith('create-domain', action)).toMatchObject({
        Resource: identities,
        Condition: {
          StringEquals: { 'aws:RequestTag/krafter:stage': 'prod' },
          'ForAllValues:StringEquals': { 'aws:TagKeys': ['krafter:stage', 'krafter:domain-id'] },
          Null: { 'aws:RequestTag/krafter:domain-id': 'false' },
        },
      });
    }
    // And no re-tagging of an identity another stage tagged: the role could then change it.
    expect(statementWith('create-domain', 'ses:TagResource').Condition).toMatchObject({
      StringEqualsIfExists: { 'aws:ResourceTag/krafter:stage': 'prod' },
    });
  });

  test.each([
    [
      'create-domain',
      [
        'ses:PutEmailIdentityMailFromAttributes',
        'ses:PutEmailIdentityDkimSigningAttributes',
        'ses:DeleteEmailIdentity',
      ],
    ],
    ['update-domain', ['ses:PutEmailIdentityMailFromAttributes', 'ses:PutEmailIdentityDkimSigningAttributes']],
    ['delete-domain', ['ses:DeleteEmailIdentity']],
    ['verifier', ['ses:DeleteEmailIdentity']],
  ] as const satisfies readonly [FunctionName, readonly string[]][])(
    '%s changes or deletes only identities tagged with this stage',
    (name, actions) => {
      for (const action of actions) {
        expect(statementWith(name, action)).toMatchObject({
          Resource: identities,
          Condition: { StringEquals: { 'aws:ResourceTag/krafter:stage': 'prod' } },
        });
      }
    },
  );

  test("GetEmailIdentity stays unconditioned (a foreign identity's tags must be readable to refuse it); nothing else does", () => {
    for (const name of allFunctionNames) {
      for (const statement of sesStatements(name)) {
        const unconditioned = statement.Condition === undefined;
        // The X-Ray actions of active tracing may share the "*" statement.
        const actions = actionsOf(statement).filter((a) => a.startsWith('ses:'));
        if (actions.includes('ses:VerifyDomainIdentity')) {
          // No resource type and no tag keys in the Service Authorization Reference: "*" only.
          expect([name, actions, statement.Resource]).toEqual([name, ['ses:VerifyDomainIdentity'], '*']);
        } else if (unconditioned) {
          expect([name, actions]).toEqual([name, ['ses:GetEmailIdentity']]);
        }
      }
    }
  });

  test('identity ARNs cover each configured SES region only', () => {
    const { stack: s, template: t } = build({ sesRegion: 'eu-central-1', sesRegions: 'us-east-1' });
    const statement = roleStatements(s, t, 'delete-domain').find((x) =>
      actionsOf(x).includes('ses:DeleteEmailIdentity'),
    )!;
    const resources = ([] as unknown[]).concat(statement.Resource).map((r) => canonical(r));
    expect(resources).toHaveLength(2);
    expect(resources.join(' ')).toMatch(/eu-central-1/);
    expect(resources.join(' ')).toMatch(/us-east-1/);
  });

  test('every function knows its stage (STAGE), the value the tags and conditions use', () => {
    for (const name of allFunctionNames)
      expect([name, (functionProps(name).Environment as { Variables: Json }).Variables.STAGE]).toEqual([name, 'prod']);
  });
});

test('cdk-nag stays clean with the limits, with none reserved, and with several SES regions', () => {
  for (const context of [
    { stage: 'prod' },
    { apiConcurrency: 0, verifierConcurrency: 0, schedulerConcurrency: 0 },
    { sesRegions: 'us-east-1,eu-west-1' },
  ]) {
    const { app } = build({ sesRegion: 'eu-central-1', ...context });
    const report = new AwsSolutionsChecks().validateScope(app);
    expect(
      report.violations.map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`),
    ).toEqual([]);
  }
});

describe('claim limits from context', () => {
  it('passes the team limit, reserved names and release grace to the functions that read them, and nothing by default', () => {
    const { stack, template } = build({
      maxDomainsPerTeam: '25',
      reservedDomains: 'Krafter-Platform.com, mail.example.net',
      unverifiedReleaseGraceHours: 48,
    });
    expect(environmentOf(stack, template, 'create-domain')).toMatchObject({
      MAX_DOMAINS_PER_TEAM: '25',
      RESERVED_DOMAINS: 'krafter-platform.com,mail.example.net',
      UNVERIFIED_RELEASE_GRACE_HOURS: '48',
    });
    expect(environmentOf(stack, template, 'verifier')).toMatchObject({ UNVERIFIED_RELEASE_GRACE_HOURS: '48' });
    const plain = build();
    expect(environmentOf(plain.stack, plain.template, 'create-domain')).not.toHaveProperty('MAX_DOMAINS_PER_TEAM');
  });

  it.each([
    [{ maxDomainsPerTeam: '-1' }, /maxDomainsPerTeam/],
    [{ maxDomainsPerTeam: '2.5' }, /maxDomainsPerTeam/],
    [{ unverifiedReleaseGraceHours: 'soon' }, /unverifiedReleaseGraceHours/],
    [{ reservedDomains: 'bad name.com' }, /reservedDomains/],
  ])('refuses %j', (context, message) => {
    expect(() => build(context)).toThrow(message);
  });
});
