/**
 * The SQS-triggered verifier (functions/verifier.ts → src/services/verifier.ts). AWS calls are
 * mocked; DNS answers come from the project's dns2 test server on 127.0.0.1 (never the network).
 */
import './support/env.js';
import { randomUUID } from 'node:crypto';
import { DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetEmailIdentityCommand, type GetEmailIdentityCommandOutput } from '@aws-sdk/client-sesv2';
import { GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { SQSBatchResponse } from 'aws-lambda';
import { DNS_DEADLINE_MS } from '../../src/adapters/dns-observer.js';
import { domainKey, INDEX, KEY_PREFIX, rateBudgetKey, teamPartition } from '../../src/adapters/table-keys.js';
import { questionsFor } from '../../src/domain/diagnostics.js';
import { recordSpecs } from '../../src/domain/dns-records.js';
import { type DnsTestServer, startDnsServer } from '../support/dns-server.js';
import {
  ddbMock,
  errors,
  eventBridgeMock,
  givenDomain,
  resetAwsMocks,
  sesv2Mock,
  domainItem as storedDomain,
} from './support/aws.js';
import { TEST_REGION, TEST_TABLE } from './support/env.js';
import { lambdaContext, sqsEvent, sqsRecord } from './support/events.js';

/** A domain created an hour ago: far from its release time (see test/unit/verifier-release.test.ts). */
const domainItem = (overrides: Record<string, unknown> = {}) =>
  storedDomain({ createdAt: new Date(Date.now() - 3_600_000).toISOString(), ...overrides });

type Handler = (
  event: ReturnType<typeof sqsEvent>,
  context: ReturnType<typeof lambdaContext>,
) => Promise<SQSBatchResponse>;
let handler: Handler;
let dns: DnsTestServer;

beforeAll(async () => {
  dns = await startDnsServer();
  process.env.DNS_SERVERS = dns.address;
  handler = (await import('../../functions/verifier.js')).handler as Handler;
});

afterAll(() => dns.close());

beforeEach(() => {
  resetAwsMocks();
  dns.clear();
  // The shared SES pacer is idle: every check gets its slot at once.
  ddbMock.on(UpdateCommand, { Key: rateBudgetKey(`ses#${TEST_REGION}`) }).resolves({});
});

const HOUR = 3_600_000;

type Item = Record<string, unknown>;

/** A domain whose check is in flight (POST /verify set it `verifying` an hour ago). */
function verifying(overrides: Item = {}): Item {
  return domainItem({
    status: 'verifying',
    previousStatus: 'pending',
    verifyRequestedAt: new Date(Date.now() - HOUR).toISOString(),
    ...overrides,
  });
}

const message = (item: Item, reason: 'user' | 'schedule' = 'user') => ({
  teamId: item.teamId,
  domainId: item.id,
  requestedAt: new Date().toISOString(),
  reason,
});

/** Publishes every record of the domain in the DNS test server, exactly as shown to the customer. */
function publishRecords(item: Item): void {
  const specs = recordSpecs({
    domain: item.domain as string,
    returnPath: item.returnPath as string,
    region: item.region as string,
    verificationToken: item.verificationToken as string,
    dkimTokens: item.dkimTokens as string[],
  });
  const txt = new Map<string, string[]>();
  for (const s of specs) {
    if (s.type === 'TXT') txt.set(s.name, [...(txt.get(s.name) ?? []), s.value]);
    else if (s.type === 'MX') dns.set(s.name, 'MX', [{ exchange: s.value, priority: 10 }]);
    else dns.set(s.name, s.type, [s.value]);
  }
  for (const [name, values] of txt) dns.set(name, 'TXT', values);
}

function sesAnswers(domain: string, answer: Partial<GetEmailIdentityCommandOutput> | Error): void {
  const stub = sesv2Mock.on(GetEmailIdentityCommand, { EmailIdentity: domain });
  if (answer instanceof Error) stub.rejects(answer);
  else stub.resolves({ IdentityType: 'DOMAIN', ...answer });
}

const SES_VERIFIED: Partial<GetEmailIdentityCommandOutput> = {
  VerificationStatus: 'SUCCESS',
  VerifiedForSendingStatus: true,
  DkimAttributes: { Status: 'SUCCESS', Tokens: ['token1', 'token2', 'token3'] },
  MailFromAttributes: {
    MailFromDomain: 'send.example.com',
    MailFromDomainStatus: 'SUCCESS',
    BehaviorOnMxFailure: 'USE_DEFAULT_VALUE',
  },
};

const SES_PENDING: Partial<GetEmailIdentityCommandOutput> = {
  VerificationStatus: 'PENDING',
  VerifiedForSendingStatus: false,
  DkimAttributes: { Status: 'PENDING', Tokens: ['token1', 'token2', 'token3'] },
  MailFromAttributes: {
    MailFromDomain: 'send.example.com',
    MailFromDomainStatus: 'PENDING',
    BehaviorOnMxFailure: 'USE_DEFAULT_VALUE',
  },
  VerificationInfo: { ErrorType: 'HOST_NOT_FOUND' },
};

interface DomainWrite {
  readonly via: 'UpdateCommand' | 'TransactWriteCommand';
  readonly Key?: Record<string, unknown>;
  readonly UpdateExpression?: string;
  readonly ConditionExpression?: string;
  readonly ExpressionAttributeValues?: Record<string, unknown>;
}

/** Writes of a check result to domain items (not the pacer, not the event bookkeeping). */
function domainWrites(): DomainWrite[] {
  const out: DomainWrite[] = [];
  for (const c of ddbMock.commandCalls(UpdateCommand)) {
    const i = c.args[0].input;
    if (String(i.Key?.PK).startsWith(KEY_PREFIX.team) && !/^REMOVE pendingEvent$/.test(i.UpdateExpression ?? ''))
      out.push({ via: 'UpdateCommand', ...i } as DomainWrite);
  }
  for (const c of ddbMock.commandCalls(TransactWriteCommand)) {
    for (const t of c.args[0].input.TransactItems ?? [])
      if (t.Update) out.push({ via: 'TransactWriteCommand', ...t.Update } as DomainWrite);
  }
  return out;
}

const run = (records: ReturnType<typeof sqsRecord>[]) => handler(sqsEvent(records), lambdaContext('verifier'));

describe('verifier: partial batch failures', () => {
  it('reports exactly the one record of three whose check SES throttled', async () => {
    const a = verifying({ domain: 'a-domain.com' });
    const b = verifying({ domain: 'b-domain.com' });
    const c = verifying({ domain: 'c-domain.com', teamId: 'team-c' });
    for (const d of [a, b, c]) givenDomain(d);
    publishRecords(a);
    sesAnswers('a-domain.com', SES_VERIFIED);
    sesAnswers('b-domain.com', errors.sesThrottled());
    sesAnswers('c-domain.com', SES_PENDING);
    ddbMock.on(TransactWriteCommand).resolves({});

    const result = await run([
      sqsRecord(message(a), 'msg-a'),
      sqsRecord(message(b), 'msg-b'),
      sqsRecord(message(c), 'msg-c'),
    ]);
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'msg-b' }] });
    const written = domainWrites().map((w) => [w.Key, w.ExpressionAttributeValues?.[':status']]);
    expect(written).toHaveLength(2);
    expect(written).toEqual(
      expect.arrayContaining([
        [domainKey('team-a', a.id as string), 'verified'],
        [domainKey('team-c', c.id as string), 'pending'],
      ]),
    );
  });

  it('reports malformed messages and processes the others', async () => {
    const a = verifying();
    givenDomain(a);
    sesAnswers('example.com', SES_PENDING);
    const result = await run([
      sqsRecord('{not json', 'bad-1'),
      sqsRecord({ teamId: 'team-a', domainId: 'not-a-uuid', requestedAt: 'x', reason: 'user' }, 'bad-2'),
      sqsRecord(message(a), 'good'),
    ]);
    expect(result.batchItemFailures).toHaveLength(2);
    expect(result.batchItemFailures).toEqual(
      expect.arrayContaining([{ itemIdentifier: 'bad-1' }, { itemIdentifier: 'bad-2' }]),
    );
    expect(domainWrites()).toHaveLength(1);
  });

  it('reports every record, without throwing, when all fail', async () => {
    const items = [verifying({ domain: 'a-domain.com' }), verifying({ domain: 'b-domain.com' })];
    for (const d of items) givenDomain(d);
    sesv2Mock.on(GetEmailIdentityCommand).rejects(errors.sesThrottled());
    const result = await run(items.map((d, i) => sqsRecord(message(d), `m${i}`)));
    expect(result.batchItemFailures).toHaveLength(2);
    expect(result.batchItemFailures).toEqual(
      expect.arrayContaining([{ itemIdentifier: 'm0' }, { itemIdentifier: 'm1' }]),
    );
    expect(domainWrites()).toHaveLength(0);
  });

  it('reports a record whose write DynamoDB throttled, so SQS retries it', async () => {
    const a = verifying();
    givenDomain(a);
    sesAnswers('example.com', SES_PENDING);
    ddbMock.on(UpdateCommand, { Key: { PK: teamPartition('team-a') } }).rejects(errors.ddbThrottled());
    expect(await run([sqsRecord(message(a), 'm')])).toEqual({ batchItemFailures: [{ itemIdentifier: 'm' }] });
  });

  it('answers an empty failure list for a clean batch', async () => {
    const a = verifying();
    givenDomain(a);
    sesAnswers('example.com', SES_PENDING);
    expect(await run([sqsRecord(message(a))])).toEqual({ batchItemFailures: [] });
  });
});

