/**
 * The whole system on one machine, no AWS account: DynamoDB Local, an SQS stand-in (fauxqs), the SES
 * stand-in with an STS stand-in issuing the credentials of other accounts' SES cells, a KMS stand-in for webhook signing secrets, the API over HTTP, the verifier fed by the
 * queue like Lambda's event source mapping, the scheduler on a timer, and the webhook pipeline: the
 * fan-out fed by the table's stream and the delivery worker fed by its queue. The functions run unchanged; only the environment
 * (`AWS_ENDPOINT_URL_<SERVICE>`, TABLE_NAME, ...) points them at the stand-ins.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  DynamoDBBatchResponse,
  SQSBatchResponse,
  SQSEvent,
} from 'aws-lambda';
import { buildApp } from 'fauxqs';
import { buildConsoleAssets, type ConsoleAssetsManifest } from '../lib/console-assets.js';
import { isWebhookEventImage } from '../src/adapters/webhook-events.js';
import { EVENT_SOURCE, type FunctionEnvironment, METRICS_NAMESPACE, SERVICE_NAME } from '../src/deployment.js';
import { CONSOLE_PATH } from '../src/routes.js';
import { AccessKeys } from './access-keys.js';
import { type ApiServer, startApiServer } from './api-server.js';
import { createQueues, createTable, type VerifyQueues } from './create-resources.js';
import { type DynamoDbLocal, startDynamoDbLocal } from './dynamodb-local.js';
import { type StreamSource, startStreamSource } from './dynamodb-stream-source.js';
import { type EventBridgeStandIn, startEventBridgeStandIn } from './eventbridge-standin.js';
import { type FaultProxies, startFaultProxies } from './fault-proxy.js';
import { type KmsStandin, startKmsStandin } from './kms-standin.js';
import { lambdaContext } from './lambda-context.js';
import { type SesStandIn, startSesStandIn } from './ses-standin/index.js';
import { type EventSource, startSqsEventSource } from './sqs-event-source.js';
import { type StsStandIn, startStsStandIn } from './sts-standin.js';

export interface LocalStackOptions {
  /** API port (default: a free one). */
  readonly port?: number;
  /** Throwaway run: nothing is written to disk. */
  readonly inMemory?: boolean;
  /** Where data lives between runs (default `.local-data`, ignored by git). */
  readonly dataDir?: string;
  /** Use an already running DynamoDB (e.g. the test suite's) instead of starting one. */
  readonly dynamoEndpoint?: string;
  readonly tableName?: string;
  /** DNS servers the SES stand-in and the verifier ask (`host:port,...`); default the system's. */
  readonly dnsServers?: string;
  readonly sesRegion?: string;
  /** Scheduler period; null runs it only when `runScheduler()` is called. */
  readonly scheduleIntervalMs?: number | null;
  /** Verify queue visibility timeout (the stack uses 6× the verifier timeout). */
  readonly visibilityTimeoutSeconds?: number;
  readonly maxReceiveCount?: number;
  /**
   * Webhook delivery queue visibility timeout (default 180 s, the stack's). A reliability run that
   * makes attempts fail on purpose shortens it, so that their messages come back within the run.
   */
  readonly deliveryVisibilityTimeoutSeconds?: number;
  /** Clock for the SES stand-in (72-hour rule), ms since epoch. */
  readonly now?: () => number;
  /** Extra environment for the functions (e.g. rate budgets). */
  readonly env?: Record<string, string>;
  /** Where status events are written (default: stdout). */
  readonly eventLog?: (line: string) => void;
  /**
   * Puts fault-injecting proxies (local/fault-proxy.ts) between the functions and DynamoDB, SQS and
   * SES, for reliability runs. The stack's own `ddb` and `sqs` clients still go direct.
   */
  readonly faultProxies?: boolean;
  /**
   * Runs the webhook pipeline (the fan-out on the table's stream, the delivery worker on its queue);
   * default on. A reliability run that attributes every AWS call to the function it exercises turns
   * it off: events are still written with each change, and nothing reads them.
   */
  readonly webhookDelivery?: boolean;
}

