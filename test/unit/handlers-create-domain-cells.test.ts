/**
 * POST /domains with SES cells configured (SES_CELLS): where the domain is placed, that its place is
 * taken in the claim transaction under the quota, that every SES call goes to its cell's clients,
 * and that the team never sees the cell. AWS calls are mocked; the counter under real concurrency
 * is tested against DynamoDB Local (test/data/cell-counters.test.ts).
 */
import './support/env.js';
import { VerifyDomainIdentityCommand } from '@aws-sdk/client-ses';
import {
  CreateEmailIdentityCommand,
  DeleteEmailIdentityCommand,
  GetEmailIdentityCommand,
  LimitExceededException,
  PutEmailIdentityMailFromAttributesCommand,
} from '@aws-sdk/client-sesv2';
import { GetCommand, TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { cellCounterKey } from '../../src/adapters/table-keys.js';
import {
  DKIM_TOKENS,
  ddbMock,
  errors,
  givenApiKey,
  ownIdentity,
  resetAwsMocks,
  sesv1Mock,
  sesv2Mock,
  type TestKey,
  VERIFICATION_TOKEN,
} from './support/aws.js';
import { httpEvent, jsonHeaders } from './support/events.js';
import { expectError, invoke, type Reply } from './support/responses.js';

const QUOTA = 5;
process.env.SES_CELLS = JSON.stringify([
  { id: 'c1', region: 'eu-central-1' },
  { id: 'c2', region: 'eu-central-1', roleArn: 'arn:aws:iam::111122223333:role/krafter-ses' },
  { id: 'c3', region: 'eu-central-1', roleArn: 'arn:aws:iam::444455556666:role/krafter-ses', draining: true },
  { id: 'c4', region: 'us-east-1' },
]);
process.env.SES_IDENTITY_QUOTA = String(QUOTA);

let handler: unknown;
let cells: typeof import('../../src/adapters/ses-cells.js');
let v1: typeof import('../../src/adapters/sesv1-client.js');
let key: TestKey;

beforeAll(async () => {
  ({ handler } = await import('../../functions/create-domain.js'));
  cells = await import('../../src/adapters/ses-cells.js');
  v1 = await import('../../src/adapters/sesv1-client.js');
});

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
const transactions = () =>
  ddbMock.commandCalls(TransactWriteCommand).map((c) => c.args[0].input.TransactItems as TransactItem[]);
const claims = () => transactions().filter((t) => t[0]?.Put?.Item?.entity === 'DomainClaim');
const placedCell = (tx: TransactItem[] | undefined) => String(tx?.[3]?.Update?.Key?.PK ?? '').replace(/^CELL#/, '');

function post(body: unknown): Promise<Reply> {
  return invoke(handler, httpEvent('POST', '/domains', { headers: jsonHeaders(key.plaintext), body }));
}

/** The count the table holds for each cell (a cell not listed has placed nothing). */
function givenPlaced(placed: Record<string, number>): void {
  for (const [id, n] of Object.entries(placed))
    ddbMock.on(GetCommand, { Key: cellCounterKey(id) }).resolves({ Item: { ...cellCounterKey(id), placed: n } });
}

beforeEach(() => {
  resetAwsMocks();
  key = givenApiKey();
  ddbMock.on(TransactWriteCommand).resolves({});
  sesv2Mock.on(CreateEmailIdentityCommand).resolves({ DkimAttributes: { Tokens: [...DKIM_TOKENS] } });
  sesv2Mock.on(PutEmailIdentityMailFromAttributesCommand).resolves({});
  sesv2Mock.on(DeleteEmailIdentityCommand).resolves({});
  sesv2Mock.on(GetEmailIdentityCommand).callsFake(ownIdentity());
  sesv1Mock.on(VerifyDomainIdentityCommand).resolves({ VerificationToken: VERIFICATION_TOKEN });
});

describe('POST /domains with cells', () => {
  it('takes a place in a cell of the region, in the claim transaction, under the quota; the team sees no cell', async () => {
    const reply = await post({ domain: 'example.com' });
    expect(reply.status).toBe(201);
    const [tx] = claims();
    expect(tx).toHaveLength(4);
    expect(tx?.[3]?.Update).toMatchObject({
      ConditionExpression: 'attribute_not_exists(#placed) OR #placed < :quota',
      UpdateExpression: 'SET entity = :entity ADD #placed :one',
      ExpressionAttributeValues: expect.objectContaining({ ':quota': QUOTA, ':one': 1 }),
    });
    const cell = placedCell(tx);
    expect(['c1', 'c2']).toContain(cell);
    expect(tx?.[1]?.Put?.Item).toMatchObject({ cell, cellCounted: true, region: 'eu-central-1' });
    expect(Object.keys(reply.body.data).sort()).toEqual(
      [
        'created_at',
        'dkim',
        'dns_records',
        'domain',
        'id',
        'last_checked_at',
        'region',
        'status',
        'verified_at',
      ].sort(),
    );
    expect(JSON.stringify(reply.body)).not.toMatch(/cell|111122223333|krafter-ses/);
  });

  it('never places in a draining cell, and spreads over the open ones', async () => {
    const seen = new Set<string>();
    for (let i = 0; i < 12; i++) {
      expect((await post({ domain: `d${i}.example.com` })).status).toBe(201);
    }
    for (const tx of claims()) seen.add(placedCell(tx));
    expect(seen).toEqual(new Set(['c1', 'c2']));
  });

  it("goes to the cell with room, and makes every SES call with that cell's clients", async () => {
    givenPlaced({ c1: QUOTA, c2: 1 });
    const reply = await post({ domain: 'example.com' });
    expect(reply.status).toBe(201);
    expect(placedCell(claims()[0])).toBe('c2');
    const c2 = cells.sesv2ForCell('c2');
    expect(sesv2Mock.calls().length).toBeGreaterThan(0);
    for (const call of sesv2Mock.calls()) expect(call.thisValue).toBe(c2);
    expect(sesv1Mock.calls()).toHaveLength(1);
    expect(sesv1Mock.call(0).thisValue).toBe(v1.sesv1ForCell('c2'));
  });

  it('a cell found full by the transaction is skipped for the next one', async () => {
    let attempt = 0;
    ddbMock.on(TransactWriteCommand).callsFake((input: TransactWriteCommandInput) => {
      if (input.TransactItems?.[0]?.Put?.Item?.entity !== 'DomainClaim' || attempt++ > 0) return Promise.resolve({});
      return Promise.reject(
        errors.transactionCanceled([
          { Code: 'None' },
          { Code: 'None' },
          { Code: 'None' },
          { Code: 'ConditionalCheckFailed' },
        ]),
      );
    });
    const reply = await post({ domain: 'example.com' });
    expect(reply.status).toBe(201);
    const [first, second] = claims();
    expect(new Set([placedCell(first), placedCell(second)])).toEqual(new Set(['c1', 'c2']));
    expect(sesv2Mock).toHaveReceivedCommandTimes(CreateEmailIdentityCommand, 1);
  });

  it('answers 503 identity_quota_exceeded when every open cell of the region is full, after one claim the table refuses, without an SES call', async () => {
    givenPlaced({ c1: QUOTA, c2: QUOTA + 3 });
    // The one try tells a full region from this team's create stopped halfway (whose claim would fail first).
    ddbMock
      .on(TransactWriteCommand)
      .rejects(
        errors.transactionCanceled([
          { Code: 'None' },
          { Code: 'None' },
          { Code: 'None' },
          { Code: 'ConditionalCheckFailed' },
        ]),
      );
    const reply = await post({ domain: 'example.com' });
    expectError(reply, 503, 'identity_quota_exceeded');
    expect(claims()).toHaveLength(1);
    expect(sesv2Mock.calls()).toHaveLength(0);
  });

  it('answers 503 identity_quota_exceeded when every cell fills up under it (the write refuses each)', async () => {
    ddbMock
      .on(TransactWriteCommand)
      .rejects(
        errors.transactionCanceled([
          { Code: 'None' },
          { Code: 'None' },
          { Code: 'None' },
          { Code: 'ConditionalCheckFailed' },
        ]),
      );
    const reply = await post({ domain: 'example.com' });
    expectError(reply, 503, 'identity_quota_exceeded');
    expect(claims()).toHaveLength(2);
    expect(sesv2Mock.calls()).toHaveLength(0);
  });

  it('a create that fails halfway gives its place back in the undo transaction', async () => {
    givenPlaced({ c1: QUOTA });
    sesv2Mock.on(CreateEmailIdentityCommand).rejects(new LimitExceededException({ message: 'full', $metadata: {} }));
    const reply = await post({ domain: 'example.com' });
    expectError(reply, 503, 'identity_quota_exceeded');
    const undo = transactions().find((t) => t.some((i) => i.Delete));
    expect(undo?.find((i) => i.Update?.Key?.PK === 'CELL#c2')?.Update).toMatchObject({
      UpdateExpression: 'ADD #placed :minusOne',
      ExpressionAttributeValues: { ':minusOne': -1 },
    });
  });

  it('places a domain of another region in that region’s cells', async () => {
    const reply = await post({ domain: 'example.com', region: 'us-east-1' });
    expect(reply.status).toBe(201);
    expect(reply.body.data.region).toBe('us-east-1');
    expect(placedCell(claims()[0])).toBe('c4');
  });
});
