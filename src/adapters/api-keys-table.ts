/**
 * The ApiKey entity in the table. Nothing else builds these keys.
 *
 *   ApiKey  PK = APIKEY#<keyId>   SK = APIKEY
 *           GSI1PK = TEAM#<teamId>#APIKEYS   GSI1SK = <createdAt>#<keyId>   (listing by team)
 *
 * Only the SHA-256 hash of a key is stored, never the key.
 */

import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { toServiceError } from './aws-errors.js';
import { ddb, tableName } from './dynamodb-client.js';

export const apiKeyKey = (keyId: string) => ({ PK: `APIKEY#${keyId}`, SK: 'APIKEY' });
const teamKeysPartition = (teamId: string) => `TEAM#${teamId}#APIKEYS`;

export interface ApiKeyRecord {
  readonly keyId: string;
  readonly teamId: string;
  readonly hash: string;
  readonly scopes: readonly string[];
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

function fromItem(item: Record<string, unknown>): ApiKeyRecord {
  return {
    keyId: item.keyId as string,
    teamId: item.teamId as string,
    hash: item.hash as string,
    scopes: (item.scopes as string[] | undefined) ?? [],
    createdAt: item.createdAt as string,
    revokedAt: (item.revokedAt as string | undefined) ?? null,
  };
}

export async function putApiKey(k: Omit<ApiKeyRecord, 'revokedAt'>): Promise<void> {
  await ddb.send(
    new PutCommand({
      TableName: tableName,
      Item: {
        ...apiKeyKey(k.keyId),
        entity: 'ApiKey',
        ...k,
        scopes: [...k.scopes],
        GSI1PK: teamKeysPartition(k.teamId),
        GSI1SK: `${k.createdAt}#${k.keyId}`,
      },
      ConditionExpression: 'attribute_not_exists(PK)',
    }),
  );
}

export async function getApiKey(keyId: string): Promise<ApiKeyRecord | null> {
  try {
    // Strongly consistent: an id read as unknown is remembered as such for a while (services/auth.ts),
    // so an eventually consistent miss right after the key was stored would lock the new key out.
    // Reads are cached per container, so the doubled read cost is paid rarely.
    const out = await ddb.send(new GetCommand({ TableName: tableName, Key: apiKeyKey(keyId), ConsistentRead: true }));
    return out.Item ? fromItem(out.Item) : null;
  } catch (err) {
    throw toServiceError(err, 'The key store');
  }
}

export async function listApiKeys(teamId: string): Promise<ApiKeyRecord[]> {
  const keys: ApiKeyRecord[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const out = await ddb.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: 'GSI1',
        KeyConditionExpression: 'GSI1PK = :pk',
        ExpressionAttributeValues: { ':pk': teamKeysPartition(teamId) },
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of out.Items ?? []) keys.push(fromItem(item));
    startKey = out.LastEvaluatedKey;
  } while (startKey);
  return keys;
}

/** Marks a key revoked; false when no such key exists. Revoking twice keeps the first time. */
export async function revokeApiKey(keyId: string, now: string): Promise<boolean> {
  try {
    await ddb.send(
      new UpdateCommand({
        TableName: tableName,
        Key: apiKeyKey(keyId),
        UpdateExpression: 'SET revokedAt = if_not_exists(revokedAt, :now)',
        ConditionExpression: 'attribute_exists(PK)',
        ExpressionAttributeValues: { ':now': now },
      }),
    );
    return true;
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) return false;
    throw err;
  }
}
