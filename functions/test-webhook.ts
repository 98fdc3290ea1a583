/** POST /webhooks/{id}/test — sends a signed `webhook.test` event now and answers with what the receiver did. */
import { apiHandler } from '../src/http/api-handler.js';
import { sendTestEvent } from '../src/services/webhooks/test-event.js';

export const handler = apiHandler('test-webhook', {}, async ({ caller, params }) => {
  const sent = await sendTestEvent(caller, params.id ?? '');
  return {
    status: 200,
    body: {
      data: {
        delivered: sent.delivered,
        status_code: sent.statusCode,
        duration_ms: sent.durationMs,
        error: sent.error,
      },
    },
  };
});
