/**
 * The delivery worker's step (src/services/webhooks/deliver.ts) with the table, SQS, EventBridge and
 * KMS mocked and a real receiver on 127.0.0.1: what an attempt sends and records, how it schedules
 * the next one, when it ends a delivery, and how it switches an endpoint off. Time is the test's.
 */
import './support/env.js';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DecryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { jest } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { Webhook } from 'standardwebhooks';
import { ddbMock, errors, eventBridgeMock, resetAwsMocks, sqsMock } from './support/aws.js';

Object.assign(process.env, {
  WEBHOOKS_ALLOW_LOCAL_TARGETS: '1',
  WEBHOOK_KMS_KEY_ID: 'arn:aws:kms:eu-central-1:123456789012:key/test',
  WEBHOOK_DELIVERY_QUEUE_URL: 'https://sqs.eu-central-1.amazonaws.com/123456789012/delivery-queue',
  WEBHOOK_RETRY_SCHEDULE_SECONDS: '5,300,1800',
});

const { deliver } = await import('../../src/services/webhooks/deliver.js');
const { forgetOpenedSecrets } = await import('../../src/adapters/webhook-secrets.js');
const { deliveryKey, webhookKey } = await import('../../src/adapters/table-keys.js');
const { logger } = await import('../../src/observability.js');

const kmsMock = mockClient(KMSClient);
const TEAM = 'team-a';
const WEBHOOK = '7d2c4e1a-9b3f-4c8e-a1d5-2f6b8c0e4a97';
const DELIVERY = '01940c3a-7b10-7e2a-9c4d-8a1f2b3c4d5e';
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const OLD_SECRET = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
const NOW = Date.parse('2026-03-01T12:00:00.000Z');
const DAY = 24 * 3600_000;
/** random() = 0.5: no jitter. */
const clock = (now = NOW) => ({ now: () => now, random: () => 0.5, sleep: async () => {} });
const message = (extra: Record<string, unknown> = {}) => ({
  teamId: TEAM,
  webhookId: WEBHOOK,
  deliveryId: DELIVERY,
  attempt: 1,
  ...extra,
});

/** The mock seals a secret as its own base64: Decrypt gives the blob back. */
const sealed = (secret: string) => Buffer.from(secret).toString('base64');