describe('verifier: a deleted domain is never resurrected', () => {
  it('skips a domain that no longer exists: no SES call, no write, no event, no failure', async () => {
    const id = randomUUID();
    const result = await run([
      sqsRecord({ teamId: 'team-a', domainId: id, requestedAt: new Date().toISOString(), reason: 'user' }, 'm'),
    ]);
    expect(result).toEqual({ batchItemFailures: [] });
    expect(ddbMock).toHaveReceivedCommandWith(GetCommand, {
      TableName: TEST_TABLE,
      Key: domainKey('team-a', id),
    });
    expect(sesv2Mock.calls()).toHaveLength(0);
    expect(ddbMock).not.toHaveReceivedCommand(UpdateCommand);
    expect(ddbMock).not.toHaveReceivedCommand(PutCommand);
    expect(ddbMock).not.toHaveReceivedCommand(TransactWriteCommand);
    expect(eventBridgeMock.calls()).toHaveLength(0);
  });

  it('writes only on condition that the item exists; a failed condition (deleted mid-check) ends the check, not failed', async () => {
    const a = verifying();
    givenDomain(a);
    sesAnswers('example.com', SES_PENDING);
    ddbMock.on(UpdateCommand, { Key: { PK: teamPartition('team-a') } }).rejects(errors.conditionalCheckFailed());

    expect(await run([sqsRecord(message(a), 'm')])).toEqual({ batchItemFailures: [] });
    const writes = domainWrites();
    expect(writes).toHaveLength(1);
    expect(writes[0]?.ConditionExpression).toContain('attribute_exists(PK)');
    expect(ddbMock).not.toHaveReceivedCommand(PutCommand);
    expect(ddbMock).not.toHaveReceivedCommand(TransactWriteCommand);
    expect(eventBridgeMock.calls()).toHaveLength(0);
  });

  it('a PATCH between read and write (settingsRev moved on): decides again on the new settings, asking SES and DNS again', async () => {
    const before = verifying({ status: 'pending', previousStatus: undefined, settingsRev: 0 });
    const after = { ...before, returnPath: 'bounces', settingsRev: 1 };
    ddbMock
      .on(GetCommand, { Key: { PK: before.PK, SK: before.SK } })
      .resolvesOnce({ Item: before })
      .resolves({ Item: after });
    sesAnswers('example.com', SES_PENDING);
    ddbMock
      .on(UpdateCommand, { Key: { PK: teamPartition('team-a') } })
      .rejectsOnce(errors.conditionalCheckFailed(after))
      .resolves({});

    expect(await run([sqsRecord(message(before), 'm')])).toEqual({ batchItemFailures: [] });
    const writes = domainWrites();
    expect(writes).toHaveLength(2);
    expect(writes[0]?.ConditionExpression).toContain('settingsRev = :rev');
    expect(writes.map((w) => w.ExpressionAttributeValues?.[':rev'])).toEqual([0, 1]);
    // The second decision is about the new MAIL FROM name.
    expect(JSON.stringify(writes[1]?.ExpressionAttributeValues?.[':checks'])).toContain('bounces.example.com');
    expect(sesv2Mock.commandCalls(GetEmailIdentityCommand)).toHaveLength(2);
  });

  it('a status change between read and write with the same settings: decides again without asking SES again', async () => {
    const before = verifying();
    const after = { ...before, status: 'pending', previousStatus: undefined };
    ddbMock
      .on(GetCommand, { Key: { PK: before.PK, SK: before.SK } })
      .resolvesOnce({ Item: before })
      .resolves({ Item: after });
    sesAnswers('example.com', SES_PENDING);
    ddbMock
      .on(UpdateCommand, { Key: { PK: teamPartition('team-a') } })
      .rejectsOnce(errors.conditionalCheckFailed(after))
      .resolves({});

    expect(await run([sqsRecord(message(before), 'm')])).toEqual({ batchItemFailures: [] });
    expect(domainWrites()).toHaveLength(2);
    expect(domainWrites().map((w) => w.ExpressionAttributeValues?.[':expected'])).toEqual(['verifying', 'pending']);
    expect(sesv2Mock.commandCalls(GetEmailIdentityCommand)).toHaveLength(1);
  });

  it('does not publish a status change for a domain deleted before its status write', async () => {
    const a = verifying();
    givenDomain(a);
    publishRecords(a);
    sesAnswers('example.com', SES_VERIFIED);
    ddbMock
      .on(TransactWriteCommand)
      .rejects(errors.transactionCanceled([{ Code: 'ConditionalCheckFailed' }, { Code: 'None' }]));

    expect(await run([sqsRecord(message(a), 'm')])).toEqual({ batchItemFailures: [] });
    expect(domainWrites()).toHaveLength(1);
    expect(domainWrites()[0]?.ConditionExpression).toContain('attribute_exists(PK)');
    expect(eventBridgeMock.calls()).toHaveLength(0);
  });

  it('skips a domain still being set up', async () => {
    const a = domainItem({ ready: false });
    givenDomain(a);
    expect(await run([sqsRecord(message(a))])).toEqual({ batchItemFailures: [] });
    expect(sesv2Mock.calls()).toHaveLength(0);
    expect(domainWrites()).toHaveLength(0);
  });
});

