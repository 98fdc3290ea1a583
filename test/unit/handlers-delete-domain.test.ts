/** DELETE /domains/{id} (functions/delete-domain.ts) with every AWS call mocked. */
import './support/env.js';
import { randomUUID } from 'node:crypto';
import { DeleteEmailIdentityCommand, GetEmailIdentityCommand } from '@aws-sdk/client-sesv2';
import { GetCommand, TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { claimKey, domainCountKey, domainKey, webhookEventKey } from '../../src/adapters/table-keys.js';
import {
  ddbMock,
  domainItem,
  errors,
  givenApiKey,
  givenDomain,
  ownIdentity,
  resetAwsMocks,
  sesv2Mock,
  type TestKey,
} from './support/aws.js';
import { TEST_TABLE } from './support/env.js';
import { httpEvent } from './support/events.js';
import { expectError, expectRetryable, expectSecurityHeaders, invoke, type Reply } from './support/responses.js';

let handler: unknown;
let key: TestKey;

beforeAll(async () => {
  ({ handler } = await import('../../functions/delete-domain.js'));
});

beforeEach(() => {
  resetAwsMocks();
  key = givenApiKey();
  sesv2Mock.on(DeleteEmailIdentityCommand).resolves({});
  sesv2Mock.on(GetEmailIdentityCommand).callsFake(ownIdentity());
  ddbMock.on(TransactWriteCommand).resolves({});
});

function del(id: string, apiKey: string = key.plaintext): Promise<Reply> {
  return invoke(
    handler,
    httpEvent('DELETE', '/domains/{id}', { headers: { authorization: `Bearer ${apiKey}` }, pathParameters: { id } }),
  );
}

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
const transactions = () =>
  ddbMock.commandCalls(TransactWriteCommand).map((c) => c.args[0].input.TransactItems as TransactItem[]);

describe('DELETE /domains/{id}: success', () => {
  it('answers exactly {"data":{"deleted":true}}, after deleting the SES identity, the domain and its claim', async () => {
    const item = domainItem();
    givenDomain(item);
    const reply = await del(item.id as string);

    expect(reply.status).toBe(200);
    expectSecurityHeaders(reply);
    expect(reply.raw).toBe('{"data":{"deleted":true}}');

    expect(sesv2Mock).toHaveReceivedCommandTimes(DeleteEmailIdentityCommand, 1);
    expect(sesv2Mock).toHaveReceivedCommandWith(DeleteEmailIdentityCommand, { EmailIdentity: 'example.com' });
    const [tx] = transactions();
    expect(transactions()).toHaveLength(1);
    expect(tx).toHaveLength(4);
    expect(tx?.[2]?.Update).toMatchObject({ Key: domainCountKey('team-a') });
    expect(tx?.[0]?.Delete).toMatchObject({
      TableName: TEST_TABLE,
      Key: domainKey('team-a', item.id as string),
      // Its event counter as read: a concurrent event makes the deletion take the next number.
      ConditionExpression: 'attribute_exists(PK) AND (attribute_not_exists(eventSeq) OR eventSeq = :seqRead)',
    });
    // The `domain.deleted` event, with the domain as it was last shown.
    expect(tx?.[3]?.Put?.Item).toMatchObject({
      ...webhookEventKey('team-a', item.id as string, 1),
      type: 'domain.deleted',
      sequence: 1,
    });
    expect(JSON.parse(tx?.[3]?.Put?.Item?.payload as string).data).toMatchObject({ id: item.id, sequence: 1 });
    expect(tx?.[1]?.Delete).toMatchObject({
      TableName: TEST_TABLE,
      Key: claimKey('example.com'),
      ExpressionAttributeValues: { ':id': item.id },
    });
    // The claim goes only if it is this domain's: never release a name another domain holds.
    expect(tx?.[1]?.Delete?.ConditionExpression).toContain('domainId = :id');
  });

  it('answers 200 when the SES identity is already gone (NotFoundException)', async () => {
    const item = domainItem();
    givenDomain(item);
    sesv2Mock.on(DeleteEmailIdentityCommand).rejects(errors.sesNotFound());
    const reply = await del(item.id as string);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ data: { deleted: true } });
    expect(transactions()).toHaveLength(1);
  });
});

