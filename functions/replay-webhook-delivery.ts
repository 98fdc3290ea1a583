/** POST /webhooks/{id}/deliveries/{delivery_id}/replay — sends one delivery again now and answers what happened. */
import { apiHandler } from '../src/http/api-handler.js';
import { replayDelivery } from '../src/services/webhooks/deliveries.js';

export const handler = apiHandler('replay-webhook-delivery', {}, async ({ caller, params }) => {
  const sent = await replayDelivery(caller, params.id ?? '', params.delivery_id ?? '');
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
