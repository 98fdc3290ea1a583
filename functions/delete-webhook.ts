/** DELETE /webhooks/{id} — removes an endpoint; nothing more is sent to it. */
import { apiHandler } from '../src/http/api-handler.js';
import { deleteWebhook } from '../src/services/webhooks/endpoints.js';

export const handler = apiHandler('delete-webhook', {}, async ({ caller, params }) => {
  await deleteWebhook(caller, params.id ?? '');
  return { status: 200, body: { data: { deleted: true } } };
});
