/**
 * The scheduler's floor: the same AWS calls the scheduler makes, in the same order, sent directly
 * with the same client instances, and nothing else. (The endpoints' floors replay captured
 * commands instead, see calls.ts; a scheduler run's inputs depend on the time and on what it read.)
 * Import only after the environment is set.
 */

import { SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ddb, tableName } from '../../src/adapters/dynamodb-client.js';
import { sqs } from '../../src/adapters/sqs-client.js';
import { DUE_SHARDS, domainKey, dueKey, duePartition, dueUpTo, INDEX } from '../../src/adapters/table-keys.js';
import { VERIFYING_LEASE_MS } from '../../src/domain/schedule.js';

const queueUrl = () => process.env.VERIFY_QUEUE_URL ?? '';

/** The scheduler's calls: page through each due shard, lease each entry, queue in batches of ten. */
export async function floorScheduler(now: number, page = 100): Promise<{ itemsRead: number; enqueued: number }> {
  let itemsRead = 0;
  let enqueued = 0;
  for (let shard = 0; shard < DUE_SHARDS; shard++) {
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await ddb.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: INDEX.name,
          KeyConditionExpression: `${INDEX.pk} = :pk AND ${INDEX.sk} <= :now`,
          ExpressionAttributeValues: { ':pk': duePartition(shard), ':now': dueUpTo(now) },
          ProjectionExpression: `teamId, id, ${INDEX.sk}`,
          Limit: page,
          ExclusiveStartKey: startKey,
        }),
      );
      itemsRead += out.Count ?? 0;
      startKey = out.LastEvaluatedKey;
      const leased: Array<Record<string, unknown>> = [];
      for (const item of out.Items ?? []) {
        const id = String(item.id);
        await ddb.send(
          new UpdateCommand({
            TableName: tableName,
            Key: domainKey(String(item.teamId), id),
            UpdateExpression: `SET ${INDEX.sk} = :next`,
            ConditionExpression: `${INDEX.sk} = :read`,
            ExpressionAttributeValues: {
              ':next': dueKey(id, now + VERIFYING_LEASE_MS)[INDEX.sk],
              ':read': item[INDEX.sk],
            },
          }),
        );
        leased.push(item);
      }
      const requestedAt = new Date(now).toISOString();
      for (let i = 0; i < leased.length; i += 10) {
        const batch = leased.slice(i, i + 10);
        await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl(),
            Entries: batch.map((d, n) => ({
              Id: String(n),
              MessageBody: JSON.stringify({ teamId: d.teamId, domainId: d.id, requestedAt, reason: 'schedule' }),
            })),
          }),
        );
        enqueued += batch.length;
      }
    } while (startKey);
  }
  return { itemsRead, enqueued };
}
