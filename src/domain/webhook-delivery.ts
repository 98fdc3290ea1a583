/**
 * Deliveries of webhook events, as the service reasons about them: one per event and endpoint, its
 * id, its states, the delivery log's JSON and page cursors, and the queue message that asks for an
 * attempt. No AWS imports.
 */
import { createHash } from 'node:crypto';
import * as v from 'valibot';
import { apiTimestamp } from './time.js';

/** `disabled_reason` of an endpoint that answered 410 Gone. */
export const DISABLED_GONE = 'gone';
/** `disabled_reason` of an endpoint whose deliveries kept failing for five days without a success. */
export const DISABLED_FAILING = 'failing_for_5_days';

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface WebhookDelivery {
  readonly deliveryId: string;
  readonly webhookId: string;
  readonly teamId: string;
  /** The event's `webhook-id`, the same for every attempt and replay. */
  readonly eventId: string;
  readonly type: string;
  readonly createdAt: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly lastAttemptAt: string | null;
  readonly lastStatusCode: number | null;
  readonly lastError: string | null;
  /** The first 1 KiB of the receiver's last answer. */
  readonly lastResponse: string | null;
  readonly nextAttemptAt: string | null;
  /** The body sent, exactly as signed. */
  readonly payload: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The one delivery id of an event for an endpoint, in the shape of a UUIDv7: the event's time first,
 * so ids sort by time (the log lists newest first), then a hash of the event and endpoint, so a
 * fan-out that runs again finds the delivery it made rather than making a second one.
 */
export function deliveryIdFor(eventId: string, webhookId: string, occurredAt: string): string {
  const ms = Math.max(0, Date.parse(occurredAt) || 0);
  const time = ms.toString(16).padStart(12, '0').slice(-12);
  const hash = createHash('sha256').update(`${eventId}\n${webhookId}`).digest('hex');
  const variant = ((Number.parseInt(hash[15] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return [
    time.slice(0, 8),
    time.slice(8, 12),
    `7${hash.slice(0, 3)}`,
    `${variant}${hash.slice(3, 6)}`,
    hash.slice(6, 18),
  ].join('-');
}

export function isDeliveryId(id: string): boolean {
  return UUID.test(id);
}

export interface DeliveryJson {
  id: string;
  type: string;
  created_at: string;
  status: DeliveryStatus;
  attempts: number;
  last_attempt_at: string | null;
  last_status_code: number | null;
  last_error: string | null;
  next_attempt_at: string | null;
}

const at = (iso: string | null) => (iso === null ? null : apiTimestamp(iso));

export function toDeliveryJson(d: WebhookDelivery): DeliveryJson {
  return {
    id: d.deliveryId,
    type: d.type,
    created_at: apiTimestamp(d.createdAt),
    status: d.status,
    attempts: d.attempts,
    last_attempt_at: at(d.lastAttemptAt),
    last_status_code: d.lastStatusCode,
    last_error: d.lastError,
    next_attempt_at: at(d.nextAttemptAt),
  };
}

/** Opaque page cursors of the delivery log: base64url of the last delivery id a page reached. */
export function encodeDeliveryCursor(lastId: string): string {
  return Buffer.from(JSON.stringify({ v: 1, d: lastId })).toString('base64url');
}

/** The delivery id inside a cursor, or null when it is not one this API issued. */
export function decodeDeliveryCursor(cursor: string): string | null {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { v?: unknown; d?: unknown };
    return parsed.v === 1 && typeof parsed.d === 'string' && isDeliveryId(parsed.d) ? parsed.d : null;
  } catch {
    return null;
  }
}

/**
 * What the delivery queue carries: which delivery, the attempt this message is for (1 is the first),
 * and, for a retry, when it is due. SQS delays a message by 15 minutes at most: one that arrives
 * before `notBefore` goes back to the queue for the rest of the wait.
 */
const DeliveryMessageSchema = v.object({
  teamId: v.pipe(v.string(), v.minLength(1)),
  webhookId: v.pipe(v.string(), v.minLength(1)),
  deliveryId: v.pipe(v.string(), v.regex(UUID)),
  attempt: v.pipe(v.number(), v.integer(), v.minValue(1)),
  notBefore: v.optional(v.pipe(v.string(), v.isoTimestamp())),
});
export type DeliveryMessage = v.InferOutput<typeof DeliveryMessageSchema>;

export function parseDeliveryMessage(body: string): DeliveryMessage {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    throw new Error('delivery message is not JSON');
  }
  const parsed = v.safeParse(DeliveryMessageSchema, raw);
  if (!parsed.success) throw new Error(`malformed delivery message: ${parsed.issues[0]?.message ?? '?'}`);
  return parsed.output;
}

/** SQS's longest message delay: a longer wait is made of several hops. */
export const MAX_QUEUE_DELAY_SECONDS = 900;

/** Seconds to delay a message due at `dueMs`, seen at `nowMs`: 0 when due, at most one hop. */
export function queueDelaySeconds(dueMs: number, nowMs: number): number {
  return Math.min(MAX_QUEUE_DELAY_SECONDS, Math.max(0, Math.ceil((dueMs - nowMs) / 1000)));
}