describe('DELETE /domains/{id}: 404, never touching SES', () => {
  let unknownBody: unknown;

  beforeEach(async () => {
    const reply = await del(randomUUID());
    expectError(reply, 404, 'domain_not_found');
    unknownBody = reply.body;
  });

  afterEach(() => {
    expect(sesv2Mock).not.toHaveReceivedCommand(DeleteEmailIdentityCommand);
    expect(transactions()).toHaveLength(0);
  });

  it.each(['nope', '550e8400-e29b-41d4-a716', '550e8400-e29b-41d4-a716-446655440000/verify', ''])(
    'for the malformed id %j',
    async (id) => {
      const reply = await del(id);
      expect(reply.status).toBe(404);
      expect(reply.body).toEqual(unknownBody);
    },
  );

  it("for another team's domain: its SES identity stays", async () => {
    const theirs = domainItem({ teamId: 'team-b' });
    givenDomain(theirs);
    const reply = await del(theirs.id as string);
    expectError(reply, 404, 'domain_not_found');
    expect(reply.body).toEqual(unknownBody);
  });

  it('for a domain still being set up', async () => {
    const item = domainItem({ ready: false });
    givenDomain(item);
    expect((await del(item.id as string)).body).toEqual(unknownBody);
  });
});

describe('DELETE /domains/{id}: faults', () => {
  it('answers 503 + Retry-After when SES throttles, and keeps the domain for the retry', async () => {
    const item = domainItem();
    givenDomain(item);
    sesv2Mock.on(DeleteEmailIdentityCommand).rejects(errors.sesThrottled());
    expectRetryable(await del(item.id as string));
    expect(transactions()).toHaveLength(0);
  });

  it('answers 503 + Retry-After when DynamoDB throttles the delete', async () => {
    const item = domainItem();
    givenDomain(item);
    ddbMock.on(TransactWriteCommand).rejects(errors.ddbThrottled());
    expectRetryable(await del(item.id as string));
  });

  it('answers 503 + Retry-After when DynamoDB throttles the read', async () => {
    const id = randomUUID();
    ddbMock.on(GetCommand, { Key: domainKey('team-a', id) }).rejects(errors.ddbThrottled());
    expectRetryable(await del(id));
    expect(sesv2Mock).not.toHaveReceivedCommand(DeleteEmailIdentityCommand);
  });

  it('answers 404 when the domain disappeared between the read and the delete (a concurrent delete)', async () => {
    const item = domainItem();
    givenDomain(item);
    ddbMock
      .on(TransactWriteCommand)
      .rejects(errors.transactionCanceled([{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }]));
    expectError(await del(item.id as string), 404, 'domain_not_found');
  });

  it.each(['ThrottlingError', 'ProvisionedThroughputExceeded', 'TransactionConflict'])(
    'answers 503 + Retry-After (not 500) when the delete transaction is cancelled by %s',
    async (code) => {
      const item = domainItem();
      givenDomain(item);
      ddbMock.on(TransactWriteCommand).rejects(errors.transactionCanceled([{ Code: code }, { Code: 'None' }]));
      expectRetryable(await del(item.id as string));
    },
  );

  it('answers 500 internal_error without detail for an unexpected SES error', async () => {
    const item = domainItem();
    givenDomain(item);
    sesv2Mock.on(DeleteEmailIdentityCommand).rejects(errors.unexpected());
    expectError(await del(item.id as string), 500, 'internal_error');
    expect(transactions()).toHaveLength(0);
  });
});

describe("DELETE /domains/{id}: an identity that is not the domain's", () => {
  it.each([
    ['untagged (made outside the API)', []],
    [
      'tagged for another domain',
      [
        { Key: 'krafter:stage', Value: 'test' },
        { Key: 'krafter:domain-id', Value: randomUUID() },
      ],
    ],
  ])('leaves an identity %s in SES, and still deletes the domain and its claim', async (_what, tags) => {
    const item = domainItem();
    givenDomain(item);
    sesv2Mock.on(GetEmailIdentityCommand).resolves({ IdentityType: 'DOMAIN', Tags: tags });
    const reply = await del(item.id as string);
    expect(reply.status).toBe(200);
    expect(sesv2Mock).not.toHaveReceivedCommand(DeleteEmailIdentityCommand);
    expect(transactions()).toHaveLength(1);
  });

  it('answers 200 without a delete call when SES has no identity of that name any more', async () => {
    const item = domainItem();
    givenDomain(item);
    sesv2Mock.on(GetEmailIdentityCommand).rejects(errors.sesNotFound());
    expect((await del(item.id as string)).status).toBe(200);
    expect(sesv2Mock).not.toHaveReceivedCommand(DeleteEmailIdentityCommand);
  });
});