describe('verifier: what it writes', () => {
  it('writes verified, with verified_at set once, and a daily drift check, when SES and DNS agree', async () => {
    const a = verifying();
    givenDomain(a);
    publishRecords(a);
    sesAnswers('example.com', SES_VERIFIED);
    ddbMock.on(TransactWriteCommand).resolves({});
    const before = Date.now();

    expect(await run([sqsRecord(message(a))])).toEqual({ batchItemFailures: [] });
    const [w] = domainWrites();
    expect(w?.Key).toEqual(domainKey('team-a', a.id as string));
    expect(w?.ExpressionAttributeValues?.[':status']).toBe('verified');
    expect(w?.UpdateExpression).toContain('verifiedAt = if_not_exists(verifiedAt, :at)');
    const checks = w?.ExpressionAttributeValues?.[':checks'] as Record<string, { status: string }>;
    for (const id of ['verification', 'dkim1', 'dkim2', 'dkim3', 'mail_from_mx', 'spf'])
      expect(checks[id]?.status).toBe('verified');
    const at = Date.parse(w?.ExpressionAttributeValues?.[':at'] as string);
    expect(at).toBeGreaterThanOrEqual(before);
    const dueSk = w?.ExpressionAttributeValues?.[':dueSk'] as string;
    expect(w?.ExpressionAttributeValues?.[':duePk']).toMatch(new RegExp(`^${KEY_PREFIX.due}\\d+$`));
    expect(dueSk.endsWith(`#${a.id}`)).toBe(true);
    expect(Date.parse(dueSk.split('#')[0] as string)).toBe(at + 24 * HOUR);
    expect(sesv2Mock).toHaveReceivedCommandWith(GetEmailIdentityCommand, { EmailIdentity: 'example.com' });
  });

  it('writes pending, never failed, while SES says VerifiedForSendingStatus false and records are PENDING', async () => {
    const a = verifying();
    givenDomain(a);
    sesAnswers('example.com', SES_PENDING);
    await run([sqsRecord(message(a))]);
    const [w] = domainWrites();
    expect(w?.ExpressionAttributeValues?.[':status']).toBe('pending');
    expect(w?.UpdateExpression).not.toContain('if_not_exists(verifiedAt');
    const checks = w?.ExpressionAttributeValues?.[':checks'] as Record<string, { status: string }>;
    expect(Object.values(checks).map((c) => c.status)).not.toContain('failed');
    expect(w?.ExpressionAttributeValues?.[':dueSk']).toEqual(expect.any(String));
  });

  it('writes failed when the SES identity no longer exists', async () => {
    const a = verifying();
    givenDomain(a);
    sesAnswers('example.com', errors.sesNotFound());
    ddbMock.on(TransactWriteCommand).resolves({});
    expect(await run([sqsRecord(message(a))])).toEqual({ batchItemFailures: [] });
    expect(domainWrites()[0]?.ExpressionAttributeValues?.[':status']).toBe('failed');
  });

  /** A check of a domain whose SES identity is FAILED: the update it writes. */
  async function failedCheck(a: Item) {
    givenDomain(a);
    sesAnswers('example.com', { ...SES_PENDING, VerificationStatus: 'FAILED' });
    ddbMock.on(TransactWriteCommand).resolves({});
    await run([sqsRecord(message(a))]);
    const [w] = domainWrites();
    expect(w?.ExpressionAttributeValues?.[':status']).toBe('failed');
    return w;
  }

  it('writes failed when SES reports the identity FAILED, and schedules it only for its release', async () => {
    const a = verifying();
    const w = await failedCheck(a);
    // Never verified: due again at the end of the window plus the grace (168 h by default), not before.
    const releaseAt = Date.parse(a.verifyRequestedAt as string) + (72 + 168) * HOUR;
    expect(w?.ExpressionAttributeValues?.[':dueSk']).toBe(`${new Date(releaseAt).toISOString()}#${a.id}`);
  });

  it('takes a failed domain that was verified once out of the schedule', async () => {
    const w = await failedCheck(verifying({ everVerified: true }));
    expect(w?.UpdateExpression).toMatch(new RegExp(`REMOVE .*${INDEX.pk}`));
    expect(w?.ExpressionAttributeValues).not.toHaveProperty(':duePk');
  });

  it('writes failed when still pending 72 hours after the verify request', async () => {
    const a = verifying({ verifyRequestedAt: new Date(Date.now() - 73 * HOUR).toISOString() });
    givenDomain(a);
    sesAnswers('example.com', SES_PENDING);
    ddbMock.on(TransactWriteCommand).resolves({});
    await run([sqsRecord(message(a))]);
    expect(domainWrites()[0]?.ExpressionAttributeValues?.[':status']).toBe('failed');
  });

  it('asks SES about the stored (ASCII) name of an international domain', async () => {
    const a = verifying({ domain: 'xn--bcher-kva.de' });
    givenDomain(a);
    sesAnswers('xn--bcher-kva.de', SES_PENDING);
    await run([sqsRecord(message(a))]);
    expect(sesv2Mock).toHaveReceivedCommandWith(GetEmailIdentityCommand, { EmailIdentity: 'xn--bcher-kva.de' });
  });
});

