/**
 * The RateLimitWindow entity: requests a team made in one fixed one-minute window (keys: table-keys.ts).
 *
 *   RateLimitWindow  PK = RATELIMIT#<teamId>#<window start, epoch seconds>   SK = WINDOW   (expiresAt: TTL)
 *
 * One atomic counter per team and minute: teams never share a key, and each key is written for one
 * minute only, so no partition stays hot. (HTTP APIs have no per-key usage plans, hence this.)
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as v from 'valibot';
import { ddb, tableName } from './dynamodb-client.js';
import { ConditionFailed, parseItem, write } from './table-io.js';
import { rateLimitKey } from './table-keys.js';
import { TABLE_SCHEMA } from './table-schema.js';

export const WINDOW_SECONDS = 60;

const CountSchema = v.object({ hits: v.optional(v.number(), 1) });

/** Counts one request; returns the count in the current window and when the window ends (epoch s). */
export async function countRequest(
  teamId: string,
  now: number = Date.now(),
): Promise<{ count: number; resetAt: number }> {
  const windowStart = Math.floor(now / 1000 / WINDOW_SECONDS) * WINDOW_SECONDS;
  const resetAt = windowStart + WINDOW_SECONDS;
  const out = await write('The rate limiter', () =>
    ddb.send(
      new UpdateCommand({
        TableName: tableName,
        Key: rateLimitKey(teamId, windowStart),
        UpdateExpression: `ADD hits :one SET ${TABLE_SCHEMA.timeToLiveAttribute} = if_not_exists(${TABLE_SCHEMA.timeToLiveAttribute}, :expires)`,
        ExpressionAttributeValues: { ':one': 1, ':expires': resetAt + WINDOW_SECONDS },
        ReturnValues: 'UPDATED_NEW',
      }),
    ),
  );
  // The write has no condition, so it cannot fail one.
  const attributes = out instanceof ConditionFailed ? {} : (out.Attributes ?? {});
  return { count: parseItem(CountSchema, attributes, 'RateLimitWindow').hits, resetAt };
}
