/**
 * Infrastructure tests: the synthesized template of DomainsStack (table, queues, one Lambda and one
 * route per entry of src/routes.ts, the verifier and the schedule), each function's IAM policy
 * against its declared grants, the context parameters, and cdk-nag's AWS Solutions checks. Bundling
 * is skipped to stay fast; monitoring.test.ts covers the alarms and bundling.test.ts the bundles.
 */

import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { VERIFIER_BATCH_SIZE, VERIFIER_MAX_CONCURRENCY, verifierTimeout } from '../../lib/function-settings.js';
import { grantStatements } from '../../lib/grants.js';
import { PARTITION_KEYS } from '../../src/adapters/table-keys.js';
import { TABLE_SCHEMA } from '../../src/adapters/table-schema.js';
import { DEFAULT_SES_BACKGROUND_RATE } from '../../src/deployment.js';
import { ownerTags } from '../../src/domain/identity-owner.js';
import type { Grants, SesAction } from '../../src/grants.js';
import {
  API_BASE_PATH,
  BACKGROUND_FUNCTIONS,
  CONSOLE_FUNCTION,
  FUNCTION_GRANTS,
  type FunctionName,
  NOT_FOUND_FUNCTION,
  pages,
  routes,
} from '../../src/routes.js';
import type { Json } from './helpers.js';
import {
  allFunctionNames,
  build,
  canonical,
  environmentOf,
  flatten,
  functionLogicalId,
  identitiesIn,
  logicalId,
  permissions,
} from './helpers.js';

/** The statements of lib/grants.ts printed as `permissions` prints a role's. */
function printed(grants: Grants, sesRegion: string, stage: string): string[] {
  const targets = {
    tableArn: '<TABLE.Arn>',
    verifyQueueArn: '<VERIFY_QUEUE.Arn>',
    deliveryQueueArn: '<DELIVERY_QUEUE.Arn>',
    identityArns: [identitiesIn(sesRegion)],
    stage,
    secretsKeyArn: '<SECRETS_KEY.Arn>',
  };
  return grantStatements(grants, targets).flatMap(({ actions, resources, conditions }) =>
    actions.flatMap((action) =>
      resources.map((resource) => `${action} on ${resource}${conditions ? ` if ${canonical(conditions)}` : ''}`),
    ),
  );
}

/** Logs and traces every function has, and the statements its grants turn into (lib/grants.ts). */
function expectedPermissions(grants: Grants | null, sesRegion: string, stage: string, extra: string[] = []): string[] {
  return [
    'logs:CreateLogStream on <OWN_LOGS.Arn>',
    'logs:PutLogEvents on <OWN_LOGS.Arn>',
    'xray:PutTelemetryRecords on *',
    'xray:PutTraceSegments on *',
    ...extra,
    ...(grants ? printed(grants, sesRegion, stage) : []),
  ].sort();
}

/** The tag conditions of each SES action, as docs/deploy.md describes them. */
const SES_CONDITIONS = (stage: string): Record<SesAction, Json | null> => {
  const createTagged = {
    StringEquals: { 'aws:RequestTag/krafter:stage': stage },
    'ForAllValues:StringEquals': { 'aws:TagKeys': ['krafter:stage', 'krafter:domain-id'] },
    Null: { 'aws:RequestTag/krafter:domain-id': 'false' },
  };
  const stageOwned = { StringEquals: { 'aws:ResourceTag/krafter:stage': stage } };
  return {
    'ses:CreateEmailIdentity': createTagged,
    // Besides, never on an identity another stage tagged (a new one has no tags yet).
    'ses:TagResource': { ...createTagged, StringEqualsIfExists: { 'aws:ResourceTag/krafter:stage': stage } },
    'ses:PutEmailIdentityMailFromAttributes': stageOwned,
    'ses:PutEmailIdentityDkimSigningAttributes': stageOwned,
    'ses:DeleteEmailIdentity': stageOwned,
    'ses:GetEmailIdentity': null,
    'ses:VerifyDomainIdentity': null,
  };
};