export interface LocalStack {
  readonly apiUrl: string;
  /** The console page (`http://127.0.0.1:<port>/console`). */
  readonly consoleUrl: string;
  /** The console's files as built at start, with their sizes. */
  readonly consoleAssets: ConsoleAssetsManifest;
  readonly env: Record<string, string>;
  readonly ses: SesStandIn;
  /** AssumeRole for cells with a role: its credentials reach the SES stand-in as the role's account. */
  readonly sts: StsStandIn;
  /** The KMS stand-in that seals webhook signing secrets; its call log shows every KMS call the functions made. */
  readonly kms: KmsStandin;
  /** Status events the verifier published (also written to the log). */
  readonly events: EventBridgeStandIn;
  readonly sqs: SQSClient;
  readonly ddb: DynamoDBClient;
  readonly queues: VerifyQueues;
  /** The webhook delivery queue and its DLQ. */
  readonly deliveryQueues: VerifyQueues;
  readonly tableName: string;
  /** Runs the scheduler function once, as the EventBridge rule would (at `time`, default now). */
  runScheduler(time?: Date): Promise<{ itemsRead: number; enqueued: number; failedToEnqueue: number }>;
  /** Resolves once the verifier has drained the queue. */
  verifierIdle(): Promise<void>;
  /**
   * Resolves once the webhook pipeline has nothing left to do: the stream read to its end, and the
   * delivery queue empty (nothing visible, in flight or delayed). Retries waiting in the queue count.
   */
  webhooksIdle(): Promise<void>;
  /** The fault-injecting proxies, when started with `faultProxies`. */
  readonly faults?: FaultProxies;
  stop(): Promise<void>;
}

type Loaded = (event: unknown, context: unknown) => Promise<unknown>;

