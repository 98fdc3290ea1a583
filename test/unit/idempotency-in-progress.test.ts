/**
 * A retry that arrives while the first request with its Idempotency-Key is still running answers
 * 409 `idempotency_request_in_progress` with Retry-After, as the README's error table says, never a
 * 500: Powertools' IdempotencyAlreadyInProgressError is mapped in src/adapters/idempotency-store.ts.
 */
import './support/env.js';
import { ConditionalCheckFailedException, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ddbMock, ddbRawMock, domainItem, givenApiKey, resetAwsMocks, sqsMock } from './support/aws.js';
import { httpEvent } from './support/events.js';
import { invoke, type Reply } from './support/responses.js';

let handler: unknown;

beforeAll(async () => {
  ({ handler } = await import('../../functions/verify-domain.js'));
});

beforeEach(() => resetAwsMocks());

it('answers 409 idempotency_request_in_progress, with Retry-After, while the first request runs', async () => {
  const key = givenApiKey();
  const item = domainItem();
  ddbMock.on(UpdateCommand).resolves({ Attributes: { ...item, status: 'verifying', previousStatus: 'pending' } });
  sqsMock.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
  const verify = (): Promise<Reply> =>
    invoke(
      handler,
      httpEvent('POST', '/domains/{id}/verify', {
        headers: { authorization: `Bearer ${key.plaintext}`, 'idempotency-key': 'verify-once' },
        pathParameters: { id: item.id as string },
      }),
    );

  // The first request stores its in-progress record.
  expect((await verify()).status).toBe(200);
  const inProgress = ddbRawMock.commandCalls(PutItemCommand)[0]?.args[0].input.Item;
  expect(inProgress?.status).toEqual({ S: 'INPROGRESS' });

  // The retry finds that record still in progress (the first request has not finished).
  ddbRawMock.on(PutItemCommand).rejects(
    new ConditionalCheckFailedException({
      message: 'The conditional request failed',
      $metadata: {},
      Item: inProgress,
    }),
  );
  const retry = await verify();
  expect({ status: retry.status, code: retry.body?.error?.code }).toEqual({
    status: 409,
    code: 'idempotency_request_in_progress',
  });
  expect(retry.headers['retry-after']).toMatch(/^[1-9]\d*$/);
  expect(sqsMock.commandCalls(SendMessageCommand)).toHaveLength(1);
});