/** What DynamoDB answers for an item past 400 KB (an error the SDK has no class for). */
const itemTooLarge = () =>
  new DynamoDBServiceException({
    name: 'ValidationException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message: 'Item size to update has exceeded the maximum allowed size',
  });

describe('verifier: a result the table can never take ends the check', () => {
  it('stores a small failed result instead when the update is refused as too large, and does not fail the message', async () => {
    const a = verifying();
    givenDomain(a);
    sesAnswers('example.com', SES_PENDING);
    ddbMock
      .on(UpdateCommand, { Key: { PK: teamPartition('team-a') } })
      .rejectsOnce(itemTooLarge())
      .resolves({});
    ddbMock.on(TransactWriteCommand).resolves({});

    expect(await run([sqsRecord(message(a), 'm')])).toEqual({ batchItemFailures: [] });
    const writes = domainWrites();
    expect(writes.map((w) => [w.via, w.ExpressionAttributeValues?.[':status']])).toEqual([
      ['UpdateCommand', 'pending'],
      ['TransactWriteCommand', 'failed'],
    ]);
    const checks = writes[1]?.ExpressionAttributeValues?.[':checks'] as Record<
      string,
      { status: string; diagnostic?: { found: string[]; reason: string } }
    >;
    for (const check of Object.values(checks)) {
      expect(check.status).toBe('failed');
      expect(check.diagnostic?.found).toEqual([]);
      expect(check.diagnostic?.reason).toMatch(/could not be saved/);
    }
    // Not queued again until someone asks, except for its release (never verified).
    expect(Date.parse(String(writes[1]?.ExpressionAttributeValues?.[':dueSk']).split('#')[0]!)).toBeGreaterThan(
      Date.now() + 72 * HOUR,
    );
    expect(eventBridgeMock.calls()).toHaveLength(1);
  });

  it('does the same when the status-change transaction is cancelled for a validation error', async () => {
    const a = verifying();
    givenDomain(a);
    publishRecords(a);
    sesAnswers('example.com', SES_VERIFIED);
    ddbMock
      .on(TransactWriteCommand)
      .rejectsOnce(errors.transactionCanceled([{ Code: 'ValidationError' }, { Code: 'None' }]))
      .resolves({});

    expect(await run([sqsRecord(message(a), 'm')])).toEqual({ batchItemFailures: [] });
    expect(domainWrites().map((w) => w.ExpressionAttributeValues?.[':status'])).toEqual(['verified', 'failed']);
  });

  it('reports the message (no endless loop inside the check) when even the small result is refused', async () => {
    const a = verifying();
    givenDomain(a);
    sesAnswers('example.com', SES_PENDING);
    ddbMock.on(UpdateCommand, { Key: { PK: teamPartition('team-a') } }).rejects(itemTooLarge());
    ddbMock.on(TransactWriteCommand).rejects(itemTooLarge());

    expect(await run([sqsRecord(message(a), 'm')])).toEqual({ batchItemFailures: [{ itemIdentifier: 'm' }] });
    expect(domainWrites()).toHaveLength(2);
  });
});

