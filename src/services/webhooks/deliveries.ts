/**
 * A team's delivery log of one endpoint: a page of its deliveries, newest first, and the replay of one
 * delivery, sent again at once under the same `webhook-id` and recorded as one more attempt. Another
 * team's endpoint answers 404 webhook_not_found; an unknown delivery of the team's own endpoint,
 * 404 delivery_not_found.
 */
import * as table from '../../adapters/deliveries-table.js';
import { enqueueDelivery } from '../../adapters/delivery-queue.js';
import { clearWebhookFailing } from '../../adapters/webhooks-table/index.js';
import {
  type DeliveryStatus,
  decodeDeliveryCursor,
  encodeDeliveryCursor,
  isDeliveryId,
  queueDelaySeconds,
  type WebhookDelivery,
} from '../../domain/webhook-delivery.js';
import { DeliveryNotFoundError, ValidationError } from '../../errors.js';
import { logger } from '../../observability.js';
import type { Caller } from '../auth.js';
import { attemptRecord, sendAttempt } from './attempt.js';
import { getWebhook } from './endpoints.js';

export const DEFAULT_DELIVERY_PAGE_SIZE = 20;

export interface DeliveryPage {
  readonly deliveries: WebhookDelivery[];
  readonly hasMore: boolean;
  readonly nextCursor: string | null;
}

export async function listDeliveries(
  caller: Caller,
  webhookId: string,
  page: { limit?: number; after?: string; status?: DeliveryStatus } = {},
): Promise<DeliveryPage> {
  await getWebhook(caller, webhookId);
  const afterId = page.after === undefined ? undefined : decodeDeliveryCursor(page.after);
  if (afterId === null)
    throw new ValidationError('after is not a valid cursor: pass the next_cursor of the previous page.', 'after');
  const result = await table.listDeliveriesPage(caller.teamId, webhookId, {
    limit: page.limit ?? DEFAULT_DELIVERY_PAGE_SIZE,
    afterId,
    status: page.status,
  });
  return {
    deliveries: result.deliveries,
    hasMore: result.reached !== null,
    nextCursor: result.reached === null ? null : encodeDeliveryCursor(result.reached),
  };
}

export interface Replayed {
  readonly delivered: boolean;
  readonly statusCode: number | null;
  readonly durationMs: number;
  readonly error: string | null;
}

/** A replay racing the worker's attempt records after it: it reads the delivery again, this many times. */
const RECORD_TRIES = 3;

/**
 * Sends the delivery again now, to the endpoint even when it is switched off (as the test event is:
 * it is how a team checks a receiver before enabling it again). A success makes the delivery
 * delivered; a failure leaves its status as it was, and a pending delivery keeps its schedule.
 */
export async function replayDelivery(
  caller: Caller,
  webhookId: string,
  deliveryId: string,
  now = new Date(),
): Promise<Replayed> {
  const endpoint = await getWebhook(caller, webhookId);
  if (!isDeliveryId(deliveryId)) throw new DeliveryNotFoundError();
  let delivery = await table.getDelivery(caller.teamId, webhookId, deliveryId);
  if (!delivery) throw new DeliveryNotFoundError();
  // No attempt slot (deliver.ts): a replay is the team's own request, answered while it waits, and
  // the route's concurrency and the team's rate limit bound how many run; the worker's limit is
  // there so the queue's deliveries to one endpoint cannot take every worker.
  const sent = await sendAttempt(endpoint, delivery, now);
  for (let tries = 0; delivery && tries < RECORD_TRIES; tries++) {
    const status = sent.delivered ? 'delivered' : delivery.status;
    const next = status === 'pending' ? delivery.nextAttemptAt : null;
    const recorded = await table.recordAttempt(delivery, attemptRecord(sent, now, status, next), { reopen: true });
    if (recorded) {
      // The message queued for the worker's next attempt now counts as recorded: this one replaces it.
      if (recorded.status === 'pending' && next !== null) {
        const due = Date.parse(next);
        await enqueueDelivery(
          { teamId: caller.teamId, webhookId, deliveryId, attempt: recorded.attempts + 1, notBefore: next },
          queueDelaySeconds(due, Date.now()),
        );
      }
      break;
    }
    delivery = await table.getDelivery(caller.teamId, webhookId, deliveryId);
  }
  if (sent.delivered && endpoint.failingSince !== null) await clearWebhookFailing(caller.teamId, webhookId);
  logger.info('webhook delivery replayed', {
    teamId: caller.teamId,
    webhookId,
    deliveryId,
    statusCode: sent.statusCode,
    durationMs: sent.durationMs,
    error: sent.error,
  });
  return { delivered: sent.delivered, statusCode: sent.statusCode, durationMs: sent.durationMs, error: sent.error };
}