let answer: { status: number; body?: string; headers?: Record<string, string> } = { status: 200 };
let received: { headers: IncomingMessage['headers']; body: string; slotsHeld: string[] }[] = [];
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const slotsHeld = Object.keys(webhookItem ?? {}).filter((k) => /^slot\d+$/.test(k));
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), slotsHeld });
      res.writeHead(answer.status, answer.headers ?? {}).end(answer.body ?? 'ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

type Item = Record<string, unknown>;
let deliveryItem: Item;
let webhookItem: Item | undefined;
let updates: { key: string; input: { UpdateExpression?: string; ExpressionAttributeNames?: Record<string, string> } }[];

function givenDelivery(extra: Item = {}) {
  deliveryItem = {
    ...deliveryKey(TEAM, WEBHOOK, DELIVERY),
    deliveryId: DELIVERY,
    webhookId: WEBHOOK,
    teamId: TEAM,
    eventId: 'msg_event1',
    type: 'domain.status_changed',
    createdAt: new Date(NOW - 60_000).toISOString(),
    status: 'pending',
    attempts: 0,
    payload: '{"type":"domain.status_changed","timestamp":"2026-03-01T11:59:00Z","data":{"sequence":3}}',
    ...extra,
  };
}

function givenWebhook(extra: Item = {}) {
  webhookItem = {
    ...webhookKey(TEAM, WEBHOOK),
    id: WEBHOOK,
    teamId: TEAM,
    url,
    events: ['domain.status_changed'],
    enabled: true,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    secretSealed: sealed(SECRET),
    ...extra,
  };
}

/** Applies an update's SET values and REMOVEs to the stored item, as DynamoDB would. */
function applied(item: Item, input: { UpdateExpression?: string; ExpressionAttributeValues?: Item }): Item {
  const next = { ...item };
  const values = input.ExpressionAttributeValues ?? {};
  for (const m of (input.UpdateExpression ?? '').matchAll(/#(\w+) = (?:if_not_exists\(#\w+, )?:(\w+)/g))
    next[m[1]!] = m[1] === 'failingSince' && next.failingSince ? next.failingSince : values[`:${m[2]}`];
  const remove = /REMOVE (.*)$/.exec(input.UpdateExpression ?? '')?.[1] ?? '';
  for (const name of remove.split(',').map((n) => n.trim().replace(/^#/, ''))) if (name) delete next[name];
  return next;
}

/** An attempt slot taken (free, or its lease ended before `:now`) or released (still ours), as DynamoDB would. */
function slotUpdate(slot: string, expression: string, values: Item) {
  const held = webhookItem?.[slot] as number | undefined;
  if (expression.startsWith('SET')) {
    if (!webhookItem) throw errors.conditionalCheckFailed();
    if (held !== undefined && held >= (values[':now'] as number)) throw errors.conditionalCheckFailed(webhookItem);
    webhookItem = { ...webhookItem, [slot]: values[':until'] };
  } else {
    if (held !== values[':until']) throw errors.conditionalCheckFailed();
    const { [slot]: _, ...rest } = webhookItem!;
    webhookItem = rest;
  }
  return {};
}

beforeEach(() => {
  resetAwsMocks();
  kmsMock.reset();
  forgetOpenedSecrets();
  received = [];
  updates = [];
  answer = { status: 200 };
  givenDelivery();
  givenWebhook();
  kmsMock
    .on(DecryptCommand)
    .callsFake((input: { CiphertextBlob: Uint8Array }) => ({ Plaintext: input.CiphertextBlob }));
  ddbMock.on(GetCommand).callsFake((input: { Key: Item }) => {
    if (String(input.Key.SK).startsWith('DELIVERY#')) return { Item: deliveryItem };
    return { Item: webhookItem };
  });
  ddbMock
    .on(UpdateCommand)
    .callsFake(
      (input: {
        Key: Item;
        UpdateExpression: string;
        ExpressionAttributeNames?: Record<string, string>;
        ExpressionAttributeValues?: Item;
      }) => {
        const sk = String(input.Key.SK);
        updates.push({ key: sk, input });
        const slot = input.ExpressionAttributeNames?.['#slot'];
        if (slot !== undefined) return slotUpdate(slot, input.UpdateExpression, input.ExpressionAttributeValues ?? {});
        if (sk.startsWith('DELIVERY#')) {
          deliveryItem = applied(deliveryItem, input);
          return { Attributes: deliveryItem };
        }
        if (input.UpdateExpression === 'REMOVE failingSince') {
          if (!webhookItem?.failingSince) throw errors.conditionalCheckFailed();
          webhookItem = applied(webhookItem, input);
          return {};
        }
        webhookItem = applied(webhookItem!, input);
        return { Attributes: webhookItem };
      },
    );
  sqsMock.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
});

const sentMessages = () =>
  sqsMock.commandCalls(SendMessageCommand).map((c) => ({
    body: JSON.parse(c.args[0].input.MessageBody ?? '{}') as Record<string, unknown>,
    delay: c.args[0].input.DelaySeconds,
  }));

describe('one delivery attempt', () => {
  it('sends the payload signed under the event id, and records it delivered', async () => {
    // The signature is checked against real time, as a receiver does.
    const now = Date.now();
    const out = await deliver(message(), false, clock(now));
    expect(out).toEqual({ outcome: 'delivered', statusCode: 200 });
    expect(received).toHaveLength(1);
    const [req] = received;
    expect(req!.body).toBe(deliveryItem.payload);
    expect(req!.headers['webhook-id']).toBe('msg_event1');
    expect(req!.headers['webhook-timestamp']).toBe(String(Math.floor(now / 1000)));
    expect(() => new Webhook(SECRET).verify(req!.body, req!.headers as Record<string, string>)).not.toThrow();
    expect(deliveryItem).toMatchObject({ status: 'delivered', attempts: 1, lastStatusCode: 200, lastResponse: 'ok' });
    expect(deliveryItem.nextAttemptAt).toBeUndefined();
    expect(sentMessages()).toEqual([]);
  });

  it('logs each attempt without the secret, the URL or the body', async () => {
    const lines: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      lines.push(String(chunk));
      return true;
    });
    logger.setLogLevel('DEBUG');
    try {
      answer = { status: 500 };
      await deliver(message(), false, clock());
      answer = { status: 200 };
      await deliver(message({ attempt: 2 }), false, clock());
    } finally {
      logger.setLogLevel('SILENT');
      write.mockRestore();
    }
    const out = lines.join('');
    expect(out.match(/"message":"webhook attempt"/g)).toHaveLength(2);
    for (const secret of [SECRET, SECRET.slice('whsec_'.length), OLD_SECRET]) expect(out).not.toContain(secret);
    // The body as it would appear inside a JSON log line (quotes escaped), and as it is.
    expect(out).not.toContain(JSON.stringify(deliveryItem.payload).slice(1, -1));
    expect(out).not.toContain(deliveryItem.payload);
    expect(out).not.toContain(url);
  });

  it('signs with the previous secret too while it is valid', async () => {
    const now = Date.now();
    givenWebhook({ previousSecretSealed: sealed(OLD_SECRET), previousSecretUntil: new Date(now + DAY).toISOString() });
    // The signature holds for the current moment only: the receiver checks it against real time.
    await deliver(message(), false, clock(now));
    const [req] = received;
    expect(String(req!.headers['webhook-signature']).split(' ')).toHaveLength(2);
    for (const secret of [SECRET, OLD_SECRET])
      expect(() => new Webhook(secret).verify(req!.body, req!.headers as Record<string, string>)).not.toThrow();

    givenDelivery();
    givenWebhook({ previousSecretSealed: sealed(OLD_SECRET), previousSecretUntil: new Date(NOW - 1).toISOString() });
    await deliver(message(), false, clock());
    expect(String(received[1]!.headers['webhook-signature']).split(' ')).toHaveLength(1);
  });

  it('keeps the webhook id and sends a new timestamp on a retry', async () => {
    givenDelivery({ attempts: 1, nextAttemptAt: new Date(NOW).toISOString() });
    await deliver(message({ attempt: 2, notBefore: new Date(NOW).toISOString() }), false, clock(NOW + 500));
    expect(received[0]!.headers['webhook-id']).toBe('msg_event1');
    expect(received[0]!.headers['webhook-timestamp']).toBe(String(Math.floor((NOW + 500) / 1000)));
    expect(deliveryItem.attempts).toBe(2);
  });

  it('schedules the next attempt after a failure, and ends the run of failures on a success', async () => {
    answer = { status: 500, body: 'x'.repeat(5000) };
    const out = await deliver(message(), false, clock());
    expect(out).toEqual({ outcome: 'retrying', statusCode: 500 });
    expect(deliveryItem).toMatchObject({ status: 'pending', attempts: 1, lastStatusCode: 500, lastError: 'HTTP 500' });
    expect(String(deliveryItem.lastResponse)).toHaveLength(1024);
    expect(deliveryItem.nextAttemptAt).toBe(new Date(NOW + 5000).toISOString());
    expect(sentMessages()).toEqual([
      { body: { ...message({ attempt: 2 }), notBefore: new Date(NOW + 5000).toISOString() }, delay: 5 },
    ]);
    expect(webhookItem?.failingSince).toBe(new Date(NOW).toISOString());

    answer = { status: 204 };
    await deliver(message({ attempt: 2 }), false, clock(NOW + 5000));
    expect(deliveryItem).toMatchObject({ status: 'delivered', attempts: 2 });
    expect(webhookItem?.failingSince).toBeUndefined();
  });

  it('waits longer when a 429 asks for it, and hops when the wait is past 15 minutes', async () => {
    answer = { status: 429, headers: { 'retry-after': '3600' } };
    await deliver(message(), false, clock());
    expect(deliveryItem.nextAttemptAt).toBe(new Date(NOW + 3600_000).toISOString());
    const [next] = sentMessages();
    expect(next!.delay).toBe(900);

    // Arrives after 15 minutes: back to the queue for the rest, nothing sent.
    sqsMock.resetHistory();
    const out = await deliver(next!.body as never, false, clock(NOW + 900_000));
    expect(out).toEqual({ outcome: 'waiting', seconds: 900 });
    expect(received).toHaveLength(1);
    expect(sentMessages()).toEqual([{ body: next!.body, delay: 900 }]);
  });

  it('fails the delivery when the schedule is spent', async () => {
    answer = { status: 503 };
    givenDelivery({ attempts: 3, nextAttemptAt: new Date(NOW).toISOString() });
    const out = await deliver(message({ attempt: 4 }), false, clock());
    expect(out).toEqual({ outcome: 'failed', statusCode: 503 });
    expect(deliveryItem).toMatchObject({ status: 'failed', attempts: 4 });
    expect(deliveryItem.nextAttemptAt).toBeUndefined();
    expect(sentMessages()).toEqual([]);
  });

  it('switches the endpoint off at a 410, and tells the operator', async () => {
    answer = { status: 410 };
    const out = await deliver(message(), false, clock());
    expect(out).toEqual({ outcome: 'failed', statusCode: 410 });
    expect(deliveryItem.status).toBe('failed');
    expect(webhookItem).toMatchObject({ enabled: false, disabledReason: 'gone' });
    const [call] = eventBridgeMock.commandCalls(PutEventsCommand);
    const entry = call!.args[0].input.Entries![0]!;
    expect(entry.DetailType).toBe('Webhook Endpoint Disabled');
    expect(JSON.parse(entry.Detail!)).toMatchObject({ team_id: TEAM, webhook_id: WEBHOOK, reason: 'gone' });
    expect(entry.Detail).not.toContain(SECRET);
    expect(entry.Detail).not.toContain(url);
  });

  it('switches an endpoint off after five days of failures without a success', async () => {
    answer = { status: 500 };
    givenWebhook({ failingSince: new Date(NOW - 4 * DAY).toISOString() });
    await deliver(message(), false, clock());
    expect(webhookItem?.enabled).toBe(true);
    expect(eventBridgeMock.commandCalls(PutEventsCommand)).toHaveLength(0);

    givenDelivery();
    await deliver(message(), false, clock(NOW + DAY + 1));
    expect(webhookItem).toMatchObject({ enabled: false, disabledReason: 'failing_for_5_days' });
    const detail = JSON.parse(eventBridgeMock.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries![0]!.Detail!);
    expect(detail).toMatchObject({
      reason: 'failing_for_5_days',
      failing_since: new Date(NOW - 4 * DAY).toISOString(),
    });
  });

  it('ends the delivery without sending when the endpoint is deleted or off', async () => {
    webhookItem = undefined;
    expect(await deliver(message(), false, clock())).toEqual({ outcome: 'ended', why: 'endpoint deleted' });
    expect(deliveryItem).toMatchObject({ status: 'failed', attempts: 0, lastError: 'endpoint deleted' });

    givenDelivery();
    givenWebhook({ enabled: false, disabledReason: 'gone' });
    await deliver(message(), false, clock());
    expect(deliveryItem).toMatchObject({ status: 'failed', lastError: 'endpoint disabled (gone)' });
    expect(received).toHaveLength(0);
  });

  it('does not send an attempt recorded already, and queues its follow-up again after a crash', async () => {
    const next = new Date(NOW + 5000).toISOString();
    givenDelivery({ attempts: 1, nextAttemptAt: next });
    expect(await deliver(message(), false, clock())).toEqual({ outcome: 'skipped', why: 'recorded' });
    expect(sentMessages()).toEqual([]);

    await deliver(message(), true, clock());
    expect(received).toHaveLength(0);
    expect(sentMessages()).toEqual([{ body: { ...message({ attempt: 2 }), notBefore: next }, delay: 5 }]);
  });

  it('queues nothing when another worker recorded the attempt first', async () => {
    answer = { status: 500 };
    ddbMock.on(UpdateCommand, { Key: deliveryKey(TEAM, WEBHOOK, DELIVERY) }).rejects(errors.conditionalCheckFailed());
    expect(await deliver(message(), false, clock())).toEqual({ outcome: 'skipped', why: 'recorded' });
    expect(sentMessages()).toEqual([]);
  });

  it('skips a finished or expired delivery', async () => {
    givenDelivery({ status: 'delivered', attempts: 1 });
    expect(await deliver(message(), false, clock())).toEqual({ outcome: 'skipped', why: 'finished' });
    deliveryItem = undefined as never;
    expect(await deliver(message(), false, clock())).toEqual({ outcome: 'skipped', why: 'expired' });
    expect(received).toHaveLength(0);
  });

  it('lets a busy key service fail the message, so the queue retries it', async () => {
    kmsMock.on(DecryptCommand).rejects(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }));
    await expect(deliver(message(), false, clock())).rejects.toThrow();
    expect(deliveryItem).toMatchObject({ status: 'pending', attempts: 0 });
  });
});

describe('attempts in flight per endpoint', () => {
  const slots = () => Object.keys(webhookItem ?? {}).filter((k) => /^slot\d+$/.test(k));

  it('holds a slot while sending and frees it once the attempt is recorded', async () => {
    expect(await deliver(message(), false, clock())).toEqual({ outcome: 'delivered', statusCode: 200 });
    expect(received[0]!.slotsHeld).toHaveLength(1);
    expect(slots()).toEqual([]);
  });

  it('sends nothing and records nothing while every slot is held, and queues the message again', async () => {
    givenWebhook({ slot0: NOW + 10_000, slot1: NOW + 1 });
    expect(await deliver(message(), false, clock())).toEqual({ outcome: 'waiting', seconds: 4 });
    expect(received).toHaveLength(0);
    expect(deliveryItem).toMatchObject({ status: 'pending', attempts: 0 });
    expect(updates.filter((u) => u.key.startsWith('DELIVERY#'))).toEqual([]);
    // Three tries, each one write: the first refusal shows every slot held.
    expect(updates.filter((u) => u.input.ExpressionAttributeNames?.['#slot'] !== undefined)).toHaveLength(3);
    expect(sentMessages()).toEqual([{ body: message(), delay: 4 }]);
    expect(webhookItem).toMatchObject({ slot0: NOW + 10_000, slot1: NOW + 1 });
  });

  it('takes a slot whose holder outlived its lease', async () => {
    givenWebhook({ slot0: NOW - 1, slot1: NOW + 10_000 });
    expect(await deliver(message(), false, clock())).toEqual({ outcome: 'delivered', statusCode: 200 });
    expect(webhookItem).toMatchObject({ slot1: NOW + 10_000 });
    expect(slots()).toEqual(['slot1']);
  });

  it('frees the slot when the attempt throws', async () => {
    kmsMock.on(DecryptCommand).rejects(Object.assign(new Error('slow down'), { name: 'ThrottlingException' }));
    await expect(deliver(message(), false, clock())).rejects.toThrow();
    expect(received).toHaveLength(0);
    expect(updates.filter((u) => u.input.ExpressionAttributeNames?.['#slot'] !== undefined)).toHaveLength(2);
    expect(slots()).toEqual([]);
  });

  it('writes nothing to end a run of failures that never began', async () => {
    await deliver(message(), false, clock());
    expect(updates.filter((u) => u.input.UpdateExpression === 'REMOVE failingSince')).toEqual([]);
  });
});
