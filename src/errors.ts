/**
 * The API's errors: one catalogue of every code a client can get (its status, what it means, an
 * example), and one class per code. The error middleware maps a thrown ApiError to the one envelope
 * (src/http/envelope.ts); the OpenAPI document and the README's error table read the catalogue.
 */
import { CODES, type ErrorCode } from './error-codes.js';
import { MAX_BODY_BYTES } from './http/limits.js';
import { SCOPE_DOMAINS_MANAGE } from './routes.js';

/** An error a client may see. Its code fixes its status (see the catalogue). */
export abstract class ApiError<C extends ErrorCode = ErrorCode> extends Error {
  readonly status: number;

  constructor(
    readonly code: C,
    message: string,
    /** Extra, client-safe fields for the envelope (e.g. which field was wrong). */
    readonly details: Record<string, unknown> = {},
    /** Seconds a client should wait before retrying (sets `Retry-After`). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = new.target.name;
    this.status = CODES[code].status;
  }
}

/** The class of a code whose answer never varies. */
function fixed<C extends ErrorCode>(code: C, message: string, details = {}, retryAfterSeconds?: number) {
  return class extends ApiError<C> {
    constructor() {
      super(code, message, details, retryAfterSeconds);
    }
  };
}

export class ValidationError extends ApiError<'validation_error'> {
  constructor(message: string, field?: string) {
    super('validation_error', message, field === undefined ? {} : { field });
  }
}

export class InvalidJsonError extends ApiError<'invalid_json'> {
  constructor(message = 'The request body is not valid JSON.') {
    super('invalid_json', message);
  }
}

export class UnsupportedMediaTypeError extends fixed(
  'unsupported_media_type',
  'Send the request body as JSON with Content-Type: application/json.',
) {}

export class PayloadTooLargeError extends ApiError<'payload_too_large'> {
  constructor(limitBytes: number) {
    super('payload_too_large', `The request body must be at most ${limitBytes} bytes.`);
  }
}

export class MissingApiKeyError extends fixed(
  'missing_api_key',
  'Send your API key as `Authorization: Bearer kr_live_...`.',
) {}

export class InvalidApiKeyError extends fixed('invalid_api_key', 'The API key is malformed, unknown or revoked.') {}

export class InsufficientScopeError extends ApiError<'insufficient_scope'> {
  constructor(scope: string) {
    super('insufficient_scope', `This API key lacks the \`${scope}\` scope.`, { required_scope: scope });
  }
}

export class DomainNotFoundError extends fixed('domain_not_found', 'No domain with this id exists for your team.') {}

export class RouteNotFoundError extends fixed(
  'route_not_found',
  'No such endpoint. See the API reference for the available paths.',
) {}

export class DomainAlreadyRegisteredError extends ApiError<'domain_already_registered'> {
  constructor(domain: string) {
    super('domain_already_registered', `The domain ${domain} is already registered.`);
  }
}

/** An SES identity of this name exists that this API did not make for this domain (another application's). */
export class IdentityInUseError extends ApiError<'identity_in_use'> {
  constructor(domain: string) {
    super(
      'identity_in_use',
      `The domain ${domain} is in use by another sender on this platform and cannot be registered here.`,
    );
  }
}

/** The team holds as many domains as it may (MAX_DOMAINS_PER_TEAM). */
export class DomainLimitReachedError extends ApiError<'domain_limit_reached'> {
  constructor(limit: number) {
    super(
      'domain_limit_reached',
      `Your team has reached its limit of ${limit} domains. Delete a domain you no longer use, or contact support to raise the limit.`,
      { limit },
    );
  }
}

export class WebhookNotFoundError extends fixed(
  'webhook_not_found',
  'No webhook endpoint with this id exists for your team.',
) {}

export class DeliveryNotFoundError extends fixed(
  'delivery_not_found',
  'No delivery with this id exists for this webhook endpoint.',
) {}

export class WebhookLimitReachedError extends ApiError<'webhook_limit_reached'> {
  constructor(limit: number) {
    super(
      'webhook_limit_reached',
      `Your team has reached its limit of ${limit} webhook endpoints. Delete one you no longer use.`,
      { limit },
    );
  }
}

/** The name belongs to infrastructure (this platform's or AWS's own), not to a customer. */
export class DomainNotAllowedError extends ApiError<'domain_not_allowed'> {
  constructor(domain: string) {
    super(
      'domain_not_allowed',
      `The domain ${domain} belongs to infrastructure this platform or AWS runs, and cannot be registered.`,
      { field: 'domain' },
    );
  }
}

/**
 * Every cell of the region holds its quota of identities (or SES refused for its own limit). An
 * immediate retry does not help; a delete, or a cell the operator adds, makes room, hence a long
 * Retry-After (every 503 carries one, as the API reference promises).
 */
export class IdentityQuotaExceededError extends fixed(
  'identity_quota_exceeded',
  'This Krafter region has reached its limit of sending domains. Contact support.',
  {},
  600,
) {}

/** Anything not foreseen: the client learns nothing about it, and the error middleware logs it. */
export class InternalError extends fixed(
  'internal_error',
  'Something went wrong on our side. Retry later; if it persists, contact support.',
) {}

/** An upstream (SES, DynamoDB, SQS) throttled or failed in a way a retry can fix. */
export class ServiceUnavailableError extends ApiError<'service_unavailable'> {
  constructor(
    message = 'The service is busy. Retry after the delay in Retry-After.',
    retryAfterSeconds = 2,
    /** `throttled`: the upstream refused the call outright, so it changed nothing. */
    readonly reason: 'throttled' | 'unavailable' = 'unavailable',
  ) {
    super('service_unavailable', message, {}, retryAfterSeconds);
  }
}

/** The domain's SES identity was removed outside this service: its settings cannot change any more. */
export class IdentityMissingError extends fixed(
  'identity_missing',
  'The SES identity of this domain no longer exists, so its settings cannot change. Delete the domain and add it again.',
) {}

export class InvalidIdempotencyKeyError extends fixed(
  'invalid_idempotency_key',
  'Idempotency-Key must be 1 to 256 visible ASCII characters.',
  { field: 'Idempotency-Key' },
) {}

export class IdempotencyKeyReusedError extends fixed(
  'idempotency_key_reused',
  'This Idempotency-Key was used with a different request body in the last 24 hours. Use a new key for a new request.',
) {}

export class IdempotentRequestInProgressError extends fixed(
  'idempotency_request_in_progress',
  'A request with this Idempotency-Key is still being processed. Retry after the delay in Retry-After.',
  {},
  1,
) {}

export class RateLimitedError extends ApiError<'rate_limited'> {
  constructor(readonly state: { limit: number; remaining: number; resetSeconds: number }) {
    super(
      'rate_limited',
      `Your team sent more than ${state.limit} requests this minute. Retry after the delay in Retry-After.`,
      {},
      state.resetSeconds,
    );
  }
}

/** An instance of each code's class, as the OpenAPI document shows it; built when asked for. */
const EXAMPLES: { readonly [C in ErrorCode]: () => ApiError<C> } = {
  validation_error: () =>
    new ValidationError(
      'return_path must start with a letter, contain only letters, digits and hyphens, and be at most 63 characters.',
      'return_path',
    ),
  invalid_json: () => new InvalidJsonError(),
  missing_api_key: () => new MissingApiKeyError(),
  invalid_api_key: () => new InvalidApiKeyError(),
  insufficient_scope: () => new InsufficientScopeError(SCOPE_DOMAINS_MANAGE),
  domain_not_found: () => new DomainNotFoundError(),
  route_not_found: () => new RouteNotFoundError(),
  domain_already_registered: () => new DomainAlreadyRegisteredError('example.com'),
  invalid_idempotency_key: () => new InvalidIdempotencyKeyError(),
  idempotency_key_reused: () => new IdempotencyKeyReusedError(),
  idempotency_request_in_progress: () => new IdempotentRequestInProgressError(),
  payload_too_large: () => new PayloadTooLargeError(MAX_BODY_BYTES),
  unsupported_media_type: () => new UnsupportedMediaTypeError(),
  rate_limited: () => new RateLimitedError({ limit: 600, remaining: 0, resetSeconds: 42 }),
  internal_error: () => new InternalError(),
  service_unavailable: () => new ServiceUnavailableError(),
  identity_quota_exceeded: () => new IdentityQuotaExceededError(),
  identity_missing: () => new IdentityMissingError(),
  identity_in_use: () => new IdentityInUseError('example.com'),
  domain_limit_reached: () => new DomainLimitReachedError(100),
  webhook_not_found: () => new WebhookNotFoundError(),
  webhook_limit_reached: () => new WebhookLimitReachedError(10),
  delivery_not_found: () => new DeliveryNotFoundError(),
  domain_not_allowed: () => new DomainNotAllowedError('mail.amazonses.com'),
};

export interface CatalogueEntry {
  readonly code: ErrorCode;
  readonly status: number;
  /** What the code means to a client, as the OpenAPI document and the README say it. */
  readonly meaning: string;
  readonly example: ApiError;
}

/** The catalogue entry of a code, with a fresh example. */
export function errorEntry(code: ErrorCode): CatalogueEntry {
  return { code, ...CODES[code], example: EXAMPLES[code]() };
}
