/**
 * Webhook events against DynamoDB Local: each change writes exactly one event item in its own
 * transaction, numbered 1, 2, 3… per domain; a resend writes no second one; concurrent writers
 * never share a sequence; a verify that ends where it started writes none.
 */
import { randomUUID } from 'node:crypto';
import { type DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { v7 as uuidv7 } from 'uuid';
import type { Domain } from '../../src/domain/domain.js';
import type { StatusChange } from '../../src/domain/status-change.js';
import { useFreshTable } from '../support/dynamo-env.js';

let client: DynamoDBClient;
let tableName: string;
let table: typeof import('../../src/adapters/domains-table/index.js');
let events: typeof import('../../src/adapters/webhook-events.js');
let keys: typeof import('../../src/adapters/table-keys.js');
let ddb: typeof import('../../src/adapters/dynamodb-client.js').ddb;

beforeAll(async () => {
  ({ client, tableName } = await useFreshTable());
  table = await import('../../src/adapters/domains-table/index.js');
  events = await import('../../src/adapters/webhook-events.js');
  keys = await import('../../src/adapters/table-keys.js');
  ({ ddb } = await import('../../src/adapters/dynamodb-client.js'));
});

afterAll(() => client.destroy());

const TEAM = 'team-e';

async function created(name = `${randomUUID().slice(0, 8)}.example.com`): Promise<Domain> {
  return table.putNewDomain({
    id: uuidv7(),
    teamId: TEAM,
    domain: name,
    returnPath: 'send',
    dkim: { type: 'easy_dkim', keyLength: 2048 },
    region: 'eu-central-1',
    createdAt: new Date().toISOString(),
  });
}

async function ready(): Promise<Domain> {
  return (await table.markReady(await created(), { verificationToken: 'tok', dkimTokens: ['a', 'b', 'c'] }))!;
}

/** The domain's event items, in sequence order (read straight from the table). */
async function eventsOf(d: Pick<Domain, 'id'>) {
  const out = await ddb.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :sk)',
      ExpressionAttributeValues: { ':pk': keys.teamPartition(TEAM), ':sk': keys.webhookEventPrefix(d.id) },
      ConsistentRead: true,
    }),
  );
  return (out.Items ?? []).map((item) => ({ item, event: events.parseWebhookEventItem(item) }));
}
const typesOf = async (d: Pick<Domain, 'id'>) =>
  (await eventsOf(d)).map(({ event }) => `${event.sequence} ${event.type}`);
const current = async (d: Domain) => (await table.getDomain(TEAM, d.id))!;

function change(d: Domain, from: Domain['status'], to: StatusChange['to'], at: string): StatusChange {
  return { teamId: TEAM, domainId: d.id, domain: d.domain, from, to, at, why: 'test', failingRecords: [] };
}