describe('grants turned into IAM statements (lib/grants.ts)', () => {
  const all: Grants = {
    table: [{ keys: PARTITION_KEYS.team, actions: ['dynamodb:GetItem', 'dynamodb:Query'] }],
    queryIndexes: true,
    ses: Object.keys(SES_CONDITIONS('dev')) as SesAction[],
    sendToVerifyQueue: true,
    secrets: [],
  };

  it('limit each SES action the way docs/deploy.md describes, on identities of the region, VerifyDomainIdentity on "*"', () => {
    const ses = printed(all, 'eu-central-1', 'dev').filter((p) => p.startsWith('ses:'));
    const expected = Object.entries(SES_CONDITIONS('dev')).map(([action, condition]) => {
      // SES v1 VerifyDomainIdentity has no resource type: IAM honours it only with "*".
      const resource = action === 'ses:VerifyDomainIdentity' ? '*' : identitiesIn('eu-central-1');
      return `${action} on ${resource}${condition ? ` if ${canonical(condition)}` : ''}`;
    });
    expect(ses.sort()).toEqual(expected.sort());
  });

  it('limit each table action to the partition keys of its item families; index queries and the queue unconditioned', () => {
    expect(printed(all, 'eu-central-1', 'dev').filter((p) => !p.startsWith('ses:'))).toEqual([
      'dynamodb:GetItem on <TABLE.Arn> if {"ForAllValues:StringLike":{"dynamodb:LeadingKeys":["TEAM#*"]}}',
      'dynamodb:Query on <TABLE.Arn> if {"ForAllValues:StringLike":{"dynamodb:LeadingKeys":["TEAM#*"]}}',
      'dynamodb:Query on <TABLE.Arn>/index/*',
      'sqs:SendMessage on <VERIFY_QUEUE.Arn>',
    ]);
  });

  it('allow KMS only on the secrets key, only with the context of a sealed webhook secret', () => {
    expect(printed({ ...all, ses: [], secrets: ['kms:Encrypt', 'kms:Decrypt'] }, 'eu-central-1', 'dev')).toContain(
      'kms:Decrypt on <SECRETS_KEY.Arn> if {"ForAllValues:StringEquals":{"kms:EncryptionContextKeys":["team","webhook"]},"Null":{"kms:EncryptionContextKeys":"false"}}',
    );
  });
});

describe('the route table', () => {
  it.each(routes.map((r) => [r.name, r.idempotent, r.grants] as const))(
    '%s honours Idempotency-Key (%s) exactly when it may touch the idempotency records',
    (_name, idempotent, grants) => {
      expect(grants.table.some((g) => g.keys === PARTITION_KEYS.idempotency)).toBe(idempotent);
    },
  );
});

describe('the owner tags the code sends', () => {
  it('pass the create condition: only the allowed keys, this stage, a domain id', () => {
    const tags = ownerTags({ stage: 'dev', domainId: '0190b6b0-0000-7000-8000-000000000001' });
    const condition = SES_CONDITIONS('dev')['ses:CreateEmailIdentity'] as Record<string, Record<string, unknown>>;
    const allowedKeys = condition['ForAllValues:StringEquals']!['aws:TagKeys'] as string[];
    for (const tag of tags) expect(allowedKeys).toContain(tag.Key);
    const byKey = Object.fromEntries(tags.map((t) => [`aws:RequestTag/${t.Key}`, t.Value]));
    expect(byKey).toMatchObject(condition.StringEquals!);
    for (const [key, isNull] of Object.entries(condition.Null!))
      expect([key, byKey[key] === undefined]).toEqual([key, isNull === 'true']);
  });
});