export async function startLocalStack(o: LocalStackOptions = {}): Promise<LocalStack> {
  const dataDir = o.dataDir ?? '.local-data';
  if (!o.inMemory) mkdirSync(dataDir, { recursive: true });
  const region = o.sesRegion ?? 'eu-central-1';
  const tableName = o.tableName ?? 'krafter-domains-local';
  const stops: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
  };

  try {
    // The console is built from its sources at every start, as the stack builds it at synth.
    const consoleDir = mkdtempSync(join(tmpdir(), 'krafter-console-'));
    stops.push(async () => rmSync(consoleDir, { recursive: true, force: true }));
    const consoleAssets = buildConsoleAssets(consoleDir);

    let dynamo: DynamoDbLocal | undefined;
    let dynamoEndpoint = o.dynamoEndpoint;
    if (!dynamoEndpoint) {
      dynamo = await startDynamoDbLocal({ inMemory: o.inMemory, dataDir: join(dataDir, 'dynamodb') });
      stops.push(() => dynamo!.stop());
      dynamoEndpoint = dynamo.endpoint;
    }

    const sqsApp = buildApp({ logger: false, defaultRegion: region });
    const sqsEndpoint = await sqsApp.listen({ port: 0, host: '127.0.0.1' });
    stops.push(() => sqsApp.close());

    // Which account each access key stands for: the STS stand-in issues, the SES stand-in reads.
    const keys = new AccessKeys(o.now);
    const sts = await startStsStandIn({ keys, now: o.now });
    stops.push(() => sts.close());
    const ses = await startSesStandIn({
      keys,
      region,
      dnsServers: o.dnsServers,
      now: o.now,
      dataFile: o.inMemory ? undefined : join(dataDir, 'ses-identities.json'),
    });
    stops.push(() => ses.close());

    const kms = await startKmsStandin({
      region,
      dataFile: o.inMemory ? undefined : join(dataDir, 'kms-keys.json'),
    });
    stops.push(() => kms.stop());

    const events = await startEventBridgeStandIn({ log: o.eventLog });
    stops.push(() => events.close());

    const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
    const ddb = new DynamoDBClient({ endpoint: dynamoEndpoint, region, credentials });
    const sqs = new SQSClient({ endpoint: sqsEndpoint, region, credentials });
    stops.push(async () => {
      ddb.destroy();
      sqs.destroy();
    });
    await createTable(ddb, tableName);
    const created = await createQueues(sqs, tableName, {
      visibilityTimeoutSeconds: o.visibilityTimeoutSeconds ?? 30,
      maxReceiveCount: o.maxReceiveCount ?? 5,
    });
    // fauxqs names queues `sqs.<region>.localhost`, which the SDK would call directly and which need
    // not resolve; it finds a queue by its path, so the same path on the endpoint is the same queue.
    const onEndpoint = (url: string) => new URL(new URL(url).pathname, sqsEndpoint).toString();
    const queues: VerifyQueues = { queueUrl: onEndpoint(created.queueUrl), dlqUrl: onEndpoint(created.dlqUrl) };
    const arnOf = async (queueUrl: string) =>
      (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }))).Attributes
        ?.QueueArn ?? '';
    const queueArn = await arnOf(queues.queueUrl);
    const createdDelivery = await createQueues(sqs, tableName, {
      kind: 'webhook-delivery',
      // As the stack's (6 x the worker's 30 s): an attempt may take its whole 10 seconds, and a message
      // that came back sooner would be attempted twice at once.
      visibilityTimeoutSeconds: o.deliveryVisibilityTimeoutSeconds ?? 180,
      maxReceiveCount: o.maxReceiveCount ?? 5,
    });
    const deliveryQueues: VerifyQueues = {
      queueUrl: onEndpoint(createdDelivery.queueUrl),
      dlqUrl: onEndpoint(createdDelivery.dlqUrl),
    };
    const deliveryQueueArn = await arnOf(deliveryQueues.queueUrl);

    // ---- optional fault proxies: the functions' endpoints (and queue URL) point at them ----
    let faults: FaultProxies | undefined;
    if (o.faultProxies) {
      faults = await startFaultProxies({ dynamodb: dynamoEndpoint, sqs: sqsEndpoint, ses: ses.url });
      stops.push(() => faults!.close());
    }
    const fnEndpoints = {
      dynamodb: faults?.dynamodb.url ?? dynamoEndpoint,
      sqs: faults?.sqs.url ?? sqsEndpoint,
      ses: faults?.ses.url ?? ses.url,
      queueUrl: faults ? new URL(new URL(queues.queueUrl).pathname, faults.sqs.url).toString() : queues.queueUrl,
      deliveryQueueUrl: faults
        ? new URL(new URL(deliveryQueues.queueUrl).pathname, faults.sqs.url).toString()
        : deliveryQueues.queueUrl,
    };
    // ---- end of fault proxies ----

    // What Lambda and the AWS SDK read: the region, credentials and the stand-ins' endpoints.
    const awsEnv: Record<string, string> = {
      AWS_REGION: region,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: fnEndpoints.dynamodb,
      AWS_ENDPOINT_URL_SQS: fnEndpoints.sqs,
      AWS_ENDPOINT_URL_SESV2: fnEndpoints.ses,
      AWS_ENDPOINT_URL_SES: fnEndpoints.ses,
      AWS_ENDPOINT_URL_STS: sts.url,
      AWS_ENDPOINT_URL_EVENTBRIDGE: events.url,
      AWS_ENDPOINT_URL_KMS: kms.url,
    };
    // The functions share one process here, so each gets what the stack gives any of them.
    const functionEnv: FunctionEnvironment = {
      TABLE_NAME: tableName,
      VERIFY_QUEUE_URL: fnEndpoints.queueUrl,
      WEBHOOK_DELIVERY_QUEUE_URL: fnEndpoints.deliveryQueueUrl,
      SES_REGION: region,
      STAGE: 'local',
      EVENT_SOURCE,
      POWERTOOLS_SERVICE_NAME: SERVICE_NAME,
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      WEBHOOK_KMS_KEY_ID: kms.keyId,
      CONSOLE_ASSETS_DIR: consoleDir,
      ...(o.dnsServers ? { DNS_SERVERS: o.dnsServers } : {}),
    };
    const env: Record<string, string> = { ...awsEnv, ...functionEnv, ...o.env };
    // The functions read their configuration when first imported, below.
    Object.assign(process.env, env);

    const modules = new Map<string, Promise<Loaded>>();
    const load = (name: string): Promise<Loaded> => {
      let m = modules.get(name);
      if (!m) {
        m = import(`../functions/${name}.js`).then((mod: { handler: Loaded }) => mod.handler);
        modules.set(name, m);
      }
      return m;
    };

    const api: ApiServer = await startApiServer({
      port: o.port,
      load: async (name) =>
        (await load(name)) as (e: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>,
    });
    stops.push(() => api.close());

    const verifier = await load('verifier');
    const source: EventSource = startSqsEventSource({
      sqs,
      queueUrl: queues.queueUrl,
      queueArn,
      region,
      functionName: 'verifier',
      handler: (event: SQSEvent, ctx) => verifier(event, ctx) as Promise<SQSBatchResponse>,
      concurrency: 2,
      onError: (err) => console.error('[verifier]', err),
    });
    stops.push(() => source.stop());

    /** Starts the fan-out and the delivery worker; returns how to wait until they have nothing left to do. */
    const startWebhookPipeline = async (): Promise<() => Promise<void>> => {
      const deliver = await load('webhook-deliver');
      const deliverySource: EventSource = startSqsEventSource({
        sqs,
        queueUrl: deliveryQueues.queueUrl,
        queueArn: deliveryQueueArn,
        region,
        functionName: 'webhook-deliver',
        handler: (event: SQSEvent, ctx) => deliver(event, ctx) as Promise<SQSBatchResponse>,
        // The stack's deliver timeout (lib/function-settings.ts).
        timeoutMs: 30_000,
        // Above WEBHOOK_ENDPOINT_CONCURRENCY (2) with room: an endpoint that hangs holds 2 of them.
        concurrency: 8,
        onError: (err) => console.error('[webhook-deliver]', err),
      });
      stops.push(() => deliverySource.stop());

      const fanout = await load('webhook-fanout');
      const stream: StreamSource = startStreamSource({
        endpoint: dynamoEndpoint,
        region,
        tableName,
        filter: isWebhookEventImage,
        handler: (event) =>
          fanout(event, lambdaContext('webhook-fanout')) as Promise<DynamoDBBatchResponse | undefined>,
        // The stack's batch size (lib/function-settings.ts).
        batchSize: 25,
        pollMs: 100,
        onError: (err) => console.error('[webhook-fanout]', err),
      });
      stops.push(() => stream.stop());

      const deliveryQueueEmpty = async () => {
        const out = await sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: deliveryQueues.queueUrl,
            AttributeNames: [
              'ApproximateNumberOfMessages',
              'ApproximateNumberOfMessagesNotVisible',
              'ApproximateNumberOfMessagesDelayed',
            ],
          }),
        );
        const a = out.Attributes ?? {};
        return (
          Number(a.ApproximateNumberOfMessages ?? 0) +
            Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) +
            Number(a.ApproximateNumberOfMessagesDelayed ?? 0) ===
          0
        );
      };
      // DynamoDB Local shows a new stream record a moment after the write: quiet means quiet for a while.
      const STREAM_SETTLE_MS = 500;
      return async () => {
        let quietSince: number | undefined;
        for (;;) {
          await stream.idle();
          await deliverySource.idle();
          if (!(await deliveryQueueEmpty())) {
            quietSince = undefined;
            continue;
          }
          quietSince ??= Date.now();
          if (Date.now() - quietSince >= STREAM_SETTLE_MS) return;
          await new Promise((r) => setTimeout(r, 100));
        }
      };
    };
    const webhooksIdle = o.webhookDelivery === false ? async () => undefined : await startWebhookPipeline();

    const runScheduler = async (time = new Date()) =>
      (await load('scheduler'))(
        { source: 'aws.events', 'detail-type': 'Scheduled Event', time: time.toISOString() },
        lambdaContext('scheduler'),
      ) as Promise<{
        itemsRead: number;
        enqueued: number;
        failedToEnqueue: number;
      }>;
    if (o.scheduleIntervalMs !== null) {
      const timer = setInterval(() => {
        runScheduler().catch((err: unknown) => console.error('[scheduler]', err));
      }, o.scheduleIntervalMs ?? 60_000);
      timer.unref();
      stops.push(async () => clearInterval(timer));
    }

    return {
      apiUrl: api.url,
      consoleUrl: `http://127.0.0.1:${api.port}${CONSOLE_PATH}`,
      consoleAssets,
      env,
      ses,
      sts,
      kms,
      events,
      sqs,
      ddb,
      queues,
      deliveryQueues,
      tableName,
      runScheduler,
      verifierIdle: () => source.idle(),
      webhooksIdle,
      faults,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
