/**
 * The catalogue of the API's error codes: each code's status and what it means to a client. Data only,
 * read by the error classes (src/errors.ts), the OpenAPI document and the README's error table test.
 */
import { MAX_BODY_BYTES } from './http/limits.js';

// The order is the document's: the ErrorCode enum, the error table, and the codes within a response.
export const CODES = {
  validation_error: {
    status: 400,
    meaning:
      'The request is invalid: the body is not a JSON object, lacks a required field, or has a field this API does not accept, or a body field or query parameter has an invalid value. The message says what to fix; `field` names the field or parameter when known.',
  },
  invalid_json: { status: 400, meaning: 'The request body is not valid JSON.' },
  missing_api_key: { status: 401, meaning: 'No `Authorization` header was sent.' },
  invalid_api_key: { status: 401, meaning: 'The API key is malformed, unknown or revoked.' },
  insufficient_scope: {
    status: 403,
    meaning: 'The API key lacks the scope the operation requires (named in `required_scope`).',
  },
  domain_not_found: {
    status: 404,
    meaning: "No domain with this id exists for your team. Another team's id and a malformed id answer the same way.",
  },
  route_not_found: { status: 404, meaning: 'No such endpoint: the API has no operation at this path and method.' },
  domain_already_registered: { status: 409, meaning: 'The domain is already registered, by your team or another one.' },
  invalid_idempotency_key: {
    status: 400,
    meaning: '`Idempotency-Key` is empty, longer than 256 characters, or has characters other than visible ASCII.',
  },
  idempotency_key_reused: {
    status: 409,
    meaning:
      'This `Idempotency-Key` was used in the last 24 hours with a different request body. Use a new key for a new request.',
  },
  idempotency_request_in_progress: {
    status: 409,
    meaning:
      'A request with this `Idempotency-Key` is still running. Retry after the number of seconds in `Retry-After`.',
  },
  payload_too_large: { status: 413, meaning: `The request body is larger than ${MAX_BODY_BYTES} bytes.` },
  unsupported_media_type: {
    status: 415,
    meaning: 'The request body was not sent with `Content-Type: application/json`.',
  },
  rate_limited: {
    status: 429,
    meaning:
      'Your team passed its request limit for the current one-minute window. Every answer to an authenticated request carries `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (seconds until the window resets); retry after `Retry-After` seconds.',
  },
  internal_error: { status: 500, meaning: 'Something unexpected failed on our side. Retry later.' },
  service_unavailable: {
    status: 503,
    meaning: 'An upstream service is busy or unavailable. Retry after the number of seconds in `Retry-After`.',
  },
  identity_quota_exceeded: {
    status: 503,
    meaning:
      'The region has no room for another sending domain: each SES account serving it holds as many identities as it may. Retry after the number of seconds in `Retry-After`, or use another region.',
  },
  identity_missing: {
    status: 409,
    meaning:
      "The domain's SES identity was removed outside Krafter, so its settings cannot change. Delete the domain and add it again.",
  },
  identity_in_use: {
    status: 409,
    meaning:
      'An SES identity of this name exists that Krafter did not make for this domain (another application on the same platform uses it). Nothing was changed. See the README: when your name is taken.',
  },
  domain_limit_reached: {
    status: 403,
    meaning:
      'Your team holds as many domains as it may (`limit`). Delete a domain you no longer use, or ask support to raise the limit.',
  },
  domain_not_allowed: {
    status: 400,
    meaning:
      "The name belongs to infrastructure (this platform's or AWS's own, such as amazonses.com or execute-api.amazonaws.com), not to a customer, and cannot be registered.",
  },
  webhook_not_found: {
    status: 404,
    meaning: "No webhook endpoint with this id exists for your team. Another team's id answers the same way.",
  },
  webhook_limit_reached: {
    status: 403,
    meaning: 'Your team has as many webhook endpoints as it may (`limit`). Delete one you no longer use.',
  },
  delivery_not_found: {
    status: 404,
    meaning:
      'No delivery with this id exists for this webhook endpoint. Deliveries are kept for 30 days after their event.',
  },
} as const satisfies Record<string, { readonly status: number; readonly meaning: string }>;

export type ErrorCode = keyof typeof CODES;

/** Every error code, in the catalogue's order. */
export const ERROR_CODES = Object.keys(CODES) as [ErrorCode, ...ErrorCode[]];
