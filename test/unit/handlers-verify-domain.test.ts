/** POST /domains/{id}/verify (functions/verify-domain.ts) with every AWS call mocked. */
import './support/env.js';
import { randomUUID } from 'node:crypto';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { domainKey, dueKey, INDEX } from '../../src/adapters/table-keys.js';
import {
  ddbMock,
  domainItem,
  errors,
  givenApiKey,
  resetAwsMocks,
  sesv1Mock,
  sesv2Mock,
  sqsMock,
  type TestKey,
} from './support/aws.js';
import { TEST_QUEUE_URL, TEST_TABLE } from './support/env.js';
import { httpEvent, jsonHeaders } from './support/events.js';
import { expectError, expectRetryable, expectSecurityHeaders, invoke, type Reply } from './support/responses.js';

let handler: unknown;
let key: TestKey;

beforeAll(async () => {
  ({ handler } = await import('../../functions/verify-domain.js'));
});

beforeEach(() => {
  resetAwsMocks();
  key = givenApiKey();
});

function verify(id: string, apiKey: string = key.plaintext): Promise<Reply> {
  return invoke(
    handler,
    httpEvent('POST', '/domains/{id}/verify', {
      headers: { authorization: `Bearer ${apiKey}` },
      pathParameters: { id },
    }),
  );
}

const updates = () => ddbMock.commandCalls(UpdateCommand).map((c) => c.args[0].input);

/** markVerifying succeeds: DynamoDB returns the item after the update (ALL_NEW). */
function givenMarked(item: Record<string, unknown>): void {
  ddbMock
    .on(UpdateCommand)
    .resolvesOnce({
      Attributes: {
        ...item,
        status: 'verifying',
        previousStatus: item.status,
        verifyRequestedAt: new Date().toISOString(),
      },
    })
    .resolves({});
}

