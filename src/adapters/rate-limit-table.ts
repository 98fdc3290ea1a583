/**
 * The RateLimitWindow entity: requests a team made in one fixed one-minute window.
 *
 *   RateLimitWindow  PK = RATELIMIT#<teamId>#<window start, epoch seconds>   SK = WINDOW   (expiresAt: TTL)
 *
 * One atomic counter per team and minute: teams never share a key, and each key is written for one
 * minute only, so no partition stays hot. (HTTP APIs have no per-key usage plans, hence this.)
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { toServiceError } from './aws-errors.js';
import { ddb, tableName } from './dynamodb-client.js';
import { RATE_LIMIT_KEY_PREFIX } from './table-schema.js';

export const WINDOW_SECONDS = 60;

export const rateLimitKey = (teamId: string, windowStart: number) => ({
  PK: `${RATE_LIMIT_KEY_PREFIX}${teamId}#${windowStart}`,
  SK: 'WINDOW',
});

/** Counts one request; returns the count in the current window and when the window ends (epoch s). */
export async function countRequest(
  teamId: string,
  now: number = Date.now(),
): Promise<{ count: number; resetAt: number }> {
  const windowStart = Math.floor(now / 1000 / WINDOW_SECONDS) * WINDOW_SECONDS;
  const resetAt = windowStart + WINDOW_SECONDS;
  try {
    const out = await ddb.send(
      new UpdateCommand({
        TableName: tableName,
        Key: rateLimitKey(teamId, windowStart),
        UpdateExpression: 'ADD hits :one SET expiresAt = if_not_exists(expiresAt, :expires)',
        ExpressionAttributeValues: { ':one': 1, ':expires': resetAt + WINDOW_SECONDS },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return { count: Number(out.Attributes?.hits ?? 1), resetAt };
  } catch (err) {
    throw toServiceError(err, 'The rate limiter');
  }
}
