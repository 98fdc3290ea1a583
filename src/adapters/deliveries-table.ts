/**
 * The WebhookDelivery entity: one item per event and endpoint, the delivery log a team reads, and the
 * state the delivery worker keeps between attempts. Items expire with the events (TTL, 30 days).
 *
 *   WebhookDelivery  PK = TEAM#<teamId>   SK = DELIVERY#<webhookId>#<deliveryId>
 *
 * Attempts are recorded with a condition on the number already recorded, so two workers that got the
 * same message cannot both record one attempt, and a finished delivery is never reopened by a late one.
 */
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as v from 'valibot';
import { DELIVERY_STATUSES, type DeliveryStatus, type WebhookDelivery } from '../domain/webhook-delivery.js';
import { ddb, tableName } from './dynamodb-client.js';
import { ConditionFailed, type Item, parseItem, read, write } from './table-io.js';
import { deliveryKey, deliveryPrefix, ITEM_ABSENT, ITEM_EXISTS, PK, SK, teamPartition } from './table-keys.js';
import { TABLE_SCHEMA } from './table-schema.js';

/** Names the store in the 503 a throttled or failing call becomes. */
const STORE = 'The delivery log';

/** A delivery is kept as long as the event it delivers. */
export const DELIVERY_TTL_SECONDS = 30 * 24 * 3600;

const nullableString = v.nullish(v.string());
const DeliveryItemSchema = v.object({
  deliveryId: v.string(),
  webhookId: v.string(),
  teamId: v.string(),
  eventId: v.string(),
  type: v.string(),
  createdAt: v.string(),
  status: v.picklist(DELIVERY_STATUSES),
  attempts: v.pipe(v.number(), v.integer(), v.minValue(0)),
  lastAttemptAt: nullableString,
  lastStatusCode: v.nullish(v.number()),
  lastError: nullableString,
  lastResponse: nullableString,
  nextAttemptAt: nullableString,
  payload: v.string(),
});

function fromItem(item: Item): WebhookDelivery {
  const d = parseItem(DeliveryItemSchema, item, 'WebhookDelivery');
  return {
    ...d,
    lastAttemptAt: d.lastAttemptAt ?? null,
    lastStatusCode: d.lastStatusCode ?? null,
    lastError: d.lastError ?? null,
    lastResponse: d.lastResponse ?? null,
    nextAttemptAt: d.nextAttemptAt ?? null,
  };
}

function toItem(d: WebhookDelivery): Item {
  const fields = Object.entries(d).filter(([, value]) => value !== null);
  const expiresAt = Math.floor(Date.parse(d.createdAt) / 1000) + DELIVERY_TTL_SECONDS;
  return {
    ...deliveryKey(d.teamId, d.webhookId, d.deliveryId),
    entity: 'WebhookDelivery',
    ...Object.fromEntries(fields),
    [TABLE_SCHEMA.timeToLiveAttribute]: expiresAt,
  };
}

/**
 * Writes a new delivery unless one with its id exists: `created`, or the delivery as it is (a fan-out
 * that runs again for the same event).
 */
