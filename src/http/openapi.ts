/**
 * Builds the OpenAPI 3.1 document from the route table (paths, methods, scopes), the request schema
 * (src/http/schemas.ts), the response schemas (src/http/response-schemas.ts) and the error classes
 * (src/errors.ts). `npm run openapi` writes it to docs/openapi.json; a unit test fails when that file
 * is stale, and the end-to-end tests validate every response against it.
 */

import { type ConversionConfig, type JsonSchema, toJsonSchema, toJsonSchemaDefs } from '@valibot/to-json-schema';
import * as v from 'valibot';
import pkg from '../../package.json' with { type: 'json' };
import { KEY_PREFIX } from '../domain/api-key.js';
import { type Answers, diagnoseRecords, questionKey } from '../domain/diagnostics.js';
import { EASY_DKIM_DEFAULT } from '../domain/dkim.js';
import { type Domain, toDetailJson } from '../domain/domain.js';
import { normalizeReturnPath } from '../domain/return-path.js';
import {
  ApiError,
  DomainAlreadyRegisteredError,
  DomainLimitReachedError,
  DomainNotAllowedError,
  DomainNotFoundError,
  IdempotencyKeyReusedError,
  IdempotentRequestInProgressError,
  IdentityInUseError,
  IdentityMissingError,
  IdentityQuotaExceededError,
  InsufficientScopeError,
  InvalidApiKeyError,
  InvalidIdempotencyKeyError,
  InvalidJsonError,
  MissingApiKeyError,
  PayloadTooLargeError,
  RateLimitedError,
  RouteNotFoundError,
  ServiceUnavailableError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../errors.js';
import { API_BASE_PATH, type Route, routes, SCOPE_DOMAINS_MANAGE } from '../routes.js';
import { toApiError } from './envelope.js';
import { MAX_BODY_BYTES } from './limits.js';
import {
  DeletedResponse,
  DnsRecordSchema,
  DomainDetail,
  DomainId,
  DomainListResponse,
  DomainResponse,
  DomainStatus,
  DomainSummary,
  DomainSummaryResponse,
  ERROR_CODES,
  type ErrorCode,
  ErrorCodeSchema,
  ErrorEnvelope,
  errorEnvelopeWith,
  OpenApiDocumentSchema,
  RecordDiagnostic,
  RecordStatusSchema,
} from './response-schemas.js';
import { AT_LEAST_ONE_SETTING, CreateDomainBody, ListDomainsQuery, UpdateDomainBody } from './schemas.js';

export type OpenApiDocument = Record<string, unknown> & {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
};

export const PRODUCTION_SERVER = `https://app.krafter.dev${API_BASE_PATH}`;
export const LOCAL_SERVER = `http://127.0.0.1:3000${API_BASE_PATH}`;
export const SECURITY_SCHEME = 'bearerAuth';

/** Valibot schemas published as named component schemas; anything else is inlined where used. */
const COMPONENT_SCHEMAS = {
  CreateDomainRequest: CreateDomainBody,
  UpdateDomainRequest: UpdateDomainBody,
  DeletedResponse,
  DnsRecord: DnsRecordSchema,
  DnsRecordDiagnostic: RecordDiagnostic,
  DnsRecordStatus: RecordStatusSchema,
  Domain: DomainDetail,
  DomainId,
  DomainListResponse,
  DomainResponse,
  DomainStatus,
  DomainSummary,
  DomainSummaryResponse,
  Error: ErrorEnvelope,
  ErrorCode: ErrorCodeSchema,
  OpenApiDocument: OpenApiDocumentSchema,
} satisfies Record<string, v.GenericSchema>;

const conversion: ConversionConfig = {
  target: 'draft-2020-12',
  definitions: COMPONENT_SCHEMAS,
  overrideRef: (context) => `#/components/schemas/${context.referenceId}`,
  overrideAction: (context) =>
    context.valibotAction === AT_LEAST_ONE_SETTING ? { ...context.jsonSchema, minProperties: 1 } : undefined,
};

function componentName(schema: v.GenericSchema): string {
  const entry = Object.entries(COMPONENT_SCHEMAS).find(([, s]) => s === schema);
  if (!entry) throw new Error('The schema is not a component schema; add it to COMPONENT_SCHEMAS.');
  return entry[0];
}

const ref = (schema: v.GenericSchema) => ({ $ref: `#/components/schemas/${componentName(schema)}` });

/**
 * An inline JSON Schema (references to component schemas stay references). `input` describes what
 * a client sends, before any transformation (query parameters are strings on the wire).
 */
function inline(schema: v.GenericSchema, typeMode: ConversionConfig['typeMode'] = 'ignore'): JsonSchema {
  const { $schema: _dialect, $defs: _defs, ...rest } = toJsonSchema(schema, { ...conversion, typeMode });
  return rest;
}

// ---------------------------------------------------------------------------------------------
// Errors: one instance of each, so statuses, codes, messages and details come from src/errors.ts.

function thrownBy(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return err;
    throw err;
  }
  throw new Error('expected an ApiError');
}

