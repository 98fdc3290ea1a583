/**
 * The delivery log routes of the route table (src/routes.ts): scope webhooks:manage, like the
 * endpoints they belong to. The replay is not idempotent-by-key: every replay is one more attempt.
 */
import { PARTITION_KEYS as KEYS } from '../adapters/table-keys.js';
import { authenticated, GET, noSes, QUERY, type Route, SCOPE_WEBHOOKS_MANAGE, UPDATE } from './common.js';

export const deliveryRoutes = [
  {
    method: 'GET',
    path: '/webhooks/{id}/deliveries',
    name: 'list-webhook-deliveries',
    scope: SCOPE_WEBHOOKS_MANAGE,
    idempotent: false,
    grants: {
      // The endpoint is read first, so another team's id is a 404; then one Query of its deliveries.
      table: [...authenticated, { keys: KEYS.team, actions: [GET, QUERY] }],
      queryIndexes: false,
      ses: noSes,
      sendToVerifyQueue: false,
      secrets: [],
    },
  },
  {
    method: 'POST',
    path: '/webhooks/{id}/deliveries/{delivery_id}/replay',
    name: 'replay-webhook-delivery',
    scope: SCOPE_WEBHOOKS_MANAGE,
    idempotent: false,
    grants: {
      // The endpoint and the delivery are read; the attempt is recorded on the delivery, and a success
      // ends the endpoint's run of failures.
      table: [...authenticated, { keys: KEYS.team, actions: [GET, UPDATE] }],
      queryIndexes: false,
      ses: noSes,
      sendToVerifyQueue: false,
      // A pending delivery's next attempt is queued again after the replay took its place.
      sendToDeliveryQueue: true,
      secrets: ['kms:Decrypt'],
    },
  },
] as const satisfies readonly Route[];
