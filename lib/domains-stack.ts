/**
 * The Domains API stack: one DynamoDB table, the verify queue and its dead-letter queue, an HTTP API
 * with one Lambda per entry of the shared route table, the SQS-fed verifier, the scheduled
 * re-verification, and their alarms and dashboard (monitoring.ts). Every function's IAM policy is
 * derived from its `grants` in src/routes.ts; stage throttling and reserved concurrency bound what a
 * flood of requests can reach and cost (docs/deploy.md explains each number).
 */

import type { StackProps } from 'aws-cdk-lib';
import { ArnFormat, CfnOutput, Duration, RemovalPolicy, Stack, Tags, Token, Validations } from 'aws-cdk-lib';
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
import { TABLE_SCHEMA } from '../src/adapters/table-schema.js';
import { OWNER_TAG_KEYS } from '../src/domain/identity-owner.js';
import type { BackgroundFunction, Grants, Route, SesAction, TableAction } from '../src/routes.js';
import { API_BASE_PATH, backgroundFunctions, NOT_FOUND_FUNCTION, routes } from '../src/routes.js';
import type { ApiFunctionProps } from './api-function.js';
import { ApiFunction } from './api-function.js';
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
 * How IAM can limit each SES action this service calls, from the Service Authorization Reference
 * (SES v2 and v1 share the `ses:` prefix):
 * - `createTagged`: CreateEmailIdentity takes `aws:RequestTag/<key>` and `aws:TagKeys`: an identity
 *   may only be created tagged with this stage and a domain id.
 * - `tagOnCreate`: TagResource, which SES authorizes for the tags a create carries, under the same
 *   conditions and, besides, only on an identity with no stage tag or this stage's (a new one has
 *   none yet): the role cannot re-tag another stage's identity as its own. An untagged identity made
 *   outside the API is not protected by IAM here; the code never calls TagResource on its own.
 * - `stageOwned`: the calls that change or delete an identity take `aws:ResourceTag/<key>`: only
 *   identities tagged with this stage.
 * - `anyIdentity`: GetEmailIdentity stays unconditioned, since the create must read the tags of an
 *   identity that is not ours to refuse it.
 * - `noResourceType`: listed without a resource type (v1 VerifyDomainIdentity), so IAM honours it
 *   with "*" only, and it takes no tag condition.
 */
export const SES_ACTION_SCOPES: Readonly<
  Record<SesAction, 'createTagged' | 'tagOnCreate' | 'stageOwned' | 'anyIdentity' | 'noResourceType'>
> = {
  'ses:CreateEmailIdentity': 'createTagged',
  'ses:TagResource': 'tagOnCreate',
  'ses:PutEmailIdentityMailFromAttributes': 'stageOwned',
  'ses:PutEmailIdentityDkimSigningAttributes': 'stageOwned',
  'ses:DeleteEmailIdentity': 'stageOwned',
  'ses:GetEmailIdentity': 'anyIdentity',
  'ses:VerifyDomainIdentity': 'noResourceType',
};

/**
 * Stage throttling of the HTTP API, per route, in requests per second (rate) and the size of the
 * token bucket (burst). Every route not listed gets the default; a route whose function spends SES
 * identity calls gets the SES route setting, since SES allows about 1 such call per second per
 * account and region (see docs/deploy.md for how the numbers were chosen).
 */
export const DEFAULT_THROTTLE = { rate: 50, burst: 100 } as const;
export const DEFAULT_SES_ROUTE_THROTTLE = { rate: 1, burst: 5 } as const;
/** API Gateway's own account-level limits per region: a stage cannot be allowed more. */
const MAX_THROTTLE_RATE = 10_000;
const MAX_THROTTLE_BURST = 5_000;

/**
 * Reserved concurrency. For an API function it is a ceiling, so a flood has a known cost and cannot
 * take the account's concurrency from other functions; for the verifier and the scheduler it is a
 * guarantee, so no flood can take what they need. 0 in context means no reservation at all.
 */
export const DEFAULT_API_CONCURRENCY = 10;
/** Equal to the queue trigger's maximum concurrency: the verifier is never invoked otherwise. */
export const DEFAULT_VERIFIER_CONCURRENCY = VERIFIER_MAX_CONCURRENCY;
/** One run every 5 minutes; a rare overlap waits in Lambda's asynchronous queue. */
export const DEFAULT_SCHEDULER_CONCURRENCY = 1;

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
  /** Domains one team may hold at once (MAX_DOMAINS_PER_TEAM); 0 = no limit. @default 100 */
  readonly maxDomainsPerTeam?: number;
  /** Names refused besides AWS's own, with every name below them (RESERVED_DOMAINS). @default none */
  readonly reservedDomains?: readonly string[];
  /** Hours after the 72-hour window before a never-verified domain is released. @default 168 */
  readonly unverifiedReleaseGraceHours?: number;
  /** Default stage throttling of every route. @default DEFAULT_THROTTLE */
  readonly throttle?: ThrottleConfig;
  /** Throttling of the routes whose function calls SES to change identities. @default DEFAULT_SES_ROUTE_THROTTLE */
  readonly sesRouteThrottle?: ThrottleConfig;
  /** Reserved concurrency (a ceiling) of each API function; 0: none. @default 10 */
  readonly apiConcurrency?: number;
  /** Reserved concurrency of the verifier; 0: none, else at least the queue trigger's 2. @default 2 */
  readonly verifierConcurrency?: number;
  /** Reserved concurrency of the scheduler; 0: none. @default 1 */
  readonly schedulerConcurrency?: number;
}

