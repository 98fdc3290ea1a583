/** POST /webhooks/{id}/rotate-secret — a new signing secret, shown once; the old one signs too for 24 hours. */
import { apiHandler } from '../src/http/api-handler.js';
import { rotateWebhookSecret } from '../src/services/webhooks/endpoints.js';

export const handler = apiHandler('rotate-webhook-secret', {}, async ({ caller, params }) => {
  const secret = await rotateWebhookSecret(caller, params.id ?? '');
  return { status: 200, body: { data: { secret } } };
});
