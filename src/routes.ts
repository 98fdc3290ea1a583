/**
 * The one route table. The CDK stack creates one Lambda and one HTTP API route per entry, the local
 * server dispatches by it, and each function's IAM policy is derived from its `grants`, so the three
 * cannot drift apart.
 */

import { PARTITION_KEYS as KEYS } from './adapters/table-keys.js';
import type { Grants, SecretAction, SesAction, TableGrant } from './grants.js';

export const API_BASE_PATH = '/api/v1';

export const SCOPE_DOMAINS_MANAGE = 'domains:manage';
export const SCOPE_WEBHOOKS_MANAGE = 'webhooks:manage';

export type HttpMethod = 'GET' | 'POST' | 'DELETE' | 'PATCH';

export interface Route {
  readonly method: HttpMethod;
  /** Path below API_BASE_PATH, with `{param}` placeholders as API Gateway writes them. */
  readonly path: string;
  /** Function name; the handler lives in `functions/<name>.ts` and exports `handler`. */
  readonly name: string;
  /** Scope the API key must carry; null for public routes. */
  readonly scope: string | null;
  /**
   * Honours `Idempotency-Key`. The one place that says so: the route's grants must then include the
   * idempotency records, and its handler must pass the idempotency runner (api-handler.ts requires
   * it by type), which keeps Powertools Idempotency out of every other function's bundle.
   */
  readonly idempotent: boolean;
  readonly grants: Grants;
}

const GET = 'dynamodb:GetItem';
const QUERY = 'dynamodb:Query';
const PUT = 'dynamodb:PutItem';
const UPDATE = 'dynamodb:UpdateItem';
const DELETE = 'dynamodb:DeleteItem';

/** Every authenticated route reads the caller's key and counts the request in the team's window. */
const authenticated: TableGrant[] = [
  { keys: KEYS.apiKey, actions: [GET] },
  { keys: KEYS.rateLimit, actions: [UPDATE] },
];
/**
 * An Idempotency-Key request: Powertools puts the record when it starts, updates it with the answer,
 * deletes it when the request fails, and reads it when the put finds one it did not return.
 */
const idempotencyRecords: TableGrant = { keys: KEYS.idempotency, actions: [GET, PUT, UPDATE, DELETE] };

const noSes: SesAction[] = [];
const noSecrets: SecretAction[] = [];

export const routes = [
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
        // The domain (put, leases, ready, undo) and the team's domain count, moved in the same transactions.
        { keys: KEYS.team, actions: [GET, PUT, UPDATE, DELETE] },
        // The name claim: put with the domain (a taken one comes back in the refusal), deleted on undo.
        { keys: KEYS.domainName, actions: [PUT, DELETE] },
      ],
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
    grants: {
      table: [...authenticated, { keys: KEYS.team, actions: [GET] }],
      queryIndexes: false,
      ses: noSes,
      sendToVerifyQueue: false,
      secrets: noSecrets,
    },
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
      table: [...authenticated, { keys: KEYS.team, actions: [GET, UPDATE] }],
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
        // The domain is read, then deleted with its claim while the team's domain count goes down.
        { keys: KEYS.team, actions: [GET, UPDATE, DELETE] },
        { keys: KEYS.domainName, actions: [DELETE] },
      ],
      queryIndexes: false,
      // The identity's tags are read first: one that is not this domain's is left alone.
      ses: ['ses:GetEmailIdentity', 'ses:DeleteEmailIdentity'],
      sendToVerifyQueue: false,
      secrets: noSecrets,
    },
  },
  {
    method: 'GET',
    path: '/openapi.json',
    name: 'openapi',
    // The API description is public: clients fetch it to generate code before they hold a key.
    scope: null,
    idempotent: false,
    grants: { table: [], queryIndexes: false, ses: noSes, sendToVerifyQueue: false, secrets: noSecrets },
  },
] as const satisfies readonly Route[];

/** The name of every API route's function: adding a route adds its name here, and the compiler asks for the rest. */
export type RouteName = (typeof routes)[number]['name'];

/** Background functions: not routes, but declared here beside them so the stack reads one catalogue. */
export interface BackgroundFunction {
  readonly name: string;
  readonly grants: Grants;
}

export const backgroundFunctions = [
  {
    name: 'verifier',
    grants: {
      table: [
        // The domain and the result; PutItem: the status history entry, written in the same transaction
        // as the status. DeleteItem and the count's UpdateItem: releasing a claim never verified in time.
        { keys: KEYS.team, actions: [GET, PUT, UPDATE, DELETE] },
        { keys: KEYS.domainName, actions: [DELETE] },
        // The SES pacer shared by every verifier container.
        { keys: KEYS.sesPacer, actions: [UPDATE] },
      ],
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
      queryIndexes: true,
      ses: noSes,
      sendToVerifyQueue: true,
      secrets: noSecrets,
    },
  },
] as const satisfies readonly BackgroundFunction[];

export type BackgroundFunctionName = (typeof backgroundFunctions)[number]['name'];

/** Name of the catch-all function that answers unknown paths in the API's error format. */
export const NOT_FOUND_FUNCTION = 'not-found' as const;

/** Every Lambda function of the stack: the routes', the background ones and the catch-all. */
export type FunctionName = RouteName | BackgroundFunctionName | typeof NOT_FOUND_FUNCTION;

type ByName<T extends { readonly name: string }> = { readonly [K in T['name']]: Extract<T, { readonly name: K }> };

/** A catalogue by name: total by construction, since every key comes from the list itself. */
function byName<const T extends { readonly name: string }>(items: readonly T[]): ByName<T> {
  return Object.fromEntries(items.map((item) => [item.name, item])) as ByName<T>;
}

/** Each route by its function's name, with its literal types (scope, idempotent). */
export const ROUTES = byName(routes);
export const BACKGROUND_FUNCTIONS = byName(backgroundFunctions);

/** The routes that need an API key, and so go through api-handler.ts. */
export type AuthenticatedRouteName = Extract<(typeof routes)[number], { readonly scope: string }>['name'];

/** What each function may touch; the catch-all touches no data. */
export const FUNCTION_GRANTS: Readonly<Record<FunctionName, Grants | null>> = {
  [NOT_FOUND_FUNCTION]: null,
  ...mapByName(ROUTES, (route) => route.grants),
  ...mapByName(BACKGROUND_FUNCTIONS, (fn) => fn.grants),
};

/** Every function name, the catch-all first, then the routes' and the background functions'. */
export const FUNCTION_NAMES = Object.keys(FUNCTION_GRANTS) as readonly FunctionName[];

/** A value for every function, e.g. a construct per function; the compiler knows no name is missing. */
export function mapFunctions<T>(f: (name: FunctionName) => T): Readonly<Record<FunctionName, T>> {
  return mapByName(FUNCTION_GRANTS, (_grants, name) => f(name));
}

function mapByName<K extends string, V, T>(record: Readonly<Record<K, V>>, f: (value: V, name: K) => T): Record<K, T> {
  const entries = Object.entries<V>(record).map(([name, value]) => [name, f(value, name as K)]);
  return Object.fromEntries(entries) as Record<K, T>;
}
