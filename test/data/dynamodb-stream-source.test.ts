/**
 * The local stream source (local/dynamodb-stream-source.ts) against DynamoDB Local's stream: event
 * items reach the handler as Lambda would hand them over, in order per domain, and a record the
 * handler fails is handed over again before anything after it.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord } from 'aws-lambda';
import { type StreamSource, startStreamSource } from '../../local/dynamodb-stream-source.js';
import type { WebhookEvent } from '../../src/adapters/webhook-events.js';
import type { DomainEventType } from '../../src/domain/webhook-endpoint.js';
import { useFreshTable } from '../support/dynamo-env.js';

let client: DynamoDBClient;
let tableName: string;
let events: typeof import('../../src/adapters/webhook-events.js');
let ddb: typeof import('../../src/adapters/dynamodb-client.js').ddb;
const sources: StreamSource[] = [];

beforeAll(async () => {
  ({ client, tableName } = await useFreshTable());
  events = await import('../../src/adapters/webhook-events.js');
  ({ ddb } = await import('../../src/adapters/dynamodb-client.js'));
});

afterEach(async () => {
  await Promise.all(sources.splice(0).map((s) => s.stop()));
});

afterAll(() => client.destroy());

function start(
  handler: Parameters<typeof startStreamSource>[0]['handler'],
  o: { batchSize?: number; startingPosition?: 'LATEST' | 'TRIM_HORIZON' } = {},
): StreamSource {
  const source = startStreamSource({
    endpoint: process.env.TEST_DYNAMODB_ENDPOINT ?? '',
    region: 'eu-central-1',
    tableName,
    filter: events.isWebhookEventImage,
    handler,
    pollMs: 50,
    ...o,
  });
  sources.push(source);
  return source;
}

/** Puts one event item of `domainId` (and, beside it, a domain-like item the filter must drop). */
async function putEvent(teamId: string, domainId: string, sequence: number, type: DomainEventType = 'domain.updated') {
  const occurredAt = new Date().toISOString();
  const payload = JSON.stringify({ type, timestamp: occurredAt, data: { id: domainId, sequence } });
  await ddb.send(
    new PutCommand({
      TableName: tableName,
      Item: events.webhookEventItem({ type, teamId, domainId, sequence, occurredAt, payload }),
    }),
  );
  await ddb.send(
    new PutCommand({ TableName: tableName, Item: { PK: `TEAM#${teamId}`, SK: `DOMAIN#${domainId}`, n: sequence } }),
  );
}

const parse = (r: DynamoDBRecord): WebhookEvent =>
  events.parseWebhookEventItem(unmarshall(r.dynamodb?.NewImage as Parameters<typeof unmarshall>[0]));

/** Waits until `cond` holds, polling. */
async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const sequencesOf = (seen: WebhookEvent[], domainId: string) =>
  seen.filter((e) => e.domainId === domainId).map((e) => e.sequence);

test('hands over only event items, as Lambda records, in order per domain', async () => {
  const seen: WebhookEvent[] = [];
  const records: DynamoDBRecord[] = [];
  // Each test reads the table's stream from its start: the first one sees only its own events.
  const source = start(async (event) => {
    records.push(...event.Records);
    seen.push(...event.Records.map(parse));
  });
  for (let seq = 1; seq <= 5; seq++) {
    await Promise.all([putEvent('team-s', 'dom-a', seq), putEvent('team-s', 'dom-b', seq)]);
  }
  await until(() => seen.length >= 10);
  await source.idle();
  expect(seen).toHaveLength(10);
  expect(sequencesOf(seen, 'dom-a')).toEqual([1, 2, 3, 4, 5]);
  expect(sequencesOf(seen, 'dom-b')).toEqual([1, 2, 3, 4, 5]);
  expect(records[0]).toMatchObject({
    eventName: 'INSERT',
    eventSource: 'aws:dynamodb',
    eventSourceARN: expect.stringContaining(tableName),
    dynamodb: {
      SequenceNumber: expect.any(String),
      ApproximateCreationDateTime: expect.any(Number),
      NewImage: { SK: { S: expect.stringMatching(/^EVENT#/) }, sequence: { N: expect.any(String) } },
    },
  });
  expect(seen[0]).toMatchObject({ teamId: 'team-s', eventId: expect.stringMatching(/^msg_/) });
});

test('a record the handler fails is handed over again before any later record of its shard', async () => {
  const attempts = new Map<number, number>();
  const handled: number[] = [];
  start(
    async (event) => {
      for (const r of event.Records) {
        const e = parse(r);
        if (e.domainId !== 'dom-f') continue;
        const n = (attempts.get(e.sequence) ?? 0) + 1;
        attempts.set(e.sequence, n);
        // The third event fails twice: it and everything after it come again.
        if (e.sequence === 3 && n <= 2) return { batchItemFailures: [{ itemIdentifier: r.dynamodb!.SequenceNumber! }] };
        handled.push(e.sequence);
      }
      return { batchItemFailures: [] };
    },
    { batchSize: 2 },
  );
  for (let seq = 1; seq <= 6; seq++) await putEvent('team-f', 'dom-f', seq);
  await until(() => handled.includes(6));
  expect(handled).toEqual([1, 2, 3, 4, 5, 6]);
  expect(attempts.get(3)).toBe(3);
});

test('a handler that throws gets the whole batch again (at least once, never skipped)', async () => {
  let calls = 0;
  const handled: number[] = [];
  start(async (event) => {
    const mine = event.Records.map(parse).filter((e) => e.domainId === 'dom-t');
    if (mine.length > 0 && calls++ === 0) throw new Error('fan-out failed');
    handled.push(...mine.map((e) => e.sequence));
  });
  for (let seq = 1; seq <= 3; seq++) await putEvent('team-t', 'dom-t', seq);
  await until(() => handled.includes(3));
  expect(calls).toBeGreaterThanOrEqual(2);
  // Whatever was in the failed batch comes again, in order; nothing is lost.
  expect([...new Set(handled)]).toEqual([1, 2, 3]);
  expect(handled).toEqual([...handled].sort((a, b) => a - b));
});

test('LATEST starts after what the stream held at start', async () => {
  await putEvent('team-l', 'dom-old', 1);
  const seen: WebhookEvent[] = [];
  const source = start(async (event) => void seen.push(...event.Records.map(parse)), { startingPosition: 'LATEST' });
  await source.idle();
  await putEvent('team-l', 'dom-new', 1);
  await until(() => seen.length > 0);
  await source.idle();
  expect(seen.map((e) => e.domainId)).toEqual(['dom-new']);
});
