/**
 * The background functions: not routes, but declared beside them so the stack reads one catalogue
 * (src/routes.ts).
 */
import { PARTITION_KEYS as KEYS } from '../adapters/table-keys.js';
import type { Grants } from '../grants.js';
import { DELETE, GET, noSecrets, noSes, PUT, QUERY, UPDATE } from './common.js';

export interface BackgroundFunction {
  readonly name: string;
  readonly grants: Grants;
}

export const backgroundFunctions = [
  {
    name: 'verifier',
    grants: {
      table: [
        // The domain and the result; PutItem: the status history entry and the webhook event, written in
        // the same transaction as the status. DeleteItem and the count's UpdateItem: releasing a claim
        // never verified in time.
        { keys: KEYS.team, actions: [GET, PUT, UPDATE, DELETE] },
        { keys: KEYS.domainName, actions: [DELETE] },
        // The SES pacer shared by every verifier container.
        { keys: KEYS.sesPacer, actions: [UPDATE] },
      ],
      // A released domain's place in its cell's count is given back with it.
      cellCounters: [UPDATE],
      queryIndexes: false,
      ses: ['ses:GetEmailIdentity', 'ses:DeleteEmailIdentity'],
      sendToVerifyQueue: false,
      secrets: noSecrets,
    },
  },
  {
    name: 'scheduler',
    grants: {
      // Due entries come from the index; the lease is written on the domain item.
      table: [{ keys: KEYS.team, actions: [UPDATE] }],
      // How full each cell is, for its metric.
      cellCounters: [GET],
      queryIndexes: true,
      ses: noSes,
      sendToVerifyQueue: true,
      secrets: noSecrets,
    },
  },
  {
    // Fed by the table's stream (webhook events only): the team's endpoints, one delivery each.
    name: 'webhook-fanout',
    grants: {
      table: [{ keys: KEYS.team, actions: [QUERY, PUT, GET] }],
      queryIndexes: false,
      ses: noSes,
      sendToVerifyQueue: false,
      sendToDeliveryQueue: true,
      secrets: noSecrets,
    },
  },
  {
    // Fed by the delivery queue: one attempt per message, the next one queued again.
    name: 'webhook-deliver',
    grants: {
      // The delivery and its endpoint; the attempt on the delivery, the endpoint's health on the endpoint.
      table: [{ keys: KEYS.team, actions: [GET, UPDATE] }],
      queryIndexes: false,
      ses: noSes,
      sendToVerifyQueue: false,
      sendToDeliveryQueue: true,
      // The operator's event when an endpoint is switched off is put on the bus, as the verifier's are
      // (the stack grants it).
      secrets: ['kms:Decrypt'],
    },
  },
] as const satisfies readonly BackgroundFunction[];
