/**
 * The stand-ins without anything consuming them: DynamoDB Local, an SQS queue nobody polls (fauxqs)
 * and the SES stand-in. For in-process measurements, where a running verifier would add background
 * work (and drain the queue the scheduler fills). Sets `process.env` the way the local stack does,
 * so the functions imported afterwards talk to these.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PurgeQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { buildApp } from 'fauxqs';
import { createQueues, createTable } from '../../local/create-resources.js';
import { startDynamoDbLocal } from '../../local/dynamodb-local.js';
import { type SesStandIn, startSesStandIn } from '../../local/ses-standin/index.js';
import { BENCH_FUNCTION_ENV } from './settings.js';

export const REGION = 'eu-central-1';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

export interface BareEnv {
  readonly tableName: string;
  readonly queueUrl: string;
  readonly ses: SesStandIn;
  /** A document client of the bench's own, for seeding and resetting: its calls are not counted. */
  readonly setup: DynamoDBDocumentClient;
  purgeQueue(): Promise<void>;
  stop(): Promise<void>;
}

export async function startBareEnv(extraEnv: Record<string, string> = {}): Promise<BareEnv> {
  const stops: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  try {
    const dynamo = await startDynamoDbLocal({ inMemory: true });
    stops.push(() => dynamo.stop());
    const sqsApp = buildApp({ logger: false, defaultRegion: REGION });
    const sqsEndpoint = await sqsApp.listen({ port: 0, host: '127.0.0.1' });
    stops.push(() => sqsApp.close());
    const ses = await startSesStandIn({ region: REGION });
    stops.push(() => ses.close());

    const tableName = 'krafter-domains-bench';
    const raw = new DynamoDBClient({ endpoint: dynamo.endpoint, region: REGION, credentials });
    const setup = DynamoDBDocumentClient.from(raw, { marshallOptions: { removeUndefinedValues: true } });
    const sqs = new SQSClient({ endpoint: sqsEndpoint, region: REGION, credentials });
    stops.push(async () => {
      raw.destroy();
      sqs.destroy();
    });
    await createTable(raw, tableName);
    const created = await createQueues(sqs, tableName, { visibilityTimeoutSeconds: 30, maxReceiveCount: 5 });
    // fauxqs finds a queue by its path: the same path on the endpoint reaches it whatever host it named.
    const queueUrl = new URL(new URL(created.queueUrl).pathname, sqsEndpoint).toString();

    Object.assign(process.env, {
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_SQS: sqsEndpoint,
      AWS_ENDPOINT_URL_SESV2: ses.url,
      AWS_ENDPOINT_URL_SES: ses.url,
      TABLE_NAME: tableName,
      VERIFY_QUEUE_URL: queueUrl,
      SES_REGION: REGION,
      STAGE: 'bench',
      EVENT_SOURCE: 'krafter.domains',
      POWERTOOLS_SERVICE_NAME: 'domains-api',
      POWERTOOLS_METRICS_NAMESPACE: 'Krafter/Domains',
      ...BENCH_FUNCTION_ENV,
      ...extraEnv,
    });

    return {
      tableName,
      queueUrl,
      ses,
      setup,
      purgeQueue: async () => {
        await sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl }));
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
