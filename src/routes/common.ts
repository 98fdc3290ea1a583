/**
 * What every part of the route table shares: the base path, the scopes, the shape of a route, and the
 * grant fragments several routes repeat. The parts (domains.ts, webhooks.ts) build on this module
 * rather than on src/routes.ts, which combines them into the one table.
 */
import { PARTITION_KEYS as KEYS } from '../adapters/table-keys.js';
import type { Grants, SecretAction, SesAction, TableGrant } from '../grants.js';

export const API_BASE_PATH = '/api/v1';

export const SCOPE_DOMAINS_MANAGE = 'domains:manage';
export const SCOPE_WEBHOOKS_MANAGE = 'webhooks:manage';

export type HttpMethod = 'GET' | 'POST' | 'DELETE' | 'PATCH';

/**
 * A page of the HTTP API outside API_BASE_PATH: public static files (the console), answered by a
 * function that holds no grants and reads no key. Not an API operation, so not in the OpenAPI document.
 */
export interface Page {
  /** GET, and HEAD with it: a browser or a link checker may ask for the headers alone. */
  readonly methods: readonly ['GET', 'HEAD'];
  /** The whole path, with `{param}` placeholders as API Gateway writes them. */
  readonly path: string;
  /** Function name; the handler lives in `functions/<name>.ts` and exports `handler`. */
  readonly name: string;
}

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

export const GET = 'dynamodb:GetItem';
export const QUERY = 'dynamodb:Query';
export const PUT = 'dynamodb:PutItem';
export const UPDATE = 'dynamodb:UpdateItem';
export const DELETE = 'dynamodb:DeleteItem';

/** Every authenticated route reads the caller's key and counts the request in the team's window. */
export const authenticated: TableGrant[] = [
  { keys: KEYS.apiKey, actions: [GET] },
  { keys: KEYS.rateLimit, actions: [UPDATE] },
];
/**
 * An Idempotency-Key request: Powertools puts the record when it starts, updates it with the answer,
 * deletes it when the request fails, and reads it when the put finds one it did not return.
 */
export const idempotencyRecords: TableGrant = { keys: KEYS.idempotency, actions: [GET, PUT, UPDATE, DELETE] };

export const noSes: SesAction[] = [];
export const noSecrets: SecretAction[] = [];