const ERRORS: Record<ErrorCode, ApiError> = {
  validation_error: thrownBy(() => normalizeReturnPath('1send', 'example.com')),
  invalid_json: new InvalidJsonError(),
  missing_api_key: new MissingApiKeyError(),
  invalid_api_key: new InvalidApiKeyError(),
  insufficient_scope: new InsufficientScopeError(SCOPE_DOMAINS_MANAGE),
  domain_not_found: new DomainNotFoundError(),
  route_not_found: new RouteNotFoundError(),
  domain_already_registered: new DomainAlreadyRegisteredError('example.com'),
  payload_too_large: new PayloadTooLargeError(MAX_BODY_BYTES),
  unsupported_media_type: new UnsupportedMediaTypeError(),
  internal_error: toApiError(new Error('unexpected')),
  service_unavailable: new ServiceUnavailableError(),
  invalid_idempotency_key: new InvalidIdempotencyKeyError(),
  idempotency_key_reused: new IdempotencyKeyReusedError(),
  idempotency_request_in_progress: new IdempotentRequestInProgressError(),
  rate_limited: new RateLimitedError({ limit: 600, remaining: 0, resetSeconds: 42 }),
  identity_quota_exceeded: new IdentityQuotaExceededError(),
  identity_missing: new IdentityMissingError(),
  identity_in_use: new IdentityInUseError('example.com'),
  domain_limit_reached: new DomainLimitReachedError(100),
  domain_not_allowed: new DomainNotAllowedError('mail.amazonses.com'),
};

const ERROR_MEANINGS: Record<ErrorCode, string> = {
  validation_error:
    'The request is invalid: the body is not a JSON object, lacks a required field, or has a field this API does not accept, or a body field or query parameter has an invalid value. The message says what to fix; `field` names the field or parameter when known.',
  invalid_json: 'The request body is not valid JSON.',
  missing_api_key: 'No `Authorization` header was sent.',
  invalid_api_key: 'The API key is malformed, unknown or revoked.',
  insufficient_scope: 'The API key lacks the scope the operation requires (named in `required_scope`).',
  domain_not_found:
    "No domain with this id exists for your team. Another team's id and a malformed id answer the same way.",
  route_not_found: 'No such endpoint: the path or method is not in this document.',
  domain_already_registered: 'The domain is already registered, by your team or another one.',
  payload_too_large: `The request body is larger than ${MAX_BODY_BYTES} bytes.`,
  unsupported_media_type: 'The request body was not sent with `Content-Type: application/json`.',
  internal_error: 'Something unexpected failed on our side. Retry later.',
  service_unavailable:
    'An upstream service is busy or unavailable. Retry after the number of seconds in `Retry-After`.',
  invalid_idempotency_key:
    '`Idempotency-Key` is empty, longer than 256 characters, or has characters other than visible ASCII.',
  idempotency_key_reused:
    'This `Idempotency-Key` was used in the last 24 hours with a different request body. Use a new key for a new request.',
  idempotency_request_in_progress:
    'A request with this `Idempotency-Key` is still running. Retry after the number of seconds in `Retry-After`.',
  rate_limited:
    'Your team passed its request limit for the current one-minute window. Every answer to an authenticated request carries `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset` (seconds until the window resets); retry after `Retry-After` seconds.',
  identity_quota_exceeded:
    'The region holds the most sending domains SES allows (10,000 identities per account and region).',
  identity_missing:
    "The domain's SES identity was removed outside Krafter, so its settings cannot change. Delete the domain and add it again.",
  identity_in_use:
    'An SES identity of this name exists that Krafter did not make for this domain (another application on the same platform uses it). Nothing was changed. See the README: when a name is taken.',
  domain_limit_reached:
    'Your team holds as many domains as it may (`limit`). Delete a domain you no longer use, or ask support to raise the limit.',
  domain_not_allowed:
    "The name belongs to infrastructure (this platform's or AWS's own, such as amazonses.com or execute-api.amazonaws.com), not to a customer, and cannot be registered.",
};

