/**
 * `POST /webhooks/{id}/test`: one `webhook.test` event sent at once, in the Standard Webhooks format,
 * signed with the endpoint's current secret (and the previous one while a rotation's grace lasts).
 * What happened is the answer; nothing is retried or recorded. A disabled endpoint is sent to all the
 * same: testing it is how a team checks that it can be enabled again.
 */
import { openSecret } from '../../adapters/webhook-secrets.js';
import { sendWebhook } from '../../adapters/webhook-sender.js';
import type { WebhookEndpoint } from '../../adapters/webhooks-table/index.js';
import { webhooksConfig } from '../../config.js';
import { testEvent } from '../../domain/webhook-endpoint.js';
import { newMessageId, signatureHeaders } from '../../domain/webhook-signature.js';
import type { Caller } from '../auth.js';
import { getWebhook } from './endpoints.js';

const config = webhooksConfig();

export interface TestDelivery {
  readonly delivered: boolean;
  readonly statusCode: number | null;
  readonly durationMs: number;
  readonly error: string | null;
}

/** The secrets that sign a delivery now: the current one, and the previous one until its time ends. */
export async function signingSecrets(endpoint: WebhookEndpoint, now: Date): Promise<string[]> {
  const ctx = { teamId: endpoint.teamId, webhookId: endpoint.id };
  const previousValid =
    endpoint.previousSecretSealed !== null &&
    endpoint.previousSecretUntil !== null &&
    Date.parse(endpoint.previousSecretUntil) > now.getTime();
  return Promise.all([
    openSecret(endpoint.secretSealed, ctx),
    ...(previousValid ? [openSecret(endpoint.previousSecretSealed!, ctx)] : []),
  ]);
}

export async function sendTestEvent(caller: Caller, id: string, now = new Date()): Promise<TestDelivery> {
  const endpoint = await getWebhook(caller, id);
  const body = JSON.stringify(testEvent(endpoint.id, now));
  const headers = signatureHeaders({
    messageId: newMessageId(),
    timestampSeconds: Math.floor(now.getTime() / 1000),
    body,
    secrets: await signingSecrets(endpoint, now),
  });
  const result = await sendWebhook({
    url: endpoint.url,
    headers: { ...headers },
    body,
    allowLocal: config.allowLocalTargets,
  });
  return {
    delivered: result.delivered,
    statusCode: result.statusCode,
    durationMs: result.durationMs,
    error: result.error,
  };
}
