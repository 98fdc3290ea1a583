/**
 * One attempt of a stored delivery: signed with the endpoint's live secrets under the event's own
 * `webhook-id` (the same for every retry and replay, so receivers can deduplicate) and this
 * attempt's timestamp, then sent. Shared by the delivery worker and the replay route.
 */

import type { AttemptRecord } from '../../adapters/deliveries-table.js';
import { type SendResult, sendWebhook } from '../../adapters/webhook-sender.js';
import type { WebhookEndpoint } from '../../adapters/webhooks-table/index.js';
import { webhooksConfig } from '../../config.js';
import type { DeliveryStatus, WebhookDelivery } from '../../domain/webhook-delivery.js';
import { signatureHeaders } from '../../domain/webhook-signature.js';
import { signingSecrets } from './test-event.js';

const { allowLocalTargets } = webhooksConfig();

export async function sendAttempt(endpoint: WebhookEndpoint, delivery: WebhookDelivery, at: Date): Promise<SendResult> {
  const headers = signatureHeaders({
    messageId: delivery.eventId,
    timestampSeconds: Math.floor(at.getTime() / 1000),
    body: delivery.payload,
    secrets: await signingSecrets(endpoint, at),
  });
  return sendWebhook({
    url: endpoint.url,
    headers: { ...headers },
    body: delivery.payload,
    allowLocal: allowLocalTargets,
  });
}

/** What the delivery log keeps of an attempt. */
export function attemptRecord(
  sent: SendResult,
  at: Date,
  status: DeliveryStatus,
  nextAttemptAt: string | null,
): AttemptRecord {
  return {
    status,
    at: at.toISOString(),
    statusCode: sent.statusCode,
    error: sent.error,
    response: sent.responseBody === '' ? null : sent.responseBody,
    nextAttemptAt,
  };
}
