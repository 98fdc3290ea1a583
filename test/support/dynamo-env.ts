/**
 * Points the table modules at the suite's DynamoDB Local (started by global-setup.ts) with a fresh
 * table per test file. Call before importing any module that reads TABLE_NAME.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createTable } from '../../local/create-resources.js';

export async function useFreshTable(): Promise<{ tableName: string; client: DynamoDBClient }> {
  const endpoint = process.env.TEST_DYNAMODB_ENDPOINT;
  if (!endpoint)
    throw new Error('TEST_DYNAMODB_ENDPOINT is not set: run through jest (global-setup starts DynamoDB Local).');
  const tableName = `t-${randomUUID()}`;
  Object.assign(process.env, {
    AWS_REGION: 'eu-central-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: endpoint,
    TABLE_NAME: tableName,
  });
  const client = new DynamoDBClient({
    endpoint,
    region: 'eu-central-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await createTable(client, tableName);
  return { tableName, client };
}
