/**
 * Creates the table (keys, index, TTL, stream) from the same TABLE_SCHEMA the CDK stack uses, and the
 * verify and webhook delivery queues, each with its dead-letter queue and redrive policy. Idempotent: existing resources are kept
 * (a table made before it had a stream gets one).
 */
import {
  CreateTableCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { TABLE_SCHEMA } from '../src/adapters/table-schema.js';

export async function createTable(client: DynamoDBClient, tableName: string): Promise<void> {
  const s = TABLE_SCHEMA;
  const attributeNames = new Set<string>([
    s.partitionKey,
    s.sortKey,
    ...s.indexes.flatMap((i) => [i.partitionKey, i.sortKey]),
  ]);
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [...attributeNames].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
        KeySchema: [
          { AttributeName: s.partitionKey, KeyType: 'HASH' },
          { AttributeName: s.sortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: s.indexes.map((i) => ({
          IndexName: i.indexName,
          KeySchema: [
            { AttributeName: i.partitionKey, KeyType: 'HASH' },
            { AttributeName: i.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        })),
        // Webhook events are read from the stream, as the deployed table's are (new images only).
        StreamSpecification: TABLE_STREAM,
      }),
    );
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: s.timeToLiveAttribute, Enabled: true },
      }),
    );
  } catch (err) {
    if (!(err instanceof ResourceInUseException)) throw err;
  }
  let streamAsked = false;
  for (let i = 0; i < 100; i++) {
    const d = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (d.Table?.TableStatus === 'ACTIVE') {
      if (d.Table.StreamSpecification?.StreamEnabled) return;
      if (!streamAsked) {
        await client.send(new UpdateTableCommand({ TableName: tableName, StreamSpecification: TABLE_STREAM }));
        streamAsked = true;
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`table ${tableName} did not become active with its stream`);
}

/** The table's stream: new images, which is all the webhook fan-out reads. */
export const TABLE_STREAM = { StreamEnabled: true, StreamViewType: 'NEW_IMAGE' } as const;

/** The ARN of the table's current stream (for local/dynamodb-stream-source.ts). */
export async function tableStreamArn(client: DynamoDBClient, tableName: string): Promise<string> {
  const d = await client.send(new DescribeTableCommand({ TableName: tableName }));
  const arn = d.Table?.LatestStreamArn;
  if (!arn) throw new Error(`table ${tableName} has no stream`);
  return arn;
}

export interface VerifyQueues {
  readonly queueUrl: string;
  readonly dlqUrl: string;
}

/** Same settings as the stack: visibility timeout, and redrive to the DLQ after `maxReceiveCount`. */
export async function createQueues(
  client: SQSClient,
  prefix: string,
  opts: { visibilityTimeoutSeconds: number; maxReceiveCount: number; kind?: 'verify' | 'webhook-delivery' },
): Promise<VerifyQueues> {
  const kind = opts.kind ?? 'verify';
  const dlq = await client.send(
    new CreateQueueCommand({ QueueName: `${prefix}-${kind}-dlq`, Attributes: { MessageRetentionPeriod: '1209600' } }),
  );
  const dlqUrl = dlq.QueueUrl ?? '';
  const attrs = await client.send(new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }));
  const q = await client.send(
    new CreateQueueCommand({
      QueueName: `${prefix}-${kind}`,
      Attributes: {
        VisibilityTimeout: String(opts.visibilityTimeoutSeconds),
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: attrs.Attributes?.QueueArn,
          maxReceiveCount: opts.maxReceiveCount,
        }),
      },
    }),
  );
  return { queueUrl: q.QueueUrl ?? '', dlqUrl };
}
