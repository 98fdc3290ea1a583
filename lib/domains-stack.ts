/**
 * The Domains API stack: one DynamoDB table (with a stream), a KMS key sealing webhook signing
 * secrets, the verify and webhook delivery queues with their dead-letter queues, an HTTP API with one
 * Lambda per entry of the shared route table (http-api.ts), the SQS-fed verifier, the scheduled
 * re-verification, the stream-fed webhook fan-out and the SQS-fed delivery worker, and their alarms
 * and dashboard (monitoring.ts). Every function's IAM
 * policy is derived from its `grants` in src/routes.ts (grants.ts); stage throttling and reserved
 * concurrency bound what a flood of requests can reach and cost (docs/deploy.md explains each number).
 */

import type { StackProps } from 'aws-cdk-lib';
import { ArnFormat, CfnOutput, Duration, RemovalPolicy, Stack, Tags, Token, Validations } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { KEY_PREFIX } from '../src/adapters/table-keys.js';
import { TABLE_SCHEMA } from '../src/adapters/table-schema.js';
import {
  DEFAULT_SES_BACKGROUND_RATE,
  DEFAULT_SES_IDENTITY_QUOTA,
  EVENT_BUS_NAME,
  METRICS_NAMESPACE,
  SERVICE_NAME,
} from '../src/deployment.js';
import { type Cell, CellsConfigError, parseCells, regionsOf } from '../src/domain/cells.js';
import {
  API_BASE_PATH,
  CONSOLE_FUNCTION,
  CONSOLE_PATH,
  FUNCTION_GRANTS,
  type FunctionName,
  mapFunctions,
} from '../src/routes.js';
import { ApiFunction } from './api-function.js';
import { consoleBundleFolder } from './console-bundle.js';
import {
  DELIVER_BATCH_SIZE,
  DELIVER_MAX_CONCURRENCY,
  DELIVER_TIMEOUT,
  FANOUT_BATCH_SIZE,
  FANOUT_RETRY_ATTEMPTS,
  functionSettings,
  VERIFIER_BATCH_SIZE,
  VERIFIER_MAX_CONCURRENCY,
  verifierTimeout,
} from './function-settings.js';
import { addGrants } from './grants.js';
import { createHttpApi, pascalCase } from './http-api.js';
import { Monitoring } from './monitoring.js';
import { type DomainsStackConfig, PROJECT_TAG, STACK_TAGS } from './stack-config.js';

/** AWS's rule for SQS-fed functions: a message must stay hidden through several retried invokes. */
export const VISIBILITY_TIMEOUT_FACTOR = 6;
export const MAX_RECEIVE_COUNT = 5;
export const SCHEDULE_RATE = Duration.minutes(5);

export interface DomainsStackProps extends StackProps, DomainsStackConfig {}

