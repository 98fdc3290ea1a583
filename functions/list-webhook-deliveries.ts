/** GET /webhooks/{id}/deliveries — the endpoint's delivery log, newest first, a page at a time. */
import { toDeliveryJson } from '../src/domain/webhook-delivery.js';
import { apiHandler } from '../src/http/api-handler.js';
import { ListDeliveriesQuery } from '../src/http/delivery-schemas.js';
import { listDeliveries } from '../src/services/webhooks/deliveries.js';

export const handler = apiHandler(
  'list-webhook-deliveries',
  { query: ListDeliveriesQuery },
  async ({ caller, params, query }) => {
    const page = await listDeliveries(caller, params.id ?? '', query);
    return {
      status: 200,
      body: { data: page.deliveries.map(toDeliveryJson), has_more: page.hasMore, next_cursor: page.nextCursor },
    };
  },
);
