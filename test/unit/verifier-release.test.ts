/**
 * Release of never-verified domains by the verifier (src/services/release.ts): when it is due, what
 * it removes and in which order, and what it leaves alone. AWS calls are mocked.
 */
import './support/env.js';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DeleteEmailIdentityCommand, GetEmailIdentityCommand } from '@aws-sdk/client-sesv2';
import { GetCommand, TransactWriteCommand, type TransactWriteCommandInput, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSBatchResponse } from 'aws-lambda';
import {
  claimKey,
  domainCountKey,
  domainKey,
  rateBudgetKey,
  statusHistoryPrefix,
  webhookEventKey,
} from '../../src/adapters/table-keys.js';
import {
  ddbMock,
  domainItem,
  errors,
  eventBridgeMock,
  givenDomain,
  ownerTagsFor,
  resetAwsMocks,
  sesv2Mock,
} from './support/aws.js';
import { TEST_REGION } from './support/env.js';
import { lambdaContext, sqsEvent, sqsRecord } from './support/events.js';

type Handler = (
  event: ReturnType<typeof sqsEvent>,
  context: ReturnType<typeof lambdaContext>,
) => Promise<SQSBatchResponse>;
let handler: Handler;

beforeAll(async () => {
  handler = (await import('../../functions/verifier.js')).handler as Handler;
});

const HOUR = 3_600_000;
/** 72-hour window + the default grace of 168 hours. */
const RELEASE_AFTER = (72 + 168) * HOUR;

beforeEach(() => {
  resetAwsMocks();
  ddbMock.on(UpdateCommand, { Key: rateBudgetKey(`ses#${TEST_REGION}`) }).resolves({});
  ddbMock.on(UpdateCommand).resolves({});
  ddbMock.on(TransactWriteCommand).resolves({});
  eventBridgeMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e1' }] });
  sesv2Mock.on(DeleteEmailIdentityCommand).resolves({});
});

type Item = Record<string, unknown>;
const run = (item: Item) =>
  handler(
    sqsEvent([
      sqsRecord({ teamId: item.teamId, domainId: item.id, requestedAt: new Date().toISOString(), reason: 'schedule' }),
    ]),
    lambdaContext(),
  );
const transactions = () =>
  ddbMock
    .commandCalls(TransactWriteCommand)
    .map((c) => c.args[0].input.TransactItems as NonNullable<TransactWriteCommandInput['TransactItems']>);
const releasingMarks = () =>
  ddbMock.commandCalls(UpdateCommand).filter((c) => c.args[0].input.UpdateExpression === 'SET releasing = :true');
const events = () =>
  eventBridgeMock.commandCalls(PutEventsCommand).map((c) => JSON.parse(c.args[0].input.Entries?.[0]?.Detail ?? '{}'));

function pendingSince(ms: number, overrides: Item = {}): Item {
  const at = new Date(Date.now() - ms).toISOString();
  return domainItem({ status: 'failed', createdAt: at, verifyRequestedAt: at, ...overrides });
}