/** `validation_error` + `invalid_json` → `ValidationErrorOrInvalidJson`. */
const responseName = (codes: readonly ErrorCode[]) =>
  codes
    .map((c) =>
      c
        .split('_')
        .map((w) => (w === 'api' ? 'Api' : w[0]!.toUpperCase() + w.slice(1)))
        .join(''),
    )
    .join('Or');

const envelopeOf = (e: ApiError) => ({ error: { code: e.code, message: e.message, ...e.details } });

const RetryAfter = v.pipe(v.number(), v.integer(), v.minValue(1));

function errorResponse(
  status: number,
  codes: readonly ErrorCode[],
  overrides: Partial<Record<ErrorCode, ApiError>> = {},
): Record<string, unknown> {
  const [first, ...rest] = codes;
  if (first === undefined) throw new Error(`no error codes for status ${status}`);
  const exampleOf = (c: ErrorCode) => overrides[c] ?? ERRORS[c];
  const response: Record<string, unknown> = {
    description: codes.map((c) => `\`${c}\`: ${ERROR_MEANINGS[c]}`).join('\n\n'),
  };
  if (ERRORS[first].retryAfterSeconds !== undefined) {
    response.headers = {
      'Retry-After': {
        description: 'Seconds to wait before retrying.',
        required: true,
        schema: inline(RetryAfter),
        example: ERRORS[first].retryAfterSeconds,
      },
    };
  }
  response.content = {
    'application/json': {
      schema: inline(errorEnvelopeWith([first, ...rest])),
      examples: Object.fromEntries(codes.map((c) => [c, { summary: c, value: envelopeOf(exampleOf(c)) }])),
    },
  };
  return response;
}

// ---------------------------------------------------------------------------------------------
// Examples: those of the API reference, as it shows them.

const specRecord = (
  type: 'TXT' | 'CNAME' | 'MX',
  name: string,
  value: string,
  priority: number | null,
  purpose: string,
  required: boolean,
  category: 'verification' | 'delivery' | 'recommended',
) => ({ type, name, value, ttl: 'Auto', priority, purpose, required, category });

const DKIM_PURPOSE = 'DKIM — cryptographic email signature';
const SPEC_VERIFICATION_RECORD = specRecord(
  'TXT',
  '_amazonses.example.com',
  'abc123...',
  null,
  'Domain verification — proves you own this domain',
  true,
  'verification',
);
const specDkim = (n: number) =>
  specRecord(
    'CNAME',
    `token${n}._domainkey.example.com`,
    `token${n}.dkim.amazonses.com`,
    null,
    DKIM_PURPOSE,
    true,
    'delivery',
  );

export const SPEC_EXAMPLES = {
  createRequest: { domain: 'example.com', return_path: 'send' },
  created: {
    data: {
      id: '550e8400-e29b-41d4-a716-446655440000',
      domain: 'example.com',
      status: 'pending',
      verified_at: null,
      created_at: '2026-01-15T10:00:00Z',
      dns_records: [
        SPEC_VERIFICATION_RECORD,
        specDkim(1),
        specDkim(2),
        specDkim(3),
        specRecord(
          'MX',
          'send.example.com',
          'feedback-smtp.eu-central-1.amazonses.com',
          10,
          'Custom MAIL FROM — bounce handling',
          true,
          'delivery',
        ),
        specRecord(
          'TXT',
          'send.example.com',
          'v=spf1 include:amazonses.com ~all',
          null,
          'SPF — authorizes SES to send on your behalf',
          true,
          'delivery',
        ),
        specRecord(
          'TXT',
          '_dmarc.example.com',
          'v=DMARC1; p=none;',
          null,
          'DMARC — email authentication policy. Improves inbox placement.',
          false,
          'recommended',
        ),
      ],
    },
  },
  list: {
    data: [
      {
        id: '550e8400-e29b-41d4-a716-446655440000',
        domain: 'example.com',
        status: 'verified',
        verified_at: '2026-01-15T12:30:00Z',
        created_at: '2026-01-15T10:00:00Z',
      },
      {
        id: '660e8400-e29b-41d4-a716-446655440001',
        domain: 'anotherdomain.com',
        status: 'pending',
        verified_at: null,
        created_at: '2026-01-16T14:00:00Z',
      },
    ],
  },
  get: {
    data: {
      id: '550e8400-e29b-41d4-a716-446655440000',
      domain: 'example.com',
      status: 'verified',
      verified_at: '2026-01-15T12:30:00Z',
      created_at: '2026-01-15T10:00:00Z',
      dns_records: [SPEC_VERIFICATION_RECORD, specDkim(1)],
    },
  },
  verify: {
    data: {
      id: '550e8400-e29b-41d4-a716-446655440000',
      domain: 'example.com',
      status: 'verifying',
      verified_at: null,
      created_at: '2026-01-15T10:00:00Z',
    },
  },
  deleted: { data: { deleted: true } },
};

