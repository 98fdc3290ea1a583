/** PATCH /webhooks/{id} — changes an endpoint's URL, events, description, or whether it is enabled. */
import { toWebhookJson } from '../src/domain/webhook-endpoint.js';
import { apiHandler } from '../src/http/api-handler.js';
import { UpdateWebhookBody } from '../src/http/webhook-schemas.js';
import { updateWebhook } from '../src/services/webhooks/endpoints.js';

export const handler = apiHandler('update-webhook', { body: UpdateWebhookBody }, async ({ caller, params, body }) => {
  const updated = await updateWebhook(caller, params.id ?? '', body);
  return { status: 200, body: { data: toWebhookJson(updated) } };
});
