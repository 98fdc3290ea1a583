/**
 * Infrastructure tests of the monitoring: the encrypted alarm topic that only this stack's alarms
 * may publish to, each alarm's metric, threshold and actions, the dashboard's metrics, and the
 * outputs. Metric names come from src/deployment.ts, the ones the functions emit. Thresholds are
 * written out as numbers: docs/deploy.md quotes them, so changing one is a decision, not a refactor.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ALARM, TRANSITION_TARGETS, VERIFICATION_OUTCOMES } from '../../lib/monitoring.js';
import { METRIC } from '../../src/deployment.js';
import type { Json } from './helpers.js';
import { allFunctionNames, build, flatten, functionLogicalId, logicalId } from './helpers.js';

const { stack, template } = build({ stage: 'prod' });
const topicId = logicalId(stack, stack.monitoring.topic);
const keyId = logicalId(stack, stack.monitoring.topicKey);

interface MetricStat {
  Id: string;
  Expression?: string;
  MetricStat?: {
    Metric: { Namespace: string; MetricName: string; Dimensions: { Name: string; Value: unknown }[] };
    Period: number;
    Stat: string;
  };
  ReturnData?: boolean;
}

const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as { Properties: Json }[];

function alarm(id: string): Json {
  const found = alarms.find((a) => a.Properties.AlarmName === `KrafterDomains-prod-${id}`);
  if (!found) throw new Error(`no alarm ${id}; have ${alarms.map((a) => String(a.Properties.AlarmName)).join(', ')}`);
  return found.Properties;
}

/** `Namespace/MetricName dim=value ... (Stat/Period)` of every metric a math alarm reads. */
function metricsRead(props: Json): string[] {
  return (props.Metrics as MetricStat[])
    .filter((m) => m.MetricStat)
    .map((m) => {
      const { Metric, Period, Stat } = m.MetricStat!;
      const dims = Metric.Dimensions.map((d) => `${d.Name}=${flatten(d.Value)}`).join(' ');
      return `${Metric.Namespace}/${Metric.MetricName} ${dims} (${Stat}/${Period})`;
    });
}

function expressionOf(props: Json): string | undefined {
  return (props.Metrics as MetricStat[]).find((m) => m.ReturnData !== false && m.Expression)?.Expression;
}

describe('alarm topic', () => {
  test('one topic, encrypted with a rotated key of its own, no subscription without alarmEmail', () => {
    template.resourceCountIs('AWS::SNS::Topic', 1);
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });

  const onlyOurAlarms = (anyArn: unknown) => ({
    StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
    ArnLike: { 'aws:SourceArn': anyArn },
  });

  test("the topic takes TLS only, and from CloudWatch only this stack's alarms", () => {
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topicId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 'sns:Publish',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: { Ref: topicId },
            Condition: onlyOurAlarms(Match.anyValue()),
          }),
        ]),
      },
    });
  });

  test("CloudWatch may use the key for this stack's alarms, which CloudWatch needs to publish to an encrypted topic", () => {
    const key = template.findResources('AWS::KMS::Key')[keyId] as { Properties: { KeyPolicy: { Statement: Json[] } } };
    const statement = key.Properties.KeyPolicy.Statement.find(
      (s) => (s.Principal as Json).Service === 'cloudwatch.amazonaws.com',
    );
    expect(statement).toMatchObject({
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      Condition: onlyOurAlarms(expect.anything()),
    });
  });

  test("the allowed alarm ARN pattern covers every alarm name, and nothing outside this stack's prefix", () => {
    const policy = Object.values(template.findResources('AWS::SNS::TopicPolicy'))[0] as {
      Properties: { PolicyDocument: { Statement: Json[] } };
    };
    const allow = policy.Properties.PolicyDocument.Statement.find((s) => s.Effect === 'Allow')!;
    const pattern = flatten(((allow.Condition as Json).ArnLike as Json)['aws:SourceArn']);
    expect(pattern).toBe('arn:<AWS::Partition>:cloudwatch:<AWS::Region>:<AWS::AccountId>:alarm:KrafterDomains-prod-*');
    for (const a of alarms) expect(String(a.Properties.AlarmName)).toMatch(/^KrafterDomains-prod-/);
  });

  test('-c alarmEmail subscribes that address; cdk-nag stays clean', () => {
    const { app, template: withEmail } = build({ alarmEmail: 'oncall@example.com' });
    withEmail.resourceCountIs('AWS::SNS::Subscription', 1);
    withEmail.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com' });
    expect(new AwsSolutionsChecks().validateScope(app).violations).toEqual([]);
  });
});

