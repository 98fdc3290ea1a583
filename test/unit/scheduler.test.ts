/** The scheduled re-verification (functions/scheduler.ts → src/services/scheduler.ts) with every AWS call mocked. */
import './support/env.js';
import { randomUUID } from 'node:crypto';
import { SendMessageBatchCommand, type SendMessageBatchCommandInput, SendMessageCommand } from '@aws-sdk/client-sqs';
import { QueryCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DUE_SHARDS, domainKey, dueKey, duePartition, INDEX, type IndexKey } from '../../src/adapters/table-keys.js';
import type * as SchedulerModule from '../../src/services/scheduler.js';
import { ddbMock, errors, resetAwsMocks, sqsMock } from './support/aws.js';
import { TEST_QUEUE_URL, TEST_TABLE } from './support/env.js';

let scheduler: typeof SchedulerModule;
let handler: (event?: { time?: string }) => Promise<SchedulerModule.SchedulerRun>;

beforeAll(async () => {
  scheduler = await import('../../src/services/scheduler.js');
  handler = (await import('../../functions/scheduler.js')).handler as typeof handler;
});

const NOW = Date.parse('2026-01-16T10:00:00.000Z');
const LEASE_MS = 15 * 60_000;

type Due = { teamId: string; id: string } & IndexKey;

function dueItems(n: number, at = NOW - 60_000): Due[] {
  return Array.from({ length: n }, (_, i) => {
    const id = randomUUID();
    return { teamId: `team-${i % 3}`, id, ...dueKey(id, at - i * 1000) };
  });
}

/** The due index: items per shard, each shard's list served in pages of `pageSize`. */
function givenDue(perShard: Record<number, Due[]>, pageSize = 100): void {
  for (let shard = 0; shard < DUE_SHARDS; shard++) {
    const items = perShard[shard] ?? [];
    const stub = ddbMock.on(QueryCommand, {
      IndexName: INDEX.name,
      ExpressionAttributeValues: { ':pk': duePartition(shard) },
    });
    if (items.length === 0) {
      stub.resolves({ Items: [], Count: 0 });
      continue;
    }
    for (let i = 0; i < items.length; i += pageSize) {
      const page = items.slice(i, i + pageSize);
      const last = i + pageSize >= items.length;
      stub.resolvesOnce({
        Items: page,
        Count: page.length,
        ...(last ? {} : { LastEvaluatedKey: { PK: 'x', SK: `page-${i}` } }),
      });
    }
  }
}

beforeEach(() => {
  resetAwsMocks();
  ddbMock.on(UpdateCommand).resolves({});
  sqsMock.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => ({
    Successful: (input.Entries ?? []).map((e) => ({ Id: e.Id, MessageId: randomUUID(), MD5OfMessageBody: '' })),
    Failed: [],
  }));
});

const queries = () => ddbMock.commandCalls(QueryCommand).map((c) => c.args[0].input);
const leases = () => ddbMock.commandCalls(UpdateCommand).map((c) => c.args[0].input);
const batches = () => sqsMock.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input);
const sentBodies = () => batches().flatMap((b) => (b.Entries ?? []).map((e) => JSON.parse(e.MessageBody ?? '{}')));

describe('scheduler: finding due domains', () => {
  it('queries every due shard of the index with a key condition on its sort key <= now, never a Scan', async () => {
    givenDue({});
    await scheduler.enqueueDueChecks(NOW);
    expect(queries()).toHaveLength(DUE_SHARDS);
    queries().forEach((q, shard) => {
      expect(q).toMatchObject({
        TableName: TEST_TABLE,
        IndexName: INDEX.name,
        KeyConditionExpression: `${INDEX.pk} = :pk AND ${INDEX.sk} <= :now`,
        ExpressionAttributeValues: { ':pk': duePartition(shard) },
      });
      expect(q.FilterExpression).toBeUndefined();
      // Sort keys are `<ISO time>#<id>`: "#~" sorts after every id, so an entry due exactly now is included.
      expect(q.ExpressionAttributeValues?.[':now']).toBe('2026-01-16T10:00:00.000Z#~');
    });
    expect(ddbMock).not.toHaveReceivedCommand(ScanCommand);
    expect(sqsMock).not.toHaveReceivedCommand(SendMessageBatchCommand);
  });

  it('reads every page of a shard', async () => {
    const items = dueItems(250);
    givenDue({ 1: items });
    const result = await scheduler.enqueueDueChecks(NOW);
    const shard1 = queries().filter((q) => q.ExpressionAttributeValues?.[':pk'] === duePartition(1));
    expect(shard1).toHaveLength(3);
    expect(shard1.map((q) => q.ExclusiveStartKey)).toEqual([
      undefined,
      { PK: 'x', SK: 'page-0' },
      { PK: 'x', SK: 'page-100' },
    ]);
    expect(result).toEqual({ itemsRead: 250, enqueued: 250, failedToEnqueue: 0 });
  });
});

