/**
 * The IdempotencyRecord entity, managed by Powertools Idempotency on the project's table (keys: table-keys.ts):
 *
 *   IdempotencyRecord  PK = IDEMPOTENCY   SK = <function>#<hash of team, route, id, key>   (expiresAt: TTL)
 *
 * Powertools needs one static partition value when the table has a sort key; records live 24 h.
 */
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyPersistenceLayerError,
  IdempotencyValidationError,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Context } from 'aws-lambda';
import { IdempotencyKeyReusedError, IdempotentRequestInProgressError, ServiceUnavailableError } from '../errors.js';
import { dynamodb, tableName } from './dynamodb-client.js';
import { IDEMPOTENCY_PARTITION } from './table-keys.js';
import { TABLE_SCHEMA } from './table-schema.js';

export const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;

const persistenceStore = new DynamoDBPersistenceLayer({
  tableName,
  awsSdkV3Client: dynamodb,
  keyAttr: TABLE_SCHEMA.partitionKey,
  sortKeyAttr: TABLE_SCHEMA.sortKey,
  // The partition the functions' IAM grants name (`dynamodb:LeadingKeys`).
  staticPkValue: IDEMPOTENCY_PARTITION,
  expiryAttr: TABLE_SCHEMA.timeToLiveAttribute,
});

const config = new IdempotencyConfig({
  eventKeyJmesPath: '[teamId, route, id, key]',
  // The same key with another body is a client error, not a replay.
  payloadValidationJmesPath: 'body',
  expiresAfterSeconds: IDEMPOTENCY_TTL_SECONDS,
  // Marks a stored result handed back for a retried request.
  responseHook: (response) => ({ ...(response as object), replayed: true }),
});

export interface IdempotentRequest {
  readonly teamId: string;
  readonly route: string;
  readonly id: string | null;
  readonly key: string;
  readonly body: unknown;
}

const runOnce = makeIdempotent(async (_request: IdempotentRequest, run: () => Promise<unknown>) => run(), {
  persistenceStore,
  config,
  dataIndexArgument: 0,
});

/** Runs `run` once per request identity; a retry within 24 h gets the first result (with `replayed`). */
export async function runIdempotently<T>(
  request: IdempotentRequest,
  run: () => Promise<T>,
  context?: Context,
): Promise<T & { replayed?: true }> {
  if (context) config.registerLambdaContext(context);
  try {
    return (await runOnce({ ...request, body: request.body ?? null }, run)) as T & { replayed?: true };
  } catch (err) {
    if (err instanceof IdempotencyValidationError) throw new IdempotencyKeyReusedError();
    if (err instanceof IdempotencyAlreadyInProgressError) throw new IdempotentRequestInProgressError();
    if (err instanceof IdempotencyPersistenceLayerError)
      throw new ServiceUnavailableError(
        'The idempotency store is temporarily unavailable. Retry after the delay in Retry-After.',
        1,
      );
    // Errors of the request itself pass through (Powertools wraps none of them).
    throw err;
  }
}
