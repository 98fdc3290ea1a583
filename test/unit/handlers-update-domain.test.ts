/** PATCH /domains/{id} (functions/update-domain.ts) with every AWS call mocked: order, lease and failures. */
import './support/env.js';
import {
  GetEmailIdentityCommand,
  PutEmailIdentityDkimSigningAttributesCommand,
  PutEmailIdentityMailFromAttributesCommand,
} from '@aws-sdk/client-sesv2';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { TransactWriteCommand, type TransactWriteCommandInput, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { webhookEventKey } from '../../src/adapters/table-keys.js';
import { revealsKey, rsaKey } from '../support/dkim-keys.js';
import {
  AWS_ERROR_TEXT,
  ddbMock,
  domainItem,
  errors,
  givenApiKey,
  givenDomain,
  ownIdentity,
  resetAwsMocks,
  sesv2Mock,
  sqsMock,
  type TestKey,
} from './support/aws.js';
import { httpEvent, jsonHeaders } from './support/events.js';
import { expectError, expectRetryable, invoke, type Reply } from './support/responses.js';

let handler: unknown;
let key: TestKey;
const rsa = rsaKey(1024);

beforeAll(async () => {
  ({ handler } = await import('../../functions/update-domain.js'));
});

beforeEach(() => {
  resetAwsMocks();
  key = givenApiKey();
  // The domain's own identity, tagged for it (a PATCH changes nothing else).
  sesv2Mock.on(GetEmailIdentityCommand).callsFake(ownIdentity());
});

function patch(id: string, body: unknown): Promise<Reply> {
  return invoke(
    handler,
    httpEvent('PATCH', '/domains/{id}', { headers: jsonHeaders(key.plaintext), pathParameters: { id }, body }),
  );
}

type Input = {
  UpdateExpression: string;
  ExpressionAttributeValues?: Record<string, unknown>;
  ConditionExpression?: string;
};
/** Every update of the domain item in call order; the commit's is the first item of its transaction. */
const updates = () =>
  ddbMock.calls().flatMap((c) => {
    const command = c.args[0];
    if (command instanceof UpdateCommand) return [command.input as Input];
    if (command instanceof TransactWriteCommand) return [command.input.TransactItems?.[0]?.Update as Input];
    return [];
  });
/** The items the commit puts beside the domain's update: its `domain.updated` event. */
const commitPuts = () =>
  ddbMock.commandCalls(TransactWriteCommand).flatMap((c) => c.args[0].input.TransactItems?.slice(1) ?? []);
const LEASE = /^SET updateLeaseUntil = :until, updateLeaseId = :lease$/;
const COMMIT = /lastUpdateId = :lease/;
const RELEASE = 'REMOVE updateLeaseUntil, updateLeaseId';

/**
 * The table as the update sees it: the lease is taken (or not), the commit succeeds (or loses), and
 * markVerifying returns the domain with its changes.
 */
function givenTable(
  item: Record<string, unknown>,
  o: { lease?: boolean; commit?: 'ok' | 'lost' | 'throttled' } = {},
): void {
  givenDomain(item);
  let current = { ...item };
  ddbMock.on(UpdateCommand).callsFake((input: Input) => {
    const v = input.ExpressionAttributeValues ?? {};
    if (LEASE.test(input.UpdateExpression)) {
      if (o.lease === false) throw errors.conditionalCheckFailed();
      return { Attributes: { ...current, updateLeaseId: v[':lease'] } };
    }
    if (input.UpdateExpression === RELEASE) return {};
    return { Attributes: { ...current, status: 'verifying', previousStatus: current.status } };
  });
  ddbMock.on(TransactWriteCommand).callsFake((input: TransactWriteCommandInput) => {
    const commit = input.TransactItems?.[0]?.Update as Input;
    const v = commit.ExpressionAttributeValues ?? {};
    if (!COMMIT.test(commit.UpdateExpression)) throw new Error(`unexpected transaction: ${commit.UpdateExpression}`);
    if (o.commit === 'lost') throw errors.transactionCanceled([{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }]);
    if (o.commit === 'throttled') throw errors.ddbThrottled();
    current = {
      ...current,
      ...(v[':rp'] !== undefined && { returnPath: v[':rp'] }),
      ...(v[':dkim'] !== undefined && { dkim: v[':dkim'], dkimTokens: v[':tokens'] }),
      eventSeq: v[':seqNext'],
    };
    return {};
  });
  sqsMock.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
  sesv2Mock.on(PutEmailIdentityMailFromAttributesCommand).resolves({});
}

const BYODKIM = { type: 'byodkim', selector: 'k2027', private_key: rsa.pkcs8Pem };
const mailFromCalls = () =>
  sesv2Mock.commandCalls(PutEmailIdentityMailFromAttributesCommand).map((c) => c.args[0].input.MailFromDomain);

describe('PATCH /domains/{id}: changes', () => {
  it('rotates to a BYODKIM key: SES first, then the table under the lease, then a check is queued', async () => {
    const item = domainItem({
      status: 'verified',
      recordChecks: { dkim1: { status: 'verified' }, spf: { status: 'verified' } },
    });
    givenTable(item);
    sesv2Mock.on(PutEmailIdentityDkimSigningAttributesCommand).resolves({ DkimStatus: 'PENDING', DkimTokens: [] });

    const reply = await patch(item.id as string, { dkim: BYODKIM });
    expect(reply.status).toBe(200);
    expect(reply.body.data.dkim).toEqual({ type: 'byodkim', key_length: 1024, selector: 'k2027' });
    expect(reply.body.data.dns_records[1]).toMatchObject({
      type: 'TXT',
      name: 'k2027._domainkey.example.com',
      status: 'not_started',
    });
    expect(sesv2Mock).toHaveReceivedCommandWith(PutEmailIdentityDkimSigningAttributesCommand, {
      EmailIdentity: 'example.com',
      SigningAttributesOrigin: 'EXTERNAL',
      SigningAttributes: { DomainSigningSelector: 'k2027', DomainSigningPrivateKey: rsa.pkcs1Base64 },
    });
    const [lease, commit] = updates();
    expect(lease?.UpdateExpression).toMatch(LEASE);
    expect(commit?.ConditionExpression).toBe(
      'attribute_exists(PK) AND updateLeaseId = :lease AND attribute_exists(recordChecks) AND (attribute_not_exists(eventSeq) OR eventSeq = :seqRead)',
    );
    // The `domain.updated` event goes in the same transaction, numbered after the domain's last one.
    const [event] = commitPuts();
    expect(event?.Put?.Item).toMatchObject({ ...webhookEventKey('team-a', item.id as string, 1), sequence: 1 });
    expect(JSON.parse(event?.Put?.Item?.payload as string)).toMatchObject({
      type: 'domain.updated',
      data: { id: item.id, dkim: { type: 'byodkim', key_length: 1024, selector: 'k2027' }, sequence: 1 },
    });
    expect(commit?.ExpressionAttributeValues?.[':lease']).toBe(lease?.ExpressionAttributeValues?.[':lease']);
    // Only the DKIM checks are removed; the others (even ones a check wrote meanwhile) stay.
    const removed = Object.values(
      (commit as { ExpressionAttributeNames?: Record<string, string> }).ExpressionAttributeNames ?? {},
    );
    expect(removed.sort()).toEqual(['dkim', 'dkim1', 'dkim2', 'dkim3']);
    expect(commit?.UpdateExpression).toMatch(
      /REMOVE updateLeaseUntil, updateLeaseId, recordChecks\.#r0, recordChecks\.#r1, recordChecks\.#r2, recordChecks\.#r3$/,
    );
    expect(revealsKey(JSON.stringify(ddbMock.calls().map((c) => c.args[0].input)), rsa.secretPieces)).toBe(false);
    expect(revealsKey(JSON.stringify(reply.body), rsa.secretPieces)).toBe(false);
    expect(sqsMock).toHaveReceivedCommandTimes(SendMessageCommand, 1);
  });

  it('changes the Easy DKIM key length only when SES has another one', async () => {
    const item = domainItem();
    givenTable(item);
    sesv2Mock.on(GetEmailIdentityCommand).callsFake(
      ownIdentity({
        DkimAttributes: {
          SigningAttributesOrigin: 'AWS_SES',
          NextSigningKeyLength: 'RSA_2048_BIT',
          Tokens: ['a', 'b', 'c'],
        },
      }),
    );
    sesv2Mock
      .on(PutEmailIdentityDkimSigningAttributesCommand)
      .resolves({ DkimStatus: 'PENDING', DkimTokens: ['a', 'b', 'c'] });
    expect((await patch(item.id as string, { dkim: { type: 'easy_dkim', key_length: 1024 } })).status).toBe(200);
    expect(sesv2Mock).toHaveReceivedCommandWith(PutEmailIdentityDkimSigningAttributesCommand, {
      SigningAttributesOrigin: 'AWS_SES',
      SigningAttributes: { NextSigningKeyLength: 'RSA_1024_BIT' },
    });
    // One read serves both the ownership check and the key length comparison: SES's budget is about 1 call/s.
    expect(sesv2Mock).toHaveReceivedCommandTimes(GetEmailIdentityCommand, 1);
  });

  it('takes SES refusing a key length it already has (the retry of a change whose answer was lost) as done', async () => {
    const item = domainItem();
    givenTable(item);
    sesv2Mock
      .on(GetEmailIdentityCommand)
      .callsFakeOnce(
        ownIdentity({
          DkimAttributes: {
            SigningAttributesOrigin: 'AWS_SES',
            NextSigningKeyLength: 'RSA_2048_BIT',
            Tokens: ['a', 'b', 'c'],
          },
        }),
      )
      .callsFake(
        ownIdentity({
          DkimAttributes: {
            SigningAttributesOrigin: 'AWS_SES',
            NextSigningKeyLength: 'RSA_1024_BIT',
            Tokens: ['a', 'b', 'c'],
          },
        }),
      );
    sesv2Mock.on(PutEmailIdentityDkimSigningAttributesCommand).rejects(
      Object.assign(new Error('Same key length.'), {
        name: 'BadRequestException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const reply = await patch(item.id as string, { dkim: { type: 'easy_dkim', key_length: 1024 } });
    expect(reply.status).toBe(200);
    expect(reply.body.data.dkim.key_length).toBe(1024);
  });

  it('answers the domain unchanged, touching nothing, when the settings are the current ones', async () => {
    const item = domainItem();
    givenTable(item);
    const reply = await patch(item.id as string, { return_path: 'SEND', dkim: { type: 'easy_dkim' } });
    expect(reply.status).toBe(200);
    expect(updates()).toEqual([]);
    expect(sesv2Mock.calls()).toHaveLength(0);
  });
});

describe('PATCH /domains/{id}: one change at a time, and failures', () => {
  it('answers 503 with Retry-After while another change holds the lease, calling SES for nothing', async () => {
    const item = domainItem();
    givenTable(item, { lease: false });
    const reply = await patch(item.id as string, { return_path: 'bounces' });
    expectRetryable(reply);
    expect(reply.body.error.message).toMatch(/Another change to this domain is in progress/);
    expect(sesv2Mock.calls()).toHaveLength(0);
  });

  it('when SES refuses the key: 400, the MAIL FROM set back to what the table shows, the lease released', async () => {
    const item = domainItem();
    givenTable(item);
    sesv2Mock.on(PutEmailIdentityDkimSigningAttributesCommand).rejects(
      Object.assign(new Error('Invalid key.'), {
        name: 'BadRequestException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const reply = await patch(item.id as string, { return_path: 'bounces', dkim: BYODKIM });
    expectError(reply, 400, 'validation_error', { field: 'dkim' });
    expect(mailFromCalls()).toEqual(['bounces.example.com', 'send.example.com']);
    expect(updates().map((u) => u.UpdateExpression)).toEqual([expect.stringMatching(LEASE), RELEASE]);
  });

  it.each([
    ['MAIL FROM (SES answers 400, and the identity is gone)', { return_path: 'bounces' }],
    ['DKIM (SES answers 404)', { dkim: BYODKIM }],
  ])(
    'answers 409 identity_missing when the SES identity was removed outside the API: %s; the lease is released',
    async (_what, body) => {
      const item = domainItem();
      givenTable(item);
      sesv2Mock.on(PutEmailIdentityMailFromAttributesCommand).rejects(
        Object.assign(new Error(`Identity does not exist ${AWS_ERROR_TEXT}`), {
          name: 'BadRequestException',
          $fault: 'client',
          $metadata: { httpStatusCode: 400 },
        }),
      );
      sesv2Mock.on(GetEmailIdentityCommand).rejects(errors.sesNotFound());
      sesv2Mock.on(PutEmailIdentityDkimSigningAttributesCommand).rejects(errors.sesNotFound());
      const reply = await patch(item.id as string, body);
      expectError(reply, 409, 'identity_missing');
      expect(updates().at(-1)?.UpdateExpression).toBe(RELEASE);
      expect(sqsMock).not.toHaveReceivedCommand(SendMessageCommand);
    },
  );

  it.each([
    ['loses the lease', 'lost' as const],
    ['is throttled', 'throttled' as const],
  ])(
    'when the commit %s: 503, MAIL FROM set back, the lease released for the retry, nothing queued',
    async (_what, commit) => {
      const item = domainItem();
      givenTable(item, { commit });
      const reply = await patch(item.id as string, { return_path: 'bounces' });
      expectRetryable(reply);
      expect(mailFromCalls()).toEqual(['bounces.example.com', 'send.example.com']);
      expect(updates().at(-1)?.UpdateExpression).toBe(RELEASE);
      expect(sqsMock).not.toHaveReceivedCommand(SendMessageCommand);
    },
  );

  it.each([
    [{}, undefined],
    [{ dkim: null }, 'dkim'],
    [{ dkim: { type: 'byodkim', selector: 'k1', private_key: 'nope' } }, 'dkim.private_key'],
    [{ region: 'us-east-1' }, 'region'],
  ])('answers 400 for %j and calls nothing', async (body, field) => {
    const item = domainItem();
    givenTable(item);
    const reply = await patch(item.id as string, body);
    expectError(reply, 400, 'validation_error', field === undefined ? {} : { field });
    expect(updates()).toEqual([]);
    expect(sesv2Mock.calls()).toHaveLength(0);
  });
});

describe("PATCH /domains/{id}: an identity that is not the domain's", () => {
  it.each([
    ['untagged (made outside the API)', []],
    [
      'tagged by another stage',
      [
        { Key: 'krafter:stage', Value: 'prod' },
        { Key: 'krafter:domain-id', Value: 'x' },
      ],
    ],
  ])('answers 409 identity_missing for an identity %s and changes nothing in SES', async (_what, tags) => {
    const item = domainItem();
    givenTable(item);
    sesv2Mock.on(GetEmailIdentityCommand).resolves({ IdentityType: 'DOMAIN', Tags: tags });
    const reply = await patch(item.id as string, {
      return_path: 'bounces',
      dkim: { type: 'easy_dkim', key_length: 1024 },
    });
    expectError(reply, 409, 'identity_missing');
    expect(sesv2Mock).not.toHaveReceivedCommand(PutEmailIdentityMailFromAttributesCommand);
    expect(sesv2Mock).not.toHaveReceivedCommand(PutEmailIdentityDkimSigningAttributesCommand);
    // The update lease is given back.
    expect(updates().some((u) => u.UpdateExpression === 'REMOVE updateLeaseUntil, updateLeaseId')).toBe(true);
  });
});