/** A domain after a check found some records missing or misplaced, as this API shows it. */
function checkedDomainExample() {
  const inputs = {
    domain: 'example.com',
    returnPath: 'send',
    region: 'eu-central-1',
    verificationToken: 'abc123...',
    dkimTokens: ['token1', 'token2', 'token3'],
  };
  const found = (values: string[]) => ({ kind: 'found' as const, values });
  const answers: Answers = new Map([
    [questionKey({ type: 'TXT', name: '_amazonses.example.com' }), found(['abc123...'])],
    ...[1, 2, 3].map(
      (n) =>
        [
          questionKey({ type: 'CNAME', name: `token${n}._domainkey.example.com` }),
          found([`token${n}.dkim.amazonses.com`]),
        ] as const,
    ),
    [questionKey({ type: 'TXT', name: 'example.com' }), found(['v=spf1 include:amazonses.com ~all'])],
    [questionKey({ type: 'TXT', name: '_dmarc.example.com' }), found(['v=DMARC1; p=none;'])],
  ]);
  const domain: Domain = {
    id: '550e8400-e29b-41d4-a716-446655440000',
    teamId: 'team',
    domain: inputs.domain,
    returnPath: inputs.returnPath,
    region: inputs.region,
    status: 'pending',
    verifiedAt: null,
    verifyRequestedAt: '2026-01-15T10:05:00Z',
    createdAt: '2026-01-15T10:00:00Z',
    ready: true,
    verificationToken: inputs.verificationToken,
    dkimTokens: inputs.dkimTokens,
    lastCheckedAt: '2026-01-15T10:06:00Z',
    previousStatus: null,
    pendingEvent: null,
    leaseId: null,
    settingsRev: 0,
    everVerified: false,
    releasing: false,
    dkim: EASY_DKIM_DEFAULT,
    recordChecks: diagnoseRecords(inputs, answers, {
      verificationStatus: 'SUCCESS',
      verifiedForSending: false,
      dkimStatus: 'SUCCESS',
      mailFromStatus: 'PENDING',
    }),
  };
  return { data: toDetailJson(domain) };
}

/** A BYODKIM create (key shortened): the request, and the domain it answers with. */
const BYODKIM_REQUEST = {
  domain: 'example.com',
  return_path: 'send',
  dkim: {
    type: 'byodkim',
    selector: 'krafter2026',
    private_key:
      '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC...\n-----END PRIVATE KEY-----\n',
  },
};

function byodkimCreatedExample() {
  const domain: Domain = {
    id: '550e8400-e29b-41d4-a716-446655440000',
    teamId: 'team',
    domain: 'example.com',
    returnPath: 'send',
    region: 'eu-central-1',
    status: 'pending',
    verifiedAt: null,
    verifyRequestedAt: null,
    createdAt: '2026-01-15T10:00:00Z',
    ready: true,
    verificationToken: 'abc123...',
    dkimTokens: [],
    lastCheckedAt: null,
    previousStatus: null,
    pendingEvent: null,
    leaseId: null,
    settingsRev: 0,
    everVerified: false,
    releasing: false,
    dkim: {
      type: 'byodkim',
      keyLength: 2048,
      selector: 'krafter2026',
      publicKey: 'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA...',
    },
    recordChecks: {},
  };
  return { data: toDetailJson(domain) };
}

const examples = (entries: Record<string, { summary: string; value: unknown }>) => entries;
const FROM_REFERENCE = 'Example from the API reference';

// ---------------------------------------------------------------------------------------------
// Operations, keyed by route name (src/routes.ts). Auth errors come from the route's scope.

