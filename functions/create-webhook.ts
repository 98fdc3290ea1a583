/** POST /webhooks — adds an endpoint that domain events are sent to; the answer shows its signing secret, once. */
import { toWebhookJson } from '../src/domain/webhook-endpoint.js';
import { apiHandler } from '../src/http/api-handler.js';
import { CreateWebhookBody } from '../src/http/webhook-schemas.js';
import { createWebhook } from '../src/services/webhooks/endpoints.js';

export const handler = apiHandler('create-webhook', { body: CreateWebhookBody }, async ({ caller, body }) => {
  const { endpoint, secret } = await createWebhook(caller, body);
  return { status: 201, body: { data: { ...toWebhookJson(endpoint), secret } } };
});
