/** The domain routes of the route table (src/routes.ts): scope domains:manage. */
import { PARTITION_KEYS as KEYS } from '../adapters/table-keys.js';
import type { Grants } from '../grants.js';
import {
  authenticated,
  DELETE,
  GET,
  idempotencyRecords,
  noSecrets,
  noSes,
  PUT,
  QUERY,
  type Route,
  SCOPE_DOMAINS_MANAGE,
  UPDATE,
} from './common.js';

/** One GetItem of one of the team's domains: what get-domain and get-zone-file read. */
const readOneDomain: Grants = {
  table: [...authenticated, { keys: KEYS.team, actions: [GET] }],
  queryIndexes: false,
  ses: noSes,
  sendToVerifyQueue: false,
  secrets: noSecrets,
};

export const domainRoutes = [
  {
    method: 'POST',
    path: '/domains',
    name: 'create-domain',
    scope: SCOPE_DOMAINS_MANAGE,
    idempotent: true,
    grants: {
      table: [
        ...authenticated,
        idempotencyRecords,
        // The domain (put, leases, ready, undo) and the team's domain count, moved in the same transactions;
        // PutItem also: the `domain.created` webhook event, written with `ready`.
        { keys: KEYS.team, actions: [GET, PUT, UPDATE, DELETE] },
        // The name claim: put with the domain (a taken one comes back in the refusal), deleted on undo.
        { keys: KEYS.domainName, actions: [PUT, DELETE] },
      ],
      // The cells' counts are read to choose a cell; the chosen one moves with the claim and its undo.
      cellCounters: [GET, UPDATE],
      queryIndexes: false,
      // TagResource: SES authorizes the tags given to CreateEmailIdentity as a TagResource on the new
      // identity. GetEmailIdentity reads an existing identity's tags before anything is adopted.
      ses: [
        'ses:CreateEmailIdentity',
        'ses:TagResource',
        'ses:GetEmailIdentity',
        'ses:PutEmailIdentityMailFromAttributes',
        'ses:PutEmailIdentityDkimSigningAttributes',
        'ses:VerifyDomainIdentity',
        'ses:DeleteEmailIdentity',
      ],
      sendToVerifyQueue: false,
      secrets: noSecrets,
    },
  },
  {
    method: 'GET',
    path: '/domains',
    name: 'list-domains',
    scope: SCOPE_DOMAINS_MANAGE,
    idempotent: false,
    // The team's domains are one partition of the table itself: no index is read.
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
    path: '/domains/{id}',
    name: 'get-domain',
    scope: SCOPE_DOMAINS_MANAGE,
    idempotent: false,
    grants: readOneDomain,
  },
  {
    method: 'GET',
    path: '/domains/{id}/zone-file',
    name: 'get-zone-file',
    scope: SCOPE_DOMAINS_MANAGE,
    idempotent: false,
    // The same read as get-domain: the records are the domain's.
    grants: readOneDomain,
  },
  {
    method: 'POST',
    path: '/domains/{id}/verify',
    name: 'verify-domain',
    scope: SCOPE_DOMAINS_MANAGE,
    idempotent: true,
    grants: {
      // UpdateItem on the domain: `verifying` and back when the queue refuses.
      table: [...authenticated, idempotencyRecords, { keys: KEYS.team, actions: [UPDATE] }],
      queryIndexes: false,
      ses: noSes,
      sendToVerifyQueue: true,
      secrets: noSecrets,
    },
  },
  {
    method: 'PATCH',
    path: '/domains/{id}',
    name: 'update-domain',
    scope: SCOPE_DOMAINS_MANAGE,
    idempotent: false,
    grants: {
      // PutItem: the `domain.updated` webhook event, written in the same transaction as the settings.
      table: [...authenticated, { keys: KEYS.team, actions: [GET, PUT, UPDATE] }],
      queryIndexes: false,
      ses: [
        'ses:PutEmailIdentityMailFromAttributes',
        'ses:GetEmailIdentity',
        'ses:PutEmailIdentityDkimSigningAttributes',
      ],
      sendToVerifyQueue: true,
      secrets: noSecrets,
    },
  },
  {
    method: 'DELETE',
    path: '/domains/{id}',
    name: 'delete-domain',
    scope: SCOPE_DOMAINS_MANAGE,
    idempotent: false,
    grants: {
      table: [
        ...authenticated,
        // The domain is read, then deleted with its claim while the team's domain count goes down, and its
        // `domain.deleted` webhook event is put in the same transaction.
        { keys: KEYS.team, actions: [GET, PUT, UPDATE, DELETE] },
        { keys: KEYS.domainName, actions: [DELETE] },
      ],
      // The domain's place in its cell's count is given back in the same transaction.
      cellCounters: [UPDATE],
      queryIndexes: false,
      // The identity's tags are read first: one that is not this domain's is left alone.
      ses: ['ses:GetEmailIdentity', 'ses:DeleteEmailIdentity'],
      sendToVerifyQueue: false,
      secrets: noSecrets,
    },
  },
] as const satisfies readonly Route[];
