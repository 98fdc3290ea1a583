/**
 * The webhook endpoint routes of the route table (src/routes.ts): scope webhooks:manage. None honours
 * `Idempotency-Key`: the create and rotate answers hold a signing secret, and an idempotency record
 * would keep that answer in the table in plain text.
 */
import { PARTITION_KEYS as KEYS } from '../adapters/table-keys.js';
import {
  authenticated,
  DELETE,
  GET,
  noSecrets,
  noSes,
  PUT,
  QUERY,
  type Route,
  SCOPE_WEBHOOKS_MANAGE,
  UPDATE,
} from './common.js';

/** Every webhook route stays in the team's partition and touches neither SES nor the verify queue. */
const webhookRoute = {
  scope: SCOPE_WEBHOOKS_MANAGE,
  idempotent: false,
} as const;

export const webhookRoutes = [
  {
    method: 'POST',
    path: '/webhooks',
    name: 'create-webhook',
    ...webhookRoute,
    grants: {
      // The endpoint is put in the same transaction as the team's endpoint count goes up.
      table: [...authenticated, { keys: KEYS.team, actions: [PUT, UPDATE] }],
      queryIndexes: false,
      ses: noSes,
      sendToVerifyQueue: false,
      // The new signing secret is sealed before it is stored.
      secrets: ['kms:Encrypt'],
    },
  },
  {
    method: 'GET',
    path: '/webhooks',
    name: 'list-webhooks',
    ...webhookRoute,
    grants: {
      table: [...authenticated, { keys: KEYS.team, actions: [QUERY] }],
      queryIndexes: false,
      ses: noSes,
      sendToVerifyQueue: false,
      secrets: noSecrets,
    },
  },
  {
    method: 'GET',
    path: '/webhooks/{id}',
    name: 'get-webhook',
    ...webhookRoute,
    grants: {
      table: [...authenticated, { keys: KEYS.team, actions: [GET] }],
      queryIndexes: false,
      ses: noSes,
      sendToVerifyQueue: false,
      secrets: noSecrets,
    },
  },
  {
    method: 'PATCH',
    path: '/webhooks/{id}',
    name: 'update-webhook',
    ...webhookRoute,
    grants: {
      table: [...authenticated, { keys: KEYS.team, actions: [UPDATE] }],
      queryIndexes: false,
      ses: noSes,
      sendToVerifyQueue: false,
      secrets: noSecrets,
    },
  },
  {
    method: 'DELETE',
    path: '/webhooks/{id}',
    name: 'delete-webhook',
    ...webhookRoute,
    grants: {
      // The endpoint is deleted in the same transaction as the team's endpoint count goes down.
      table: [...authenticated, { keys: KEYS.team, actions: [DELETE, UPDATE] }],
      queryIndexes: false,
      ses: noSes,
      sendToVerifyQueue: false,
      secrets: noSecrets,
    },
  },
  {
    method: 'POST',
    path: '/webhooks/{id}/rotate-secret',
    name: 'rotate-webhook-secret',
    ...webhookRoute,
    grants: {
      // Read first, so an unknown id costs no KMS call; the current secret then becomes the previous one.
      table: [...authenticated, { keys: KEYS.team, actions: [GET, UPDATE] }],
      queryIndexes: false,
      ses: noSes,
      sendToVerifyQueue: false,
      secrets: ['kms:Encrypt'],
    },
  },
  {
    method: 'POST',
    path: '/webhooks/{id}/test',
    name: 'test-webhook',
    ...webhookRoute,
    grants: {
      table: [...authenticated, { keys: KEYS.team, actions: [GET] }],
      queryIndexes: false,
      ses: noSes,
      sendToVerifyQueue: false,
      // The event is signed with the endpoint's secrets, opened for this one send.
      secrets: ['kms:Decrypt'],
    },
  },
] as const satisfies readonly Route[];
