/**
 * Reads of a team's endpoints, strongly consistent: right after a delete, a rotation or a change of
 * URL, a delivery must not go out as before.
 */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ddb, tableName } from '../dynamodb-client.js';
import { queryAll, read } from '../table-io.js';
import { KEY_PREFIX, PK, SK, teamPartition, webhookKey } from '../table-keys.js';
import { fromItem, STORE, type WebhookEndpoint } from './item.js';

export async function getWebhook(teamId: string, id: string): Promise<WebhookEndpoint | null> {
  const out = await read(STORE, () =>
    ddb.send(new GetCommand({ TableName: tableName, Key: webhookKey(teamId, id), ConsistentRead: true })),
  );
  return out.Item ? fromItem(out.Item) : null;
}

/** Every endpoint of a team, oldest first. */
export async function listWebhooks(teamId: string): Promise<WebhookEndpoint[]> {
  const items = await queryAll(STORE, (startKey) =>
    ddb.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: `${PK} = :pk AND begins_with(${SK}, :sk)`,
        ExpressionAttributeValues: { ':pk': teamPartition(teamId), ':sk': KEY_PREFIX.webhook },
        ExclusiveStartKey: startKey,
        ConsistentRead: true,
      }),
    ),
  );
  const endpoints = items.map(fromItem);
  // Ordered by creation, whatever form the ids take.
  return endpoints.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
}