describe('alarms', () => {
  test('one alarm of each kind (throttles: one per ten functions), each notifying the topic on ALARM and on OK', () => {
    expect(alarms).toHaveLength(Object.keys(ALARM).length - 1 + Math.ceil(allFunctionNames.length / 10));
    for (const a of alarms) {
      expect(a.Properties).toMatchObject({
        AlarmActions: [{ Ref: topicId }],
        OKActions: [{ Ref: topicId }],
        TreatMissingData: 'notBreaching',
      });
      expect(a.Properties.AlarmDescription).toMatch(/docs\/deploy\.md/);
    }
  });

  test('dead-letter queue: any message visible', () => {
    expect(alarm(ALARM.deadLetters)).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        { Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(stack, stack.verifyDeadLetterQueue), 'QueueName'] } },
      ],
      Statistic: 'Maximum',
      Period: 300,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
      EvaluationPeriods: 1,
    });
  });

  test('verifier errors: at least one in two of three 5-minute periods', () => {
    expect(alarm(ALARM.verifierErrors)).toMatchObject({
      Namespace: 'AWS/Lambda',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: functionLogicalId(stack, 'verifier') } }],
      Statistic: 'Sum',
      Period: 300,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
    });
  });

  test('API 5xx rate: over 1% of requests in 5 minutes, from 50 requests on', () => {
    const props = alarm(ALARM.api5xxRate);
    const api = logicalId(stack, stack.httpApi);
    expect(props).toMatchObject({ ComparisonOperator: 'GreaterThanThreshold', Threshold: 1, EvaluationPeriods: 1 });
    expect(metricsRead(props).sort()).toEqual([
      `AWS/ApiGateway/5xx ApiId=<${api}> (Sum/300)`,
      `AWS/ApiGateway/Count ApiId=<${api}> (Sum/300)`,
    ]);
    const ids = Object.fromEntries(
      (props.Metrics as MetricStat[]).filter((m) => m.MetricStat).map((m) => [m.MetricStat!.Metric.MetricName, m.Id]),
    );
    expect(expressionOf(props)).toBe(`IF(${ids.Count} >= 50, 100 * FILL(${ids['5xx']}, 0) / ${ids.Count}, 0)`);
  });

  test('Lambda throttles: any throttle of any function, every function read exactly once', () => {
    const throttleAlarms = alarms.filter((a) =>
      String(a.Properties.AlarmName).startsWith(`KrafterDomains-prod-${ALARM.lambdaThrottles}`),
    );
    const read = throttleAlarms.flatMap((a) => metricsRead(a.Properties));
    expect(read.sort()).toEqual(
      allFunctionNames
        .map((name) => `AWS/Lambda/Throttles FunctionName=<${functionLogicalId(stack, name)}> (Sum/300)`)
        .sort(),
    );
    for (const a of throttleAlarms) {
      expect(a.Properties).toMatchObject({
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        Threshold: 1,
        EvaluationPeriods: 1,
      });
      expect(expressionOf(a.Properties)).toMatch(/^SUM\(\[m0(, m\d+)*\]\)$/);
    }
  });

  test('SES throttling sustained: 10 or more SesThrottled in 15 minutes', () => {
    const props = alarm(ALARM.sesThrottling);
    expect(props).toMatchObject({
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 10,
      EvaluationPeriods: 1,
    });
    expect(metricsRead(props)).toEqual([`Krafter/Domains/${METRIC.sesThrottled} service=domains-api (Sum/900)`]);
  });

  test('scheduler failing: function errors or undelivered schedule events in three 5-minute periods in a row', () => {
    const props = alarm(ALARM.schedulerFailing);
    const rule = Object.keys(template.findResources('AWS::Events::Rule'))[0];
    expect(props).toMatchObject({
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      EvaluationPeriods: 3,
    });
    expect(metricsRead(props).sort()).toEqual([
      `AWS/Events/FailedInvocations RuleName=<${rule}> (Sum/300)`,
      `AWS/Lambda/Errors FunctionName=<${functionLogicalId(stack, 'scheduler')}> (Sum/300)`,
    ]);
  });
});