describe('POST /domains/{id}/verify: success', () => {
  it('answers 200 with the domain, status verifying, without dns_records, and queues one check', async () => {
    const item = domainItem();
    givenMarked(item);
    sqsMock.on(SendMessageCommand).resolves({ MessageId: 'm-1' });

    const before = Date.now();
    const reply = await verify(item.id as string);
    expect(reply.status).toBe(200);
    expectSecurityHeaders(reply);
    expect(reply.body).toEqual({
      data: {
        id: item.id,
        domain: 'example.com',
        status: 'verifying',
        verified_at: null,
        created_at: '2026-01-15T10:00:00Z',
        region: 'eu-central-1',
        last_checked_at: null,
      },
    });

    const [mark] = updates();
    expect(mark).toMatchObject({
      TableName: TEST_TABLE,
      Key: domainKey('team-a', item.id as string),
      ReturnValues: 'ALL_NEW',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
    expect(mark?.ConditionExpression).toContain('attribute_exists(PK)');
    expect(mark?.ConditionExpression).toContain('#s <> :verifying');
    expect(mark?.UpdateExpression).toContain('previousStatus = #s');
    expect(mark?.ExpressionAttributeValues?.[':verifying']).toBe('verifying');

    expect(sqsMock).toHaveReceivedCommandTimes(SendMessageCommand, 1);
    const sent = sqsMock.commandCalls(SendMessageCommand)[0]?.args[0].input;
    expect(sent?.QueueUrl).toBe(TEST_QUEUE_URL);
    const message = JSON.parse(sent?.MessageBody ?? '{}');
    expect(message).toEqual({ teamId: 'team-a', domainId: item.id, requestedAt: expect.any(String), reason: 'user' });
    expect(Date.parse(message.requestedAt)).toBeGreaterThanOrEqual(before);
    expect(updates()).toHaveLength(1);
    expect(sesv2Mock.calls()).toHaveLength(0);
    expect(sesv1Mock.calls()).toHaveLength(0);
  });

  it('keeps verified_at of a domain verified before', async () => {
    const item = domainItem({ status: 'verified', verifiedAt: '2026-01-15T12:30:00.000Z' });
    givenMarked(item);
    sqsMock.on(SendMessageCommand).resolves({});
    const reply = await verify(item.id as string);
    expect(reply.body.data).toMatchObject({ status: 'verifying', verified_at: '2026-01-15T12:30:00Z' });
  });

  it('answers 200 verifying without queuing another check when one is already in flight', async () => {
    const item = domainItem({ status: 'verifying', previousStatus: 'pending' });
    ddbMock.on(UpdateCommand).rejects(errors.conditionalCheckFailed(item));
    const reply = await verify(item.id as string);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({
      data: {
        id: item.id,
        domain: 'example.com',
        status: 'verifying',
        verified_at: null,
        created_at: '2026-01-15T10:00:00Z',
        region: 'eu-central-1',
        last_checked_at: null,
      },
    });
    expect(sqsMock).not.toHaveReceivedCommand(SendMessageCommand);
    expect(updates()).toHaveLength(1);
  });

  it('queues the check when the mark it finds is its own (the SDK resent a write whose answer was lost)', async () => {
    const item = domainItem({ status: 'pending' });
    ddbMock.on(UpdateCommand).callsFake((input: { ExpressionAttributeValues: Record<string, unknown> }) => {
      throw errors.conditionalCheckFailed({
        ...item,
        status: 'verifying',
        previousStatus: 'pending',
        verifyRequestedAt: input.ExpressionAttributeValues[':now'],
      });
    });
    sqsMock.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
    const reply = await verify(item.id as string);
    expect(reply.status).toBe(200);
    expect(reply.body.data.status).toBe('verifying');
    expect(sqsMock).toHaveReceivedCommandTimes(SendMessageCommand, 1);
  });
});

describe('POST /domains/{id}/verify: 404', () => {
  async function notFoundBody(id: string): Promise<unknown> {
    const reply = await verify(id);
    expectError(reply, 404, 'domain_not_found');
    expect(sqsMock).not.toHaveReceivedCommand(SendMessageCommand);
    return reply.body;
  }

  it('for an unknown id', async () => {
    ddbMock.on(UpdateCommand).rejects(errors.conditionalCheckFailed());
    await notFoundBody(randomUUID());
  });

  it('for a domain still being set up (not ready)', async () => {
    const item = domainItem({ ready: false });
    ddbMock.on(UpdateCommand).rejects(errors.conditionalCheckFailed(item));
    await notFoundBody(item.id as string);
  });

  it.each([
    'not-a-uuid',
    '550E8400-E29B-41D4-A716-446655440000',
    '550e8400e29b41d4a716446655440000',
    "' OR 1=1 --",
    '../x',
  ])('for the malformed id %j, without touching the table', async (id) => {
    await notFoundBody(id);
    expect(updates()).toHaveLength(0);
  });

  it("for another team's domain, with exactly the body of an unknown id", async () => {
    const other = givenApiKey({ teamId: 'team-b' });
    const theirs = domainItem({ teamId: 'team-a' });
    // Only team-a's key finds the item; team-b's update is keyed by TEAM#team-b and finds nothing.
    ddbMock.on(UpdateCommand).rejects(errors.conditionalCheckFailed());
    const reply = await verify(theirs.id as string, other.plaintext);
    expectError(reply, 404, 'domain_not_found');
    expect(updates()[0]?.Key).toEqual(domainKey('team-b', theirs.id as string));
    expect(reply.body).toEqual(await notFoundBody(randomUUID()));
  });
});

describe('POST /domains/{id}/verify: faults', () => {
  it.each([
    [
      'throttled',
      () =>
        Object.assign(new Error('Rate exceeded'), {
          name: 'ThrottlingException',
          $fault: 'client',
          $metadata: { httpStatusCode: 400 },
        }),
    ],
    [
      'down',
      () =>
        Object.assign(new Error('We encountered an internal error'), {
          name: 'InternalError',
          $fault: 'server',
          $metadata: { httpStatusCode: 500 },
        }),
    ],
    ['refusing for an unexpected reason', () => errors.unexpected()],
  ])('reverts the status and answers 503 + Retry-After when SQS is %s', async (_what, error) => {
    const item = domainItem({ status: 'failed' });
    givenMarked(item);
    sqsMock.on(SendMessageCommand).rejects(error());
    const reply = await verify(item.id as string);
    expectRetryable(reply);
    expect(reply.status).toBe(503);

    const [, revert] = updates();
    expect(updates()).toHaveLength(2);
    expect(revert).toMatchObject({
      TableName: TEST_TABLE,
      Key: domainKey('team-a', item.id as string),
      ExpressionAttributeValues: { ':prev': 'failed', ':verifying': 'verifying' },
    });
    expect(revert?.ConditionExpression).toContain('#s = :verifying');
    expect(revert?.UpdateExpression).toMatch(/SET #s = :prev/);
  });

  it('keeps a verified domain in the re-check schedule when the enqueue fails (its daily drift check is not lost)', async () => {
    const item = domainItem({
      status: 'verified',
      verifiedAt: '2026-01-15T12:30:00.000Z',
      ...dueKey('x', Date.parse('2026-01-16T12:30:00.000Z')),
    });
    givenMarked(item);
    sqsMock.on(SendMessageCommand).rejects(errors.unexpected());
    expectRetryable(await verify(item.id as string));
    const revert = updates()[1];
    expect(revert?.ExpressionAttributeValues?.[':prev']).toBe('verified');
    // markVerifying replaced the due entry with the verifying lease; dropping it leaves the domain unscheduled.
    expect(revert?.UpdateExpression).not.toMatch(new RegExp(`REMOVE[^=]*\\b(${INDEX.pk}|${INDEX.sk})\\b`));
  });

  it('answers 503 + Retry-After when DynamoDB throttles, without queuing', async () => {
    ddbMock.on(UpdateCommand).rejects(errors.ddbThrottled());
    expectRetryable(await verify(randomUUID()));
    expect(sqsMock).not.toHaveReceivedCommand(SendMessageCommand);
  });

  it('answers 500 internal_error without detail for an unexpected DynamoDB error', async () => {
    ddbMock.on(UpdateCommand).rejects(errors.unexpected());
    expectError(await verify(randomUUID()), 500, 'internal_error');
  });

  it('ignores a request body (verify takes none)', async () => {
    const item = domainItem();
    givenMarked(item);
    sqsMock.on(SendMessageCommand).resolves({});
    const reply = await invoke(
      handler,
      httpEvent('POST', '/domains/{id}/verify', {
        headers: jsonHeaders(key.plaintext),
        pathParameters: { id: item.id as string },
        body: '{"status":"verified"}',
      }),
    );
    expect(reply.status).toBe(200);
    expect(reply.body.data.status).toBe('verifying');
  });
});
