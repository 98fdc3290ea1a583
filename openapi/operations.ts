/**
 * The text of each operation, keyed by route name (src/routes.ts): what the reference says about
 * it, its request and answer schemas and examples, and the errors it can answer beyond the ones its
 * route's scope adds (document.ts).
 */
import * as v from 'valibot';
import type { ErrorCode } from '../src/error-codes.js';
import { type ApiError, ValidationError } from '../src/errors.js';
import { CreateDomainBody, ListDomainsQuery, UpdateDomainBody } from '../src/http/schemas.js';
import type { RouteName } from '../src/routes.js';
import { DELIVERY_OPERATIONS } from './delivery-operations.js';
import {
  BYODKIM_REQUEST,
  byodkimCreatedExample,
  checkedDomainExample,
  type Examples,
  FROM_REFERENCE,
  SPEC_EXAMPLES,
  zoneFileExample,
} from './examples.js';
import {
  DeletedResponse,
  DomainListResponse,
  DomainResponse,
  DomainSummaryResponse,
  OpenApiDocumentSchema,
  ZoneFileSchema,
} from './schemas.js';
import { WEBHOOK_OPERATIONS } from './webhook-operations.js';

export interface Operation {
  readonly operationId: string;
  readonly tag: 'Domains' | 'Webhooks' | 'API description';
  readonly summary: string;
  readonly description: string;
  readonly requestBody?: {
    readonly schema: v.GenericSchema;
    readonly examples: Examples;
  };
  /** Query parameters: a valibot object schema, one parameter per entry. */
  readonly query?:
    | v.ObjectSchema<v.ObjectEntries, v.ErrorMessage<v.ObjectIssue> | undefined>
    | v.StrictObjectSchema<v.ObjectEntries, v.ErrorMessage<v.StrictObjectIssue> | undefined>;
  readonly success: {
    readonly status: number;
    readonly description: string;
    readonly schema: v.GenericSchema;
    readonly examples?: Examples;
    /** @default application/json */
    readonly mediaType?: 'text/plain';
    /** Response headers of the success answer, as OpenAPI header objects. */
    readonly headers?: Record<string, unknown>;
  };
  /** Error codes beyond the ones authentication adds. */
  readonly errors: readonly ErrorCode[];
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
/** The errors of every route that needs an API key. */
export const AUTH_ERRORS: readonly ErrorCode[] = [
  'missing_api_key',
  'invalid_api_key',
  'insufficient_scope',
  'rate_limited',
];
const SERVER_ERRORS: readonly ErrorCode[] = ['internal_error', 'service_unavailable'];
export const IDEMPOTENCY_ERRORS: readonly ErrorCode[] = [
  'invalid_idempotency_key',
  'idempotency_key_reused',
  'idempotency_request_in_progress',
];

export const IDEMPOTENCY_HEADER = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'Makes a retry safe: a request repeated with the same key (same team, operation and domain) within 24 hours gets the first response again, with `Idempotent-Replayed: true`, and changes nothing. The same key with a different body answers 409 `idempotency_key_reused`. Failed requests are not remembered.',
  schema: { type: 'string', minLength: 1, maxLength: 256, pattern: '^[\\x21-\\x7e]+$' },
};

export const OPERATIONS: Record<RouteName, Operation> = {
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
      examples: {
        example: { summary: FROM_REFERENCE, value: SPEC_EXAMPLES.createRequest },
        easyDkim1024: {
          summary: 'Easy DKIM with 1024-bit keys',
          value: { domain: 'example.com', dkim: { type: 'easy_dkim', key_length: 1024 } },
        },
        byodkim: { summary: 'Your own DKIM key (BYODKIM); key shortened', value: BYODKIM_REQUEST },
      },
    },
    success: {
      status: 201,
      description: 'Created: the domain, `pending`, with the DNS records to publish.',
      schema: DomainResponse,
      examples: {
        example: { summary: FROM_REFERENCE, value: SPEC_EXAMPLES.created },
        byodkim: { summary: 'With BYODKIM: one DKIM TXT record (key shortened)', value: byodkimCreatedExample() },
      },
    },
    errors: [
      ...BODY_ERRORS,
      'domain_not_allowed',
      'domain_limit_reached',
      'domain_already_registered',
      'identity_in_use',
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
      examples: { example: { summary: FROM_REFERENCE, value: SPEC_EXAMPLES.list } },
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
      examples: {
        example: { summary: FROM_REFERENCE, value: SPEC_EXAMPLES.get },
        checked: { summary: 'After a check: MAIL FROM records not in place yet', value: checkedDomainExample() },
      },
    },
    errors: ['domain_not_found', ...SERVER_ERRORS],
  },
  'get-zone-file': {
    operationId: 'getZoneFile',
    tag: 'Domains',
    summary: 'Get Zone File',
    description: [
      "Returns the domain's DNS records as a BIND zone file (`text/plain`), the format DNS providers such as Cloudflare and Route 53 import, sent as an attachment named `<domain>.zone`.",
      'Names are absolute (with a trailing dot), every record has TTL 3600 and class IN, the MX record its priority, and TXT values are quoted and split into strings of at most 255 bytes. The records are those Get Domain returns; errors are JSON, as for every operation.',
    ].join('\n\n'),
    success: {
      status: 200,
      description: 'OK: the zone file.',
      schema: ZoneFileSchema,
      mediaType: 'text/plain',
      headers: {
        'Content-Disposition': {
          description: 'Saves the answer as `<domain>.zone`.',
          required: true,
          schema: { type: 'string' },
          example: 'attachment; filename="example.com.zone"',
        },
      },
      examples: { example: { summary: 'The records of the reference example', value: zoneFileExample() } },
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
      examples: { example: { summary: FROM_REFERENCE, value: SPEC_EXAMPLES.verify } },
    },
    errors: ['domain_not_found', ...SERVER_ERRORS],
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
      examples: {
        example: { summary: 'A new MAIL FROM prefix', value: { return_path: 'bounces' } },
        rotateKey: {
          summary: 'Rotate a BYODKIM key (key shortened)',
          value: { dkim: { ...BYODKIM_REQUEST.dkim, selector: 'krafter2027' } },
        },
        keyLength: {
          summary: 'Easy DKIM with 1024-bit keys',
          value: { dkim: { type: 'easy_dkim', key_length: 1024 } },
        },
      },
    },
    success: {
      status: 200,
      description: 'OK: the domain with its DNS records.',
      schema: DomainResponse,
      examples: {
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
      },
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
      examples: { example: { summary: FROM_REFERENCE, value: SPEC_EXAMPLES.deleted } },
    },
    errors: ['domain_not_found', ...SERVER_ERRORS],
  },
  ...WEBHOOK_OPERATIONS,
  ...DELIVERY_OPERATIONS,
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
