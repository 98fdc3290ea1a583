/** GET /domains (functions/list-domains.ts) with every AWS call mocked. */
import './support/env.js';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { KEY_PREFIX, teamPartition } from '../../src/adapters/table-keys.js';
import { ddbMock, domainItem, errors, givenApiKey, resetAwsMocks, type TestKey } from './support/aws.js';
import { TEST_TABLE } from './support/env.js';
import { httpEvent } from './support/events.js';
import { expectError, expectRetryable, expectSecurityHeaders, invoke, type Reply } from './support/responses.js';

let handler: unknown;
let key: TestKey;

beforeAll(async () => {
  ({ handler } = await import('../../functions/list-domains.js'));
});

beforeEach(() => {
  resetAwsMocks();
  key = givenApiKey();
});

function list(apiKey: string = key.plaintext): Promise<Reply> {
  return invoke(handler, httpEvent('GET', '/domains', { headers: { authorization: `Bearer ${apiKey}` } }));
}

describe('GET /domains', () => {
  it("answers 200 with the team's ready domains, oldest first, without dns_records (the spec's example)", async () => {
    const first = domainItem({
      id: '550e8400-e29b-41d4-a716-446655440000',
      status: 'verified',
      verifiedAt: '2026-01-15T12:30:00.000Z',
      createdAt: '2026-01-15T10:00:00.000Z',
    });
    const second = domainItem({
      id: '660e8400-e29b-41d4-a716-446655440001',
      domain: 'anotherdomain.com',
      createdAt: '2026-01-16T14:00:00.000Z',
    });
    const unready = domainItem({ domain: 'halfway.com', ready: false, createdAt: '2026-01-17T00:00:00.000Z' });
    // A Query answers in sort-key order (ids are time-ordered), as DynamoDB does.
    ddbMock.on(QueryCommand).resolves({ Items: [first, second, unready], Count: 3 });

    const reply = await list();
    expect(reply.status).toBe(200);
    expectSecurityHeaders(reply);
    expect(reply.body).toEqual({
      data: [
        {
          id: '550e8400-e29b-41d4-a716-446655440000',
          domain: 'example.com',
          status: 'verified',
          verified_at: '2026-01-15T12:30:00Z',
          created_at: '2026-01-15T10:00:00Z',
          region: 'eu-central-1',
          last_checked_at: null,
        },
        {
          id: '660e8400-e29b-41d4-a716-446655440001',
          domain: 'anotherdomain.com',
          status: 'pending',
          verified_at: null,
          created_at: '2026-01-16T14:00:00Z',
          region: 'eu-central-1',
          last_checked_at: null,
        },
      ],
    });
    expect(reply.raw).not.toContain('dns_records');
  });

  it("queries only the caller's team partition", async () => {
    ddbMock.on(QueryCommand).resolves({ Items: [] });
    await list(givenApiKey({ teamId: 'team-b' }).plaintext);
    expect(ddbMock).toHaveReceivedCommandTimes(QueryCommand, 1);
    const query = ddbMock.commandCalls(QueryCommand)[0]?.args[0].input;
    expect(query).toMatchObject({
      TableName: TEST_TABLE,
      ExpressionAttributeValues: { ':pk': teamPartition('team-b'), ':sk': KEY_PREFIX.domain },
    });
    expect(query?.KeyConditionExpression).toBe('PK = :pk AND begins_with(SK, :sk)');
    expect(query?.IndexName).toBeUndefined();
  });

  it('answers {"data":[]} for a team without domains', async () => {
    ddbMock.on(QueryCommand).resolves({ Items: [], Count: 0 });
    const reply = await list();
    expect(reply.status).toBe(200);
    expect(reply.raw).toBe('{"data":[]}');
  });

  it('reads every page', async () => {
    const a = domainItem({ domain: 'a.com', createdAt: '2026-01-01T00:00:00.000Z' });
    const b = domainItem({ domain: 'b.com', createdAt: '2026-01-02T00:00:00.000Z' });
    const lastKey = { PK: a.PK, SK: a.SK };
    ddbMock
      .on(QueryCommand)
      .resolvesOnce({ Items: [a], LastEvaluatedKey: lastKey })
      .resolvesOnce({ Items: [b] });
    const reply = await list();
    expect(reply.body.data.map((d: { domain: string }) => d.domain)).toEqual(['a.com', 'b.com']);
    const calls = ddbMock.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(calls).toHaveLength(2);
    expect(calls[0]?.ExclusiveStartKey).toBeUndefined();
    expect(calls[1]?.ExclusiveStartKey).toEqual(lastKey);
  });

  it('answers 503 + Retry-After when DynamoDB throttles', async () => {
    ddbMock.on(QueryCommand).rejects(errors.ddbThrottled());
    expectRetryable(await list());
  });

  it('answers 500 internal_error without detail for an unexpected error', async () => {
    ddbMock.on(QueryCommand).rejects(errors.unexpected());
    expectError(await list(), 500, 'internal_error');
  });
});