describe('scheduler: leasing and queuing', () => {
  it('leases each due entry (conditional on the sort key it read) before queuing it, in batches of at most 10', async () => {
    const items = dueItems(23);
    givenDue({ 0: items.slice(0, 21), 2: items.slice(21) });

    const result = await scheduler.enqueueDueChecks(NOW);
    expect(result).toEqual({ itemsRead: 23, enqueued: 23, failedToEnqueue: 0 });

    expect(leases()).toHaveLength(23);
    for (const d of items) {
      const lease = leases().find((l) => l.Key?.SK === domainKey(d.teamId, d.id).SK);
      expect(lease).toMatchObject({
        TableName: TEST_TABLE,
        Key: domainKey(d.teamId, d.id),
        UpdateExpression: `SET ${INDEX.sk} = :next`,
        ConditionExpression: `${INDEX.sk} = :read`,
        ExpressionAttributeValues: { ':read': d[INDEX.sk], ':next': dueKey(d.id, NOW + LEASE_MS)[INDEX.sk] },
      });
    }

    expect(batches().map((b) => b.Entries?.length)).toEqual([10, 10, 1, 2]);
    for (const b of batches()) {
      expect(b.QueueUrl).toBe(TEST_QUEUE_URL);
      const ids = (b.Entries ?? []).map((e) => e.Id);
      expect(new Set(ids).size).toBe(ids.length);
    }
    expect(sentBodies()).toEqual(
      expect.arrayContaining(
        items.map((d) => ({
          teamId: d.teamId,
          domainId: d.id,
          requestedAt: '2026-01-16T10:00:00.000Z',
          reason: 'schedule',
        })),
      ),
    );
    expect(sentBodies()).toHaveLength(23);
    expect(sqsMock).not.toHaveReceivedCommand(SendMessageCommand);

    // Every entry of a page is leased before that page is queued.
    const leaseCalls = ddbMock.commandCalls(UpdateCommand);
    const firstBatch = sqsMock.commandCalls(SendMessageBatchCommand)[0];
    const shard0Leases = leaseCalls.filter((c) =>
      items.slice(0, 21).some((d) => c.args[0].input.Key?.SK === domainKey(d.teamId, d.id).SK),
    );
    for (const l of shard0Leases) expect(l.calledBefore(firstBatch!)).toBe(true);
  });

  it('does not queue an entry it could not lease (changed or deleted since it was read)', async () => {
    const items = dueItems(3);
    givenDue({ 0: items });
    ddbMock
      .on(UpdateCommand, { Key: { SK: domainKey(items[1]!.teamId, items[1]!.id).SK } })
      .rejects(errors.conditionalCheckFailed());
    const result = await scheduler.enqueueDueChecks(NOW);
    expect(result).toEqual({ itemsRead: 3, enqueued: 2, failedToEnqueue: 0 });
    expect(
      sentBodies()
        .map((m) => m.domainId)
        .sort(),
    ).toEqual([items[0]!.id, items[2]!.id].sort());
  });

  it('counts the messages SQS refused (they stay leased and fall due again after the lease)', async () => {
    const items = dueItems(12);
    givenDue({ 3: items });
    sqsMock.on(SendMessageBatchCommand).callsFake((input: SendMessageBatchCommandInput) => ({
      Successful: (input.Entries ?? []).slice(1).map((e) => ({ Id: e.Id, MessageId: 'm', MD5OfMessageBody: '' })),
      Failed: (input.Entries ?? []).slice(0, 1).map((e) => ({ Id: e.Id, Code: 'InternalError', SenderFault: false })),
    }));
    const result = await scheduler.enqueueDueChecks(NOW);
    expect(result).toEqual({ itemsRead: 12, enqueued: 10, failedToEnqueue: 2 });
  });

  it('queues nothing when nothing is due', async () => {
    givenDue({});
    expect(await scheduler.enqueueDueChecks(NOW)).toEqual({ itemsRead: 0, enqueued: 0, failedToEnqueue: 0 });
    expect(leases()).toHaveLength(0);
  });

  it('stops paging once it has queued maxPerRun checks', async () => {
    givenDue({ 0: dueItems(30) }, 10);
    const result = await scheduler.enqueueDueChecks(NOW, 10);
    expect(result.enqueued).toBe(10);
    expect(queries().filter((q) => q.ExpressionAttributeValues?.[':pk'] === duePartition(0))).toHaveLength(1);
  });
});

describe('scheduler handler', () => {
  it("runs at the EventBridge event's scheduled time", async () => {
    givenDue({ 0: dueItems(2, Date.parse('2026-03-01T00:00:00.000Z') - 1000) });
    const result = await handler({ time: '2026-03-01T00:00:00Z' });
    expect(result).toEqual({ itemsRead: 2, enqueued: 2, failedToEnqueue: 0 });
    expect(queries()[0]?.ExpressionAttributeValues?.[':now']).toBe('2026-03-01T00:00:00.000Z#~');
  });

  it('runs at the current time without an event time', async () => {
    givenDue({});
    const before = Date.now();
    await handler({});
    const at = Date.parse(String(queries()[0]?.ExpressionAttributeValues?.[':now']).replace('#~', ''));
    expect(at).toBeGreaterThanOrEqual(before);
    expect(at).toBeLessThanOrEqual(Date.now());
  });
});