describe('verifier: DNS that never answers', () => {
  it('ends the check by the DNS deadline, with every record "could not check"', async () => {
    const a = verifying();
    givenDomain(a);
    sesAnswers('example.com', SES_PENDING);
    const inputs = {
      domain: 'example.com',
      returnPath: 'send',
      region: 'eu-central-1',
      verificationToken: a.verificationToken as string,
      dkimTokens: a.dkimTokens as string[],
    };
    for (const q of questionsFor(inputs)) dns.fail(q.name, 'timeout');

    const started = Date.now();
    expect(await run([sqsRecord(message(a), 'm')])).toEqual({ batchItemFailures: [] });
    // The resolver alone would wait 2 s, then 4 s more, for each question.
    expect(Date.now() - started).toBeLessThan(DNS_DEADLINE_MS + 1_000);
    const [w] = domainWrites();
    expect(w?.ExpressionAttributeValues?.[':status']).toBe('pending');
    const checks = w?.ExpressionAttributeValues?.[':checks'] as Record<
      string,
      { status: string; diagnostic?: { reason: string } }
    >;
    for (const id of ['verification', 'dkim1', 'dkim2', 'dkim3', 'mail_from_mx', 'spf']) {
      expect(checks[id]?.status).toBe('pending');
      expect(checks[id]?.diagnostic?.reason).toContain('did not answer (ETIMEOUT)');
    }
  }, 15_000);
});

