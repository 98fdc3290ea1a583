/**
 * With SES cells configured, every SES call about a stored domain goes to its cell: the verifier's
 * check (and its cell's own pacer), PATCH and DELETE; a delete gives the domain's place back in its
 * cell when it took one; a domain stored before cells goes to the cell named after its region.
 * AWS calls are mocked; the SES client a call went through tells the cell.
 */
import './support/env.js';
import {
  DeleteEmailIdentityCommand,
  GetEmailIdentityCommand,
  PutEmailIdentityMailFromAttributesCommand,
} from '@aws-sdk/client-sesv2';
import { TransactWriteCommand, type TransactWriteCommandInput, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSBatchResponse } from 'aws-lambda';
import { rateBudgetKey } from '../../src/adapters/table-keys.js';
import {
  ddbMock,
  domainItem,
  givenApiKey,
  givenDomain,
  ownerTagsFor,
  resetAwsMocks,
  sesv2Mock,
  sqsMock,
  type TestKey,
} from './support/aws.js';
import { TEST_REGION } from './support/env.js';
import { httpEvent, jsonHeaders, lambdaContext, sqsEvent, sqsRecord } from './support/events.js';
import { invoke } from './support/responses.js';

process.env.SES_CELLS = JSON.stringify([
  { id: TEST_REGION, region: TEST_REGION },
  { id: 'c2', region: TEST_REGION, roleArn: 'arn:aws:iam::111122223333:role/krafter-ses' },
]);
process.env.SES_IDENTITY_QUOTA = '100';

let cells: typeof import('../../src/adapters/ses-cells.js');
let v2: typeof import('../../src/adapters/sesv2-client.js');
let verifier: (e: unknown, c: unknown) => Promise<SQSBatchResponse>;
let deleteHandler: unknown;
let updateHandler: unknown;
let key: TestKey;

beforeAll(async () => {
  cells = await import('../../src/adapters/ses-cells.js');
  v2 = await import('../../src/adapters/sesv2-client.js');
  verifier = (await import('../../functions/verifier.js')).handler as typeof verifier;
  ({ handler: deleteHandler } = await import('../../functions/delete-domain.js'));
  ({ handler: updateHandler } = await import('../../functions/update-domain.js'));
});

beforeEach(() => {
  resetAwsMocks();
  key = givenApiKey();
  ddbMock.on(UpdateCommand).resolves({ Attributes: {} });
  ddbMock.on(TransactWriteCommand).resolves({});
  sqsMock.resolves({});
});

type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];
const transactions = () =>
  ddbMock.commandCalls(TransactWriteCommand).map((c) => c.args[0].input.TransactItems as TransactItem[]);
/** The clients the SES calls of `command` went through. */
const clientsOf = (command: unknown) =>
  sesv2Mock
    .calls()
    .filter((c) => c.args[0] instanceof (command as new (...a: never[]) => unknown))
    .map((c) => c.thisValue);

function stored(overrides: Record<string, unknown>) {
  const item = domainItem({ createdAt: new Date(Date.now() - 3_600_000).toISOString(), ...overrides });
  givenDomain(item);
  sesv2Mock
    .on(GetEmailIdentityCommand)
    .resolves({ IdentityType: 'DOMAIN', Tags: ownerTagsFor(item.id as string), VerifiedForSendingStatus: false });
  return item;
}

describe('the verifier', () => {
  it.each([
    ['c2', { cell: 'c2', cellCounted: true }],
    [TEST_REGION, {}],
  ])("checks a domain of cell %s in that cell, paced by the cell's own budget", async (cell, overrides) => {
    const item = stored({ status: 'verifying', previousStatus: 'pending', ...overrides });
    const out = await verifier(
      sqsEvent([
        sqsRecord({ teamId: item.teamId, domainId: item.id, requestedAt: new Date().toISOString(), reason: 'user' }),
      ]),
      lambdaContext('verifier'),
    );
    expect(out.batchItemFailures).toEqual([]);
    expect(clientsOf(GetEmailIdentityCommand)).toEqual([cells.sesv2ForCell(cell)]);
    const pacers = ddbMock
      .commandCalls(UpdateCommand)
      .map((c) => c.args[0].input.Key)
      .filter((k) => String(k?.PK).startsWith('RATE#'));
    expect(pacers).toEqual([rateBudgetKey(`ses#${cell}`)]);
  });
});

describe('DELETE /domains/:id', () => {
  const del = (id: string) =>
    invoke(
      deleteHandler,
      httpEvent('DELETE', '/domains/{id}', { headers: jsonHeaders(key.plaintext), pathParameters: { id } }),
    );

  it("deletes the identity in the domain's cell and gives its place back in the same transaction", async () => {
    const item = stored({ cell: 'c2', cellCounted: true });
    sesv2Mock.on(DeleteEmailIdentityCommand).resolves({});
    expect((await del(item.id as string)).status).toBe(200);
    expect(clientsOf(DeleteEmailIdentityCommand)).toEqual([cells.sesv2ForCell('c2')]);
    expect(cells.sesv2ForCell('c2')).not.toBe(v2.sesv2);
    const [tx] = transactions();
    expect(tx?.find((t) => t.Update?.Key?.PK === 'CELL#c2')?.Update).toMatchObject({
      UpdateExpression: 'ADD #placed :minusOne',
    });
  });

  it('gives no place back for a domain that never took one', async () => {
    const item = stored({});
    sesv2Mock.on(DeleteEmailIdentityCommand).resolves({});
    expect((await del(item.id as string)).status).toBe(200);
    expect(clientsOf(DeleteEmailIdentityCommand)).toEqual([v2.sesv2]);
    expect(
      transactions()
        .flat()
        .some((t) => String(t.Update?.Key?.PK).startsWith('CELL#')),
    ).toBe(false);
  });
});

describe('PATCH /domains/:id', () => {
  it("changes the MAIL FROM in the domain's cell", async () => {
    const item = stored({ cell: 'c2', cellCounted: true });
    sesv2Mock.on(PutEmailIdentityMailFromAttributesCommand).resolves({});
    // The update lease, then the check's `verifying`: both answer the item as it now is.
    ddbMock.on(UpdateCommand).callsFake((input: { ExpressionAttributeValues?: Record<string, unknown> }) => ({
      Attributes: {
        ...item,
        updateLeaseId: input.ExpressionAttributeValues?.[':lease'],
        status: 'verifying',
        previousStatus: 'pending',
      },
    }));
    const reply = await invoke(
      updateHandler,
      httpEvent('PATCH', '/domains/{id}', {
        headers: jsonHeaders(key.plaintext),
        pathParameters: { id: item.id as string },
        body: { return_path: 'bounces' },
      }),
    );
    expect(reply.status).toBe(200);
    expect(clientsOf(PutEmailIdentityMailFromAttributesCommand)).toEqual([cells.sesv2ForCell('c2')]);
    expect(clientsOf(GetEmailIdentityCommand).every((c) => c === cells.sesv2ForCell('c2'))).toBe(true);
    expect(JSON.stringify(reply.body)).not.toMatch(/"c2"|cell/);
  });
});
