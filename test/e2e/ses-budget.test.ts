/**
 * The verifier stays within the SES budget: a few hundred due domains, checked through the
 * scheduler and the queue against an SES stand-in that throttles just above the budget, all end
 * checked, none in the dead-letter queue, and the observed SES call rate stays within the budget.
 */
import { randomUUID } from 'node:crypto';
import { BatchWriteItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { marshall } from '@aws-sdk/util-dynamodb';
import { type E2E, startE2E } from '../support/e2e.js';

const DOMAINS = 200;
const BUDGET = 20; // SES calls per second the verifiers may use
const SES_LIMIT = 25; // what the stand-in allows before it throttles

let e2e: E2E;

beforeAll(async () => {
  e2e = await startE2E({ visibilityTimeoutSeconds: 30, env: { SES_BACKGROUND_RATE: String(BUDGET) } });
}, 60_000);

afterAll(async () => {
  await e2e?.stop();
});

it(`checks ${DOMAINS} due domains within a budget of ${BUDGET} SES calls/s, losing none`, async () => {
  const { domainKey, dueKey } = await import('../../src/adapters/table-keys.js');
  const ses = new SESv2Client({
    endpoint: e2e.stack.ses.url,
    region: 'eu-central-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  const now = Date.now();
  const ids: string[] = [];
  const items = [];
  for (let i = 0; i < DOMAINS; i++) {
    const id = randomUUID();
    const domain = `budget-${i}.example.com`;
    const created = await ses.send(new CreateEmailIdentityCommand({ EmailIdentity: domain }));
    ids.push(id);
    items.push({
      ...domainKey('team-budget', id),
      entity: 'Domain',
      id,
      teamId: 'team-budget',
      domain,
      returnPath: 'send',
      region: 'eu-central-1',
      status: 'pending',
      ready: true,
      createdAt: new Date(now).toISOString(),
      verifyRequestedAt: new Date(now).toISOString(),
      verificationToken: 'token',
      dkimTokens: created.DkimAttributes?.Tokens ?? [],
      ...dueKey(id, now - 1000),
    });
  }
  ses.destroy();
  for (let i = 0; i < items.length; i += 25) {
    await e2e.stack.ddb.send(
      new BatchWriteItemCommand({
        RequestItems: {
          [e2e.stack.tableName]: items.slice(i, i + 25).map((item) => ({ PutRequest: { Item: marshall(item) } })),
        },
      }),
    );
  }

  const callsBefore = e2e.stack.ses.calls().length;
  e2e.stack.ses.throttle({ ratePerSecond: SES_LIMIT });
  const started = Date.now();
  const run = await e2e.stack.runScheduler(new Date(now));
  expect(run).toMatchObject({ enqueued: DOMAINS, failedToEnqueue: 0 });
  expect(run.itemsRead).toBeLessThanOrEqual(Math.ceil(DOMAINS * 1.1));
  await e2e.drain();
  const seconds = (Date.now() - started) / 1000;

  const key = (await e2e.newKey('team-budget')).plaintext;
  const list = (await e2e.request('GET', '/domains', { key })).json.data as Array<{
    id: string;
    status: string;
    last_checked_at: string | null;
  }>;
  const checked = list.filter((d) => ids.includes(d.id) && d.last_checked_at !== null);
  expect(checked).toHaveLength(DOMAINS);
  // The identities exist and no records are published: every check ends pending, none failed.
  expect(checked.every((d) => d.status === 'pending')).toBe(true);

  const dlq = await e2e.stack.sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: e2e.stack.queues.dlqUrl,
      AttributeNames: ['ApproximateNumberOfMessages'],
    }),
  );
  expect(Number(dlq.Attributes?.ApproximateNumberOfMessages)).toBe(0);

  const gets = e2e.stack.ses
    .calls()
    .slice(callsBefore)
    .filter((c) => c.action === 'GetEmailIdentity');
  const answered = gets.filter((c) => c.status === 200).length;
  const throttled = gets.filter((c) => c.status === 429).length;
  const span = (gets.at(-1)!.at - gets[0]!.at) / 1000;
  const rate = (gets.length - 1) / span;
  console.log(
    `ses budget: ${DOMAINS} checks in ${seconds.toFixed(1)} s; ${gets.length} GetEmailIdentity calls (${throttled} throttled), observed ${rate.toFixed(2)}/s for a budget of ${BUDGET}/s (ratio ${(rate / BUDGET).toFixed(3)}); scheduler read ${run.itemsRead} items`,
  );
  expect(answered).toBeGreaterThanOrEqual(DOMAINS);
  expect(rate).toBeLessThanOrEqual(BUDGET * 1.05);
}, 240_000);