describe('dashboard', () => {
  const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as { Properties: Json }[];
  const body = JSON.parse(flatten(dashboards[0]?.Properties.DashboardBody)) as {
    widgets: { type: string; properties: { title: string; metrics?: unknown[][]; alarms?: string[] } }[];
  };
  /** Every plain metric on the dashboard as `Namespace/MetricName dim=value ...`, dimensions sorted. */
  const shown = new Set(
    body.widgets.flatMap((w) =>
      (w.properties.metrics ?? [])
        .filter((m) => typeof m[0] === 'string')
        .map((m) => {
          const [namespace, name, ...rest] = m.filter((part) => typeof part === 'string') as string[];
          const dims: string[] = [];
          for (let i = 0; i + 1 < rest.length; i += 2) dims.push(`${rest[i]}=${rest[i + 1]}`);
          return [`${namespace}/${name}`, ...dims.sort()].join(' ');
        }),
    ),
  );
  const api = `ApiId=<${logicalId(stack, stack.httpApi)}>`;

  test('one dashboard, named after the stack and its region', () => {
    expect(dashboards).toHaveLength(1);
    expect(flatten(dashboards[0]?.Properties.DashboardName)).toBe('KrafterDomains-prod-<AWS::Region>');
  });

  test("every alarm's state", () => {
    const alarmWidget = body.widgets.find((w) => w.type === 'alarm');
    const alarmIds = Object.keys(template.findResources('AWS::CloudWatch::Alarm'));
    expect(alarmWidget?.properties.alarms?.sort()).toEqual(alarmIds.map((id) => `<${id}.Arn>`).sort());
  });

  test('API requests, 4xx, 5xx and latency', () => {
    for (const metric of ['Count', '4xx', '5xx', 'Latency', 'IntegrationLatency'])
      expect(shown).toContain(`AWS/ApiGateway/${metric} ${api}`);
  });

  test("the application's metrics with the dimensions the functions emit", () => {
    const app = (name: string, dim?: string) =>
      `Krafter/Domains/${name} ${[`service=domains-api`, ...(dim ? [dim] : [])].sort().join(' ')}`;
    expect(shown).toContain(app(METRIC.domainCreated));
    expect(shown).toContain(app(METRIC.domainDeleted));
    expect(shown).toContain(app(METRIC.sesThrottled));
    expect(shown).toContain(app(METRIC.sesRetry));
    expect([...VERIFICATION_OUTCOMES].sort()).toEqual(['failed', 'pending', 'skipped', 'verified']);
    for (const outcome of VERIFICATION_OUTCOMES)
      expect(shown).toContain(app(METRIC.verificationCheck, `outcome=${outcome}`));
    expect([...TRANSITION_TARGETS].sort()).toEqual(['failed', 'pending', 'verified']);
    for (const to of TRANSITION_TARGETS) expect(shown).toContain(app(METRIC.statusTransition, `to=${to}`));
  });

  test('queue depth, dead letters and the age of the oldest message', () => {
    const queue = `QueueName=<${logicalId(stack, stack.verifyQueue)}.QueueName>`;
    const dlq = `QueueName=<${logicalId(stack, stack.verifyDeadLetterQueue)}.QueueName>`;
    expect(shown).toContain(`AWS/SQS/ApproximateNumberOfMessagesVisible ${queue}`);
    expect(shown).toContain(`AWS/SQS/ApproximateNumberOfMessagesVisible ${dlq}`);
    expect(shown).toContain(`AWS/SQS/ApproximateAgeOfOldestMessage ${queue}`);
  });

  test('errors, throttles and duration of every function', () => {
    for (const name of allFunctionNames) {
      for (const metric of ['Errors', 'Throttles', 'Duration']) {
        expect(shown).toContain(`AWS/Lambda/${metric} FunctionName=<${functionLogicalId(stack, name)}>`);
      }
    }
  });
});

test('outputs: the alarm topic ARN and the dashboard name', () => {
  const outputs = template.findOutputs('*') as Record<string, { Value: unknown }>;
  expect(outputs.AlarmTopicArn?.Value).toEqual({ Ref: topicId });
  expect(outputs.DashboardName?.Value).toEqual({ Ref: logicalId(stack, stack.monitoring.dashboard) });
});
