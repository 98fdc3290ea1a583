/** POST /domains (functions/create-domain.ts) with every AWS call mocked. */
import './support/env.js';
import { VerifyDomainIdentityCommand } from '@aws-sdk/client-ses';
import {
  CreateEmailIdentityCommand,
  DeleteEmailIdentityCommand,
  GetEmailIdentityCommand,
  LimitExceededException,
  PutEmailIdentityDkimSigningAttributesCommand,
  PutEmailIdentityMailFromAttributesCommand,
} from '@aws-sdk/client-sesv2';
import { GetCommand, TransactWriteCommand, type TransactWriteCommandInput, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  apiKeyKey,
  claimKey,
  domainCountKey,
  domainKey,
  dueKey,
  INDEX,
  webhookEventKey,
} from '../../src/adapters/table-keys.js';
import { ecKeyPem, revealsKey, rsaKey } from '../support/dkim-keys.js';
import {
  AWS_ERROR_TEXT,
  DKIM_TOKENS,
  ddbMock,
  domainItem,
  errors,
  givenApiKey,
  givenDomain,
  ownerTagsFor,
  ownIdentity,
  resetAwsMocks,
  sesv1Mock,
  sesv2Mock,
  sqsMock,
  type TestKey,
  VERIFICATION_TOKEN,
} from './support/aws.js';
import { TEST_TABLE } from './support/env.js';
import { httpEvent, jsonHeaders } from './support/events.js';
import { expectError, expectRetryable, expectSecurityHeaders, invoke, type Reply } from './support/responses.js';
import { SPEC_EXAMPLE } from './support/spec-example.js';

let handler: unknown;
let key: TestKey;

beforeAll(async () => {
  ({ handler } = await import('../../functions/create-domain.js'));
});

