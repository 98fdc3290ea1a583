/**
 * An endpoint and its place in the team's count (`WEBHOOKCOUNT`) are written and deleted in one
 * transaction, so the limit holds however many creates run at once.
 */
import { TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { WebhookLimitReachedError } from '../../errors.js';
import { ddb, tableName } from '../dynamodb-client.js';
import { ConditionFailed, write } from '../table-io.js';
import { ITEM_ABSENT, ITEM_EXISTS, webhookCountKey, webhookKey } from '../table-keys.js';
import { fromItem, STORE, toItem, type WebhookEndpoint } from './item.js';

/**
 * Writes a new endpoint and counts it against the team's `limit`, in one transaction; past the limit
 * a WebhookLimitReachedError, and nothing is written.
 */
export async function putWebhook(endpoint: WebhookEndpoint, limit: number): Promise<WebhookEndpoint> {
  const out = await write(STORE, () =>
    ddb.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: tableName, Item: toItem(endpoint), ConditionExpression: ITEM_ABSENT } },
          {
            Update: {
              TableName: tableName,
              Key: webhookCountKey(endpoint.teamId),
              UpdateExpression: 'SET entity = :entity ADD #n :one',
              ConditionExpression: 'attribute_not_exists(#n) OR #n < :max',
              ExpressionAttributeNames: { '#n': 'webhooks' },
              ExpressionAttributeValues: { ':entity': 'WebhookCount', ':one': 1, ':max': limit },
            },
          },
        ],
      }),
    ),
  );
  if (out instanceof ConditionFailed) {
    if (out.failedAt(1)) throw new WebhookLimitReachedError(limit);
    // Only the endpoint's own condition is left: its id is taken, which new ids never are.
    throw new Error(`webhook ${endpoint.id} exists already`);
  }
  return fromItem(toItem(endpoint));
}

/** Deletes the endpoint and takes it off the team's count together; false when it was gone already. */
export async function deleteWebhook(teamId: string, id: string): Promise<boolean> {
  const out = await write(STORE, () =>
    ddb.send(
      new TransactWriteCommand({
        TransactItems: [
          { Delete: { TableName: tableName, Key: webhookKey(teamId, id), ConditionExpression: ITEM_EXISTS } },
          {
            Update: {
              TableName: tableName,
              Key: webhookCountKey(teamId),
              UpdateExpression: 'SET #n = #n - :one',
              ConditionExpression: '#n > :zero',
              ExpressionAttributeNames: { '#n': 'webhooks' },
              ExpressionAttributeValues: { ':one': 1, ':zero': 0 },
            },
          },
        ],
      }),
    ),
  );
  if (!(out instanceof ConditionFailed)) return true;
  if (out.failedAt(0)) return false;
  throw new Error(`the webhook count of team ${teamId} is out of step with its endpoints`);
}