export async function createDelivery(
  d: WebhookDelivery,
): Promise<{ created: true } | { created: false; existing: WebhookDelivery }> {
  const out = await write(STORE, () =>
    ddb.send(
      new PutCommand({
        TableName: tableName,
        Item: toItem(d),
        ConditionExpression: ITEM_ABSENT,
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    ),
  );
  if (!(out instanceof ConditionFailed)) return { created: true };
  const old = out.old();
  // Not returned: read it (the write may have been answered by a stand-in without the old item).
  const existing = old ? fromItem(old) : await getDelivery(d.teamId, d.webhookId, d.deliveryId);
  if (!existing) throw new Error(`delivery ${d.deliveryId} exists and does not`);
  return { created: false, existing };
}

export async function getDelivery(teamId: string, webhookId: string, id: string): Promise<WebhookDelivery | null> {
  const out = await read(STORE, () =>
    ddb.send(new GetCommand({ TableName: tableName, Key: deliveryKey(teamId, webhookId, id), ConsistentRead: true })),
  );
  return out.Item ? fromItem(out.Item) : null;
}

/** Query rounds one page may take when a status filter skips most deliveries. */
const MAX_ROUNDS = 10;

/**
 * One page of an endpoint's deliveries, newest first, after `afterId` (a delivery id, or the position
 * a filtered page reached); only those with `status` when given. `reached` is where the next page
 * starts; null when nothing follows.
 */
export async function listDeliveriesPage(
  teamId: string,
  webhookId: string,
  page: { limit: number; afterId?: string; status?: DeliveryStatus },
): Promise<{ deliveries: WebhookDelivery[]; reached: string | null }> {
  const deliveries: WebhookDelivery[] = [];
  let startKey: Record<string, unknown> | undefined = page.afterId
    ? deliveryKey(teamId, webhookId, page.afterId)
    : undefined;
  const filter = page.status ? { FilterExpression: '#status = :status' } : {};
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const out = await read(STORE, () =>
      ddb.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: `${PK} = :pk AND begins_with(${SK}, :sk)`,
          ExpressionAttributeValues: {
            ':pk': teamPartition(teamId),
            ':sk': deliveryPrefix(webhookId),
            ...(page.status && { ':status': page.status }),
          },
          ...(page.status && { ExpressionAttributeNames: { '#status': 'status' } }),
          ...filter,
          ScanIndexForward: false,
          ExclusiveStartKey: startKey,
          Limit: page.limit - deliveries.length + 1,
        }),
      ),
    );
    for (const item of out.Items ?? []) deliveries.push(fromItem(item));
    startKey = out.LastEvaluatedKey;
    if (deliveries.length > page.limit) {
      const shown = deliveries.slice(0, page.limit);
      return { deliveries: shown, reached: shown.at(-1)?.deliveryId ?? null };
    }
    if (!startKey) return { deliveries, reached: null };
  }
  // Many deliveries of other statuses: the page ends where the reading stopped.
  const sk = String(startKey?.[SK] ?? '');
  return { deliveries, reached: sk.slice(deliveryPrefix(webhookId).length) || null };
}

/** What one attempt (or its absence, for a delivery ended without one) leaves in the log. */
export interface AttemptRecord {
  readonly status: DeliveryStatus;
  readonly at: string;
  readonly statusCode: number | null;
  readonly error: string | null;
  readonly response: string | null;
  readonly nextAttemptAt: string | null;
}

/**
 * Records attempt `attempts + 1` of a delivery that has recorded `attempts` so far (and, unless
 * `reopen`, is still pending); the delivery as it now is, or null when another worker recorded it
 * first or the delivery ended meanwhile.
 */
export async function recordAttempt(
  d: WebhookDelivery,
  attempt: AttemptRecord,
  options: { reopen?: boolean } = {},
): Promise<WebhookDelivery | null> {
  const condition = options.reopen
    ? `${ITEM_EXISTS} AND attempts = :recorded`
    : `${ITEM_EXISTS} AND attempts = :recorded AND #status = :pending`;
  return update(d, condition, {
    status: attempt.status,
    attempts: d.attempts + 1,
    lastAttemptAt: attempt.at,
    lastStatusCode: attempt.statusCode,
    lastError: attempt.error,
    lastResponse: attempt.response,
    nextAttemptAt: attempt.nextAttemptAt,
  });
}

/** Ends a pending delivery without an attempt (its endpoint is gone or off); null when it was not pending. */
export async function failDelivery(d: WebhookDelivery, reason: string): Promise<WebhookDelivery | null> {
  return update(d, `${ITEM_EXISTS} AND attempts = :recorded AND #status = :pending`, {
    status: 'failed',
    lastError: reason,
    nextAttemptAt: null,
  });
}

async function update(
  d: WebhookDelivery,
  condition: string,
  fields: Record<string, unknown>,
): Promise<WebhookDelivery | null> {
  const set: string[] = [];
  const remove: string[] = [];
  const names: Record<string, string> = { '#status': 'status' };
  const values: Record<string, unknown> = { ':recorded': d.attempts };
  if (condition.includes(':pending')) values[':pending'] = 'pending';
  for (const [name, value] of Object.entries(fields)) {
    names[`#${name}`] = name;
    if (value === null) remove.push(`#${name}`);
    else {
      set.push(`#${name} = :${name}`);
      values[`:${name}`] = value;
    }
  }
  const expression = [`SET ${set.join(', ')}`, ...(remove.length > 0 ? [`REMOVE ${remove.join(', ')}`] : [])];
  const out = await write(STORE, () =>
    ddb.send(
      new UpdateCommand({
        TableName: tableName,
        Key: deliveryKey(d.teamId, d.webhookId, d.deliveryId),
        UpdateExpression: expression.join(' '),
        ConditionExpression: condition,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      }),
    ),
  );
  return out instanceof ConditionFailed || !out.Attributes ? null : fromItem(out.Attributes);
}
