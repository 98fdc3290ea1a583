/**
 * The WebhookEvent entity: the outbox of domain events for the team's webhooks. Keys: table-keys.ts.
 *
 *   WebhookEvent  PK = TEAM#<teamId>   SK = EVENT#<domainId>#<sequence, 10 digits>
 *
 * Each item is written in the same transaction as the change it describes (see domains-table/), so
 * no change is made without its event, nor the reverse, whatever fails afterwards. Delivery reads the
 * items from the table's stream (an INSERT whose sort key starts with `EVENT#`), never by Query.
 * Items expire after 30 days (TTL), as the delivery log does.
 */
import * as v from 'valibot';
import type { DomainEvent } from '../domain/domain-events.js';
import { DOMAIN_EVENT_TYPES } from '../domain/webhook-endpoint.js';
import { newMessageId } from '../domain/webhook-signature.js';
import { type Item, parseItem } from './table-io.js';
import { ITEM_ABSENT, KEY_PREFIX, SK, webhookEventKey } from './table-keys.js';
import { TABLE_SCHEMA } from './table-schema.js';

const RETENTION_SECONDS = 30 * 24 * 3600;

/** An event as stored and delivered: the change's event and the Standard Webhooks `webhook-id`. */
export interface WebhookEvent extends DomainEvent {
  /** The same for every delivery, retry and replay of this event. */
  readonly eventId: string;
}

const WebhookEventItemSchema = v.object({
  eventId: v.string(),
  type: v.picklist(DOMAIN_EVENT_TYPES),
  teamId: v.string(),
  domainId: v.string(),
  sequence: v.pipe(v.number(), v.integer(), v.minValue(1)),
  occurredAt: v.string(),
  payload: v.string(),
});

/** The stored item of `e`, with a new message id. */
export function webhookEventItem(e: DomainEvent): Item {
  return {
    ...webhookEventKey(e.teamId, e.domainId, e.sequence),
    entity: 'WebhookEvent',
    eventId: newMessageId(),
    type: e.type,
    teamId: e.teamId,
    domainId: e.domainId,
    sequence: e.sequence,
    occurredAt: e.occurredAt,
    payload: e.payload,
    [TABLE_SCHEMA.timeToLiveAttribute]: Math.floor(Date.parse(e.occurredAt) / 1000) + RETENTION_SECONDS,
  };
}

/**
 * The transaction item that puts `e`. Its key is taken only once: the domain's counter, moved in the
 * same transaction on the condition of its previous value, already makes a second writer fail.
 */
export function putWebhookEvent(tableName: string, e: DomainEvent) {
  return { Put: { TableName: tableName, Item: webhookEventItem(e), ConditionExpression: ITEM_ABSENT } };
}

/** A stored event (an item, or a stream record's NewImage once unmarshalled); malformed: MalformedItemError. */
export function parseWebhookEventItem(item: Record<string, unknown>): WebhookEvent {
  const e = parseItem(WebhookEventItemSchema, item, 'WebhookEvent');
  return {
    eventId: e.eventId,
    type: e.type,
    teamId: e.teamId,
    domainId: e.domainId,
    sequence: e.sequence,
    occurredAt: e.occurredAt,
    payload: e.payload,
  };
}

/**
 * Whether a stream record's NewImage (DynamoDB's wire format, as Lambda passes it) is an event item.
 * The stack's event source filter says the same: sort key beginning with `EVENT#`.
 */
export function isWebhookEventImage(newImage: Readonly<Record<string, unknown>> | undefined): boolean {
  const sk = (newImage?.[SK] as { S?: unknown } | undefined)?.S;
  return typeof sk === 'string' && sk.startsWith(KEY_PREFIX.event);
}