interface Operation {
  readonly operationId: string;
  readonly tag: 'Domains' | 'API description';
  readonly summary: string;
  readonly description: string;
  readonly requestBody?: {
    readonly schema: v.GenericSchema;
    readonly examples: Record<string, { summary: string; value: unknown }>;
  };
  /** Query parameters: a valibot object schema, one parameter per entry. */
  readonly query?:
    | v.ObjectSchema<v.ObjectEntries, v.ErrorMessage<v.ObjectIssue> | undefined>
    | v.StrictObjectSchema<v.ObjectEntries, v.ErrorMessage<v.StrictObjectIssue> | undefined>;
  readonly success: {
    readonly status: number;
    readonly description: string;
    readonly schema: v.GenericSchema;
    readonly examples?: Record<string, { summary: string; value: unknown }>;
  };
  /** Error codes beyond the ones authentication adds. */
  readonly errors: readonly ErrorCode[];
  /** Accepts `Idempotency-Key`. */
  readonly idempotent?: boolean;
  /** Examples of errors that look different for this operation. */
  readonly errorExamples?: Partial<Record<ErrorCode, ApiError>>;
}

/** The 400 a query parameter gets, with the message the query schema gives. */
function queryError(schema: v.GenericSchema, query: Record<string, string>): ValidationError {
  const issue = v.safeParse(schema, query).issues?.[0];
  if (!issue) throw new Error(`expected ${JSON.stringify(query)} to be rejected`);
  return new ValidationError(issue.message, v.getDotPath(issue) ?? undefined);
}

const BODY_ERRORS: readonly ErrorCode[] = [
  'validation_error',
  'invalid_json',
  'payload_too_large',
  'unsupported_media_type',
];
const AUTH_ERRORS: readonly ErrorCode[] = ['missing_api_key', 'invalid_api_key', 'insufficient_scope', 'rate_limited'];
const SERVER_ERRORS: readonly ErrorCode[] = ['internal_error', 'service_unavailable'];
const IDEMPOTENCY_ERRORS: readonly ErrorCode[] = [
  'invalid_idempotency_key',
  'idempotency_key_reused',
  'idempotency_request_in_progress',
];

const IDEMPOTENCY_HEADER = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'Makes a retry safe: a request repeated with the same key (same team, operation and domain) within 24 hours gets the first response again, with `Idempotent-Replayed: true`, and changes nothing. The same key with a different body answers 409 `idempotency_key_reused`. Failed requests are not remembered.',
  schema: { type: 'string', minLength: 1, maxLength: 256, pattern: '^[\\x21-\\x7e]+$' },
};

