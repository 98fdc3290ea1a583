/**
 * The Domains API stack: one DynamoDB table, the verify queue and its dead-letter queue, an HTTP API
 * with one Lambda per entry of the shared route table, the SQS-fed verifier, the scheduled
 * re-verification, and their alarms and dashboard (monitoring.ts). Every function's IAM policy is
 * derived from its `grants` in src/routes.ts.
 */
import { ArnFormat, CfnOutput, Duration, RemovalPolicy, Stack, Tags, Token, Validations } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct, Node } from 'constructs';
import { RATE_LIMIT_KEY_PREFIX, TABLE_SCHEMA } from '../src/adapters/table-schema.js';
import { API_BASE_PATH, NOT_FOUND_FUNCTION, backgroundFunctions, routes } from '../src/routes.js';
import type { BackgroundFunction, Grants, Route } from '../src/routes.js';
import { ApiFunction } from './api-function.js';
import type { ApiFunctionProps } from './api-function.js';
import { Monitoring } from './monitoring.js';

export const EVENT_SOURCE = 'krafter.domains';
export const SERVICE_NAME = 'domains-api';
export const METRICS_NAMESPACE = 'Krafter/Domains';
/** Status-change events go to the account's default bus, where other services' rules can pick them up. */
export const EVENT_BUS_NAME = 'default';

/** SES allows about 1 identity call per second per account and region, shared by everything in it. */
export const SES_ACCOUNT_RATE = 1;
/** The verifier's share by default; the rest is headroom for the API's create and delete calls. */
export const DEFAULT_SES_BACKGROUND_RATE = 0.8;
/** Keeps the verifier's timeout (see verifierTimeout) well inside Lambda's 15 minutes. */
export const MIN_SES_BACKGROUND_RATE = 0.05;

export const VERIFIER_BATCH_SIZE = 10;
/** Few concurrent verifiers, since SES is the bottleneck anyway; 2 is the lowest value Lambda accepts. */
export const VERIFIER_MAX_CONCURRENCY = 2;
/** DNS lookups, the SES call with the SDK's retries and the table writes of one check. */
const CHECK_ALLOWANCE_SECONDS = 20;
const MIN_VERIFIER_TIMEOUT_SECONDS = 60;

/**
 * The verifier's timeout for a given SES pace. A batch's checks run in parallel, each first waiting
 * for its slot of the shared SES budget, and the other concurrent verifier queues for slots too:
 * the last check of a full batch starts after about batch size x concurrency / rate seconds.
 */
export function verifierTimeout(sesBackgroundRate: number): Duration {
  const pacing = Math.ceil((VERIFIER_BATCH_SIZE * VERIFIER_MAX_CONCURRENCY) / sesBackgroundRate);
  return Duration.seconds(Math.max(MIN_VERIFIER_TIMEOUT_SECONDS, pacing + CHECK_ALLOWANCE_SECONDS));
}

/** AWS's rule for SQS-fed functions: a message must stay hidden through several retried invokes. */
export const VISIBILITY_TIMEOUT_FACTOR = 6;
export const MAX_RECEIVE_COUNT = 5;
export const SCHEDULE_RATE = Duration.minutes(5);

/**
 * SES actions the Service Authorization Reference lists without a resource type: IAM evaluates them
 * against "*" only, so an identity ARN in the statement would deny them.
 */
export const SES_ACTIONS_WITHOUT_RESOURCE_TYPES: ReadonlySet<string> = new Set(['ses:VerifyDomainIdentity']);

/** Per-function sizing that differs from ApiFunction's defaults (the verifier's follows its SES pace). */
const SIZING: Readonly<Record<string, Pick<ApiFunctionProps, 'memorySize' | 'timeout'>>> = {
  // Several SES control-plane calls, throttled at about 1 request/second per account, yet still
  // inside API Gateway's 30-second integration limit.
  'create-domain': { timeout: Duration.seconds(25) },
  'delete-domain': { timeout: Duration.seconds(15) },
  scheduler: { timeout: Duration.seconds(60) },
};

export interface DomainsStackConfig {
  /** Deployment stage; part of the stack name. */
  readonly stage: string;
  /** Default region of the SES identities. @default the stack's region, or us-east-1 when env-agnostic */
  readonly sesRegion?: string;
  /** Further SES regions a domain may be created in (`region` on create). @default none */
  readonly extraSesRegions?: readonly string[];
  /** Origins allowed by CORS; CORS stays off when empty. */
  readonly corsOrigins?: readonly string[];
  /** Powertools log level of every function. @default INFO */
  readonly logLevel?: string;
  /**
   * SES identity calls per second the verifier may make, across all its containers. SES allows
   * about 1 per account and region, shared with the API's create and delete calls and with any
   * other stage in the same account and region. @default 0.8
   */
  readonly sesBackgroundRate?: number;
  /** Subscribed to the alarm topic when given. */
  readonly alarmEmail?: string;
}

