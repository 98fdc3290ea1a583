/**
 * The ApiKey entity in the table (keys: table-keys.ts):
 *
 *   ApiKey  PK = APIKEY#<keyId>   SK = APIKEY
 *           GSI1PK = TEAM#<teamId>#APIKEYS   GSI1SK = <createdAt>#<keyId>   (listing by team)
 *
 * Only the SHA-256 hash of a key is stored, never the key.
 */

import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as v from 'valibot';
import { ddb, tableName } from './dynamodb-client.js';
import { ConditionFailed, parseItem, queryAll, read, write } from './table-io.js';
import { apiKeyKey, INDEX, ITEM_ABSENT, ITEM_EXISTS, teamKeysKey, teamKeysPartition } from './table-keys.js';

const STORE = 'The key store';

export interface ApiKeyRecord {
  readonly keyId: string;
  readonly teamId: string;
  readonly hash: string;
  readonly scopes: readonly string[];
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

const ApiKeyItemSchema = v.object({
  keyId: v.string(),
  teamId: v.string(),
  hash: v.string(),
  scopes: v.nullish(v.array(v.string())),
  createdAt: v.string(),
  revokedAt: v.nullish(v.string()),
});

function fromItem(item: Record<string, unknown>): ApiKeyRecord {
  const k = parseItem(ApiKeyItemSchema, item, 'ApiKey');
  return {
    keyId: k.keyId,
    teamId: k.teamId,
    hash: k.hash,
    scopes: k.scopes ?? [],
    createdAt: k.createdAt,
    revokedAt: k.revokedAt ?? null,
  };
}

export async function putApiKey(k: Omit<ApiKeyRecord, 'revokedAt'>): Promise<void> {
  const out = await write(STORE, () =>
    ddb.send(
      new PutCommand({
        TableName: tableName,
        Item: {
          ...apiKeyKey(k.keyId),
          entity: 'ApiKey',
          ...k,
          scopes: [...k.scopes],
          ...teamKeysKey(k.teamId, k.createdAt, k.keyId),
        },
        ConditionExpression: ITEM_ABSENT,
      }),
    ),
  );
  if (out instanceof ConditionFailed) throw new Error(`key ${k.keyId} exists already`);
}

export async function getApiKey(keyId: string): Promise<ApiKeyRecord | null> {
  // Strongly consistent: an id read as unknown is remembered as such for a while (services/auth.ts),
  // so an eventually consistent miss right after the key was stored would lock the new key out.
  // Reads are cached per container, so the doubled read cost is paid rarely.
  const out = await read(STORE, () =>
    ddb.send(new GetCommand({ TableName: tableName, Key: apiKeyKey(keyId), ConsistentRead: true })),
  );
  return out.Item ? fromItem(out.Item) : null;
}

export async function listApiKeys(teamId: string): Promise<ApiKeyRecord[]> {
  const items = await queryAll(STORE, (startKey) =>
    ddb.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: INDEX.name,
        KeyConditionExpression: `${INDEX.pk} = :pk`,
        ExpressionAttributeValues: { ':pk': teamKeysPartition(teamId) },
        ExclusiveStartKey: startKey,
      }),
    ),
  );
  return items.map(fromItem);
}

/** Marks a key revoked; false when no such key exists. Revoking twice keeps the first time. */
export async function revokeApiKey(keyId: string, now: string): Promise<boolean> {
  const out = await write(STORE, () =>
    ddb.send(
      new UpdateCommand({
        TableName: tableName,
        Key: apiKeyKey(keyId),
        UpdateExpression: 'SET revokedAt = if_not_exists(revokedAt, :now)',
        ConditionExpression: ITEM_EXISTS,
        ExpressionAttributeValues: { ':now': now },
      }),
    ),
  );
  return !(out instanceof ConditionFailed);
}