describe('verifier: hands back what it has no time left to check', () => {
  /** A context whose remaining time is read from `remaining`, one value per call, the last repeated. */
  function contextWith(remaining: number[]) {
    let calls = 0;
    return {
      ...lambdaContext('verifier'),
      getRemainingTimeInMillis: () => remaining[Math.min(calls++, remaining.length - 1)]!,
    };
  }

  it('reports the records it did not start as failures, without touching their domains', async () => {
    const items = ['a-domain.com', 'b-domain.com', 'c-domain.com'].map((domain) => verifying({ domain }));
    for (const d of items) {
      givenDomain(d);
      sesAnswers(d.domain as string, SES_PENDING);
    }
    // Time enough for the first check only.
    const result = await handler(
      sqsEvent(items.map((d, i) => sqsRecord(message(d), `m${i}`))),
      contextWith([60_000, 3_000]),
    );
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm1' }, { itemIdentifier: 'm2' }] });
    const read = ddbMock.commandCalls(GetCommand).map((c) => c.args[0].input.Key?.SK);
    expect(read).toEqual([domainKey(items[0]!.teamId as string, items[0]!.id as string).SK]);
    expect(sesv2Mock.commandCalls(GetEmailIdentityCommand).map((c) => c.args[0].input.EmailIdentity)).toEqual([
      'a-domain.com',
    ]);
    expect(domainWrites()).toHaveLength(1);
  });

  it('starts nothing when the batch arrives with too little time', async () => {
    const a = verifying();
    givenDomain(a);
    const result = await handler(
      sqsEvent([sqsRecord(message(a), 'm0'), sqsRecord('{not json', 'm1')]),
      contextWith([1_000]),
    );
    expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'm0' }, { itemIdentifier: 'm1' }] });
    expect(ddbMock.calls()).toHaveLength(0);
    expect(sesv2Mock.calls()).toHaveLength(0);
  });
});

