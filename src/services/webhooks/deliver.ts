/**
 * The delivery worker's one step: a queued message asks for one attempt of one delivery. The attempt
 * is recorded with a condition on the attempts already recorded, so two workers given the same
 * message cannot both record it; then the next attempt is queued (or the delivery ends) and the
 * endpoint's health follows: a success ends its run of failures, a 410 switches it off at once, and
 * failures with no success for DISABLE_AFTER_FAILING_MS switch it off too, with an event for the
 * operator. A message that arrives before its time goes back for the rest of the wait.
 *
 * At most WEBHOOK_ENDPOINT_CONCURRENCY attempts of one endpoint run at once (its attempt slots): a
 * receiver that hangs for its 10 seconds holds that many workers, and the other endpoints, of this
 * team or another, keep the rest. A message that finds every slot held goes back for a few seconds.
 */
import { failDelivery, getDelivery, recordAttempt } from '../../adapters/deliveries-table.js';
import { enqueueDelivery } from '../../adapters/delivery-queue.js';
import { publishWebhookDisabled } from '../../adapters/webhook-disabled-event.js';
import { SealedSecretError } from '../../adapters/webhook-secrets.js';
import { type SendResult, WEBHOOK_TIMEOUT_MS } from '../../adapters/webhook-sender.js';
import {
  clearWebhookFailing,
  disableWebhook,
  getWebhook,
  markWebhookFailing,
  releaseAttemptSlot,
  takeAttemptSlot,
  type WebhookEndpoint,
} from '../../adapters/webhooks-table/index.js';
import { deliveryConfig } from '../../config.js';
import { METRIC } from '../../deployment.js';
import {
  type DeliveryMessage,
  DISABLED_FAILING,
  DISABLED_GONE,
  queueDelaySeconds,
  type WebhookDelivery,
} from '../../domain/webhook-delivery.js';
import { DISABLE_AFTER_FAILING_MS, nextAttemptDelay } from '../../domain/webhook-retry.js';
import { count, logger } from '../../observability.js';
import { attemptRecord, sendAttempt } from './attempt.js';

const config = deliveryConfig();

/** SQS may hand a delayed message over a little early; earlier than this, it waits again. */
const EARLY_TOLERANCE_MS = 1_000;
/**
 * How long an attempt slot is held at most: the attempt's 10 seconds, with room for the secrets and
 * the writes around it. A worker that dies holding one frees it when this runs out.
 */
const SLOT_LEASE_MS = WEBHOOK_TIMEOUT_MS + 5_000;
/**
 * A fast receiver frees its slots within a fraction of a second: a message that finds them all held
 * tries again a few times, 100 to 300 ms apart, before it goes back to the queue for 2 to 5 seconds
 * (SQS counts whole seconds). A hanging receiver's messages so keep a worker well under a second.
 */
const SLOT_TRIES = 3;
const SLOT_PAUSE_MS = [100, 300] as const;
const SLOT_WAIT_MIN_SECONDS = 2;
const SLOT_WAIT_CHOICES = 4;