export interface ThrottleConfig {
  /** Steady-state requests per second. */
  readonly rate: number;
  /** Requests that may arrive at once, above the rate, before API Gateway answers 429. */
  readonly burst: number;
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
 * or as a comma-separated string, and every number either as a number or as its text.
 */
export function stackConfigFromContext(node: Node): DomainsStackConfig {
  /** A number from context: undefined when absent, NaN when it is not one (the caller says what is expected). */
  const numeric = (key: string): number | undefined => {
    const value: unknown = node.tryGetContext(key);
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value === 'number') return value;
    if (typeof value === 'string' && value.trim() !== '') return Number(value.trim());
    return Number.NaN;
  };
  const checked = (key: string, ok: (n: number) => boolean, expected: string): number | undefined => {
    const n = numeric(key);
    if (n !== undefined && !(Number.isFinite(n) && ok(n))) {
      throw new Error(`Context "${key}" must be ${expected}, got ${JSON.stringify(node.tryGetContext(key))}`);
    }
    return n;
  };
  const throttleFrom = (rateKey: string, burstKey: string, defaults: ThrottleConfig): ThrottleConfig => ({
    rate:
      checked(rateKey, (n) => n >= 1 && n <= MAX_THROTTLE_RATE, `requests per second from 1 to ${MAX_THROTTLE_RATE}`) ??
      defaults.rate,
    burst:
      checked(
        burstKey,
        (n) => Number.isInteger(n) && n >= 1 && n <= MAX_THROTTLE_BURST,
        `a whole number of requests from 1 to ${MAX_THROTTLE_BURST}`,
      ) ?? defaults.burst,
  });
  const concurrency = (key: string, min: number): number | undefined =>
    checked(
      key,
      (n) => Number.isInteger(n) && (n === 0 || n >= min),
      `a whole number: 0 for no reservation, otherwise at least ${min}`,
    );