const OPERATIONS: Record<string, Operation> = {
  'create-domain': {
    operationId: 'createDomain',
    tag: 'Domains',
    summary: 'Add Domain',
    description: [
      'Registers a new sending domain and returns the DNS records you must configure.',
      'The response includes seven DNS records: 1 SES verification TXT, 3 DKIM CNAMEs, 1 MX and 1 SPF TXT for the custom MAIL FROM subdomain, and 1 DMARC TXT (recommended only). Records with `required: true` must be added for the domain to work; `required: false` records are optional but improve deliverability.',
      '`return_path` is the subdomain prefix used as the custom MAIL FROM (e.g. `send` produces `send.example.com`). Defaults to `send`. Must start with a letter, contain only letters/digits/hyphens, and be at most 63 characters.',
      '`dkim` chooses how SES signs the mail: Easy DKIM (the default; SES makes and rotates 2048-bit keys, or 1024-bit with `key_length: 1024`) or BYODKIM, your own selector and RSA key of 1024 to 2048 bits. With BYODKIM one TXT record at `<selector>._domainkey.<domain>` carrying your public key replaces the three DKIM CNAMEs: five records instead of seven. The private key is passed to SES and never stored or returned; publish the TXT record before or right after creating the domain.',
      'DNS changes can take up to 72 hours to propagate but typically complete within a few minutes to a few hours.',
    ].join('\n\n'),
    requestBody: {
      schema: CreateDomainBody,
      examples: examples({
        example: { summary: FROM_REFERENCE, value: SPEC_EXAMPLES.createRequest },
        easyDkim1024: {
          summary: 'Easy DKIM with 1024-bit keys',
          value: { domain: 'example.com', dkim: { type: 'easy_dkim', key_length: 1024 } },
        },
        byodkim: { summary: 'Your own DKIM key (BYODKIM); key shortened', value: BYODKIM_REQUEST },
      }),
    },
    success: {
      status: 201,
      description: 'Created: the domain, `pending`, with the DNS records to publish.',
      schema: DomainResponse,
      examples: examples({
        example: { summary: FROM_REFERENCE, value: SPEC_EXAMPLES.created },
        byodkim: { summary: 'With BYODKIM: one DKIM TXT record (key shortened)', value: byodkimCreatedExample() },
      }),
    },
    idempotent: true,
    errors: [
      ...BODY_ERRORS,
      'domain_not_allowed',
      'domain_limit_reached',
      'domain_already_registered',
      'identity_in_use',
      ...IDEMPOTENCY_ERRORS,
      ...SERVER_ERRORS,
      'identity_quota_exceeded',
    ],
  },
  'list-domains': {
    operationId: 'listDomains',
    tag: 'Domains',
    summary: 'List Domains',
    description: [
      'Returns every domain owned by the authenticated team. The list response does not include `dns_records` — call Get Domain for the full record list.',
      "Without `limit` and `after`, every domain is returned at once. To page through many, pass `limit`; while `has_more` is true, pass the response's `next_cursor` as `after` to get the next page. Domains come oldest first.",
    ].join('\n\n'),
    query: ListDomainsQuery,
    success: {
      status: 200,
      description: "OK: the team's domains.",
      schema: DomainListResponse,
      examples: examples({ example: { summary: FROM_REFERENCE, value: SPEC_EXAMPLES.list } }),
    },
    errors: ['validation_error', ...SERVER_ERRORS],
    errorExamples: { validation_error: queryError(ListDomainsQuery, { limit: '0' }) },
  },
  'get-domain': {
    operationId: 'getDomain',
    tag: 'Domains',
    summary: 'Get Domain',
    description: [
      'Returns a single domain by ID, including its full `dns_records` list and current verification status.',
      'After a verification check, each record carries its own `status` and, when it is not verified, a `diagnostic` with what DNS returned and what to do.',
    ].join('\n\n'),
    success: {
      status: 200,
      description: 'OK: the domain with its DNS records.',
      schema: DomainResponse,
      examples: examples({
        example: { summary: FROM_REFERENCE, value: SPEC_EXAMPLES.get },
        checked: { summary: 'After a check: MAIL FROM records not in place yet', value: checkedDomainExample() },
      }),
    },
    errors: ['domain_not_found', ...SERVER_ERRORS],
  },
  'verify-domain': {
    operationId: 'verifyDomain',
    tag: 'Domains',
    summary: 'Verify Domain',
    description: [
      "Triggers a verification check. Krafter enqueues a job that re-checks DNS and updates the domain's status based on what it finds.",
      'The response is the domain object without `dns_records`. The status will move to `verified` (or back to `pending`/`failed`) once the asynchronous verification job runs. Poll Get Domain to see the result.',
    ].join('\n\n'),
    success: {
      status: 200,
      description: 'OK: the domain, `verifying`.',
      schema: DomainSummaryResponse,
      examples: examples({ example: { summary: FROM_REFERENCE, value: SPEC_EXAMPLES.verify } }),
    },
    idempotent: true,
    errors: ['domain_not_found', ...IDEMPOTENCY_ERRORS, ...SERVER_ERRORS],
  },
  'update-domain': {
    operationId: 'updateDomain',
    tag: 'Domains',
    summary: 'Update Domain',
    description: [
      'Changes the settings that can change after creation: `return_path`, the custom MAIL FROM prefix, and `dkim`, the DKIM signing (Easy DKIM key length, or a BYODKIM selector and key).',
      'The records that change are re-issued (for `return_path` the MX and SPF move to the new MAIL FROM name; for `dkim` the DKIM CNAMEs or TXT record change) and the domain is verified again at once: the response shows the new records, and the status moves on as for Verify Domain. Sending the current values changes nothing.',
      'To rotate a BYODKIM key without unsigned mail, publish the TXT record of the new selector first, then send the new selector and key here: SES signs with the new key from this moment. Keep the old record until the domain is verified again.',
      'One change of a domain runs at a time: a second one meanwhile gets 503 with Retry-After. If a change fails partway (503), send the same request again.',
    ].join('\n\n'),
    requestBody: {
      schema: UpdateDomainBody,
      examples: examples({
        example: { summary: 'A new MAIL FROM prefix', value: { return_path: 'bounces' } },
        rotateKey: {
          summary: 'Rotate a BYODKIM key (key shortened)',
          value: { dkim: { ...BYODKIM_REQUEST.dkim, selector: 'krafter2027' } },
        },
        keyLength: {
          summary: 'Easy DKIM with 1024-bit keys',
          value: { dkim: { type: 'easy_dkim', key_length: 1024 } },
        },
      }),
    },
    success: {
      status: 200,
      description: 'OK: the domain with its DNS records.',
      schema: DomainResponse,
      examples: examples({
        example: {
          summary: 'return_path changed from send to bounces: the MX and SPF records moved, a check is queued',
          value: {
            data: {
              ...SPEC_EXAMPLES.created.data,
              status: 'verifying',
              dns_records: SPEC_EXAMPLES.created.data.dns_records.map((r) =>
                r.name === 'send.example.com' ? { ...r, name: 'bounces.example.com' } : r,
              ),
            },
          },
        },
      }),
    },
    errors: [...BODY_ERRORS, 'domain_not_found', 'identity_missing', ...SERVER_ERRORS],
  },
  'delete-domain': {
    operationId: 'deleteDomain',
    tag: 'Domains',
    summary: 'Delete Domain',
    description:
      'Removes a domain from your team. After deletion you can no longer send from addresses on this domain.',
    success: {
      status: 200,
      description: 'OK: the domain is deleted.',
      schema: DeletedResponse,
      examples: examples({ example: { summary: FROM_REFERENCE, value: SPEC_EXAMPLES.deleted } }),
    },
    errors: ['domain_not_found', ...SERVER_ERRORS],
  },
  openapi: {
    operationId: 'getOpenApiDocument',
    tag: 'API description',
    summary: 'Get the OpenAPI document',
    description:
      'Returns this OpenAPI 3.1 document. No API key is needed, so clients can be generated before a key exists.',
    success: { status: 200, description: 'OK: the OpenAPI document.', schema: OpenApiDocumentSchema },
    errors: [],
  },
};