export interface DeliverClock {
  now(): number;
  random(): number;
  sleep(ms: number): Promise<void>;
}
const realClock: DeliverClock = {
  now: () => Date.now(),
  random: Math.random,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export type DeliverOutcome =
  | { readonly outcome: 'waiting'; readonly seconds: number }
  | { readonly outcome: 'skipped'; readonly why: 'expired' | 'finished' | 'recorded' }
  | { readonly outcome: 'ended'; readonly why: string }
  | { readonly outcome: 'delivered' | 'retrying' | 'failed'; readonly statusCode: number | null };

/**
 * Runs the attempt `message` asks for. `redelivered`: SQS handed this message over before (a worker
 * failed or timed out with it), so an attempt it already recorded may lack its follow-up message.
 */
export async function deliver(
  message: DeliveryMessage,
  redelivered: boolean,
  clock: DeliverClock = realClock,
): Promise<DeliverOutcome> {
  const arrived = clock.now();
  if (message.notBefore !== undefined && Date.parse(message.notBefore) > arrived + EARLY_TOLERANCE_MS) {
    const seconds = queueDelaySeconds(Date.parse(message.notBefore), arrived);
    await enqueueDelivery(message, seconds);
    return { outcome: 'waiting', seconds };
  }
  const delivery = await getDelivery(message.teamId, message.webhookId, message.deliveryId);
  if (!delivery) return { outcome: 'skipped', why: 'expired' };
  if (delivery.status !== 'pending') return { outcome: 'skipped', why: 'finished' };
  if (delivery.attempts >= message.attempt) {
    // A worker recorded this attempt and then failed before its follow-up was surely queued.
    if (redelivered && delivery.nextAttemptAt !== null) await queueNext(delivery, arrived);
    return { outcome: 'skipped', why: 'recorded' };
  }

  const endpoint = await getWebhook(message.teamId, message.webhookId);
  const off = !endpoint ? 'endpoint deleted' : endpoint.enabled ? null : offReason(endpoint);
  if (off !== null || !endpoint) return end(delivery, off ?? 'endpoint deleted');

  const { teamId, id } = endpoint;
  let taken = arrived;
  let slot = await takeAttemptSlot(teamId, id, config.endpointConcurrency, taken, SLOT_LEASE_MS, clock.random);
  for (let tries = 1; slot === null && tries < SLOT_TRIES; tries++) {
    await clock.sleep(SLOT_PAUSE_MS[0] + clock.random() * (SLOT_PAUSE_MS[1] - SLOT_PAUSE_MS[0]));
    taken = clock.now();
    slot = await takeAttemptSlot(teamId, id, config.endpointConcurrency, taken, SLOT_LEASE_MS, clock.random);
  }
  if (slot === null) {
    // Not an attempt: the same message comes back when a slot may be free, and nothing is recorded.
    const seconds = SLOT_WAIT_MIN_SECONDS + Math.floor(clock.random() * SLOT_WAIT_CHOICES);
    await enqueueDelivery(message, seconds);
    return { outcome: 'waiting', seconds };
  }
  try {
    return await attempt(endpoint, delivery, taken, clock);
  } finally {
    // A slot not freed frees itself when its lease ends: the message need not fail for it.
    await releaseAttemptSlot(teamId, id, slot, taken + SLOT_LEASE_MS).catch((error: unknown) =>
      logger.warn('webhook attempt slot not freed', { teamId, webhookId: id, slot, error: error as Error }),
    );
  }
}

/** Sends the attempt and records it, then queues the next one and judges the endpoint's health. */
async function attempt(
  endpoint: WebhookEndpoint,
  delivery: WebhookDelivery,
  arrived: number,
  clock: DeliverClock,
): Promise<DeliverOutcome> {
  const at = new Date(arrived);
  let sent: SendResult;
  try {
    sent = await sendAttempt(endpoint, delivery, at);
  } catch (err) {
    // A sealed secret that does not open never will: retrying cannot help. KMS being busy can.
    if (err instanceof SealedSecretError) return end(delivery, 'the signing secret could not be opened');
    throw err;
  }

  const number = delivery.attempts + 1;
  const delay =
    sent.delivered || sent.gone
      ? null
      : nextAttemptDelay({
          attempt: number,
          schedule: config.retrySchedule,
          retryAfterSeconds: sent.retryAfterSeconds,
          random: clock.random,
        });
  const status = sent.delivered ? 'delivered' : delay === null ? 'failed' : 'pending';
  const finished = clock.now();
  const nextAttemptAt = delay === null ? null : new Date(finished + delay * 1000).toISOString();
  const recorded = await recordAttempt(delivery, attemptRecord(sent, at, status, nextAttemptAt));
  logger.info('webhook attempt', {
    teamId: delivery.teamId,
    webhookId: delivery.webhookId,
    deliveryId: delivery.deliveryId,
    eventId: delivery.eventId,
    type: delivery.type,
    attempt: number,
    statusCode: sent.statusCode,
    durationMs: sent.durationMs,
    error: sent.error,
    status,
    nextAttemptAt,
    recorded: recorded !== null,
  });
  // Another worker recorded this attempt first: its follow-up is its own.
  if (!recorded) return { outcome: 'skipped', why: 'recorded' };

  if (sent.delivered) {
    count(METRIC.webhookDelivered);
    // Most endpoints are not failing: no write to end a run of failures that never began.
    if (endpoint.failingSince !== null) await clearWebhookFailing(endpoint.teamId, endpoint.id);
    return { outcome: 'delivered', statusCode: sent.statusCode };
  }
  count(status === 'pending' ? METRIC.webhookRetried : METRIC.webhookFailed);
  if (sent.gone) await switchOff(endpoint, DISABLED_GONE, null, finished);
  else await judgeFailing(endpoint, finished);
  if (status === 'pending') await queueNext(recorded, finished);
  return { outcome: status === 'pending' ? 'retrying' : 'failed', statusCode: sent.statusCode };
}

function offReason(endpoint: WebhookEndpoint): string {
  return endpoint.disabledReason ? `endpoint disabled (${endpoint.disabledReason})` : 'endpoint disabled';
}

/** Ends a pending delivery without an attempt. */
async function end(delivery: WebhookDelivery, why: string): Promise<DeliverOutcome> {
  const ended = await failDelivery(delivery, why);
  if (ended) count(METRIC.webhookFailed);
  logger.info('webhook delivery ended without an attempt', {
    teamId: delivery.teamId,
    webhookId: delivery.webhookId,
    deliveryId: delivery.deliveryId,
    why,
  });
  return { outcome: 'ended', why };
}

/** Queues the delivery's next attempt, due at its `nextAttemptAt`. */
async function queueNext(delivery: WebhookDelivery, now: number): Promise<void> {
  const due = Date.parse(delivery.nextAttemptAt ?? new Date(now).toISOString());
  await enqueueDelivery(
    {
      teamId: delivery.teamId,
      webhookId: delivery.webhookId,
      deliveryId: delivery.deliveryId,
      attempt: delivery.attempts + 1,
      notBefore: new Date(due).toISOString(),
    },
    queueDelaySeconds(due, now),
  );
}

/** A failed attempt: the endpoint's run of failures goes on, and ends it when it has lasted too long. */
async function judgeFailing(endpoint: WebhookEndpoint, now: number): Promise<void> {
  const marked = await markWebhookFailing(endpoint.teamId, endpoint.id, new Date(now).toISOString());
  if (!marked?.enabled || marked.failingSince === null) return;
  if (now - Date.parse(marked.failingSince) >= DISABLE_AFTER_FAILING_MS)
    await switchOff(marked, DISABLED_FAILING, marked.failingSince, now);
}

async function switchOff(
  endpoint: WebhookEndpoint,
  reason: string,
  failingSince: string | null,
  now: number,
): Promise<void> {
  const disabled = await disableWebhook(endpoint.teamId, endpoint.id, reason);
  // Off already (another worker, or the team): that one reported it.
  if (!disabled) return;
  count(METRIC.webhookDisabled, { reason });
  logger.warn('webhook endpoint switched off', {
    teamId: endpoint.teamId,
    webhookId: endpoint.id,
    reason,
    failingSince,
  });
  await publishWebhookDisabled({
    teamId: endpoint.teamId,
    webhookId: endpoint.id,
    reason,
    failingSince,
    at: new Date(now).toISOString(),
  });
}