describe('one event per change, in the same transaction', () => {
  it('created, updated, status_changed, deleted: 1, 2, 3, 4, each with its payload', async () => {
    const d = await ready();
    const lease = (await table.takeUpdateLease(d, Date.now()))!;
    expect(await table.commitUpdate(lease.domain, lease.leaseId, { returnPath: 'mail' })).toBe(true);
    const at = new Date().toISOString();
    const before = await current(d);
    expect(
      await table.writeCheckResult(before, {
        status: 'verified',
        checkedAt: at,
        recordChecks: {},
        nextCheckAt: null,
        change: change(d, 'pending', 'verified', at),
      }),
    ).toBe('written');
    expect(await table.deleteDomainAndClaim(await current(d))).toBe(true);

    const stored = await eventsOf(d);
    expect(stored.map(({ event }) => `${event.sequence} ${event.type}`)).toEqual([
      '1 domain.created',
      '2 domain.updated',
      '3 domain.status_changed',
      '4 domain.deleted',
    ]);
    const bodies = stored.map(({ event }) => JSON.parse(event.payload));
    expect(bodies[0]).toMatchObject({ type: 'domain.created', data: { id: d.id, status: 'pending', sequence: 1 } });
    expect(bodies[1].data.dns_records).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'MX', name: `mail.${d.domain}` })]),
    );
    expect(bodies[2].data).toMatchObject({ status: 'verified', previous_status: 'pending', sequence: 3 });
    expect(bodies[3]).toMatchObject({ type: 'domain.deleted', data: { status: 'verified', sequence: 4 } });
    // Ids are unique, items expire after 30 days, and they sit in the team's partition.
    expect(new Set(stored.map(({ event }) => event.eventId)).size).toBe(4);
    const { item } = stored[0]!;
    expect(item.expiresAt).toBe(Math.floor(Date.parse(String(item.occurredAt)) / 1000) + 30 * 24 * 3600);
    expect(item).toMatchObject(keys.webhookEventKey(TEAM, d.id, 1));
  });

  it('a resend finds the change made and writes no second event', async () => {
    const d = await created();
    const tokens = { verificationToken: 'tok', dkimTokens: ['a', 'b', 'c'] };
    expect(await table.markReady(d, tokens)).toMatchObject({ ready: true });
    expect(await table.markReady(d, tokens)).toMatchObject({ ready: true });
    const lease = (await table.takeUpdateLease(await current(d), Date.now()))!;
    expect(await table.commitUpdate(lease.domain, lease.leaseId, { returnPath: 'mail' })).toBe(true);
    expect(await table.commitUpdate(lease.domain, lease.leaseId, { returnPath: 'mail' })).toBe(true);
    expect(await typesOf(d)).toEqual(['1 domain.created', '2 domain.updated']);
  });

  it('a verify that ends where it started writes no event; one that ends elsewhere writes one, from before verifying', async () => {
    const d = await ready();
    const check = async (status: 'pending' | 'verified') => {
      const marked = await table.markVerifying(TEAM, d.id, new Date().toISOString());
      if (marked.outcome !== 'marked') throw new Error(marked.outcome);
      const at = new Date().toISOString();
      const moved = status !== marked.previousStatus;
      return table.writeCheckResult(marked.domain, {
        status,
        checkedAt: at,
        recordChecks: {},
        nextCheckAt: null,
        ...(moved && { change: change(d, marked.previousStatus, status, at) }),
      });
    };
    expect(await check('pending')).toBe('written');
    expect(await typesOf(d)).toEqual(['1 domain.created']);
    expect(await check('verified')).toBe('written');
    expect(await check('verified')).toBe('written');
    const stored = await eventsOf(d);
    expect(stored.map(({ event }) => `${event.sequence} ${event.type}`)).toEqual([
      '1 domain.created',
      '2 domain.status_changed',
    ]);
    expect(JSON.parse(stored[1]!.event.payload).data.previous_status).toBe('pending');
  });

  it('an undone create and the release of a domain never shown write no event; a shown one released does', async () => {
    const undone = await created();
    expect(await table.deleteDomainAndClaim(undone, undone.leaseId!)).toBe(true);
    expect(await typesOf(undone)).toEqual([]);

    const hidden = await created();
    expect(await table.markReleasing(hidden, Date.now() + 3_600_000)).toBe(true);
    expect(
      await table.deleteReleasedDomain(hidden, change(hidden, 'pending', 'released', new Date().toISOString())),
    ).toBe(true);
    expect(await typesOf(hidden)).toEqual([]);

    const shown = await ready();
    expect(await table.markReleasing(shown, Date.now())).toBe(true);
    const released = await current(shown);
    expect(
      await table.deleteReleasedDomain(released, change(shown, 'pending', 'released', new Date().toISOString())),
    ).toBe(true);
    expect(await typesOf(shown)).toEqual(['1 domain.created', '2 domain.deleted']);
  });
});

describe('sequences are never shared', () => {
  /** Another writer's event, as far as the counter is concerned. */
  const bumpCounter = (d: Domain, to: number) =>
    client.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: marshall(keys.domainKey(TEAM, d.id)),
        UpdateExpression: 'SET eventSeq = :n',
        ExpressionAttributeValues: marshall({ ':n': to }),
      }),
    );

  it('a check that read an older counter decides again; a PATCH and a delete take the next number', async () => {
    const d = await ready();
    await bumpCounter(d, 7);
    const at = new Date().toISOString();
    expect(
      await table.writeCheckResult(d, {
        status: 'verified',
        checkedAt: at,
        recordChecks: {},
        nextCheckAt: null,
        change: change(d, 'pending', 'verified', at),
      }),
    ).toBe('changed');
    const lease = (await table.takeUpdateLease(d, Date.now()))!;
    await bumpCounter(d, 8);
    expect(await table.commitUpdate(lease.domain, lease.leaseId, { returnPath: 'mail' })).toBe(true);
    expect(await table.deleteDomainAndClaim(lease.domain)).toBe(true);
    expect(await typesOf(d)).toEqual(['1 domain.created', '9 domain.updated', '10 domain.deleted']);
  });

  it('concurrent PATCH commits, status changes and deletes: contiguous sequences, none twice', async () => {
    for (let round = 0; round < 5; round++) {
      const d = await ready();
      const lease = (await table.takeUpdateLease(d, Date.now()))!;
      const at = new Date().toISOString();
      const outcomes = await Promise.all([
        table.commitUpdate(lease.domain, lease.leaseId, { returnPath: `r${round}` }),
        table.writeCheckResult(d, {
          status: 'verified',
          checkedAt: at,
          recordChecks: {},
          nextCheckAt: null,
          change: change(d, 'pending', 'verified', at),
        }),
        table.deleteDomainAndClaim(d),
      ]);
      expect(outcomes[2]).toBe(true);
      const sequences = (await eventsOf(d)).map(({ event }) => event.sequence);
      expect(sequences).toEqual(Array.from({ length: sequences.length }, (_, i) => i + 1));
      expect((await eventsOf(d)).at(-1)?.event.type).toBe('domain.deleted');
    }
  });
});
