/**
 * The webhook endpoint entity against real DynamoDB Local: the team's limit under concurrent
 * creates, teams kept apart, rotation and the delivery health fields as the service relies on them.
 */
import { randomUUID } from 'node:crypto';
import { type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { v7 as uuidv7 } from 'uuid';
import { MalformedItemError } from '../../src/adapters/table-io.js';
import { webhookCountKey, webhookKey } from '../../src/adapters/table-keys.js';
import type { WebhookEndpoint } from '../../src/adapters/webhooks-table/index.js';
import { WebhookLimitReachedError } from '../../src/errors.js';
import { useFreshTable } from '../support/dynamo-env.js';

let client: DynamoDBClient;
let tableName: string;
let table: typeof import('../../src/adapters/webhooks-table/index.js');

beforeAll(async () => {
  ({ client, tableName } = await useFreshTable());
  table = await import('../../src/adapters/webhooks-table/index.js');
});

afterAll(() => client.destroy());

let clock = Date.parse('2026-11-02T10:00:00Z');
const newEndpoint = (teamId: string, over: Partial<WebhookEndpoint> = {}): WebhookEndpoint => {
  clock += 1000;
  const at = new Date(clock).toISOString();
  return {
    id: uuidv7(),
    teamId,
    url: 'https://hooks.example.com/in',
    events: ['domain.created', 'domain.status_changed'],
    description: null,
    enabled: true,
    disabledReason: null,
    failingSince: null,
    createdAt: at,
    updatedAt: at,
    secretSealed: `sealed-${randomUUID()}`,
    previousSecretSealed: null,
    previousSecretUntil: null,
    ...over,
  };
};

async function rawItem(key: Record<string, string>) {
  const out = await client.send(new GetItemCommand({ TableName: tableName, Key: marshall(key), ConsistentRead: true }));
  return out.Item && unmarshall(out.Item);
}
const countOf = async (teamId: string) => (await rawItem(webhookCountKey(teamId)))?.webhooks as number | undefined;

describe('webhook endpoints', () => {
  it('stores an endpoint and reads it back only for its own team', async () => {
    const w = newEndpoint('team-a', { description: 'CRM' });
    expect(await table.putWebhook(w, 10)).toEqual(w);
    expect(await table.getWebhook('team-a', w.id)).toEqual(w);
    expect(await table.getWebhook('team-b', w.id)).toBeNull();
    expect(await table.getWebhook('team-a', randomUUID())).toBeNull();
    // Null fields are not stored; the item names its entity.
    const item = await rawItem(webhookKey('team-a', w.id));
    expect(item).toMatchObject({ entity: 'WebhookEndpoint', description: 'CRM', secretSealed: w.secretSealed });
    expect(item).not.toHaveProperty('disabledReason');
    expect(item).not.toHaveProperty('previousSecretSealed');
  });

  it('lists a team’s endpoints oldest first, and no other team’s', async () => {
    const mine = [newEndpoint('team-list'), newEndpoint('team-list'), newEndpoint('team-list')];
    // Written newest first: the order comes from createdAt.
    for (const w of [...mine].reverse()) await table.putWebhook(w, 10);
    await table.putWebhook(newEndpoint('team-list-other'), 10);
    expect((await table.listWebhooks('team-list')).map((w) => w.id)).toEqual(mine.map((w) => w.id));
    expect(await table.listWebhooks('team-nobody')).toEqual([]);
  });

  it('lets exactly the limit of many concurrent creates in, and a delete frees a place', async () => {
    const attempts = Array.from({ length: 12 }, () => newEndpoint('team-limit'));
    const results = await Promise.allSettled(attempts.map((w) => table.putWebhook(w, 5)));
    const won = attempts.filter((_, i) => results[i]?.status === 'fulfilled');
    expect(won).toHaveLength(5);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(WebhookLimitReachedError);
    expect(await countOf('team-limit')).toBe(5);
    expect(await table.listWebhooks('team-limit')).toHaveLength(5);
    await expect(table.putWebhook(newEndpoint('team-limit'), 5)).rejects.toMatchObject({
      code: 'webhook_limit_reached',
      details: { limit: 5 },
    });

    expect(await table.deleteWebhook('team-limit', won[0]!.id)).toBe(true);
    expect(await table.deleteWebhook('team-limit', won[0]!.id)).toBe(false);
    // Another team's id is unknown here, and its count is not touched.
    expect(await table.deleteWebhook('team-other', won[1]!.id)).toBe(false);
    expect(await countOf('team-limit')).toBe(4);
    await table.putWebhook(newEndpoint('team-limit'), 5);
    expect(await countOf('team-limit')).toBe(5);
    await table.putWebhook(newEndpoint('team-limit-other'), 1);
  });

  it('refuses a second endpoint with the same id without counting it', async () => {
    const w = newEndpoint('team-dup');
    await table.putWebhook(w, 10);
    await expect(table.putWebhook(w, 10)).rejects.toThrow(`webhook ${w.id} exists already`);
    expect(await countOf('team-dup')).toBe(1);
  });

  it('changes only what is given, clears a description with null, and only for its team', async () => {
    const w = newEndpoint('team-edit', { description: 'old' });
    await table.putWebhook(w, 10);
    expect(await table.updateWebhook('team-other', w.id, { url: 'https://evil.example.com/' })).toBeNull();
    expect(await table.updateWebhook('team-edit', randomUUID(), { enabled: true })).toBeNull();

    const changed = await table.updateWebhook('team-edit', w.id, {
      url: 'https://hooks.example.com/v2',
      events: ['domain.deleted'],
    });
    expect(changed).toMatchObject({
      url: 'https://hooks.example.com/v2',
      events: ['domain.deleted'],
      description: 'old',
    });
    expect(changed!.updatedAt > w.updatedAt).toBe(true);
    expect(await table.updateWebhook('team-edit', w.id, { description: null })).toMatchObject({ description: null });
    expect(await rawItem(webhookKey('team-edit', w.id))).not.toHaveProperty('description');
    expect(await table.getWebhook('team-edit', w.id)).toMatchObject({ url: 'https://hooks.example.com/v2' });
  });

  it('keeps the previous sealed secret and its end time on rotation', async () => {
    const w = newEndpoint('team-rotate');
    await table.putWebhook(w, 10);
    const until = '2026-11-03T10:00:00.000Z';
    const rotated = await table.rotateWebhookSecret('team-rotate', w.id, 'sealed-new', until);
    expect(rotated).toMatchObject({
      secretSealed: 'sealed-new',
      previousSecretSealed: w.secretSealed,
      previousSecretUntil: until,
    });
    const again = await table.rotateWebhookSecret('team-rotate', w.id, 'sealed-newer', '2026-11-04T10:00:00.000Z');
    expect(again).toMatchObject({ secretSealed: 'sealed-newer', previousSecretSealed: 'sealed-new' });
    expect(await table.rotateWebhookSecret('team-other', w.id, 'x', until)).toBeNull();
    expect(await table.getWebhook('team-rotate', w.id)).toEqual(again);
  });

  it('tracks failing deliveries, disables once with a reason, and enabling clears both', async () => {
    const w = newEndpoint('team-health');
    await table.putWebhook(w, 10);
    expect(await table.clearWebhookFailing('team-health', w.id)).toBe(false);
    const first = '2026-11-02T10:00:00.000Z';
    expect(await table.markWebhookFailing('team-health', w.id, first)).toMatchObject({ failingSince: first });
    // A run of failures keeps its start.
    expect(await table.markWebhookFailing('team-health', w.id, '2026-11-05T10:00:00.000Z')).toMatchObject({
      failingSince: first,
    });
    expect(await table.clearWebhookFailing('team-health', w.id)).toBe(true);
    expect(await table.getWebhook('team-health', w.id)).toMatchObject({ failingSince: null });
    expect(await table.markWebhookFailing('team-health', randomUUID(), first)).toBeNull();
    expect(await table.clearWebhookFailing('team-health', randomUUID())).toBe(false);

    await table.markWebhookFailing('team-health', w.id, first);
    const disabled = await table.disableWebhook('team-health', w.id, 'failing');
    expect(disabled).toMatchObject({ enabled: false, disabledReason: 'failing', failingSince: first });
    expect(await table.disableWebhook('team-health', w.id, 'gone')).toBeNull();
    expect(await table.getWebhook('team-health', w.id)).toMatchObject({ disabledReason: 'failing' });

    const enabled = await table.updateWebhook('team-health', w.id, { enabled: true });
    expect(enabled).toMatchObject({ enabled: true, disabledReason: null, failingSince: null });
    const item = await rawItem(webhookKey('team-health', w.id));
    expect(item).not.toHaveProperty('disabledReason');
    expect(item).not.toHaveProperty('failingSince');
    // Switched off by the team: no reason is made up.
    expect(await table.updateWebhook('team-health', w.id, { enabled: false })).toMatchObject({
      enabled: false,
      disabledReason: null,
    });
    expect(await table.disableWebhook('team-health', randomUUID(), 'gone')).toBeNull();
  });

  it('reads a malformed stored item as the parse error naming it', async () => {
    const id = randomUUID();
    await client.send(
      new PutItemCommand({
        TableName: tableName,
        Item: marshall({ ...webhookKey('team-bad', id), entity: 'WebhookEndpoint', id, teamId: 'team-bad', url: 7 }),
      }),
    );
    const err = await table.getWebhook('team-bad', id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MalformedItemError);
    expect((err as Error).message).toContain(`malformed WebhookEndpoint item (TEAM#team-bad / WEBHOOK#${id})`);
    expect((err as Error).message).toContain('url');
    await expect(table.listWebhooks('team-bad')).rejects.toBeInstanceOf(MalformedItemError);
  });
});

describe('attempt slots', () => {
  const LEASE = 15_000;
  const T = Date.parse('2026-11-02T12:00:00Z');

  it('lets exactly the slots in of many concurrent takers, frees one on release, and reads the endpoint alike', async () => {
    const w = await table.putWebhook(newEndpoint('team-slots'), 10);
    const taken = await Promise.all(
      Array.from({ length: 12 }, () => table.takeAttemptSlot('team-slots', w.id, 3, T, LEASE)),
    );
    expect(taken.filter((s) => s !== null).sort()).toEqual([0, 1, 2]);
    expect(await table.getWebhook('team-slots', w.id)).toEqual(w);

    await table.releaseAttemptSlot('team-slots', w.id, 1, T + LEASE);
    expect(await table.takeAttemptSlot('team-slots', w.id, 3, T + 1, LEASE)).toBe(1);
    expect(await table.takeAttemptSlot('team-slots', w.id, 3, T + 2, LEASE)).toBeNull();
  });

  it('takes a slot whose lease ran out, and a late release leaves the new holder’s slot held', async () => {
    const w = await table.putWebhook(newEndpoint('team-slots'), 10);
    expect(await table.takeAttemptSlot('team-slots', w.id, 1, T, LEASE)).toBe(0);
    expect(await table.takeAttemptSlot('team-slots', w.id, 1, T + LEASE - 1, LEASE)).toBeNull();
    expect(await table.takeAttemptSlot('team-slots', w.id, 1, T + LEASE + 1, LEASE)).toBe(0);

    // The first holder finishes late: its release must not free the slot the second one holds.
    await table.releaseAttemptSlot('team-slots', w.id, 0, T + LEASE);
    expect((await rawItem(webhookKey('team-slots', w.id)))?.slot0).toBe(T + 2 * LEASE + 1);
    expect(await table.takeAttemptSlot('team-slots', w.id, 1, T + LEASE + 2, LEASE)).toBeNull();
  });

  it('takes no slot of an endpoint that does not exist, and writes nothing', async () => {
    const id = randomUUID();
    expect(await table.takeAttemptSlot('team-slots', id, 2, T, LEASE)).toBeNull();
    await table.releaseAttemptSlot('team-slots', id, 0, T + LEASE);
    expect(await rawItem(webhookKey('team-slots', id))).toBeUndefined();
  });
});
