/** Query schema of the delivery log (`GET /webhooks/{id}/deliveries`); strict like src/http/schemas.ts. */
import * as v from 'valibot';
import { DELIVERY_STATUSES } from '../domain/webhook-delivery.js';

const LIMIT_MESSAGE = 'limit must be a whole number from 1 to 100.';

export const ListDeliveriesQuery = v.strictObject({
  limit: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d{1,3}$/, LIMIT_MESSAGE),
      v.transform(Number),
      v.minValue(1, LIMIT_MESSAGE),
      v.maxValue(100, LIMIT_MESSAGE),
      v.description('Page size, 1–100; 20 when left out.'),
    ),
  ),
  after: v.optional(
    v.pipe(
      v.string(),
      v.maxLength(200, 'after is not a valid cursor.'),
      v.description('Opaque cursor from a previous page (`next_cursor`).'),
    ),
  ),
  status: v.optional(
    v.pipe(
      v.picklist(DELIVERY_STATUSES, `status must be one of ${DELIVERY_STATUSES.join(', ')}.`),
      v.description('Only deliveries with this status.'),
    ),
  ),
});

export type ListDeliveriesQuery = v.InferOutput<typeof ListDeliveriesQuery>;