  /** A list from context, given as a list or as a comma-separated string; blanks dropped. */
  const list = (key: string, what: string): string[] => {
    const value: unknown = node.tryGetContext(key);
    let items: string[] = [];
    if (typeof value === 'string') items = value.split(',');
    else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) items = value;
    else if (value !== undefined && value !== null)
      throw new Error(`Context "${key}" must be a list of ${what} or a comma-separated string`);
    return items.map((v) => v.trim()).filter((v) => v !== '');
  };

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
  const extraSesRegions = list('sesRegions', 'regions');
  for (const region of extraSesRegions) {
    if (!REGION_PATTERN.test(region))
      throw new Error(`Context "sesRegions": "${region}" is not an AWS region such as us-east-1`);
  }
  const logLevel = text('logLevel')?.toUpperCase();
  if (logLevel !== undefined && !LOG_LEVELS.includes(logLevel)) {
    throw new Error(`Context "logLevel" must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }

  const corsOrigins = list('corsOrigins', 'origins');
  for (const origin of corsOrigins) {
    if (origin !== '*' && !/^https?:\/\/[^/\s]+$/.test(origin)) {
      throw new Error(`Context "corsOrigins": "${origin}" is not an origin (scheme://host[:port], no path)`);
    }
  }

  const sesBackgroundRate = checked(
    'sesBackgroundRate',
    (n) => n >= MIN_SES_BACKGROUND_RATE && n <= SES_ACCOUNT_RATE,
    `a number of SES calls per second from ${MIN_SES_BACKGROUND_RATE} to ${SES_ACCOUNT_RATE} (SES allows about ${SES_ACCOUNT_RATE} per account and region)`,
  );

  const alarmEmail = text('alarmEmail');
  if (alarmEmail !== undefined && !EMAIL_PATTERN.test(alarmEmail)) {
    throw new Error(`Context "alarmEmail" must be one email address, got "${alarmEmail}"`);
  }

  const throttle = throttleFrom('throttleRate', 'throttleBurst', DEFAULT_THROTTLE);
  const sesRouteThrottle = throttleFrom('sesThrottleRate', 'sesThrottleBurst', DEFAULT_SES_ROUTE_THROTTLE);
  const apiConcurrency = concurrency('apiConcurrency', 1);
  // The queue trigger runs up to VERIFIER_MAX_CONCURRENCY at once; a smaller reservation would throttle it.
  const verifierConcurrency = concurrency('verifierConcurrency', VERIFIER_MAX_CONCURRENCY);
  const schedulerConcurrency = concurrency('schedulerConcurrency', 1);
  const maxDomainsPerTeam = checked(
    'maxDomainsPerTeam',
    (n) => Number.isInteger(n) && n >= 0,
    'a whole number of domains (0: no limit)',
  );
  const unverifiedReleaseGraceHours = checked(
    'unverifiedReleaseGraceHours',
    (n) => n >= 0 && n <= 24 * 365,
    'a number of hours from 0 to 8760',
  );
  const reservedDomains = list('reservedDomains', 'domains').map((r) => r.toLowerCase());
  for (const name of reservedDomains) {
    if (!/^[a-z0-9-]+(\.[a-z0-9-]+)*$/.test(name))
      throw new Error(`Context "reservedDomains": "${name}" is not a domain name in ASCII`);
  }

  return {
    maxDomainsPerTeam,
    reservedDomains,
    unverifiedReleaseGraceHours,
    stage,
    sesRegion,
    extraSesRegions,
    corsOrigins,
    logLevel,
    sesBackgroundRate,
    alarmEmail,
    throttle,
    sesRouteThrottle,
    apiConcurrency,
    verifierConcurrency,
    schedulerConcurrency,
  };
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
      // SES identities are tagged with it, and only this stage's may be changed (see grant()).
      STAGE: props.stage,
      POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      LOG_LEVEL: props.logLevel ?? 'INFO',
    };
    // Both the create (the first due time) and the verifier (the release) read the grace.
    const releaseGrace: Record<string, string> =
      props.unverifiedReleaseGraceHours === undefined
        ? {}
        : { UNVERIFIED_RELEASE_GRACE_HOURS: String(props.unverifiedReleaseGraceHours) };
    // Settings only one function reads.
    const ownEnvironment: Readonly<Record<string, Record<string, string>>> = {
      verifier: { SES_BACKGROUND_RATE: String(sesBackgroundRate), EVENT_BUS_NAME, ...releaseGrace },
      'create-domain': {
        ...(props.maxDomainsPerTeam !== undefined && { MAX_DOMAINS_PER_TEAM: String(props.maxDomainsPerTeam) }),
        ...((props.reservedDomains?.length ?? 0) > 0 && { RESERVED_DOMAINS: props.reservedDomains!.join(',') }),
        ...releaseGrace,
      },
    };
    const sizing: typeof SIZING = { ...SIZING, verifier: { timeout: verifierTimeoutAtRate } };
    // 0 in context: no reservation (Lambda reads a reservation of 0 as "never run").
    const reservation = (configured: number | undefined, fallback: number) => {
      const n = configured ?? fallback;
      return n > 0 ? n : undefined;
    };
    const apiConcurrency = reservation(props.apiConcurrency, DEFAULT_API_CONCURRENCY);
    const reservedConcurrency: Readonly<Record<string, number | undefined>> = {
      verifier: reservation(props.verifierConcurrency, DEFAULT_VERIFIER_CONCURRENCY),
      scheduler: reservation(props.schedulerConcurrency, DEFAULT_SCHEDULER_CONCURRENCY),
    };
    const verifierReserved = reservedConcurrency.verifier;
    if (verifierReserved !== undefined && verifierReserved < VERIFIER_MAX_CONCURRENCY) {
      throw new Error(
        `The verifier's reserved concurrency (${verifierReserved}) is below its queue trigger's ${VERIFIER_MAX_CONCURRENCY}`,
      );
    }
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
        // Every function behind the API gets the same ceiling; background functions have their own.
        reservedConcurrency: name in reservedConcurrency ? reservedConcurrency[name] : apiConcurrency,
      });
      if (grants) this.grant(fn, grants, props.stage);
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

    const httpRoutes: apigwv2.HttpRoute[] = [];
    for (const { route, fn } of routeFunctions) {
      httpRoutes.push(
        ...api.addRoutes({
          path: `${API_BASE_PATH}${route.path}`,
          methods: [apigwv2.HttpMethod[route.method]],
          integration: new HttpLambdaIntegration(`${pascalCase(route.name)}Integration`, fn.fn),
        }),
      );
    }

    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', { retention: logs.RetentionDays.THREE_MONTHS });
    const throttle = props.throttle ?? DEFAULT_THROTTLE;
    const stage = new apigwv2.HttpStage(this, 'ApiStage', {
      httpApi: api,
      stageName: '$default',
      autoDeploy: true,
      // Every route, $default included: what reaches the functions (and so what a flood costs) is bounded.
      throttle: { rateLimit: throttle.rate, burstLimit: throttle.burst },
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

    // Routes whose function calls SES to create, change or delete identities get their own, lower
    // limit: SES allows about one identity call per second per account and region, whoever calls.
    const sesRoute = props.sesRouteThrottle ?? DEFAULT_SES_ROUTE_THROTTLE;
    const routeSettings: Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }> = {};
    for (const { route } of routeFunctions) {
      if (!spendsSes(route.grants)) continue;
      routeSettings[routeKey(route)] = { ThrottlingRateLimit: sesRoute.rate, ThrottlingBurstLimit: sesRoute.burst };
    }
    const cfnStage = stage.node.defaultChild as apigwv2.CfnStage;
    cfnStage.routeSettings = routeSettings;
    // API Gateway refuses settings for a route key that does not exist yet.
    for (const httpRoute of httpRoutes) stage.node.addDependency(httpRoute);

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
  private grant(fn: ApiFunction, grants: Grants, stage: string): void {
    // One statement per table action, limited to the partition keys of the item families it is
    // granted on. `ForAllValues` holds vacuously for a request without keys (a Scan), which is why
    // only key-addressed actions (item actions and Query) may ever be granted here.
    const keysByAction = new Map<TableAction, Set<string>>();
    for (const { keys, actions } of grants.table) {
      for (const action of actions) keysByAction.set(action, (keysByAction.get(action) ?? new Set()).add(keys));
    }
    for (const [action, keys] of keysByAction) {
      fn.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: [action],
          resources: [this.table.tableArn],
          conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...keys].sort() } },
        }),
      );
    }
    if (grants.queryIndexes) {
      // Read-only, and left without a key condition: the index's partition keys (DUE#<shard>) are not
      // item families, and what LeadingKeys means on an index query is not what these grants describe.
      const indexArns = `${this.table.tableArn}/index/*`;
      fn.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: [indexArns] }));
      Validations.of(fn.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${this.nagSpelling(indexArns)}]`,
        reason: `dynamodb:Query only, on the indexes of this table (${TABLE_SCHEMA.indexes.map((i) => i.indexName).join(', ')}).`,
      });
    }

    const ses = (scope: (typeof SES_ACTION_SCOPES)[SesAction]) =>
      grants.ses.filter((a) => SES_ACTION_SCOPES[a] === scope);
    const identities = this.sesRegions.map((region) =>
      this.formatArn({
        service: 'ses',
        region,
        resource: 'identity',
        resourceName: '*',
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      }),
    );
    const createConditions = {
      StringEquals: { [`aws:RequestTag/${OWNER_TAG_KEYS.stage}`]: stage },
      // Both owner tags and no others; the domain id's value is only known at run time.
      'ForAllValues:StringEquals': { 'aws:TagKeys': [OWNER_TAG_KEYS.stage, OWNER_TAG_KEYS.domainId] },
      Null: { [`aws:RequestTag/${OWNER_TAG_KEYS.domainId}`]: 'false' },
    };
    const identityStatements: { actions: SesAction[]; conditions?: Record<string, Record<string, unknown>> }[] = [
      { actions: ses('createTagged'), conditions: createConditions },
      {
        actions: ses('tagOnCreate'),
        conditions: {
          ...createConditions,
          StringEqualsIfExists: { [`aws:ResourceTag/${OWNER_TAG_KEYS.stage}`]: stage },
        },
      },
      {
        actions: ses('stageOwned'),
        conditions: { StringEquals: { [`aws:ResourceTag/${OWNER_TAG_KEYS.stage}`]: stage } },
      },
      { actions: ses('anyIdentity') },
    ];
    for (const { actions, conditions } of identityStatements) {
      if (actions.length === 0) continue;
      fn.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions, resources: identities, conditions }));
    }
    if (identityStatements.some((s) => s.actions.length > 0)) {
      for (const arn of identities) {
        Validations.of(fn.role).acknowledge({
          id: `AwsSolutions-IAM5[Resource::${this.nagSpelling(arn)}]`,
          reason:
            "Identities are customers' domains, registered at run time, so no identity name is known at deploy " +
            'time; the ARN is still limited to identities of this account in the SES region, and every call ' +
            "that creates, changes or deletes one is limited by the identity's stage tag.",
        });
      }
    }
    const unscopedSes = ses('noResourceType');
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

/** The route's key as API Gateway writes it: `POST /api/v1/domains`. */
function routeKey(route: Pick<Route, 'method' | 'path'>): string {
  return `${route.method} ${API_BASE_PATH}${route.path}`;
}

/** A function that calls SES to create, change or delete identities; reads alone do not count. */
function spendsSes(grants: Grants): boolean {
  return grants.ses.some((action) => SES_ACTION_SCOPES[action] !== 'anyIdentity');
}

function pascalCase(name: string): string {
  return name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}
