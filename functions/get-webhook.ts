/** GET /webhooks/{id} — one webhook endpoint, without its secret. */
import { toWebhookJson } from '../src/domain/webhook-endpoint.js';
import { apiHandler } from '../src/http/api-handler.js';
import { getWebhook } from '../src/services/webhooks/endpoints.js';

export const handler = apiHandler('get-webhook', {}, async ({ caller, params }) => {
  const endpoint = await getWebhook(caller, params.id ?? '');
  return { status: 200, body: { data: toWebhookJson(endpoint) } };
});