export class DomainsStack extends Stack {
  readonly table: dynamodb.Table;
  readonly verifyQueue: sqs.Queue;
  readonly verifyDeadLetterQueue: sqs.Queue;
  /** One message per webhook attempt; retries are messages delayed until their time. */
  readonly deliveryQueue: sqs.Queue;
  readonly deliveryDeadLetterQueue: sqs.Queue;
  /** Stream records of webhook events the fan-out could not handle after its retries. */
  readonly fanoutDeadLetterQueue: sqs.Queue;
  /** Seals webhook signing secrets, so the table, its exports and its backups never hold one in plain text. */
  readonly webhookSecretsKey: kms.Key;
  readonly httpApi: apigwv2.HttpApi;
  readonly apiStage: apigwv2.HttpStage;
  /** Every function by its name in src/routes.ts (plus the not-found function). */
  readonly functions: Readonly<Record<FunctionName, ApiFunction>>;
  /** The region SES calls go to and identity ARNs are scoped to. */
  readonly sesRegion: string;
  /** Every region domains may be created in, the default first. */
  readonly sesRegions: readonly string[];
  /** The SES cells; without `sesCells`, one uncounted cell of this account per region. */
  readonly cells: readonly Cell[];
  /** Whether placements are counted against `sesIdentityQuota` (only with `sesCells`). */
  readonly cellsCounted: boolean;
  /** The alarm topic, the alarms and the dashboard. */
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: DomainsStackProps) {
    super(scope, id, props);

    this.sesRegion = props.sesRegion ?? (Token.isUnresolved(this.region) ? 'us-east-1' : this.region);
    this.cellsCounted = props.sesCells !== undefined;
    this.cells = stackCells(props.sesCells, this.sesRegion, props.extraSesRegions ?? []);
    this.sesRegions = this.cellsCounted
      ? regionsOf(this.cells, this.sesRegion)
      : [...new Set([this.sesRegion, ...(props.extraSesRegions ?? [])])];
    const verifierTimeoutAtRate = verifierTimeout(props.sesBackgroundRate ?? DEFAULT_SES_BACKGROUND_RATE);
    Tags.of(this).add(STACK_TAGS.project, PROJECT_TAG);
    Tags.of(this).add(STACK_TAGS.stage, props.stage);

    this.table = this.createTable();
    this.webhookSecretsKey = new kms.Key(this, 'WebhookSecretsKey', {
      description: `Krafter Domains API (${props.stage}): seals webhook signing secrets`,
      enableKeyRotation: true,
      // Without it, every sealed secret in the retained table would be lost: kept like the table.
      removalPolicy: RemovalPolicy.RETAIN,
    });

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

    const queue = (id: string, props: Partial<sqs.QueueProps> = {}) =>
      new sqs.Queue(this, id, {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
        ...props,
      });
    this.deliveryDeadLetterQueue = queue('DeliveryDeadLetterQueue');
    this.deliveryQueue = queue('DeliveryQueue', {
      retentionPeriod: Duration.days(4),
      visibilityTimeout: Duration.seconds(DELIVER_TIMEOUT.toSeconds() * VISIBILITY_TIMEOUT_FACTOR),
      deadLetterQueue: { queue: this.deliveryDeadLetterQueue, maxReceiveCount: MAX_RECEIVE_COUNT },
    });
    this.fanoutDeadLetterQueue = queue('FanoutDeadLetterQueue');
    Validations.of(this.fanoutDeadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        "It is a dead-letter queue: the fan-out's stream event source sends the records it gave up on here (its on-failure destination), which cdk-nag does not recognise as a DLQ.",
    });

    const settings = functionSettings(props, {
      tableName: this.table.tableName,
      verifyQueueUrl: this.verifyQueue.queueUrl,
      deliveryQueueUrl: this.deliveryQueue.queueUrl,
      sesRegions: this.sesRegions,
      webhookKeyArn: this.webhookSecretsKey.keyArn,
      cells: this.cellsCounted
        ? { json: JSON.stringify(this.cells), quota: props.sesIdentityQuota ?? DEFAULT_SES_IDENTITY_QUOTA }
        : undefined,
    });
    // SES of the own account only in the regions of its own cells; the others' roles hold their SES permissions.
    const ownRegions = [...new Set(this.cells.filter((c) => c.roleArn === undefined).map((c) => c.region))];
    const grantTargets = {
      tableArn: this.table.tableArn,
      verifyQueueArn: this.verifyQueue.queueArn,
      deliveryQueueArn: this.deliveryQueue.queueArn,
      identityArns: ownRegions.map((region) =>
        this.formatArn({
          service: 'ses',
          region,
          resource: 'identity',
          resourceName: '*',
          arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
        }),
      ),
      stage: props.stage,
      secretsKeyArn: this.webhookSecretsKey.keyArn,
      cellCounters: this.cellsCounted,
      cellRoleArns: this.cells.flatMap((c) => (c.roleArn === undefined ? [] : [c.roleArn])),
    };
    this.functions = mapFunctions((name) => {
      const { environment, sizing, reservedConcurrency } = settings(name);
      const fn = new ApiFunction(this, pascalCase(name), {
        name,
        description: `Krafter Domains API (${props.stage}): ${name}`,
        environment,
        ...sizing,
        reservedConcurrency,
        // The console's files, built from console/ at synth, beside the function that serves them.
        ...(name === CONSOLE_FUNCTION && {
          bundleFolder: consoleBundleFolder(this),
        }),
      });
      // The catch-all holds no grants: it touches no data.
      const grants = FUNCTION_GRANTS[name];
      if (grants) addGrants(this, fn, grants, grantTargets);
      return fn;
    });
    const { verifier, scheduler, 'webhook-fanout': fanout, 'webhook-deliver': deliver } = this.functions;

    ({ api: this.httpApi, stage: this.apiStage } = createHttpApi(this, props, this.functions));

    verifier.fn.addEventSource(
      new SqsEventSource(this.verifyQueue, {
        batchSize: VERIFIER_BATCH_SIZE,
        reportBatchItemFailures: true,
        maxConcurrency: VERIFIER_MAX_CONCURRENCY,
      }),
    );
    const bus = events.EventBus.fromEventBusName(this, 'DefaultEventBus', EVENT_BUS_NAME);
    bus.grantPutEventsTo(verifier.fn);

    fanout.fn.addEventSource(
      new DynamoEventSource(this.table, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize: FANOUT_BATCH_SIZE,
        // Only new webhook event items: every other write to the table never invokes the fan-out.
        filters: [
          lambda.FilterCriteria.filter({
            eventName: lambda.FilterRule.isEqual('INSERT'),
            dynamodb: { NewImage: { [TABLE_SCHEMA.sortKey]: { S: lambda.FilterRule.beginsWith(KEY_PREFIX.event) } } },
          }),
        ],
        reportBatchItemFailures: true,
        bisectBatchOnError: true,
        retryAttempts: FANOUT_RETRY_ATTEMPTS,
        // Within the stream's 24 hours: an event that still fails is kept in the DLQ, and alarmed on.
        maxRecordAge: Duration.hours(6),
        onFailure: new SqsDlq(this.fanoutDeadLetterQueue),
      }),
    );
    deliver.fn.addEventSource(
      new SqsEventSource(this.deliveryQueue, {
        batchSize: DELIVER_BATCH_SIZE,
        reportBatchItemFailures: true,
        maxConcurrency: DELIVER_MAX_CONCURRENCY,
      }),
    );
    // The operator's event when the worker switches an endpoint off.
    bus.grantPutEventsTo(deliver.fn);

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
    new CfnOutput(this, 'ConsoleUrl', {
      description: 'The console page: sign in with an API key',
      value: `${this.apiStage.url}${CONSOLE_PATH.replace(/^\//, '')}`,
    });
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'VerifyQueueUrl', { value: this.verifyQueue.queueUrl });
    new CfnOutput(this, 'VerifyDeadLetterQueueUrl', { value: this.verifyDeadLetterQueue.queueUrl });
    new CfnOutput(this, 'DeliveryQueueUrl', { value: this.deliveryQueue.queueUrl });
    new CfnOutput(this, 'DeliveryDeadLetterQueueUrl', { value: this.deliveryDeadLetterQueue.queueUrl });
    new CfnOutput(this, 'FanoutDeadLetterQueueUrl', { value: this.fanoutDeadLetterQueue.queueUrl });
    new CfnOutput(this, 'SesRegion', { value: this.sesRegion });
    new CfnOutput(this, 'WebhookSecretsKeyArn', { value: this.webhookSecretsKey.keyArn });

    this.monitoring = new Monitoring(this, 'Monitoring', {
      namePrefix: this.stackName,
      stage: props.stage,
      httpApi: this.httpApi,
      functions: this.functions,
      verifier,
      scheduler,
      schedule,
      verifyQueue: this.verifyQueue,
      deadLetterQueue: this.verifyDeadLetterQueue,
      webhooks: {
        fanout,
        deliver,
        deliveryQueue: this.deliveryQueue,
        deliveryDeadLetterQueue: this.deliveryDeadLetterQueue,
        fanoutDeadLetterQueue: this.fanoutDeadLetterQueue,
      },
      metricsNamespace: METRICS_NAMESPACE,
      serviceName: SERVICE_NAME,
      alarmEmail: props.alarmEmail,
      // Only counted cells have a fill to watch; a draining one takes no new domains.
      fillingCells: this.cellsCounted ? this.cells.filter((c) => !c.draining).map((c) => c.id) : [],
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
      // New webhook event items reach the fan-out through the stream (the outbox's way out).
      stream: dynamodb.StreamViewType.NEW_IMAGE,
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
}

/** The cells of the `sesCells` context, checked as the functions check SES_CELLS; a bad one stops the synth. */
function stackCells(sesCells: DomainsStackProps['sesCells'], sesRegion: string, extraRegions: readonly string[]) {
  try {
    const input = sesCells === undefined || typeof sesCells === 'string' ? sesCells : [...sesCells];
    return parseCells(input, { defaultRegion: sesRegion, regions: extraRegions });
  } catch (err) {
    if (err instanceof CellsConfigError) throw new Error(`Context "sesCells" (as SES_CELLS): ${err.message}`);
    throw err;
  }
}
