/**
 * Typed errors of the API. Each carries its HTTP status and a stable snake_case code; the HTTP
 * layer maps them to the one error envelope in a single place (src/http/errors.ts).
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Extra, client-safe fields for the envelope (e.g. which field was wrong). */
    readonly details: Record<string, unknown> = {},
    /** Seconds a client should wait before retrying (sets `Retry-After`). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends ApiError {
  constructor(message: string, field?: string) {
    super(400, 'validation_error', message, field === undefined ? {} : { field });
  }
}

export class InvalidJsonError extends ApiError {
  constructor(message = 'The request body is not valid JSON.') {
    super(400, 'invalid_json', message);
  }
}

export class UnsupportedMediaTypeError extends ApiError {
  constructor() {
    super(415, 'unsupported_media_type', 'Send the request body as JSON with Content-Type: application/json.');
  }
}

export class PayloadTooLargeError extends ApiError {
  constructor(limitBytes: number) {
    super(413, 'payload_too_large', `The request body must be at most ${limitBytes} bytes.`);
  }
}

export class MissingApiKeyError extends ApiError {
  constructor() {
    super(401, 'missing_api_key', 'Send your API key as `Authorization: Bearer kr_live_...`.');
  }
}

export class InvalidApiKeyError extends ApiError {
  constructor() {
    super(401, 'invalid_api_key', 'The API key is malformed, unknown or revoked.');
  }
}

export class InsufficientScopeError extends ApiError {
  constructor(scope: string) {
    super(403, 'insufficient_scope', `This API key lacks the \`${scope}\` scope.`, { required_scope: scope });
  }
}

export class DomainNotFoundError extends ApiError {
  constructor() {
    super(404, 'domain_not_found', 'No domain with this id exists for your team.');
  }
}

export class RouteNotFoundError extends ApiError {
  constructor() {
    super(404, 'route_not_found', 'No such endpoint. See the API reference for the available paths.');
  }
}

export class DomainAlreadyRegisteredError extends ApiError {
  constructor(domain: string) {
    super(409, 'domain_already_registered', `The domain ${domain} is already registered.`);
  }
}

/** An SES identity of this name exists that this API did not make for this domain (another application's). */
export class IdentityInUseError extends ApiError {
  constructor(domain: string) {
    super(
      409,
      'identity_in_use',
      `The domain ${domain} is in use by another sender on this platform and cannot be registered here.`,
    );
  }
}

/** The team holds as many domains as it may (MAX_DOMAINS_PER_TEAM). */
export class DomainLimitReachedError extends ApiError {
  constructor(limit: number) {
    super(
      403,
      'domain_limit_reached',
      `Your team has reached its limit of ${limit} domains. Delete a domain you no longer use, or contact support to raise the limit.`,
      { limit },
    );
  }
}

/** The name belongs to infrastructure (this platform's or AWS's own), not to a customer. */
export class DomainNotAllowedError extends ApiError {
  constructor(domain: string) {
    super(
      400,
      'domain_not_allowed',
      `The domain ${domain} belongs to infrastructure this platform or AWS runs, and cannot be registered.`,
      { field: 'domain' },
    );
  }
}

/** SES holds at most 10,000 identities per account and region: retrying does not help. */
export class IdentityQuotaExceededError extends ApiError {
  constructor() {
    super(
      503,
      'identity_quota_exceeded',
      'This Krafter region has reached its limit of sending domains. Contact support.',
    );
  }
}

/** An upstream (SES, DynamoDB, SQS) throttled or failed in a way a retry can fix. */
export class ServiceUnavailableError extends ApiError {
  constructor(
    message = 'The service is busy. Retry after the delay in Retry-After.',
    retryAfterSeconds = 2,
    /** `throttled`: the upstream refused the call outright, so it changed nothing. */
    readonly reason: 'throttled' | 'unavailable' = 'unavailable',
  ) {
    super(503, 'service_unavailable', message, {}, retryAfterSeconds);
  }
}

/** The domain's SES identity was removed outside this service: its settings cannot change any more. */
export class IdentityMissingError extends ApiError {
  constructor() {
    super(
      409,
      'identity_missing',
      'The SES identity of this domain no longer exists, so its settings cannot change. Delete the domain and add it again.',
    );
  }
}

export class InvalidIdempotencyKeyError extends ApiError {
  constructor() {
    super(400, 'invalid_idempotency_key', 'Idempotency-Key must be 1 to 256 visible ASCII characters.', {
      field: 'Idempotency-Key',
    });
  }
}

export class IdempotencyKeyReusedError extends ApiError {
  constructor() {
    super(
      409,
      'idempotency_key_reused',
      'This Idempotency-Key was used with a different request body in the last 24 hours. Use a new key for a new request.',
    );
  }
}

export class IdempotentRequestInProgressError extends ApiError {
  constructor() {
    super(
      409,
      'idempotency_request_in_progress',
      'A request with this Idempotency-Key is still being processed. Retry after the delay in Retry-After.',
      {},
      1,
    );
  }
}

export class RateLimitedError extends ApiError {
  constructor(readonly state: { limit: number; remaining: number; resetSeconds: number }) {
    super(
      429,
      'rate_limited',
      `Your team sent more than ${state.limit} requests this minute. Retry after the delay in Retry-After.`,
      {},
      state.resetSeconds,
    );
  }
}