describe('DomainsStack', () => {
  const { stack, template } = build({ sesRegion: 'eu-central-1' });

  test('one table shaped like TABLE_SCHEMA, on demand, with PITR, TTL and retained', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        DeletionProtectionEnabled: true,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: TABLE_SCHEMA.timeToLiveAttribute, Enabled: true },
        KeySchema: [
          { AttributeName: TABLE_SCHEMA.partitionKey, KeyType: 'HASH' },
          { AttributeName: TABLE_SCHEMA.sortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: TABLE_SCHEMA.indexes.map((index) => ({
          IndexName: index.indexName,
          KeySchema: [
            { AttributeName: index.partitionKey, KeyType: 'HASH' },
            { AttributeName: index.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        })),
      },
    });
  });

  test('verify queue: SSE, redrive to the DLQ after 5 receives, visibility at least 6x the verifier timeout', () => {
    const queueId = logicalId(stack, stack.verifyQueue);
    const dlqId = logicalId(stack, stack.verifyDeadLetterQueue);
    // The verify and delivery queues, their DLQs, and the fan-out's DLQ.
    template.resourceCountIs('AWS::SQS::Queue', 5);
    template.hasResourceProperties('AWS::SQS::Queue', {
      SqsManagedSseEnabled: true,
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] }, maxReceiveCount: 5 },
    });
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, RedrivePolicy: Match.absent() });

    const queue = template.findResources('AWS::SQS::Queue')[queueId] as { Properties: Json };
    const verifier = template.findResources('AWS::Lambda::Function')[functionLogicalId(stack, 'verifier')] as {
      Properties: Json;
    };
    expect(queue.Properties.VisibilityTimeout as number).toBeGreaterThanOrEqual(
      6 * (verifier.Properties.Timeout as number),
    );

    // enforceSSL on both queues: a policy denying any request without TLS.
    for (const id of [queueId, dlqId]) {
      template.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
    }
  });

  test('one Node.js 24 arm64 function per route, the not-found function and the two background functions', () => {
    template.resourceCountIs('AWS::Lambda::Function', allFunctionNames.length);
    for (const name of allFunctionNames) {
      const fn = template.findResources('AWS::Lambda::Function')[functionLogicalId(stack, name)] as {
        Properties: Json;
      };
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        TracingConfig: { Mode: 'Active' },
        Environment: {
          Variables: {
            NODE_OPTIONS: '--enable-source-maps',
            TABLE_NAME: { Ref: logicalId(stack, stack.table) },
            SES_REGION: 'eu-central-1',
            EVENT_SOURCE: 'krafter.domains',
            POWERTOOLS_SERVICE_NAME: 'domains-api',
            POWERTOOLS_METRICS_NAMESPACE: 'Krafter/Domains',
            LOG_LEVEL: 'INFO',
            STAGE: 'dev',
          },
        },
        LoggingConfig: { LogGroup: { Ref: logicalId(stack, stack.functions[name].logGroup) } },
      });
    }
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: Match.anyValue() });
  });

  test('VERIFY_QUEUE_URL only where a function sends to the queue', () => {
    for (const name of allFunctionNames) {
      const grants = FUNCTION_GRANTS[name];
      const variables = environmentOf(stack, template, name);
      if (grants?.sendToVerifyQueue)
        expect(variables.VERIFY_QUEUE_URL).toEqual({ Ref: logicalId(stack, stack.verifyQueue) });
      else expect(variables.VERIFY_QUEUE_URL).toBeUndefined();
    }
  });

  test('WEBHOOK_KMS_KEY_ID only where a function seals or opens webhook secrets', () => {
    const given = allFunctionNames.filter((name) => environmentOf(stack, template, name).WEBHOOK_KMS_KEY_ID);
    expect(given.sort()).toEqual([
      'create-webhook',
      'replay-webhook-delivery',
      'rotate-webhook-secret',
      'test-webhook',
      'webhook-deliver',
    ]);
    for (const name of given)
      expect(environmentOf(stack, template, name).WEBHOOK_KMS_KEY_ID).toEqual({
        'Fn::GetAtt': [logicalId(stack, stack.webhookSecretsKey), 'Arn'],
      });
  });

  test('no function of the deployed stack may call http:// or loopback webhook receivers', () => {
    for (const name of allFunctionNames)
      expect(environmentOf(stack, template, name).WEBHOOKS_ALLOW_LOCAL_TARGETS).toBeUndefined();
  });

  test('the webhook secrets key rotates, and is kept like the table when the stack goes', () => {
    const key = template.findResources('AWS::KMS::Key')[logicalId(stack, stack.webhookSecretsKey)];
    expect(key).toMatchObject({
      Properties: { EnableKeyRotation: true },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  test('the test-webhook function outlasts one 10-second attempt', () => {
    const fn = template.findResources('AWS::Lambda::Function')[functionLogicalId(stack, 'test-webhook')] as {
      Properties: { Timeout: number };
    };
    expect(fn.Properties.Timeout).toBeGreaterThanOrEqual(15);
  });

  test('only the verifier gets its SES pace; the verifier and the delivery worker the event bus', () => {
    for (const name of allFunctionNames) {
      const variables = environmentOf(stack, template, name);
      if (name === 'webhook-deliver') {
        expect(variables).toMatchObject({ EVENT_BUS_NAME: 'default', EVENT_SOURCE: 'krafter.domains' });
        expect(variables.SES_BACKGROUND_RATE).toBeUndefined();
      } else if (name === 'verifier') {
        expect(variables).toMatchObject({
          SES_BACKGROUND_RATE: String(DEFAULT_SES_BACKGROUND_RATE),
          EVENT_BUS_NAME: 'default',
          EVENT_SOURCE: 'krafter.domains',
        });
      } else {
        expect(variables.SES_BACKGROUND_RATE).toBeUndefined();
        expect(variables.EVENT_BUS_NAME).toBeUndefined();
      }
    }
  });

  test('the verifier waits out a full batch of SES slots within its timeout at the default pace', () => {
    const verifier = template.findResources('AWS::Lambda::Function')[functionLogicalId(stack, 'verifier')] as {
      Properties: Json;
    };
    const slotsAhead = (VERIFIER_BATCH_SIZE * VERIFIER_MAX_CONCURRENCY) / DEFAULT_SES_BACKGROUND_RATE;
    expect(verifier.Properties.Timeout as number).toBeGreaterThan(slotsAhead);
  });

  test('each route key reaches its own function; $default reaches the not-found function', () => {
    const routeResources = template.findResources('AWS::ApiGatewayV2::Route') as Record<string, { Properties: Json }>;
    const integrations = template.findResources('AWS::ApiGatewayV2::Integration') as Record<
      string,
      { Properties: Json }
    >;
    const functionBehind = (routeKey: string): string => {
      const route = Object.values(routeResources).find((r) => r.Properties.RouteKey === routeKey);
      if (!route) throw new Error(`no route ${routeKey}`);
      const target = flatten(route.Properties.Target);
      const integrationId = /^integrations\/<(\w+)>$/.exec(target)?.[1];
      const uri = integrations[integrationId ?? '']?.Properties.IntegrationUri as { 'Fn::GetAtt': string[] };
      return uri['Fn::GetAtt'][0]!;
    };

    const pageRouteKeys = pages.flatMap((page) => page.methods.map((method) => `${method} ${page.path}`));
    expect(Object.keys(routeResources)).toHaveLength(routes.length + pageRouteKeys.length + 1);
    for (const route of routes) {
      expect(functionBehind(`${route.method} ${API_BASE_PATH}${route.path}`)).toBe(
        functionLogicalId(stack, route.name),
      );
    }
    // The console is served outside the API's base path, GET and HEAD, by its one function.
    expect(pageRouteKeys.sort()).toEqual([
      'GET /console',
      'GET /console/{file}',
      'HEAD /console',
      'HEAD /console/{file}',
    ]);
    for (const key of pageRouteKeys) expect(functionBehind(key)).toBe(functionLogicalId(stack, CONSOLE_FUNCTION));
    expect(functionBehind('$default')).toBe(functionLogicalId(stack, NOT_FOUND_FUNCTION));
    expect(functionBehind('POST /api/v1/domains/{id}/verify')).toBe(functionLogicalId(stack, 'verify-domain'));
    template.allResourcesProperties('AWS::ApiGatewayV2::Integration', {
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
    });
  });

  test('the $default stage writes JSON access logs', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      AccessLogSettings: {
        DestinationArn: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] },
        Format: Match.stringLikeRegexp('"requestId":"\\$context\\.requestId"'),
      },
    });
  });

  test('CORS stays off without corsOrigins', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { CorsConfiguration: Match.absent() });
  });

  test('the verifier consumes the queue with partial batch failures, 10 per batch, at most 2 at once', () => {
    // The verifier's, the delivery worker's and the fan-out's.
    template.resourceCountIs('AWS::Lambda::EventSourceMapping', 3);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [logicalId(stack, stack.verifyQueue), 'Arn'] },
      FunctionName: { Ref: functionLogicalId(stack, 'verifier') },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 10,
      ScalingConfig: { MaximumConcurrency: 2 },
    });
  });

  test('the table streams new images; the fan-out reads only new webhook events, retried, bisected, then to its DLQ', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', { StreamSpecification: { StreamViewType: 'NEW_IMAGE' } });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [logicalId(stack, stack.table), 'StreamArn'] },
      FunctionName: { Ref: functionLogicalId(stack, 'webhook-fanout') },
      StartingPosition: 'TRIM_HORIZON',
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: Match.anyValue(),
      FilterCriteria: {
        Filters: [
          {
            Pattern: JSON.stringify({
              eventName: ['INSERT'],
              dynamodb: { NewImage: { SK: { S: [{ prefix: 'EVENT#' }] } } },
            }),
          },
        ],
      },
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [logicalId(stack, stack.fanoutDeadLetterQueue), 'Arn'] } },
      },
    });
  });

  test('the delivery worker consumes its queue with partial batch failures, at most 20 at once, visibility 6x', () => {
    const queueId = logicalId(stack, stack.deliveryQueue);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      FunctionName: { Ref: functionLogicalId(stack, 'webhook-deliver') },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      BatchSize: 10,
      ScalingConfig: { MaximumConcurrency: 20 },
    });
    const queue = template.findResources('AWS::SQS::Queue')[queueId] as { Properties: Json };
    expect(queue.Properties.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(stack, stack.deliveryDeadLetterQueue), 'Arn'] },
      maxReceiveCount: 5,
    });
    const fn = template.findResources('AWS::Lambda::Function')[functionLogicalId(stack, 'webhook-deliver')] as {
      Properties: { Timeout: number };
    };
    expect(fn.Properties.Timeout).toBeGreaterThanOrEqual(15);
    expect(queue.Properties.VisibilityTimeout as number).toBeGreaterThanOrEqual(6 * fn.Properties.Timeout);
    for (const name of allFunctionNames) {
      const url = environmentOf(stack, template, name).WEBHOOK_DELIVERY_QUEUE_URL;
      if (FUNCTION_GRANTS[name]?.sendToDeliveryQueue) expect(url).toEqual({ Ref: queueId });
      else expect(url).toBeUndefined();
    }
  });

  test('an EventBridge rule runs the scheduler every 5 minutes', () => {
    template.resourceCountIs('AWS::Events::Rule', 1);
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(5 minutes)',
      State: 'ENABLED',
      Targets: [Match.objectLike({ Arn: { 'Fn::GetAtt': [functionLogicalId(stack, 'scheduler'), 'Arn'] } })],
    });
  });

  test('outputs: API URL with the base path, table name, queue URLs', () => {
    const outputs = template.findOutputs('*') as Record<string, { Value: unknown }>;
    expect(flatten(outputs.ApiUrl?.Value)).toMatch(/^https:\/\/<\w+>\.execute-api\..+\/api\/v1$/);
    expect(flatten(outputs.ConsoleUrl?.Value)).toMatch(/^https:\/\/<\w+>\.execute-api\..+\/console$/);
    expect(outputs.TableName?.Value).toEqual({ Ref: logicalId(stack, stack.table) });
    expect(outputs.VerifyQueueUrl?.Value).toEqual({ Ref: logicalId(stack, stack.verifyQueue) });
    expect(outputs.VerifyDeadLetterQueueUrl?.Value).toEqual({ Ref: logicalId(stack, stack.verifyDeadLetterQueue) });
  });

  describe('IAM: each role allows exactly its grants', () => {
    test.each(routes.map((r) => [r.name, r.grants] as const))('%s', (name, grants) => {
      expect(permissions(stack, template, name)).toEqual(expectedPermissions(grants, 'eu-central-1', 'dev'));
    });

    test('verifier: its grants, consuming the queue, and status-change events on the default bus', () => {
      const verifier = BACKGROUND_FUNCTIONS.verifier;
      const consume = [
        'ChangeMessageVisibility',
        'DeleteMessage',
        'GetQueueAttributes',
        'GetQueueUrl',
        'ReceiveMessage',
      ];
      expect(permissions(stack, template, 'verifier')).toEqual(
        expectedPermissions(verifier.grants, 'eu-central-1', 'dev', [
          ...consume.map((a) => `sqs:${a} on <VERIFY_QUEUE.Arn>`),
          'events:PutEvents on arn:<AWS::Partition>:events:<AWS::Region>:<AWS::AccountId>:event-bus/default',
        ]),
      );
    });

    test('scheduler: its grants only', () => {
      const scheduler = BACKGROUND_FUNCTIONS.scheduler;
      expect(permissions(stack, template, 'scheduler')).toEqual(
        expectedPermissions(scheduler.grants, 'eu-central-1', 'dev'),
      );
    });

    test.each<FunctionName>([NOT_FOUND_FUNCTION, CONSOLE_FUNCTION])('%s: no data access at all', (name) => {
      expect(permissions(stack, template, name)).toEqual(expectedPermissions(null, 'eu-central-1', 'dev'));
    });

    test('roles carry no managed or inline policies besides the generated one', () => {
      for (const name of allFunctionNames) {
        const role = template.findResources('AWS::IAM::Role')[logicalId(stack, stack.functions[name].role)] as {
          Properties: Json;
        };
        expect(role.Properties.ManagedPolicyArns).toBeUndefined();
        expect(role.Properties.Policies).toBeUndefined();
      }
    });

    const dataless = routes.filter(
      (r) =>
        r.grants.table.length === 0 &&
        !r.grants.queryIndexes &&
        r.grants.ses.length === 0 &&
        !r.grants.sendToVerifyQueue,
    );
    test('the public OpenAPI route is one of the routes without data grants', () => {
      expect(dataless.map((r) => [r.method, r.path, r.scope])).toContainEqual(['GET', '/openapi.json', null]);
    });

    test.each(dataless.map((r) => [r.name]))(
      '%s: a route without data grants gets logs and traces only, no queue',
      (name) => {
        expect(permissions(stack, template, name)).toEqual(expectedPermissions(null, 'eu-central-1', 'dev'));
        expect(environmentOf(stack, template, name).VERIFY_QUEUE_URL).toBeUndefined();
      },
    );

    test("get-domain reads keys and its team's items, writes only the rate-limit counter, and touches no SES", () => {
      const granted = permissions(stack, template, 'get-domain');
      expect(granted.filter((p) => p.startsWith('dynamodb:'))).toEqual([
        'dynamodb:GetItem on <TABLE.Arn> if {"ForAllValues:StringLike":{"dynamodb:LeadingKeys":["APIKEY#*","TEAM#*"]}}',
        'dynamodb:UpdateItem on <TABLE.Arn> if {"ForAllValues:StringLike":{"dynamodb:LeadingKeys":["RATELIMIT#*"]}}',
      ]);
      expect(granted.some((p) => p.startsWith('ses:'))).toBe(false);
      expect(granted.some((p) => p.startsWith('sqs:'))).toBe(false);
    });

    test('SES identity actions are scoped to identities in the SES region, only VerifyDomainIdentity uses "*"', () => {
      const granted = permissions(stack, template, 'create-domain').filter((p) => p.startsWith('ses:'));
      expect(granted.some((p) => p.startsWith(`ses:CreateEmailIdentity on ${identitiesIn('eu-central-1')} if `))).toBe(
        true,
      );
      expect(granted.filter((p) => p.includes(' on *'))).toEqual(['ses:VerifyDomainIdentity on *']);
    });
  });

  test('cdk-nag: no unacknowledged AWS Solutions findings', () => {
    const { app } = build({ sesRegion: 'eu-central-1' });
    const report = new AwsSolutionsChecks().validateScope(app);
    const findings = report.violations.map(
      (v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
    );
    expect(findings).toEqual([]);
    expect(report.success).toBe(true);
  });
});

