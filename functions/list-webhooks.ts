/** GET /webhooks — the team's webhook endpoints, oldest first, without their secrets. */
import { toWebhookJson } from '../src/domain/webhook-endpoint.js';
import { apiHandler } from '../src/http/api-handler.js';
import { listWebhooks } from '../src/services/webhooks/endpoints.js';

export const handler = apiHandler('list-webhooks', {}, async ({ caller }) => {
  const endpoints = await listWebhooks(caller);
  return { status: 200, body: { data: endpoints.map(toWebhookJson) } };
});