const PATH_PARAMETERS: Record<
  string,
  { component: string; schema: v.GenericSchema; description: string; example: string }
> = {
  id: {
    component: 'DomainId',
    schema: DomainId,
    description:
      "The domain's id. An unknown id, another team's id, or an id that is not a UUID answers 404 `domain_not_found`.",
    example: '550e8400-e29b-41d4-a716-446655440000',
  },
};

function pathParameters(path: string): string[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
}

/** Error codes of a route, grouped by status, in status order. */
export function errorCodesOf(route: Route): Map<number, ErrorCode[]> {
  const operation = OPERATIONS[route.name];
  if (!operation)
    throw new Error(`No OpenAPI operation for route ${route.name}; add it to OPERATIONS in src/http/openapi.ts.`);
  const codes = [...(route.scope === null ? [] : AUTH_ERRORS), ...operation.errors];
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of ERROR_CODES) {
    if (!codes.includes(code)) continue;
    const status = ERRORS[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return new Map([...byStatus].sort(([a], [b]) => a - b));
}

function operationObject(route: Route, responses: Record<string, unknown>): Record<string, unknown> {
  const operation = OPERATIONS[route.name]!;
  const description =
    route.scope === null ? operation.description : `${operation.description}\n\nRequired scope: \`${route.scope}\`.`;
  const op: Record<string, unknown> = {
    operationId: operation.operationId,
    summary: operation.summary,
    description,
    tags: [operation.tag],
    security: route.scope === null ? [] : [{ [SECURITY_SCHEME]: [route.scope] }],
  };
  if (route.scope !== null) op['x-required-scope'] = route.scope;
  if (operation.query) {
    op.parameters = Object.entries(operation.query.entries).map(([name, schema]) => {
      const description = v.getDescription(
        schema.type === 'optional' ? (schema as v.OptionalSchema<v.GenericSchema, undefined>).wrapped : schema,
      );
      const schemaJson = inline(schema, 'input');
      delete schemaJson.description;
      return {
        name,
        in: 'query',
        required: schema.type !== 'optional',
        ...(description ? { description } : {}),
        schema: schemaJson,
      };
    });
  }
  if (operation.idempotent) op.parameters = [...((op.parameters as unknown[] | undefined) ?? []), IDEMPOTENCY_HEADER];
  if (operation.requestBody) {
    op.requestBody = {
      required: true,
      content: {
        'application/json': { schema: ref(operation.requestBody.schema), examples: operation.requestBody.examples },
      },
    };
  }
  const success: Record<string, unknown> = { schema: ref(operation.success.schema) };
  if (operation.success.examples) success.examples = operation.success.examples;
  const opResponses: Record<string, unknown> = {
    [String(operation.success.status)]: {
      description: operation.success.description,
      content: { 'application/json': success },
    },
  };
  for (const [status, codes] of errorCodesOf(route)) {
    const overrides = Object.fromEntries(
      Object.entries(operation.errorExamples ?? {}).filter(([c]) => codes.includes(c as ErrorCode)),
    );
    const shared = Object.keys(overrides).length === 0;
    const name = shared
      ? responseName(codes)
      : `${operation.operationId[0]!.toUpperCase()}${operation.operationId.slice(1)}${responseName(codes)}`;
    responses[name] = errorResponse(status, codes, overrides);
    opResponses[String(status)] = { $ref: `#/components/responses/${name}` };
  }
  op.responses = opResponses;
  return op;
}

const sortedByKey = <T>(o: Record<string, T>): Record<string, T> =>
  Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

function errorTable(): string {
  const rows = ERROR_CODES.map(
    (c) => `| ${ERRORS[c].status} | \`${c}\` | ${ERROR_MEANINGS[c].replaceAll('|', '\\|')} |`,
  );
  return ['| Status | Code | Meaning |', '| --- | --- | --- |', ...rows].join('\n');
}

const INFO_DESCRIPTION = [
  'Manage the sending domains used by your team. Emails can only be sent from addresses on a verified domain.',
  '## Authentication',
  `Send your API key as \`Authorization: Bearer ${KEY_PREFIX}...\`. Every domain operation requires the \`${SCOPE_DOMAINS_MANAGE}\` scope; \`GET /openapi.json\` needs no key.`,
  '## Errors',
  'Every error has the same JSON envelope, `{"error": {"code": "...", "message": "..."}}`, with a stable `code` to match on. Some codes add fields: `field` (validation_error) and `required_scope` (insufficient_scope). A 429 or 503 carries a `Retry-After` header; every authenticated answer carries `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset`. A path or method not listed here answers 404 `route_not_found`.',
  errorTable(),
  '## Beyond the published reference',
  'Domains also carry `last_checked_at`, and each DNS record its own `status` and, after a check that did not verify it, a `diagnostic`. List Domains can page (`limit`, `after`) and adds `has_more` and `next_cursor`. Clients written against the reference can ignore all of these.',
].join('\n\n');

/** The OpenAPI 3.1 document of the API. Deterministic: the same code gives the same document. */
export function buildOpenApiDocument(): OpenApiDocument {
  for (const code of ERROR_CODES) {
    if (ERRORS[code].code !== code) throw new Error(`The error listed as ${code} has code ${ERRORS[code].code}.`);
  }
  const responses: Record<string, unknown> = {};
  const parameters: Record<string, unknown> = {};
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    paths[route.path] ??= {};
    const item = paths[route.path]!;
    const names = pathParameters(route.path);
    if (names.length > 0 && !item.parameters) {
      item.parameters = names.map((name) => {
        const p = PATH_PARAMETERS[name];
        if (!p) throw new Error(`No OpenAPI description for path parameter {${name}}; add it to PATH_PARAMETERS.`);
        parameters[p.component] = {
          name,
          in: 'path',
          required: true,
          description: p.description,
          schema: ref(p.schema),
          example: p.example,
        };
        return { $ref: `#/components/parameters/${p.component}` };
      });
    }
    item[route.method.toLowerCase()] = operationObject(route, responses);
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'Krafter Domains API',
      version: pkg.version,
      description: INFO_DESCRIPTION,
    },
    servers: [
      { url: PRODUCTION_SERVER, description: 'Production' },
      { url: LOCAL_SERVER, description: 'Local stack (`npm start`)' },
    ],
    tags: [
      {
        name: 'Domains',
        description:
          'Manage the sending domains used by your team. Emails can only be sent from addresses on a verified domain.',
      },
      { name: 'API description', description: 'This document, for client generators and tools.' },
    ],
    paths,
    components: {
      schemas: sortedByKey(toJsonSchemaDefs(COMPONENT_SCHEMAS, conversion) as Record<string, unknown>),
      parameters: sortedByKey(parameters),
      responses: sortedByKey(responses),
      securitySchemes: {
        [SECURITY_SCHEME]: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: `${KEY_PREFIX}...`,
          description: `An API key (\`${KEY_PREFIX}\` followed by letters and digits), sent as \`Authorization: Bearer ${KEY_PREFIX}...\`. Keys carry scopes; the domain operations require \`${SCOPE_DOMAINS_MANAGE}\`.`,
        },
      },
    },
  };
}

/** The document as docs/openapi.json holds it: 2-space JSON with a trailing newline. */
export function serializeOpenApiDocument(doc: OpenApiDocument): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}
