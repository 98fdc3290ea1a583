/**
 * The one route table. The CDK stack creates one Lambda and one HTTP API route per entry, the local
 * server dispatches by it, and each function's IAM policy is derived from its `grants`, so the three
 * cannot drift apart.
 */
export const API_BASE_PATH = '/api/v1';

export const SCOPE_DOMAINS_MANAGE = 'domains:manage';

export type HttpMethod = 'GET' | 'POST' | 'DELETE' | 'PATCH';

/** What a function may touch; the stack turns this into least-privilege IAM statements. */
export interface Grants {
  /** DynamoDB actions on the table and its indexes. */
  readonly table: readonly TableAction[];
  /** SES actions (v2 and v1 names share the `ses:` prefix). */
  readonly ses: readonly string[];
  /** May send to the verify queue. */
  readonly sendToVerifyQueue: boolean;
  /**
   * Counts requests in the team's rate-limit window: UpdateItem, which the stack limits to the
   * `RATELIMIT#` items with a `dynamodb:LeadingKeys` condition when the function has no other UpdateItem.
   */
  readonly countsRequests: boolean;
}

export type TableAction =
  | 'dynamodb:GetItem'
  | 'dynamodb:Query'
  | 'dynamodb:PutItem'
  | 'dynamodb:UpdateItem'
  | 'dynamodb:DeleteItem';

export interface Route {
  readonly method: HttpMethod;
  /** Path below API_BASE_PATH, with `{param}` placeholders as API Gateway writes them. */
  readonly path: string;
  /** Function name; the handler lives in `functions/<name>.ts` and exports `handler`. */
  readonly name: string;
  /** Scope the API key must carry; null for public routes. */
  readonly scope: string | null;
  readonly grants: Grants;
}

/** Every authenticated route reads its API key (and counts the request: `countsRequests`). */
const readKeys: TableAction[] = ['dynamodb:GetItem'];

export const routes: readonly Route[] = [
  {
    method: 'POST',
    path: '/domains',
    name: 'create-domain',
    scope: SCOPE_DOMAINS_MANAGE,
    grants: {
      table: [...readKeys, 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
      ses: ['ses:CreateEmailIdentity', 'ses:GetEmailIdentity', 'ses:PutEmailIdentityMailFromAttributes', 'ses:PutEmailIdentityDkimSigningAttributes', 'ses:VerifyDomainIdentity', 'ses:DeleteEmailIdentity'],
      sendToVerifyQueue: false,
      countsRequests: true,
    },
  },
  {
    method: 'GET',
    path: '/domains',
    name: 'list-domains',
    scope: SCOPE_DOMAINS_MANAGE,
    grants: { table: [...readKeys, 'dynamodb:Query'], ses: [], sendToVerifyQueue: false, countsRequests: true },
  },
  {
    method: 'GET',
    path: '/domains/{id}',
    name: 'get-domain',
    scope: SCOPE_DOMAINS_MANAGE,
    grants: { table: readKeys, ses: [], sendToVerifyQueue: false, countsRequests: true },
  },
  {
    method: 'POST',
    path: '/domains/{id}/verify',
    name: 'verify-domain',
    scope: SCOPE_DOMAINS_MANAGE,
    // PutItem and DeleteItem: Idempotency-Key records.
    grants: { table: [...readKeys, 'dynamodb:UpdateItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem'], ses: [], sendToVerifyQueue: true, countsRequests: true },
  },
  {
    method: 'PATCH',
    path: '/domains/{id}',
    name: 'update-domain',
    scope: SCOPE_DOMAINS_MANAGE,
    grants: {
      table: [...readKeys, 'dynamodb:UpdateItem'],
      ses: ['ses:PutEmailIdentityMailFromAttributes', 'ses:GetEmailIdentity', 'ses:PutEmailIdentityDkimSigningAttributes'],
      sendToVerifyQueue: true,
      countsRequests: true,
    },
  },
  {
    method: 'DELETE',
    path: '/domains/{id}',
    name: 'delete-domain',
    scope: SCOPE_DOMAINS_MANAGE,
    grants: {
      table: [...readKeys, 'dynamodb:DeleteItem'],
      ses: ['ses:DeleteEmailIdentity'],
      sendToVerifyQueue: false,
      countsRequests: true,
    },
  },
  {
    method: 'GET',
    path: '/openapi.json',
    name: 'openapi',
    // The API description is public: clients fetch it to generate code before they hold a key.
    scope: null,
    grants: { table: [], ses: [], sendToVerifyQueue: false, countsRequests: false },
  },
];

/** Background functions: not routes, but declared here beside them so the stack reads one catalogue. */
export interface BackgroundFunction {
  readonly name: 'verifier' | 'scheduler';
  readonly grants: Grants;
}

export const backgroundFunctions: readonly BackgroundFunction[] = [
  {
    name: 'verifier',
    // PutItem: the status history entry, written in the same transaction as the status.
    grants: { table: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:PutItem'], ses: ['ses:GetEmailIdentity'], sendToVerifyQueue: false, countsRequests: false },
  },
  {
    name: 'scheduler',
    grants: { table: ['dynamodb:Query', 'dynamodb:UpdateItem'], ses: [], sendToVerifyQueue: true, countsRequests: false },
  },
];

/** Name of the catch-all function that answers unknown paths in the API's error format. */
export const NOT_FOUND_FUNCTION = 'not-found';