describe('context parameters', () => {
  test('defaults: stage dev, SES in us-east-1 when env-agnostic', () => {
    const { stack } = build();
    expect(stack.stackName).toBe('KrafterDomains-dev');
    expect(stack.sesRegion).toBe('us-east-1');
  });

  test('SES region defaults to the stack region when the environment is known', () => {
    const { stack, template } = build({ stage: 'prod' }, { account: '123456789012', region: 'eu-west-1' });
    expect(stack.stackName).toBe('KrafterDomains-prod');
    expect(stack.sesRegion).toBe('eu-west-1');
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ SES_REGION: 'eu-west-1' }) },
    });
  });

  test('-c sesRegion wins over the stack region', () => {
    const { stack } = build({ sesRegion: 'eu-central-1' }, { account: '123456789012', region: 'eu-west-1' });
    expect(stack.sesRegion).toBe('eu-central-1');
  });

  test('corsOrigins, given on the command line as a comma-separated string, turns CORS on', () => {
    const { app, template } = build({ corsOrigins: 'https://app.example.com, https://admin.example.com' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({
        AllowOrigins: ['https://app.example.com', 'https://admin.example.com'],
        AllowHeaders: Match.arrayWith(['authorization', 'content-type']),
      }),
    });
    expect(new AwsSolutionsChecks().validateScope(app).violations).toEqual([]);
  });

  test("-c sesBackgroundRate sets the verifier's pace, and its timeout and the queue's visibility follow", () => {
    const { stack, template } = build({ sesBackgroundRate: '0.4' });
    expect(environmentOf(stack, template, 'verifier').SES_BACKGROUND_RATE).toBe('0.4');
    const verifier = template.findResources('AWS::Lambda::Function')[functionLogicalId(stack, 'verifier')] as {
      Properties: Json;
    };
    // 10 messages x 2 concurrent verifiers / 0.4 per second = 50 s of pacing, plus 20 s for the checks.
    expect(verifier.Properties.Timeout).toBe(70);
    template.hasResourceProperties('AWS::SQS::Queue', { VisibilityTimeout: 6 * 70 });
  });

  test('sesBackgroundRate as a number in cdk.json', () => {
    const { stack, template } = build({ sesBackgroundRate: 0.5 });
    expect(environmentOf(stack, template, 'verifier').SES_BACKGROUND_RATE).toBe('0.5');
  });

  test.each([0.05, 0.1, 0.25, 0.8, 1])(
    'at %s SES calls/second a full batch fits the verifier timeout, within Lambda and SQS limits',
    (rate) => {
      const timeout = verifierTimeout(rate).toSeconds();
      expect(timeout).toBeGreaterThanOrEqual(Math.ceil((VERIFIER_BATCH_SIZE * VERIFIER_MAX_CONCURRENCY) / rate));
      expect(timeout).toBeLessThanOrEqual(900);
      expect(6 * timeout).toBeLessThanOrEqual(12 * 3600);
    },
  );

  test.each([
    [{ stage: 'Prod!' }, /stage/],
    [{ sesRegion: 'europe' }, /sesRegion/],
    [{ corsOrigins: 'https://app.example.com/path' }, /corsOrigins/],
    [{ logLevel: 'LOUD' }, /logLevel/],
    [{ sesBackgroundRate: '0' }, /sesBackgroundRate/],
    [{ sesBackgroundRate: '-1' }, /sesBackgroundRate/],
    [{ sesBackgroundRate: '1.5' }, /sesBackgroundRate/],
    [{ sesBackgroundRate: 0.01 }, /sesBackgroundRate/],
    [{ sesBackgroundRate: 'fast' }, /sesBackgroundRate/],
    [{ sesBackgroundRate: true }, /sesBackgroundRate/],
    [{ alarmEmail: 'ops' }, /alarmEmail/],
    [{ alarmEmail: 'a@example.com,b@example.com' }, /alarmEmail/],
    [{ throttleRate: '0' }, /throttleRate/],
    [{ throttleRate: 20_000 }, /throttleRate/],
    [{ throttleBurst: '2.5' }, /throttleBurst/],
    [{ throttleBurst: 'many' }, /throttleBurst/],
    [{ sesThrottleRate: -1 }, /sesThrottleRate/],
    [{ sesThrottleBurst: 6000 }, /sesThrottleBurst/],
    [{ apiConcurrency: '-1' }, /apiConcurrency/],
    [{ apiConcurrency: 1.5 }, /apiConcurrency/],
    [{ verifierConcurrency: '1' }, /verifierConcurrency/],
    [{ schedulerConcurrency: true }, /schedulerConcurrency/],
  ])('rejects bad context %j', (context, message) => {
    expect(() => build(context)).toThrow(message);
  });
});