export interface DomainsStackProps extends StackProps, DomainsStackConfig {}

const STAGE_PATTERN = /^[a-z][a-z0-9-]{0,19}$/;
const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT', 'CRITICAL'];
/** Deliberately loose: SNS and the confirmation email are the real check. */
const EMAIL_PATTERN = /^[^@\s,]+@[^@\s,]+\.[^@\s,]+$/;

/**
 * Reads the stack parameters from CDK context (`-c stage=prod -c sesRegion=eu-central-1`, or
 * cdk.json). Values given with `-c` arrive as strings, so `corsOrigins` is accepted either as a list
 * or as a comma-separated string, and `sesBackgroundRate` either as a number or as its text.
 */
export function stackConfigFromContext(node: Node): DomainsStackConfig {
  const text = (key: string): string | undefined => {
    const value: unknown = node.tryGetContext(key);
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string') throw new Error(`Context "${key}" must be a string, got ${JSON.stringify(value)}`);
    return value.trim();
  };

  const stage = text('stage') ?? 'dev';
  if (!STAGE_PATTERN.test(stage)) {
    throw new Error(`Context "stage" must match ${STAGE_PATTERN} (it becomes part of the stack name), got "${stage}"`);
  }
  const sesRegion = text('sesRegion');
  if (sesRegion !== undefined && !REGION_PATTERN.test(sesRegion)) {
    throw new Error(`Context "sesRegion" must be an AWS region such as eu-central-1, got "${sesRegion}"`);
  }
  const rawRegions: unknown = node.tryGetContext('sesRegions');
  let extraSesRegions: string[] = [];
  if (typeof rawRegions === 'string') extraSesRegions = rawRegions.split(',');
  else if (Array.isArray(rawRegions) && rawRegions.every((r) => typeof r === 'string')) extraSesRegions = rawRegions;
  else if (rawRegions !== undefined && rawRegions !== null) throw new Error('Context "sesRegions" must be a list of regions or a comma-separated string');
  extraSesRegions = extraSesRegions.map((r) => r.trim()).filter((r) => r !== '');
  for (const region of extraSesRegions) {
    if (!REGION_PATTERN.test(region)) throw new Error(`Context "sesRegions": "${region}" is not an AWS region such as us-east-1`);
  }
  const logLevel = text('logLevel')?.toUpperCase();
  if (logLevel !== undefined && !LOG_LEVELS.includes(logLevel)) {
    throw new Error(`Context "logLevel" must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }

  const rawOrigins: unknown = node.tryGetContext('corsOrigins');
  let corsOrigins: string[] = [];
  if (typeof rawOrigins === 'string') corsOrigins = rawOrigins.split(',');
  else if (Array.isArray(rawOrigins) && rawOrigins.every((o) => typeof o === 'string')) corsOrigins = rawOrigins;
  else if (rawOrigins !== undefined && rawOrigins !== null) {
    throw new Error('Context "corsOrigins" must be a list of origins or a comma-separated string');
  }
  corsOrigins = corsOrigins.map((o) => o.trim()).filter((o) => o !== '');
  for (const origin of corsOrigins) {
    if (origin !== '*' && !/^https?:\/\/[^/\s]+$/.test(origin)) {
      throw new Error(`Context "corsOrigins": "${origin}" is not an origin (scheme://host[:port], no path)`);
    }
  }

  const rawRate: unknown = node.tryGetContext('sesBackgroundRate');
  let sesBackgroundRate: number | undefined;
  if (typeof rawRate === 'number') sesBackgroundRate = rawRate;
  else if (typeof rawRate === 'string' && rawRate.trim() !== '') sesBackgroundRate = Number(rawRate.trim());
  else if (rawRate !== undefined && rawRate !== null && rawRate !== '') sesBackgroundRate = Number.NaN;
  if (
    sesBackgroundRate !== undefined &&
    !(Number.isFinite(sesBackgroundRate) && sesBackgroundRate >= MIN_SES_BACKGROUND_RATE && sesBackgroundRate <= SES_ACCOUNT_RATE)
  ) {
    throw new Error(
      `Context "sesBackgroundRate" must be a number of SES calls per second from ${MIN_SES_BACKGROUND_RATE} to ` +
        `${SES_ACCOUNT_RATE} (SES allows about ${SES_ACCOUNT_RATE} per account and region), got ${JSON.stringify(rawRate)}`,
    );
  }

  const alarmEmail = text('alarmEmail');
  if (alarmEmail !== undefined && !EMAIL_PATTERN.test(alarmEmail)) {
    throw new Error(`Context "alarmEmail" must be one email address, got "${alarmEmail}"`);
  }

  return { stage, sesRegion, extraSesRegions, corsOrigins, logLevel, sesBackgroundRate, alarmEmail };
}

export function stackName(stage: string): string {
  return `KrafterDomains-${stage}`;
}

export class DomainsStack extends Stack {
  readonly table: dynamodb.Table;
  readonly verifyQueue: sqs.Queue;
  readonly verifyDeadLetterQueue: sqs.Queue;
  readonly httpApi: apigwv2.HttpApi;
  readonly apiStage: apigwv2.HttpStage;
  /** Every function by its name in src/routes.ts (plus the not-found function). */
  readonly functions: ReadonlyMap<string, ApiFunction>;
  /** The region SES calls go to and identity ARNs are scoped to. */
  readonly sesRegion: string;
  /** Every region domains may be created in, the default first. */
  readonly sesRegions: readonly string[];
  /** The alarm topic, the alarms and the dashboard. */
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: DomainsStackProps) {
    super(scope, id, props);

    this.sesRegion = props.sesRegion ?? (Token.isUnresolved(this.region) ? 'us-east-1' : this.region);
    this.sesRegions = [...new Set([this.sesRegion, ...(props.extraSesRegions ?? [])])];
    const sesBackgroundRate = props.sesBackgroundRate ?? DEFAULT_SES_BACKGROUND_RATE;
    const verifierTimeoutAtRate = verifierTimeout(sesBackgroundRate);
    Tags.of(this).add('project', 'krafter-domains');
    Tags.of(this).add('stage', props.stage);

    this.table = this.createTable();

    this.verifyDeadLetterQueue = new sqs.Queue(this, 'VerifyDeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.verifyQueue = new sqs.Queue(this, 'VerifyQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(verifierTimeoutAtRate.toSeconds() * VISIBILITY_TIMEOUT_FACTOR),
      deadLetterQueue: { queue: this.verifyDeadLetterQueue, maxReceiveCount: MAX_RECEIVE_COUNT },
    });

    const baseEnvironment: Record<string, string> = {
      TABLE_NAME: this.table.tableName,
      SES_REGION: this.sesRegion,
      ...(this.sesRegions.length > 1 ? { SES_REGIONS: this.sesRegions.join(',') } : {}),
      EVENT_SOURCE,
      POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      LOG_LEVEL: props.logLevel ?? 'INFO',
    };
    // Settings only one function reads.
    const ownEnvironment: Readonly<Record<string, Record<string, string>>> = {
      verifier: { SES_BACKGROUND_RATE: String(sesBackgroundRate), EVENT_BUS_NAME },
    };
    const sizing: typeof SIZING = { ...SIZING, verifier: { timeout: verifierTimeoutAtRate } };
    const functions = new Map<string, ApiFunction>();
    const addFunction = (name: string, grants: Grants | null): ApiFunction => {
      const fn = new ApiFunction(this, pascalCase(name), {
        name,
        description: `Krafter Domains API (${props.stage}): ${name}`,
        environment: {
          ...baseEnvironment,
          ...(grants?.sendToVerifyQueue ? { VERIFY_QUEUE_URL: this.verifyQueue.queueUrl } : {}),
          ...ownEnvironment[name],
        },
        ...sizing[name],
      });
      if (grants) this.grant(fn, grants);
      functions.set(name, fn);
      return fn;
    };

    // Unknown paths reach this function, so they too are answered in the API's error envelope.
    // It holds no grants: it touches no data.
    const notFound = addFunction(NOT_FOUND_FUNCTION, null);
    const routeFunctions = routes.map((route: Route) => ({ route, fn: addFunction(route.name, route.grants) }));
    const background = new Map(
      backgroundFunctions.map((b: BackgroundFunction) => [b.name, addFunction(b.name, b.grants)] as const),
    );
    this.functions = functions;

    ({ api: this.httpApi, stage: this.apiStage } = this.createHttpApi(props, notFound, routeFunctions));

    const verifier = background.get('verifier');
    const scheduler = background.get('scheduler');
    if (!verifier || !scheduler) throw new Error('src/routes.ts must declare the verifier and scheduler functions');

    verifier.fn.addEventSource(
      new SqsEventSource(this.verifyQueue, {
        batchSize: VERIFIER_BATCH_SIZE,
        reportBatchItemFailures: true,
        maxConcurrency: VERIFIER_MAX_CONCURRENCY,
      }),
    );
    events.EventBus.fromEventBusName(this, 'DefaultEventBus', EVENT_BUS_NAME).grantPutEventsTo(verifier.fn);

    const schedule = new events.Rule(this, 'ReverifySchedule', {
      description: `Re-verifies domains whose next check is due (${props.stage})`,
      schedule: events.Schedule.rate(SCHEDULE_RATE),
      targets: [
        new targets.LambdaFunction(scheduler.fn, {
          // A tick that could not run within a few minutes is superseded by the next one.
          maxEventAge: Duration.minutes(4),
          retryAttempts: 2,
        }),
      ],
    });

    new CfnOutput(this, 'ApiUrl', {
      description: 'Base URL of the Domains API',
      value: `${this.apiStage.url}${API_BASE_PATH.replace(/^\//, '')}`,
    });
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'VerifyQueueUrl', { value: this.verifyQueue.queueUrl });
    new CfnOutput(this, 'VerifyDeadLetterQueueUrl', { value: this.verifyDeadLetterQueue.queueUrl });
    new CfnOutput(this, 'SesRegion', { value: this.sesRegion });

    this.monitoring = new Monitoring(this, 'Monitoring', {
      namePrefix: this.stackName,
      stage: props.stage,
      httpApi: this.httpApi,
      functions,
      verifier,
      scheduler,
      schedule,
      verifyQueue: this.verifyQueue,
      deadLetterQueue: this.verifyDeadLetterQueue,
      metricsNamespace: METRICS_NAMESPACE,
      serviceName: SERVICE_NAME,
      alarmEmail: props.alarmEmail,
    });
    new CfnOutput(this, 'AlarmTopicArn', {
      description: 'SNS topic every alarm notifies; subscribe to it (or deploy with -c alarmEmail=...)',
      value: this.monitoring.topic.topicArn,
    });
    new CfnOutput(this, 'DashboardName', {
      description: 'CloudWatch dashboard of this stack',
      value: this.monitoring.dashboard.dashboardName,
    });
  }

  private createTable(): dynamodb.Table {
    const table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: TABLE_SCHEMA.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE_SCHEMA.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: TABLE_SCHEMA.timeToLiveAttribute,
      // It holds every team's domains and API key hashes: neither a stack deletion nor a replacement
      // may take it down.
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const index of TABLE_SCHEMA.indexes) {
      table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING },
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }
    return table;
  }

  private createHttpApi(
    props: DomainsStackProps,
    notFound: ApiFunction,
    routeFunctions: readonly { route: Route; fn: ApiFunction }[],
  ): { api: apigwv2.HttpApi; stage: apigwv2.HttpStage } {
    const corsOrigins = props.corsOrigins ?? [];
    const api = new apigwv2.HttpApi(this, 'HttpApi', {
      apiName: `krafter-domains-${props.stage}`,
      description: `Krafter Domains API (${props.stage})`,
      // The default stage is created below, because only a stage created on its own takes access log settings.
      createDefaultStage: false,
      defaultIntegration: new HttpLambdaIntegration('NotFoundIntegration', notFound.fn),
      corsPreflight:
        corsOrigins.length > 0
          ? {
              allowOrigins: [...corsOrigins],
              allowMethods: [...new Set(routes.map((r) => r.method))].map((m) => apigwv2.CorsHttpMethod[m]),
              allowHeaders: ['authorization', 'content-type'],
              exposeHeaders: ['retry-after'],
              maxAge: Duration.hours(1),
            }
          : undefined,
    });

    for (const { route, fn } of routeFunctions) {
      api.addRoutes({
        path: `${API_BASE_PATH}${route.path}`,
        methods: [apigwv2.HttpMethod[route.method]],
        integration: new HttpLambdaIntegration(`${pascalCase(route.name)}Integration`, fn.fn),
      });
    }

    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', { retention: logs.RetentionDays.THREE_MONTHS });
    const stage = new apigwv2.HttpStage(this, 'ApiStage', {
      httpApi: api,
      stageName: '$default',
      autoDeploy: true,
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        // One JSON object per request, queryable with Logs Insights. No headers: they carry API keys.
        format: apigw.AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTime',
            sourceIp: '$context.identity.sourceIp',
            userAgent: '$context.identity.userAgent',
            method: '$context.httpMethod',
            path: '$context.path',
            routeKey: '$context.routeKey',
            status: '$context.status',
            responseLength: '$context.responseLength',
            responseLatency: '$context.responseLatency',
            integrationLatency: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });

    Validations.of(api).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason:
        'Authorization happens in every route function: the bearer API key is hashed and looked up in the ' +
        'table, and its scope checked, answering 401/403 in the API error envelope. API Gateway has no ' +
        'built-in authorizer for such keys, and a Lambda authorizer would duplicate the lookup. The ' +
        '$default route only answers 404.',
    });

    return { api, stage };
  }

  /** Turns a function's `grants` into IAM statements, and nothing more. */
  private grant(fn: ApiFunction, grants: Grants): void {
    if (grants.countsRequests && !grants.table.includes('dynamodb:UpdateItem')) {
      // The rate-limit counter is the only item such a function writes.
      fn.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['dynamodb:UpdateItem'],
          resources: [this.table.tableArn],
          conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [`${RATE_LIMIT_KEY_PREFIX}*`] } },
        }),
      );
    }
    if (grants.table.length > 0) {
      fn.role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: [...grants.table], resources: [this.table.tableArn] }),
      );
      // Query is the only granted action that reads an index.
      if (grants.table.includes('dynamodb:Query')) {
        const indexArns = `${this.table.tableArn}/index/*`;
        fn.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: [indexArns] }));
        Validations.of(fn.role).acknowledge({
          id: `AwsSolutions-IAM5[Resource::${this.nagSpelling(indexArns)}]`,
          reason: `dynamodb:Query only, on the indexes of this table (${TABLE_SCHEMA.indexes.map((i) => i.indexName).join(', ')}).`,
        });
      }
    }

    const scopedSes = grants.ses.filter((a) => !SES_ACTIONS_WITHOUT_RESOURCE_TYPES.has(a));
    const unscopedSes = grants.ses.filter((a) => SES_ACTIONS_WITHOUT_RESOURCE_TYPES.has(a));
    for (const region of scopedSes.length > 0 ? this.sesRegions : []) {
      const identities = this.formatArn({
        service: 'ses',
        region,
        resource: 'identity',
        resourceName: '*',
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      });
      fn.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: scopedSes, resources: [identities] }));
      Validations.of(fn.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${this.nagSpelling(identities)}]`,
        reason:
          "Identities are customers' domains, registered at run time, so no identity name is known at deploy " +
          'time; the ARN is still limited to identities of this account in the SES region.',
      });
    }
    if (unscopedSes.length > 0) {
      fn.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: unscopedSes, resources: ['*'] }));
      // Acknowledged on the policy itself: the role's own acknowledgement only explains X-Ray.
      const policy = fn.role.node.tryFindChild('DefaultPolicy');
      if (!policy) throw new Error(`${fn.name}: the role has no default policy to acknowledge`);
      Validations.of(policy).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          `${unscopedSes.join(', ')} has no resource type in the Service Authorization Reference (SES v1), so ` +
          'IAM only honours it with "*"; it is needed for the _amazonses TXT verification token. The X-Ray ' +
          'actions of active tracing likewise support no resource scoping.',
      });
    }

    if (grants.sendToVerifyQueue) {
      fn.role.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.verifyQueue.queueArn] }),
      );
    }
  }

  /**
   * How cdk-nag spells a resource in a finding id: references become `<LogicalId>` or
   * `<LogicalId.Attribute>` and joins are flattened, so an acknowledgement can name the exact finding.
   */
  private nagSpelling(value: string): string {
    const visit = (node: unknown): string => {
      if (typeof node === 'string') return node;
      if (node && typeof node === 'object') {
        const o = node as Record<string, unknown>;
        if (Array.isArray(o['Fn::Join'])) {
          const [delimiter, parts] = o['Fn::Join'] as [string, unknown[]];
          return parts.map(visit).join(delimiter);
        }
        if (Array.isArray(o['Fn::GetAtt'])) {
          const [resource, attribute] = o['Fn::GetAtt'] as [string, string];
          return `<${resource}.${attribute}>`;
        }
        if (typeof o.Ref === 'string') return `<${o.Ref}>`;
      }
      throw new Error(`Cannot spell ${JSON.stringify(node)} for a cdk-nag acknowledgement`);
    };
    return visit(this.resolve(value));
  }
}

function pascalCase(name: string): string {
  return name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