describe('verifier: a status event that could not be published', () => {
  it('is published by the next attempt at the message, then forgotten', async () => {
    const a = verifying();
    givenDomain(a);
    publishRecords(a);
    sesAnswers('example.com', SES_VERIFIED);
    ddbMock.on(TransactWriteCommand).resolves({});
    eventBridgeMock.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure' }] });

    // The status write succeeded, its event did not: the message fails, so the queue redelivers it.
    expect(await run([sqsRecord(message(a), 'm')])).toEqual({ batchItemFailures: [{ itemIdentifier: 'm' }] });
    const stored = domainWrites()[0]?.ExpressionAttributeValues?.[':event'] as { to: string; at: string };
    expect(stored).toMatchObject({ from: 'pending', to: 'verified' });

    // The redelivered message finds the domain verified, with the event it still owes.
    ddbMock.resetHistory();
    eventBridgeMock.reset();
    eventBridgeMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'event-2' }] });
    givenDomain({ ...a, status: 'verified', previousStatus: undefined, verifiedAt: stored.at, pendingEvent: stored });
    expect(await run([sqsRecord(message(a), 'm')])).toEqual({ batchItemFailures: [] });

    const published = eventBridgeMock.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries?.[0]);
    expect(published).toHaveLength(1);
    expect(JSON.parse(published[0]?.Detail ?? '{}')).toMatchObject({
      domain_id: a.id,
      from: 'pending',
      to: 'verified',
    });
    expect(published[0]?.Time).toEqual(new Date(stored.at));
    const cleared = ddbMock
      .commandCalls(UpdateCommand)
      .map((c) => c.args[0].input)
      .filter((i) => i.UpdateExpression === 'REMOVE pendingEvent');
    expect(cleared).toEqual([expect.objectContaining({ ExpressionAttributeValues: { ':at': stored.at } })]);
  });
});

describe('verifier: the shared SES pacer', () => {
  it('waits for its slot before asking SES, however long the slot is in coming', async () => {
    const { checkDomain } = await import('../../src/services/verifier.js');
    const a = verifying();
    givenDomain(a);
    sesAnswers('example.com', SES_PENDING);
    const T0 = Date.parse('2026-01-16T10:00:00Z');
    // The pacer is busy: the idle form is refused, and the queued form hands out a slot a minute on.
    const rateKey = { PK: `RATE#ses#${TEST_REGION}`, SK: 'RATE' };
    ddbMock
      .on(UpdateCommand, { Key: rateKey, ConditionExpression: 'attribute_not_exists(nextSlot) OR nextSlot <= :now' })
      .rejects(errors.conditionalCheckFailed());
    ddbMock
      .on(UpdateCommand, { Key: rateKey, UpdateExpression: 'SET nextSlot = nextSlot + :interval' })
      .callsFake((input: { ExpressionAttributeValues: { ':interval': number } }) => ({
        Attributes: { nextSlot: T0 + 60_000 + input.ExpressionAttributeValues[':interval'] },
      }));

    const waits: number[] = [];
    let grant: () => void = () => undefined;
    const clock = {
      now: () => T0,
      sleep: (ms: number) => {
        waits.push(ms);
        return new Promise<void>((resolve) => {
          grant = resolve;
        });
      },
    };
    const check = checkDomain(message(a) as Parameters<typeof checkDomain>[0], clock);
    for (let i = 0; i < 200 && waits.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(waits).toEqual([60_000]);
    // DNS goes on meanwhile; SES is not asked until the slot comes.
    await new Promise((r) => setTimeout(r, 100));
    expect(sesv2Mock.commandCalls(GetEmailIdentityCommand)).toHaveLength(0);

    grant();
    expect(await check).toMatchObject({ outcome: 'checked', to: 'pending' });
    expect(sesv2Mock.commandCalls(GetEmailIdentityCommand)).toHaveLength(1);
  });
});