describe('verifier: releasing a domain never verified in time', () => {
  it('marks it, deletes its own SES identity, publishes the event, then removes domain, claim and count with the history entry', async () => {
    const a = pendingSince(RELEASE_AFTER + HOUR);
    givenDomain(a);
    sesv2Mock.on(GetEmailIdentityCommand).resolves({ IdentityType: 'DOMAIN', Tags: ownerTagsFor(a.id as string) });

    expect(await run(a)).toEqual({ batchItemFailures: [] });
    expect(releasingMarks()).toHaveLength(1);
    expect(sesv2Mock).toHaveReceivedCommandWith(DeleteEmailIdentityCommand, { EmailIdentity: 'example.com' });
    expect(events()).toEqual([expect.objectContaining({ domain_id: a.id, from: 'failed', to: 'released' })]);
    const [tx] = transactions();
    expect(tx?.map((t) => Object.keys(t)[0])).toEqual(['Delete', 'Delete', 'Update', 'Put', 'Put']);
    expect(tx?.[0]?.Delete).toMatchObject({
      Key: domainKey('team-a', a.id as string),
      ConditionExpression: 'releasing = :true AND (attribute_not_exists(eventSeq) OR eventSeq = :seqRead)',
    });
    expect(tx?.[1]?.Delete?.Key).toEqual(claimKey('example.com'));
    expect(tx?.[2]?.Update?.Key).toEqual(domainCountKey('team-a'));
    expect(tx?.[3]?.Put?.Item).toMatchObject({
      SK: expect.stringMatching(`^${statusHistoryPrefix(a.id as string)}`),
      to: 'released',
    });
    // A domain that was shown: its webhooks hear that it is gone.
    expect(tx?.[4]?.Put?.Item).toMatchObject({
      SK: webhookEventKey('team-a', a.id as string, 1).SK,
      type: 'domain.deleted',
    });
  });

  it("leaves an identity that is not the domain's in SES, and still frees the name", async () => {
    const a = pendingSince(RELEASE_AFTER + HOUR);
    givenDomain(a);
    sesv2Mock.on(GetEmailIdentityCommand).resolves({ IdentityType: 'DOMAIN', Tags: [] });
    await run(a);
    expect(sesv2Mock).not.toHaveReceivedCommand(DeleteEmailIdentityCommand);
    expect(transactions()).toHaveLength(1);
  });

  it('is not due before the window and the grace have passed', async () => {
    const a = pendingSince(RELEASE_AFTER - HOUR);
    givenDomain(a);
    await run(a);
    expect(releasingMarks()).toHaveLength(0);
    expect(sesv2Mock).not.toHaveReceivedCommand(DeleteEmailIdentityCommand);
  });

  it('never releases a domain that was verified once', async () => {
    const a = pendingSince(10 * RELEASE_AFTER, { everVerified: true });
    givenDomain(a);
    await run(a);
    expect(releasingMarks()).toHaveLength(0);
    expect(sesv2Mock).not.toHaveReceivedCommand(DeleteEmailIdentityCommand);
    expect(events()).toHaveLength(0);
  });

  it('does nothing more when the mark fails (a verify request came in meanwhile)', async () => {
    const a = pendingSince(RELEASE_AFTER + HOUR);
    // The first read is stale; the re-read after the failed mark shows the new request.
    ddbMock
      .on(GetCommand, { Key: { PK: a.PK, SK: a.SK } })
      .resolvesOnce({ Item: a })
      .resolves({
        Item: { ...a, status: 'verifying', previousStatus: 'failed', verifyRequestedAt: new Date().toISOString() },
      });
    ddbMock.on(UpdateCommand, { UpdateExpression: 'SET releasing = :true' }).rejects(errors.conditionalCheckFailed());
    sesv2Mock
      .on(GetEmailIdentityCommand)
      .resolves({ IdentityType: 'DOMAIN', Tags: ownerTagsFor(a.id as string), VerificationStatus: 'PENDING' });
    await run(a);
    expect(sesv2Mock).not.toHaveReceivedCommand(DeleteEmailIdentityCommand);
    expect(events().filter((e) => e.to === 'released')).toHaveLength(0);
  });

  it('finishes a release an earlier attempt began (the domain is marked releasing), also when the event was already sent', async () => {
    const a = pendingSince(RELEASE_AFTER + HOUR, { releasing: true });
    givenDomain(a);
    sesv2Mock.on(GetEmailIdentityCommand).rejects(errors.sesNotFound());
    expect(await run(a)).toEqual({ batchItemFailures: [] });
    expect(releasingMarks()).toHaveLength(0);
    expect(events()).toEqual([expect.objectContaining({ to: 'released' })]);
    expect(transactions()).toHaveLength(1);
  });

  it('keeps the domain and fails the message when SES throttles the delete: the retry finishes it', async () => {
    const a = pendingSince(RELEASE_AFTER + HOUR);
    givenDomain(a);
    sesv2Mock.on(GetEmailIdentityCommand).resolves({ IdentityType: 'DOMAIN', Tags: ownerTagsFor(a.id as string) });
    sesv2Mock.on(DeleteEmailIdentityCommand).rejects(errors.sesThrottled());
    const out = await run(a);
    expect(out.batchItemFailures).toHaveLength(1);
    expect(transactions()).toHaveLength(0);
    expect(events()).toHaveLength(0);
  });
});
