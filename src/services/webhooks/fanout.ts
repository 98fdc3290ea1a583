/**
 * Fan-out of one webhook event (an outbox item the table's stream hands over): every enabled endpoint
 * of the team subscribed to the event's type gets one delivery and one queued first attempt. The
 * delivery's id is derived from the event and the endpoint, so a fan-out that runs again (the stream
 * retries a batch) makes no second delivery; it queues the first attempt again only while none was
 * recorded, in case the message of the run before was lost.
 */
import { createDelivery } from '../../adapters/deliveries-table.js';
import { enqueueDelivery } from '../../adapters/delivery-queue.js';
import { listWebhooks, type WebhookEndpoint } from '../../adapters/webhooks-table/index.js';
import { deliveryIdFor, type WebhookDelivery } from '../../domain/webhook-delivery.js';
import { logger } from '../../observability.js';

/** The fields of an event the fan-out reads (src/adapters/webhook-events.ts has the whole item). */
export interface FanoutEvent {
  readonly eventId: string;
  readonly type: string;
  readonly teamId: string;
  readonly domainId: string;
  readonly occurredAt: string;
  readonly payload: string;
}

export function subscribed(endpoints: readonly WebhookEndpoint[], type: string): WebhookEndpoint[] {
  return endpoints.filter((e) => e.enabled && e.events.includes(type));
}

/** The deliveries queued for `event`; throws when any could not be made, so the stream retries the event. */
export async function fanOut(event: FanoutEvent, now = new Date()): Promise<number> {
  const endpoints = subscribed(await listWebhooks(event.teamId), event.type);
  const results = await Promise.allSettled(endpoints.map((e) => deliverTo(event, e, now)));
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  const queued = results.filter((r) => r.status === 'fulfilled' && r.value).length;
  logger.info('webhook event fanned out', {
    teamId: event.teamId,
    domainId: event.domainId,
    eventId: event.eventId,
    type: event.type,
    endpoints: endpoints.length,
    queued,
    failed: failed.length,
  });
  if (failed.length > 0) throw failed[0]!.reason;
  return queued;
}

/** True when a first attempt was queued. */
async function deliverTo(event: FanoutEvent, endpoint: WebhookEndpoint, now: Date): Promise<boolean> {
  const delivery: WebhookDelivery = {
    deliveryId: deliveryIdFor(event.eventId, endpoint.id, event.occurredAt),
    webhookId: endpoint.id,
    teamId: event.teamId,
    eventId: event.eventId,
    type: event.type,
    createdAt: now.toISOString(),
    status: 'pending',
    attempts: 0,
    lastAttemptAt: null,
    lastStatusCode: null,
    lastError: null,
    lastResponse: null,
    nextAttemptAt: null,
    payload: event.payload,
  };
  const out = await createDelivery(delivery);
  if (!out.created && (out.existing.status !== 'pending' || out.existing.attempts > 0)) return false;
  await enqueueDelivery({ teamId: event.teamId, webhookId: endpoint.id, deliveryId: delivery.deliveryId, attempt: 1 });
  return true;
}
