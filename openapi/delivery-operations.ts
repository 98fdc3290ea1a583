/**
 * The delivery log operations (see operations.ts, which combines them with the rest), with their
 * response schemas. The type checks at the bottom keep `toDeliveryJson` and these schemas in step.
 */
import * as v from 'valibot';
import { DELIVERY_STATUSES, type DeliveryJson } from '../src/domain/webhook-delivery.js';
import type { ErrorCode } from '../src/error-codes.js';
import { ListDeliveriesQuery } from '../src/http/delivery-schemas.js';
import type { Operation } from './operations.js';
import { WebhookTestResponse } from './webhook-schemas.js';

const SERVER_ERRORS: readonly ErrorCode[] = ['internal_error', 'service_unavailable'];

export const DeliveryId = v.pipe(
  v.string(),
  v.uuid(),
  v.description('The delivery id (a UUID), one per event and endpoint; ids sort by the time of the event.'),
);

const Timestamp = v.pipe(v.string(), v.isoTimestamp());

const deliveryEntries = {
  id: DeliveryId,
  type: v.pipe(v.string(), v.description('The event type, e.g. `domain.status_changed`.')),
  created_at: v.pipe(Timestamp, v.description('When the event was queued for this endpoint.')),
  status: v.pipe(
    v.picklist(DELIVERY_STATUSES),
    v.description(
      '`pending` while attempts go on, `delivered` once the endpoint answered 2xx, `failed` when every retry failed, the endpoint answered 410, or it was deleted or disabled.',
    ),
  ),
  attempts: v.pipe(v.number(), v.integer(), v.minValue(0), v.description('Attempts made so far, replays included.')),
  last_attempt_at: v.pipe(
    v.nullable(Timestamp),
    v.description('When the last attempt was made; null before the first.'),
  ),
  last_status_code: v.pipe(
    v.nullable(v.pipe(v.number(), v.integer())),
    v.description('The HTTP status of the last attempt; null when it got no answer.'),
  ),
  last_error: v.pipe(
    v.nullable(v.string()),
    v.description('Why the last attempt failed, or why the delivery ended without one; null after a success.'),
  ),
  next_attempt_at: v.pipe(
    v.nullable(Timestamp),
    v.description('When the next attempt is due, while the delivery is pending after a failed attempt.'),
  ),
};

export const Delivery = v.pipe(
  v.strictObject(deliveryEntries),
  v.description('One delivery of an event to an endpoint.'),
);

export const DeliveryListResponse = v.pipe(
  v.strictObject({
    data: v.array(Delivery),
    has_more: v.pipe(v.boolean(), v.description('Whether older deliveries follow.')),
    next_cursor: v.pipe(v.nullable(v.string()), v.description('Pass as `after` for the next page; null at the end.')),
  }),
  v.description("A page of the endpoint's deliveries, newest first."),
);

const exampleDelivery: DeliveryJson = {
  id: '01940c3a-7b10-7e2a-9c4d-8a1f2b3c4d5e',
  type: 'domain.status_changed',
  created_at: '2026-01-15T10:00:01Z',
  status: 'pending',
  attempts: 2,
  last_attempt_at: '2026-01-15T10:00:07Z',
  last_status_code: 503,
  last_error: 'HTTP 503',
  next_attempt_at: '2026-01-15T10:05:07Z',
};

export const DELIVERY_OPERATIONS = {
  'list-webhook-deliveries': {
    operationId: 'listWebhookDeliveries',
    tag: 'Webhooks',
    summary: 'List Webhook Deliveries',
    description: [
      "The endpoint's delivery log, newest first: one delivery per event sent to it, with its status, the number of attempts, the last attempt's time, HTTP status and error, and when the next attempt is due. Deliveries are kept for 30 days.",
      "Page with `limit` (1–100, 20 by default) and `after` (the previous page's `next_cursor`); `status` shows only deliveries with that status.",
      'A failed attempt is retried after 5 seconds, 5 minutes, 30 minutes, 2, 5, 10, 14, 20 and 24 hours (each with some jitter; a longer `Retry-After` on 429 or 503 is honoured); then the delivery is `failed`. A 410 answer disables the endpoint at once, and an endpoint whose deliveries have failed for 5 days without a success is disabled too.',
    ].join('\n\n'),
    query: ListDeliveriesQuery,
    success: {
      status: 200,
      description: 'OK: a page of deliveries.',
      schema: DeliveryListResponse,
      examples: {
        example: {
          summary: 'A delivery being retried',
          value: { data: [exampleDelivery], has_more: false, next_cursor: null },
        },
      },
    },
    errors: ['validation_error', 'webhook_not_found', ...SERVER_ERRORS],
  },
  'replay-webhook-delivery': {
    operationId: 'replayWebhookDelivery',
    tag: 'Webhooks',
    summary: 'Replay a Webhook Delivery',
    description: [
      'Sends the delivery again now, with the same body and the same `webhook-id` (so a receiver that saw it already can tell), signed with the current secrets and a new timestamp, and answers with what happened. The attempt is recorded in the delivery log.',
      'A success marks the delivery `delivered`; a failure leaves its status as it was. A disabled endpoint is sent to as well.',
    ].join('\n\n'),
    success: {
      status: 200,
      description: 'OK: the outcome of the attempt (delivered or not).',
      schema: WebhookTestResponse,
      examples: {
        example: {
          summary: 'Delivered',
          value: { data: { delivered: true, status_code: 200, duration_ms: 96, error: null } },
        },
      },
    },
    errors: ['webhook_not_found', 'delivery_not_found', ...SERVER_ERRORS],
  },
} satisfies Record<string, Operation>;

type Holds<T extends true> = T;
type Fits<A, B> = [A] extends [B] ? true : false;
type SameKeys<A, B> = Fits<keyof A, keyof B> extends true ? Fits<keyof B, keyof A> : false;
export type DeliverySchemaChecks = [
  Holds<Fits<DeliveryJson, v.InferInput<typeof Delivery>>>,
  Holds<SameKeys<DeliveryJson, v.InferInput<typeof Delivery>>>,
];
