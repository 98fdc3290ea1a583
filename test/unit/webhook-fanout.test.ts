/**
 * The fan-out of one webhook event (src/services/webhooks/fanout.ts) with the table and SQS mocked:
 * one delivery and one queued attempt per enabled, subscribed endpoint of the team, and no second
 * delivery when the stream hands the same event over again.
 */
import './support/env.js';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { ddbMock, errors, resetAwsMocks, sqsMock } from './support/aws.js';

process.env.WEBHOOK_DELIVERY_QUEUE_URL = 'https://sqs.eu-central-1.amazonaws.com/123456789012/delivery-queue';
const { fanOut } = await import('../../src/services/webhooks/fanout.js');
const { deliveryIdFor } = await import('../../src/domain/webhook-delivery.js');

const event = {
  eventId: 'msg_abc',
  type: 'domain.status_changed',
  teamId: 'team-a',
  domainId: 'd-1',
  occurredAt: '2026-03-01T12:00:00.000Z',
  payload: '{"type":"domain.status_changed"}',
};
const endpoint = (id: string, extra: Record<string, unknown> = {}) => ({
  PK: 'TEAM#team-a',
  SK: `WEBHOOK#${id}`,
  id,
  teamId: 'team-a',
  url: 'https://hooks.example.com/x',
  events: ['domain.status_changed'],
  enabled: true,
  createdAt: `2026-01-0${id.length}T00:00:00.000Z`,
  updatedAt: '2026-01-01T00:00:00.000Z',
  secretSealed: 'c2VhbGVk',
  ...extra,
});

beforeEach(() => {
  resetAwsMocks();
  ddbMock.on(QueryCommand).resolves({
    Items: [
      endpoint('w-on'),
      endpoint('w-off', { enabled: false }),
      endpoint('w-other', { events: ['domain.deleted'] }),
    ],
  });
  ddbMock.on(PutCommand).resolves({});
  sqsMock.on(SendMessageCommand).resolves({ MessageId: 'm' });
});

const messages = () => sqsMock.commandCalls(SendMessageCommand).map((c) => JSON.parse(c.args[0].input.MessageBody!));

describe('fan-out', () => {
  it('makes one delivery and queues one attempt per enabled, subscribed endpoint', async () => {
    expect(await fanOut(event)).toBe(1);
    const puts = ddbMock.commandCalls(PutCommand).map((c) => c.args[0].input.Item);
    const id = deliveryIdFor('msg_abc', 'w-on', event.occurredAt);
    expect(puts).toEqual([
      expect.objectContaining({
        PK: 'TEAM#team-a',
        SK: `DELIVERY#w-on#${id}`,
        eventId: 'msg_abc',
        status: 'pending',
        attempts: 0,
        payload: event.payload,
      }),
    ]);
    expect(messages()).toEqual([{ teamId: 'team-a', webhookId: 'w-on', deliveryId: id, attempt: 1 }]);
    // Time-ordered ids: the log lists newest first.
    expect(deliveryIdFor('msg_b', 'w-on', '2026-03-01T12:00:01.000Z') > id).toBe(true);
  });

  it('makes no second delivery when run again, and queues again only while nothing was attempted', async () => {
    const stored = (attempts: number) => ({
      deliveryId: deliveryIdFor('msg_abc', 'w-on', event.occurredAt),
      webhookId: 'w-on',
      teamId: 'team-a',
      eventId: 'msg_abc',
      type: event.type,
      createdAt: event.occurredAt,
      status: 'pending',
      attempts,
      payload: event.payload,
    });
    ddbMock.on(PutCommand).rejects(errors.conditionalCheckFailed(stored(0)));
    expect(await fanOut(event)).toBe(1);
    expect(messages()).toHaveLength(1);

    sqsMock.resetHistory();
    ddbMock.on(PutCommand).rejects(errors.conditionalCheckFailed(stored(1)));
    expect(await fanOut(event)).toBe(0);
    expect(messages()).toHaveLength(0);
  });

  it('fails the event when a delivery cannot be made, so the stream retries it', async () => {
    ddbMock.on(PutCommand).rejects(errors.ddbThrottled());
    await expect(fanOut(event)).rejects.toThrow();
  });
});