beforeEach(() => {
  resetAwsMocks();
  key = givenApiKey();
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[47][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const API_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

function post(
  body: unknown,
  headers: Record<string, string> = jsonHeaders(key.plaintext),
  extra: { isBase64Encoded?: boolean } = {},
): Promise<Reply> {
  return invoke(handler, httpEvent('POST', '/domains', { headers, body, ...extra }));
}

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
/** The transaction that makes a domain visible, with its `domain.created` event. */
const isMarkReady = (items: readonly TransactItem[] | undefined) =>
  items?.[0]?.Update?.UpdateExpression?.startsWith('SET ready = :true') === true;
const allTransactions = () =>
  ddbMock.commandCalls(TransactWriteCommand).map((c) => c.args[0].input.TransactItems as TransactItem[]);
/** The claim and undo transactions (the mark-ready one: `markReadyCalls`). */
const transactions = () => allTransactions().filter((t) => !isMarkReady(t));
const markReadyCalls = () => allTransactions().filter(isMarkReady);

/** Marking the domain ready fails with `err`; every other transaction goes through. */
function givenMarkReadyFails(err: Error): void {
  ddbMock
    .on(TransactWriteCommand)
    .callsFake((input: TransactWriteCommandInput) =>
      isMarkReady(input.TransactItems) ? Promise.reject(err) : Promise.resolve({}),
    );
}

/** SES and the table answer as they do when everything works. */
function givenProvisioningSucceeds(tokens: readonly string[] = DKIM_TOKENS): void {
  ddbMock.on(TransactWriteCommand).resolves({});
  sesv2Mock
    .on(CreateEmailIdentityCommand)
    .resolves({ IdentityType: 'DOMAIN', VerifiedForSendingStatus: false, DkimAttributes: { Tokens: [...tokens] } });
  sesv2Mock.on(PutEmailIdentityMailFromAttributesCommand).resolves({});
  sesv2Mock.on(DeleteEmailIdentityCommand).resolves({});
  // The identity this create made, should it read it back (an undo reads the tags before deleting).
  sesv2Mock.on(GetEmailIdentityCommand).callsFake(ownIdentity());
  sesv1Mock.on(VerifyDomainIdentityCommand).resolves({ VerificationToken: VERIFICATION_TOKEN });
}

/** The rollback transaction: the domain item and its claim deleted together. */
function expectRolledBack(domain: string): void {
  const all = transactions();
  expect(all).toHaveLength(2);
  const [claim, item] = all[0] ?? [];
  const rollback = (all[1] ?? []).filter((t) => t.Delete);
  // The third write gives the domain's place in the team's count back.
  expect((all[1] ?? []).find((t) => t.Update)?.Update).toMatchObject({ Key: domainCountKey('team-a') });
  const keys = rollback.map((t) => t.Delete?.Key);
  expect(rollback.every((t) => t.Delete?.TableName === TEST_TABLE)).toBe(true);
  expect(keys).toEqual(
    expect.arrayContaining([
      { PK: claim?.Put?.Item?.PK, SK: claimKey(domain).SK },
      { PK: item?.Put?.Item?.PK, SK: item?.Put?.Item?.SK },
    ]),
  );
  expect(keys).toHaveLength(2);
  expect(claim?.Put?.Item?.PK).toBe(claimKey(domain).PK);
  // The only update an undo makes is renewing this create's provisioning lease: never `ready`.
  const updates = ddbMock.commandCalls(UpdateCommand).map((c) => c.args[0].input);
  expect(
    updates.every(
      (u) =>
        u.UpdateExpression === 'SET leaseUntil = :until' &&
        u.ExpressionAttributeValues?.[':lease'] === item?.Put?.Item?.leaseId,
    ),
  ).toBe(true);
  // The item is deleted only while this create still holds it.
  expect(rollback.find((t) => t.Delete?.Key?.SK === item?.Put?.Item?.SK)?.Delete?.ConditionExpression).toContain(
    'leaseId = :lease',
  );
}

describe('POST /domains: success', () => {
  it("answers 201 with the domain and the spec's seven records", async () => {
    givenProvisioningSucceeds();
    const before = Date.now();
    const reply = await post({ domain: 'example.com', return_path: 'send' });

    expect(reply.status).toBe(201);
    expectSecurityHeaders(reply);
    expect(Object.keys(reply.body)).toEqual(['data']);
    expect(reply.body.data).toEqual({
      id: expect.stringMatching(UUID),
      domain: 'example.com',
      status: 'pending',
      verified_at: null,
      created_at: expect.stringMatching(API_TIME),
      region: 'eu-central-1',
      last_checked_at: null,
      dkim: { type: 'easy_dkim', key_length: 2048, selector: null },
      dns_records: SPEC_EXAMPLE.map((r) => ({ ...r, status: 'not_started' })),
    });
    const created = Date.parse(reply.body.data.created_at);
    expect(created).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(created).toBeLessThanOrEqual(Date.now());
  });

  it('claims the name and writes the domain in one conditional transaction, then sets up SES and marks the domain ready', async () => {
    givenProvisioningSucceeds();
    const reply = await post({ domain: 'example.com' });
    const id = reply.body.data.id as string;

    const [tx] = transactions();
    expect(tx).toHaveLength(3);
    expect(tx?.[0]?.Put).toMatchObject({
      TableName: TEST_TABLE,
      Item: { ...claimKey('example.com'), teamId: 'team-a', domainId: id },
      ConditionExpression: 'attribute_not_exists(PK)',
    });
    expect(tx?.[1]?.Put).toMatchObject({
      TableName: TEST_TABLE,
      Item: {
        ...domainKey('team-a', id),
        id,
        teamId: 'team-a',
        domain: 'example.com',
        returnPath: 'send',
        region: 'eu-central-1',
        status: 'pending',
        ready: false,
      },
      ConditionExpression: 'attribute_not_exists(PK)',
    });

    expect(sesv2Mock).toHaveReceivedCommandTimes(CreateEmailIdentityCommand, 1);
    expect(sesv2Mock).toHaveReceivedCommandWith(CreateEmailIdentityCommand, { EmailIdentity: 'example.com' });
    expect(sesv2Mock).toHaveReceivedCommandWith(PutEmailIdentityMailFromAttributesCommand, {
      EmailIdentity: 'example.com',
      MailFromDomain: 'send.example.com',
    });
    expect(sesv1Mock).toHaveReceivedCommandWith(VerifyDomainIdentityCommand, { Domain: 'example.com' });
    const [ready] = markReadyCalls();
    expect(ready?.[0]?.Update).toMatchObject({
      TableName: TEST_TABLE,
      Key: domainKey('team-a', id),
      // Only while this create holds it, moving the event counter from where it was read.
      ConditionExpression:
        'attribute_exists(PK) AND leaseId = :lease AND (attribute_not_exists(eventSeq) OR eventSeq = :seqRead)',
      ExpressionAttributeValues: expect.objectContaining({ ':vt': VERIFICATION_TOKEN, ':dk': [...DKIM_TOKENS] }),
    });
    // The `domain.created` event, in the same transaction: the domain as the 201 shows it.
    expect(ready?.[1]?.Put?.Item).toMatchObject({
      ...webhookEventKey('team-a', id, 1),
      type: 'domain.created',
      sequence: 1,
    });
    expect(JSON.parse(ready?.[1]?.Put?.Item?.payload as string)).toEqual({
      type: 'domain.created',
      timestamp: expect.any(String),
      data: { ...reply.body.data, sequence: 1 },
    });
    expect(sesv2Mock).not.toHaveReceivedCommand(DeleteEmailIdentityCommand);
    expect(sesv2Mock).not.toHaveReceivedCommand(GetEmailIdentityCommand);
    expect(sqsMock.calls()).toHaveLength(0);
  });

  it('defaults return_path to "send" and uses a given one for the MX and SPF records', async () => {
    givenProvisioningSucceeds();
    const defaulted = await post({ domain: 'example.com' });
    expect(defaulted.body.data.dns_records[4].name).toBe('send.example.com');

    resetAwsMocks();
    key = givenApiKey();
    givenProvisioningSucceeds();
    const custom = await post({ domain: 'example.com', return_path: 'Bounce' });
    expect(custom.status).toBe(201);
    const records = custom.body.data.dns_records as Array<{ type: string; name: string; value: string }>;
    expect(records[4]).toMatchObject({
      type: 'MX',
      name: 'bounce.example.com',
      value: 'feedback-smtp.eu-central-1.amazonses.com',
    });
    expect(records[5]).toMatchObject({
      type: 'TXT',
      name: 'bounce.example.com',
      value: 'v=spf1 include:amazonses.com ~all',
    });
    expect(sesv2Mock).toHaveReceivedCommandWith(PutEmailIdentityMailFromAttributesCommand, {
      MailFromDomain: 'bounce.example.com',
    });
  });

  it('normalises the name (case, trailing dot, IDN) before claiming it and calling SES', async () => {
    givenProvisioningSucceeds();
    const reply = await post({ domain: 'Bücher.DE.' });
    expect(reply.status).toBe(201);
    expect(reply.body.data.domain).toBe('xn--bcher-kva.de');
    expect(transactions()[0]?.[0]?.Put?.Item?.PK).toBe(claimKey('xn--bcher-kva.de').PK);
    expect(sesv2Mock).toHaveReceivedCommandWith(CreateEmailIdentityCommand, { EmailIdentity: 'xn--bcher-kva.de' });
    expect(reply.body.data.dns_records[0].name).toBe('_amazonses.xn--bcher-kva.de');
  });

  it('accepts a JSON content type with parameters and a base64-encoded body', async () => {
    givenProvisioningSucceeds();
    const reply = await post(
      Buffer.from(JSON.stringify({ domain: 'example.com' })).toString('base64'),
      jsonHeaders(key.plaintext, { 'content-type': 'application/json; charset=utf-8' }),
      { isBase64Encoded: true },
    );
    expect(reply.status).toBe(201);
    expect(reply.body.data.domain).toBe('example.com');
  });

  it('adopts an SES identity left by an earlier attempt (AlreadyExistsException) and uses its tokens', async () => {
    givenProvisioningSucceeds();
    sesv2Mock.on(CreateEmailIdentityCommand).rejects(errors.sesAlreadyExists());
    sesv2Mock.on(GetEmailIdentityCommand).callsFake(
      ownIdentity({
        DkimAttributes: {
          Tokens: ['old1', 'old2', 'old3'],
          SigningAttributesOrigin: 'AWS_SES',
          NextSigningKeyLength: 'RSA_2048_BIT',
        },
      }),
    );

    const reply = await post({ domain: 'example.com' });
    expect(reply.status).toBe(201);
    expect(reply.body.data.dns_records.slice(1, 4).map((r: { value: string }) => r.value)).toEqual([
      'old1.dkim.amazonses.com',
      'old2.dkim.amazonses.com',
      'old3.dkim.amazonses.com',
    ]);
    expect(sesv2Mock).toHaveReceivedCommandTimes(CreateEmailIdentityCommand, 1);
    expect(sesv2Mock).toHaveReceivedCommandWith(GetEmailIdentityCommand, { EmailIdentity: 'example.com' });
    // One read serves both the ownership check and the DKIM comparison.
    expect(sesv2Mock).toHaveReceivedCommandTimes(GetEmailIdentityCommand, 1);
    expect(sesv2Mock).not.toHaveReceivedCommand(DeleteEmailIdentityCommand);
    expect(sesv2Mock).not.toHaveReceivedCommand(PutEmailIdentityDkimSigningAttributesCommand);
    expect(transactions()).toHaveLength(1);
  });

  it("resumes the same team's create that stopped halfway (claimed, not ready) instead of answering 409", async () => {
    const stuck = domainItem({ ready: false, verificationToken: undefined, dkimTokens: undefined });
    givenProvisioningSucceeds();
    const taken = errors.transactionCanceled([
      { Code: 'ConditionalCheckFailed', item: { teamId: 'team-a', domainId: stuck.id } },
      { Code: 'None' },
    ]);
    ddbMock
      .on(TransactWriteCommand)
      .callsFake((input: TransactWriteCommandInput) =>
        isMarkReady(input.TransactItems) ? Promise.resolve({}) : Promise.reject(taken),
      );
    givenDomain(stuck);
    ddbMock.on(UpdateCommand).resolves({
      Attributes: { ...stuck, ready: true, verificationToken: VERIFICATION_TOKEN, dkimTokens: [...DKIM_TOKENS] },
    });

    const reply = await post({ domain: 'example.com' });
    expect(reply.status).toBe(201);
    expect(reply.body.data.id).toBe(stuck.id);
    expect(ddbMock).toHaveReceivedCommandWith(UpdateCommand, { Key: domainKey('team-a', stuck.id as string) });
  });
});

describe('POST /domains: DKIM settings', () => {
  const rsa = rsaKey(2048);
  const BYODKIM = { type: 'byodkim', selector: 'krafter2026', private_key: rsa.pkcs8Pem };
  /** Every request made to DynamoDB, as text: a private key must never appear in it. */
  const everythingStored = () => JSON.stringify(ddbMock.calls().map((c) => c.args[0].input));

  it('creates Easy DKIM with a 1024-bit key length when asked', async () => {
    givenProvisioningSucceeds();
    const reply = await post({ domain: 'example.com', dkim: { type: 'easy_dkim', key_length: 1024 } });
    expect(reply.status).toBe(201);
    expect(reply.body.data.dkim).toEqual({ type: 'easy_dkim', key_length: 1024, selector: null });
    expect(sesv2Mock).toHaveReceivedCommandWith(CreateEmailIdentityCommand, {
      EmailIdentity: 'example.com',
      DkimSigningAttributes: { NextSigningKeyLength: 'RSA_1024_BIT' },
    });
    expect(transactions()[0]?.[1]?.Put?.Item?.dkim).toEqual({ type: 'easy_dkim', keyLength: 1024 });
  });

  it('asks SES for 2048-bit Easy DKIM keys by default', async () => {
    givenProvisioningSucceeds();
    expect((await post({ domain: 'example.com' })).status).toBe(201);
    expect(sesv2Mock).toHaveReceivedCommandWith(CreateEmailIdentityCommand, {
      DkimSigningAttributes: { NextSigningKeyLength: 'RSA_2048_BIT' },
    });
  });

  it('creates BYODKIM: SES gets the selector and the key; the answer has one DKIM TXT record; the private key is stored nowhere', async () => {
    givenProvisioningSucceeds([]);
    const reply = await post({ domain: 'example.com', dkim: BYODKIM });

    expect(reply.status).toBe(201);
    expect(sesv2Mock).toHaveReceivedCommandWith(CreateEmailIdentityCommand, {
      EmailIdentity: 'example.com',
      DkimSigningAttributes: { DomainSigningSelector: 'krafter2026', DomainSigningPrivateKey: rsa.pkcs1Base64 },
    });
    expect(reply.body.data.dkim).toEqual({ type: 'byodkim', key_length: 2048, selector: 'krafter2026' });
    const records = reply.body.data.dns_records as { type: string; name: string; value: string }[];
    expect(records).toHaveLength(5);
    expect(records[1]).toMatchObject({
      type: 'TXT',
      name: 'krafter2026._domainkey.example.com',
      value: `v=DKIM1; k=rsa; p=${rsa.publicKey}`,
    });
    expect(records.some((r) => r.type === 'CNAME')).toBe(false);
    expect(transactions()[0]?.[1]?.Put?.Item?.dkim).toEqual({
      type: 'byodkim',
      keyLength: 2048,
      selector: 'krafter2026',
      publicKey: rsa.publicKey,
    });
    expect(revealsKey(everythingStored(), rsa.secretPieces)).toBe(false);
    expect(revealsKey(JSON.stringify(reply.body), rsa.secretPieces)).toBe(false);
  });

  it('adopting a leftover identity applies the BYODKIM key to it', async () => {
    givenProvisioningSucceeds([]);
    sesv2Mock.on(CreateEmailIdentityCommand).rejects(errors.sesAlreadyExists());
    sesv2Mock.on(GetEmailIdentityCommand).callsFake(
      ownIdentity({
        DkimAttributes: {
          Tokens: ['old1', 'old2', 'old3'],
          SigningAttributesOrigin: 'AWS_SES',
          NextSigningKeyLength: 'RSA_2048_BIT',
        },
      }),
    );
    sesv2Mock.on(PutEmailIdentityDkimSigningAttributesCommand).resolves({ DkimStatus: 'PENDING', DkimTokens: [] });

    const reply = await post({ domain: 'example.com', dkim: BYODKIM });
    expect(reply.status).toBe(201);
    expect(sesv2Mock).toHaveReceivedCommandWith(PutEmailIdentityDkimSigningAttributesCommand, {
      EmailIdentity: 'example.com',
      SigningAttributesOrigin: 'EXTERNAL',
      SigningAttributes: { DomainSigningSelector: 'krafter2026', DomainSigningPrivateKey: rsa.pkcs1Base64 },
    });
    expect(reply.body.data.dns_records).toHaveLength(5);
  });

  it('adopting a leftover identity with another Easy DKIM key length changes it, and uses the tokens SES returns', async () => {
    givenProvisioningSucceeds();
    sesv2Mock.on(CreateEmailIdentityCommand).rejects(errors.sesAlreadyExists());
    sesv2Mock.on(GetEmailIdentityCommand).callsFake(
      ownIdentity({
        DkimAttributes: {
          Tokens: ['old1', 'old2', 'old3'],
          SigningAttributesOrigin: 'AWS_SES',
          NextSigningKeyLength: 'RSA_2048_BIT',
        },
      }),
    );
    sesv2Mock
      .on(PutEmailIdentityDkimSigningAttributesCommand)
      .resolves({ DkimStatus: 'PENDING', DkimTokens: ['new1', 'new2', 'new3'] });

    const reply = await post({ domain: 'example.com', dkim: { type: 'easy_dkim', key_length: 1024 } });
    expect(reply.status).toBe(201);
    expect(sesv2Mock).toHaveReceivedCommandWith(PutEmailIdentityDkimSigningAttributesCommand, {
      SigningAttributesOrigin: 'AWS_SES',
      SigningAttributes: { NextSigningKeyLength: 'RSA_1024_BIT' },
    });
    expect(reply.body.data.dns_records[1].value).toBe('new1.dkim.amazonses.com');
  });

  it('answers 400 naming dkim when SES refuses the key, and undoes the claim without touching SES further', async () => {
    givenProvisioningSucceeds([]);
    sesv2Mock.on(CreateEmailIdentityCommand).rejects(
      Object.assign(new Error('Invalid DKIM private key.'), {
        name: 'BadRequestException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      }),
    );

    const reply = await post({ domain: 'example.com', dkim: BYODKIM });
    expectError(reply, 400, 'validation_error', { field: 'dkim' });
    expect(reply.body.error.message).toMatch(/SES rejected the DKIM settings/);
    expect(sesv2Mock).not.toHaveReceivedCommand(DeleteEmailIdentityCommand);
    expectRolledBack('example.com');
  });

  it.each([
    [{ type: 'easy_dkim', key_length: 4096 }, 'dkim.key_length'],
    [{ type: 'easy_dkim', key_length: '2048' }, 'dkim.key_length'],
    [{ type: 'rsa' }, 'dkim.type'],
    [{}, 'dkim.type'],
    ['byodkim', 'dkim'],
    [{ type: 'byodkim', selector: 'k1' }, 'dkim.private_key'],
    [{ type: 'byodkim', private_key: 'x' }, 'dkim.selector'],
    [{ type: 'byodkim', selector: 'k1', private_key: 'not a key' }, 'dkim.private_key'],
    [{ type: 'byodkim', selector: 'k_1', private_key: 'x' }, 'dkim.selector'],
    [{ type: 'byodkim', selector: 'k1', private_key: 42 }, 'dkim.private_key'],
    [{ type: 'easy_dkim', selector: 'k1' }, 'dkim.selector'],
    [{ type: 'byodkim', selector: 'k1', private_key: 'x', key_length: 2048 }, 'dkim.key_length'],
  ])('answers 400 for dkim %j, naming %s, and calls nothing', async (dkim, field) => {
    givenProvisioningSucceeds();
    expectError(await post({ domain: 'example.com', dkim }), 400, 'validation_error', { field });
    expect(sesv2Mock.calls()).toHaveLength(0);
    expect(transactions()).toHaveLength(0);
  });

  it('answers 400 for an EC key, naming the key type', async () => {
    givenProvisioningSucceeds();
    const reply = await post({
      domain: 'example.com',
      dkim: { type: 'byodkim', selector: 'k1', private_key: ecKeyPem() },
    });
    expectError(reply, 400, 'validation_error', { field: 'dkim.private_key' });
    expect(reply.body.error.message).toMatch(/RSA keys only/);
  });
});

describe('POST /domains: 409 when the name is taken', () => {
  it.each([
    ['by another team', { teamId: 'team-b', domainId: '11111111-1111-4111-8111-111111111111' }],
    ['without the claim in the cancellation reason', undefined],
  ])('answers 409 domain_already_registered %s, touching no SES identity', async (_what, claimItem) => {
    givenProvisioningSucceeds();
    ddbMock
      .on(TransactWriteCommand)
      .rejects(
        errors.transactionCanceled([
          { Code: 'ConditionalCheckFailed', ...(claimItem ? { item: claimItem } : {}) },
          { Code: 'None' },
        ]),
      );

    const reply = await post({ domain: 'Example.com' });
    expectError(reply, 409, 'domain_already_registered');
    expect(reply.body.error.message).toContain('example.com');
    expect(sesv2Mock.calls()).toHaveLength(0);
    expect(sesv1Mock.calls()).toHaveLength(0);
    expect(transactions()).toHaveLength(1);
  });

  it('answers 409 when this team already has the domain (ready), and does not reveal it more than another team would see', async () => {
    const mine = domainItem();
    givenProvisioningSucceeds();
    ddbMock
      .on(TransactWriteCommand)
      .rejects(
        errors.transactionCanceled([
          { Code: 'ConditionalCheckFailed', item: { teamId: 'team-a', domainId: mine.id } },
          { Code: 'None' },
        ]),
      );
    givenDomain(mine);
    const reply = await post({ domain: 'example.com' });
    expectError(reply, 409, 'domain_already_registered');
    expect(reply.raw).not.toContain(mine.id as string);
    expect(sesv2Mock.calls()).toHaveLength(0);
  });

  it("answers 409 when this team's unfinished create used another return_path", async () => {
    const stuck = domainItem({ ready: false, returnPath: 'bounce' });
    givenProvisioningSucceeds();
    ddbMock
      .on(TransactWriteCommand)
      .rejects(
        errors.transactionCanceled([
          { Code: 'ConditionalCheckFailed', item: { teamId: 'team-a', domainId: stuck.id } },
          { Code: 'None' },
        ]),
      );
    givenDomain(stuck);
    expectError(await post({ domain: 'example.com', return_path: 'send' }), 409, 'domain_already_registered');
    expect(sesv2Mock.calls()).toHaveLength(0);
  });
});

describe('POST /domains: throttling and rollback', () => {
  it('answers 503 + Retry-After when SES throttles CreateEmailIdentity, and undoes the claim (no identity to delete)', async () => {
    givenProvisioningSucceeds();
    sesv2Mock.on(CreateEmailIdentityCommand).rejects(errors.sesThrottled());
    const reply = await post({ domain: 'example.com' });
    expectRetryable(reply);
    expect(reply.status).toBe(503);
    expectRolledBack('example.com');
    expect(sesv2Mock).not.toHaveReceivedCommand(DeleteEmailIdentityCommand);
    expect(sesv2Mock).not.toHaveReceivedCommand(PutEmailIdentityMailFromAttributesCommand);
  });

  it('deletes the identity it created and undoes the claim when MAIL FROM set-up is throttled', async () => {
    givenProvisioningSucceeds();
    sesv2Mock.on(PutEmailIdentityMailFromAttributesCommand).rejects(errors.sesThrottled());
    const reply = await post({ domain: 'example.com' });
    expectRetryable(reply);
    expect(sesv2Mock).toHaveReceivedCommandWith(DeleteEmailIdentityCommand, { EmailIdentity: 'example.com' });
    expectRolledBack('example.com');
  });

  it('deletes the identity and undoes the claim when SES v1 VerifyDomainIdentity is throttled', async () => {
    givenProvisioningSucceeds();
    sesv1Mock.on(VerifyDomainIdentityCommand).rejects(
      Object.assign(new Error(`Rate exceeded ${VERIFICATION_TOKEN}`), {
        name: 'Throttling',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const reply = await post({ domain: 'example.com' });
    expectRetryable(reply);
    expect(sesv2Mock).toHaveReceivedCommandWith(DeleteEmailIdentityCommand, { EmailIdentity: 'example.com' });
    expectRolledBack('example.com');
  });

  it('answers 503 identity_quota_exceeded when SES refuses for its identity quota (LimitExceededException), and undoes the claim', async () => {
    givenProvisioningSucceeds();
    sesv2Mock
      .on(CreateEmailIdentityCommand)
      .rejects(new LimitExceededException({ message: `Too many identities ${AWS_ERROR_TEXT}`, $metadata: {} }));
    const reply = await post({ domain: 'example.com' });
    expectError(reply, 503, 'identity_quota_exceeded');
    // Like every 503 (the API reference promises it): room comes back when domains go or a cell is added.
    expect(reply.headers['retry-after']).toBe('600');
    expect(transactions()).toHaveLength(2);
    expect(transactions()[1]?.map((t) => Object.keys(t))).toEqual([['Delete'], ['Delete'], ['Update']]);
  });

  it('answers 503 + Retry-After when DynamoDB throttles the claim, without calling SES', async () => {
    givenProvisioningSucceeds();
    ddbMock.on(TransactWriteCommand).rejects(errors.ddbThrottled());
    const reply = await post({ domain: 'example.com' });
    expectRetryable(reply);
    expect(sesv2Mock.calls()).toHaveLength(0);
    expect(sesv1Mock.calls()).toHaveLength(0);
  });

  it('answers 503 and rolls back everything when DynamoDB throttles marking the domain ready', async () => {
    givenProvisioningSucceeds();
    givenMarkReadyFails(errors.ddbThrottled());
    const reply = await post({ domain: 'example.com' });
    expectRetryable(reply);
    expect(sesv2Mock).toHaveReceivedCommandWith(DeleteEmailIdentityCommand, { EmailIdentity: 'example.com' });
    const all = transactions();
    expect(all).toHaveLength(2);
    expect(all[1]?.map((t) => Object.keys(t))).toEqual([['Delete'], ['Delete'], ['Update']]);
  });

  it('keeps the claim (for the retry to resume) when deleting the identity is throttled too: no identity without its domain', async () => {
    givenProvisioningSucceeds();
    sesv2Mock.on(PutEmailIdentityMailFromAttributesCommand).rejects(errors.sesThrottled());
    sesv2Mock.on(DeleteEmailIdentityCommand).rejects(errors.sesThrottled());
    const reply = await post({ domain: 'example.com' });
    expectRetryable(reply);
    expect(transactions()).toHaveLength(1);
  });

  it('answers 503 when DynamoDB is throttled while resolving the API key', async () => {
    ddbMock.on(GetCommand, { Key: apiKeyKey(key.keyId) }).rejects(errors.ddbThrottled());
    expectRetryable(await post({ domain: 'example.com' }));
    expect(transactions()).toHaveLength(0);
  });

  it.each([
    ['TransactionConflict', 'a concurrent create of the same name'],
    ['ThrottlingError', 'DynamoDB throttling inside the transaction'],
    ['ProvisionedThroughputExceeded', 'capacity exceeded inside the transaction'],
  ])('answers 503 + Retry-After (not 500) when the claim transaction is cancelled by %s (%s)', async (code) => {
    givenProvisioningSucceeds();
    ddbMock.on(TransactWriteCommand).rejects(errors.transactionCanceled([{ Code: code }, { Code: 'None' }]));
    const reply = await post({ domain: 'example.com' });
    expectRetryable(reply);
    expect(sesv2Mock.calls()).toHaveLength(0);
  });
});

describe('POST /domains: unexpected errors', () => {
  it('answers 500 internal_error without detail, after undoing the claim and the identity', async () => {
    givenProvisioningSucceeds();
    givenMarkReadyFails(errors.unexpected());
    const reply = await post({ domain: 'example.com' });
    expectError(reply, 500, 'internal_error');
    expect(sesv2Mock).toHaveReceivedCommandWith(DeleteEmailIdentityCommand, { EmailIdentity: 'example.com' });
    expect(transactions()).toHaveLength(2);
  });

  it('answers 500 without detail when SES v1 returns no token', async () => {
    givenProvisioningSucceeds();
    sesv1Mock.on(VerifyDomainIdentityCommand).resolves({});
    const reply = await post({ domain: 'example.com' });
    expectError(reply, 500, 'internal_error');
    expect(reply.raw).not.toContain('token');
  });
});

describe('POST /domains: request validation', () => {
  beforeEach(() => givenProvisioningSucceeds());

  afterEach(() => {
    // A rejected request changes nothing.
    expect(transactions()).toHaveLength(0);
    expect(sesv2Mock.calls()).toHaveLength(0);
  });

  it.each([
    ['truncated JSON', '{"domain":'],
    ['not JSON at all', 'domain=example.com'],
    ['an empty body', ''],
    ['a __proto__ key', '{"domain":"example.com","__proto__":{"x":1}}'],
  ])('400 invalid_json for %s', async (_what, body) => {
    expectError(await post(body), 400, 'invalid_json');
  });

  it('400 invalid_json when there is no body at all', async () => {
    expectError(
      await invoke(handler, httpEvent('POST', '/domains', { headers: jsonHeaders(key.plaintext) })),
      400,
      'invalid_json',
    );
  });

  it.each([
    ['an array', '[{"domain":"example.com"}]'],
    ['a string', '"example.com"'],
    ['a number', '42'],
    ['null', 'null'],
    ['true', 'true'],
  ])('400 validation_error when the body is %s, not an object', async (_what, body) => {
    expectError(await post(body), 400, 'validation_error');
  });

  it.each(['status', 'id', 'verified_at', 'created_at', 'dns_records', 'team_id', 'Domain'])(
    '400 validation_error naming the unknown field %s',
    async (field) => {
      const reply = await post({ domain: 'example.com', [field]: 'verified' });
      expectError(reply, 400, 'validation_error', { field });
    },
  );

  it.each([
    ['domain is missing', {}, 'domain'],
    ['domain is a number', { domain: 42 }, 'domain'],
    ['domain is null', { domain: null }, 'domain'],
    ['domain is an array', { domain: ['example.com'] }, 'domain'],
    ['domain is an object', { domain: { name: 'example.com' } }, 'domain'],
    ['domain is too long', { domain: `${'a'.repeat(1100)}.com` }, 'domain'],
    ['return_path is a number', { domain: 'example.com', return_path: 5 }, 'return_path'],
    ['return_path is null', { domain: 'example.com', return_path: null }, 'return_path'],
    ['return_path is a boolean', { domain: 'example.com', return_path: true }, 'return_path'],
  ])('400 validation_error when %s', async (_what, body, field) => {
    expectError(await post(body), 400, 'validation_error', { field });
  });

  it.each([
    '',
    'com',
    'co.uk',
    'github.io',
    '192.168.1.1',
    '0x7f.1',
    '[::1]',
    'https://example.com',
    'example.com/x',
    'example.com:25',
    'exa mple.com',
    'ex_ample.com',
    'example..com',
    '-example.com',
    'example.notarealtld',
    'example.com\u0000',
  ])('400 validation_error for the domain %j', async (domain) => {
    expectError(await post({ domain }), 400, 'validation_error', { field: 'domain' });
  });

  it.each(['', '1send', '-send', 'send-', 'mail.from', 'mail_from', 'b'.repeat(64), 'sénd'])(
    '400 validation_error for the return_path %j',
    async (returnPath) => {
      expectError(await post({ domain: 'example.com', return_path: returnPath }), 400, 'validation_error', {
        field: 'return_path',
      });
    },
  );

  it.each([
    ['text/plain', { 'content-type': 'text/plain' }],
    ['form encoding', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['no content type', {}],
  ])('415 unsupported_media_type for %s', async (_what, headers) => {
    const reply = await post({ domain: 'example.com' }, { authorization: `Bearer ${key.plaintext}`, ...headers });
    expectError(reply, 415, 'unsupported_media_type');
  });

  it('413 payload_too_large above 16 KiB, counted in bytes, also when base64-encoded', async () => {
    const big = JSON.stringify({ domain: 'example.com', return_path: 'ü'.repeat(9000) });
    expect(big.length).toBeLessThan(16 * 1024);
    expectError(await post(big), 413, 'payload_too_large');
    expectError(
      await post(
        Buffer.from(JSON.stringify({ domain: 'x'.repeat(20_000) })).toString('base64'),
        jsonHeaders(key.plaintext),
        { isBase64Encoded: true },
      ),
      413,
      'payload_too_large',
    );
  });

  it('checks the API key before the body: 401 for a bad body without a key', async () => {
    expectError(await post('{"domain":', { 'content-type': 'application/json' }), 401, 'missing_api_key');
    expectError(await post('x'.repeat(20_000), { 'content-type': 'text/plain' }), 401, 'missing_api_key');
  });
});

describe("POST /domains: identities, names and limits that are not the caller's", () => {
  it('creates the identity with owner tags naming the stage and the new domain', async () => {
    givenProvisioningSucceeds();
    const reply = await post({ domain: 'example.com' });
    expect(reply.status).toBe(201);
    expect(sesv2Mock).toHaveReceivedCommandWith(CreateEmailIdentityCommand, { Tags: ownerTagsFor(reply.body.data.id) });
  });

  it.each([
    ['untagged (made outside the API)', []],
    ['tagged for another domain id', ownerTagsFor('0190b6b0-0000-7000-8000-000000000000')],
    [
      'tagged by another stage',
      [
        { Key: 'krafter:stage', Value: 'prod' },
        { Key: 'krafter:domain-id', Value: 'x' },
      ],
    ],
  ])(
    'answers 409 identity_in_use for an existing identity %s, changes nothing in SES, and gives the name back',
    async (_what, tags) => {
      givenProvisioningSucceeds();
      sesv2Mock.on(CreateEmailIdentityCommand).rejects(errors.sesAlreadyExists());
      sesv2Mock
        .on(GetEmailIdentityCommand)
        .resolves({ IdentityType: 'DOMAIN', Tags: tags, DkimAttributes: { Tokens: ['their1', 'their2', 'their3'] } });

      const reply = await post({ domain: 'otherapp-mail.com', dkim: { type: 'easy_dkim', key_length: 1024 } });
      expectError(reply, 409, 'identity_in_use');
      expect(JSON.stringify(reply.body)).not.toContain('their1');
      expect(sesv2Mock).not.toHaveReceivedCommand(PutEmailIdentityDkimSigningAttributesCommand);
      expect(sesv2Mock).not.toHaveReceivedCommand(PutEmailIdentityMailFromAttributesCommand);
      expect(sesv2Mock).not.toHaveReceivedCommand(DeleteEmailIdentityCommand);
      expect(sesv1Mock).not.toHaveReceivedCommand(VerifyDomainIdentityCommand);
      expectRolledBack('otherapp-mail.com');
    },
  );

  it('deletes its own leftover identity when reading it back is throttled: a throttled read is not a clean refusal', async () => {
    givenProvisioningSucceeds();
    sesv2Mock.on(CreateEmailIdentityCommand).rejects(errors.sesAlreadyExists());
    sesv2Mock.on(GetEmailIdentityCommand).rejectsOnce(errors.sesThrottled()).callsFake(ownIdentity());
    const reply = await post({ domain: 'example.com' });
    expectRetryable(reply);
    // The undo read the identity again, found the domain's tags, and removed it with the claim.
    expect(sesv2Mock).toHaveReceivedCommandWith(DeleteEmailIdentityCommand, { EmailIdentity: 'example.com' });
    expectRolledBack('example.com');
  });

  it.each([
    'amazonses.com',
    'abc123.execute-api.eu-central-1.amazonaws.com',
    'mail.amazon.com',
    'd111111abcdef8.cloudfront.net',
  ])('400 domain_not_allowed for the infrastructure name %s, before anything is written', async (domain) => {
    givenProvisioningSucceeds();
    expectError(await post({ domain }), 400, 'domain_not_allowed', { field: 'domain' });
    expect(transactions()).toHaveLength(0);
    expect(sesv2Mock).not.toHaveReceivedCommand(CreateEmailIdentityCommand);
  });

  it('counts the domain against the team in the claim transaction, conditioned on the limit', async () => {
    givenProvisioningSucceeds();
    expect((await post({ domain: 'example.com' })).status).toBe(201);
    const count = transactions()[0]?.[2]?.Update;
    expect(count).toMatchObject({
      Key: domainCountKey('team-a'),
      ConditionExpression: 'attribute_not_exists(#n) OR #n < :max',
    });
    expect(count?.UpdateExpression).toContain('ADD #n :one');
    expect(count?.ExpressionAttributeValues?.[':max']).toBe(100);
  });

  it('puts the new domain in the due index at its release time: 72 hours + the 168-hour grace after creation', async () => {
    givenProvisioningSucceeds();
    const reply = await post({ domain: 'example.com' });
    const item = transactions()[0]?.[1]?.Put?.Item;
    const releaseAt = Date.parse(item?.createdAt) + (72 + 168) * 3_600_000;
    expect(item?.[INDEX.sk]).toBe(dueKey(reply.body.data.id, releaseAt)[INDEX.sk]);
  });

  it('answers 403 domain_limit_reached when the count condition fails, without calling SES', async () => {
    givenProvisioningSucceeds();
    ddbMock
      .on(TransactWriteCommand)
      .rejects(errors.transactionCanceled([{ Code: 'None' }, { Code: 'None' }, { Code: 'ConditionalCheckFailed' }]));
    const reply = await post({ domain: 'example.com' });
    expectError(reply, 403, 'domain_limit_reached', { limit: 100 });
    expect(sesv2Mock).not.toHaveReceivedCommand(CreateEmailIdentityCommand);
  });
});
