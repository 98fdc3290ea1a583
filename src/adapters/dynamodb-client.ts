/**
 * The DynamoDB document client, created once per container. Endpoints come from the standard
 * `AWS_ENDPOINT_URL_DYNAMODB` variable when set (the local stack), so no code here knows where it runs.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { tableConfig } from '../config.js';
import { REQUEST_HANDLER } from './request-timeouts.js';

export const tableName = tableConfig().TABLE_NAME;

/** The plain client, for libraries that take one (Powertools idempotency). */
export const dynamodb = new DynamoDBClient({ requestHandler: REQUEST_HANDLER });

export const ddb = DynamoDBDocumentClient.from(dynamodb, {
  marshallOptions: { removeUndefinedValues: true },
});
