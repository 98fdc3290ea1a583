/**
 * Response schemas (valibot): the shapes the API answers with, written once and turned into the
 * OpenAPI document's component schemas (json-schema.ts). Handlers build responses with
 * `toSummaryJson`/`toDetailJson` and do not import these; the type checks at the bottom keep the two
 * in step, and the end-to-end tests validate every response against the generated document.
 *
 * Fields the published reference shows are required. Fields this API adds (`last_checked_at`, a
 * record's `status` and `diagnostic`, the list's `has_more` and `next_cursor`) are optional in the
 * schemas so the reference's own examples stay valid.
 */
import * as v from 'valibot';
import type { DnsRecord, RecordStatus } from '../src/domain/dns-records.js';
import { DOMAIN_STATUSES, type DomainJson, type DomainSummaryJson } from '../src/domain/domain.js';
import { ERROR_CODES, type ErrorCode } from '../src/error-codes.js';

export const DomainId = v.pipe(v.string(), v.uuid(), v.description('The domain id (a UUID), assigned by Krafter.'));

const Timestamp = v.pipe(v.string(), v.isoTimestamp());

export const DomainStatus = v.pipe(
  v.picklist(DOMAIN_STATUSES),
  v.description(
    [
      'Verification status of the domain:',
      '- `pending`: the domain has been added; DNS records have not been verified yet.',
      '- `verifying`: a verification check is in flight.',
      '- `verified`: all required DNS records are in place and the domain is ready to send.',
      '- `failed`: verification ran but at least one required DNS record was missing or wrong.',
    ].join('\n'),
  ),
);

export const RECORD_STATUSES = [
  'not_started',
  'pending',
  'verified',
  'failed',
] as const satisfies readonly RecordStatus[];

export const RecordStatusSchema = v.pipe(
  v.picklist(RECORD_STATUSES),
  v.description(
    'Result of the last check of this record: `not_started` (not checked yet), `pending` (not found yet, or correct but not yet confirmed by SES), `verified`, or `failed` (published but wrong, or SES stopped looking).',
  ),
);

export const RecordDiagnostic = v.pipe(
  v.strictObject({
    found: v.pipe(
      v.array(v.string()),
      v.description('The values DNS returned for this record (empty when nothing was found).'),
    ),
    reason: v.pipe(v.string(), v.description('What is wrong and what to do about it.')),
  }),
  v.description('Why the record is not verified yet. Present after a check that did not verify the record.'),
);

export const DnsRecordSchema = v.pipe(
  v.strictObject({
    type: v.pipe(v.picklist(['TXT', 'CNAME', 'MX']), v.description('TXT, CNAME, or MX.')),
    name: v.pipe(v.string(), v.description('The hostname to set.')),
    value: v.pipe(v.string(), v.description('The record value.')),
    ttl: v.pipe(v.literal('Auto'), v.description('Always "Auto" — set whatever your DNS provider\'s default is.')),
    priority: v.pipe(
      v.nullable(v.pipe(v.number(), v.integer())),
      v.description('Set to 10 for the MX record; null for everything else.'),
    ),
    purpose: v.pipe(v.string(), v.description('Human-readable description of why this record matters.')),
    required: v.pipe(
      v.boolean(),
      v.description('true for verification + DKIM + custom MAIL FROM records; false for DMARC.'),
    ),
    category: v.pipe(
      v.picklist(['verification', 'delivery', 'recommended']),
      v.description('"verification" (SES ownership), "delivery" (DKIM, MX, SPF), or "recommended" (DMARC).'),
    ),
    status: v.optional(RecordStatusSchema),
    diagnostic: v.optional(RecordDiagnostic),
  }),
  v.description('A DNS record to publish for the domain.'),
);

const summaryEntries = {
  id: DomainId,
  domain: v.pipe(
    v.string(),
    v.description('The domain name, lower case, international names in their ASCII (punycode) form.'),
  ),
  status: DomainStatus,
  verified_at: v.pipe(
    v.nullable(Timestamp),
    v.description('When the domain became verified (the current verified period); null while it is not verified.'),
  ),
  created_at: v.pipe(Timestamp, v.description('When the domain was added.')),
  region: v.optional(
    v.pipe(
      v.string(),
      v.description("SES region of the domain's identity; the MX record points at this region's feedback endpoint."),
    ),
  ),
  last_checked_at: v.optional(
    v.pipe(
      v.nullable(Timestamp),
      v.description('When verification last checked the domain; null before the first check.'),
    ),
  ),
};

export const DomainSummary = v.pipe(v.strictObject(summaryEntries), v.description('A domain without its DNS records.'));

export const DkimSchema = v.pipe(
  v.strictObject({
    type: v.pipe(
      v.picklist(['easy_dkim', 'byodkim']),
      v.description(
        '`easy_dkim`: SES makes and rotates the keys (three CNAMEs). `byodkim`: your own key (one TXT record).',
      ),
    ),
    key_length: v.pipe(v.number(), v.integer(), v.description('RSA key length in bits.')),
    selector: v.pipe(
      v.nullable(v.string()),
      v.description('Your DKIM selector with `byodkim`; null with `easy_dkim`.'),
    ),
  }),
  v.description("How SES signs the domain's mail."),
);

export const DomainDetail = v.pipe(
  v.strictObject({
    ...summaryEntries,
    dkim: v.optional(DkimSchema),
    dns_records: v.pipe(
      v.array(DnsRecordSchema),
      v.description(
        'The records to publish, in this order: 1 SES verification TXT, 3 DKIM CNAMEs (with BYODKIM: 1 DKIM TXT), 1 MX and 1 SPF TXT for the custom MAIL FROM subdomain, and 1 DMARC TXT (recommended only).',
      ),
    ),
  }),
  v.description('A domain with its DNS records.'),
);

export const DomainResponse = v.pipe(
  v.strictObject({ data: DomainDetail }),
  v.description('One domain with its DNS records.'),
);
export const DomainSummaryResponse = v.pipe(
  v.strictObject({ data: DomainSummary }),
  v.description('One domain without its DNS records.'),
);
export const DomainListResponse = v.pipe(
  v.strictObject({
    data: v.array(DomainSummary),
    has_more: v.optional(
      v.pipe(
        v.boolean(),
        v.description('Whether more domains follow this page. Always false when no page was asked for.'),
      ),
    ),
    next_cursor: v.optional(
      v.pipe(
        v.nullable(v.string()),
        v.description('Pass as `after` to get the next page; null on the last page (and when no page was asked for).'),
      ),
    ),
  }),
  v.description("The team's domains, without DNS records, oldest first."),
);
export const DeletedResponse = v.pipe(
  v.strictObject({ data: v.strictObject({ deleted: v.literal(true) }) }),
  v.description('Confirms the domain was deleted.'),
);

export const ErrorCodeSchema = v.pipe(v.picklist(ERROR_CODES), v.description('Stable, machine-readable error code.'));

export const ErrorEnvelope = v.pipe(
  v.strictObject({
    error: v.strictObject({
      code: ErrorCodeSchema,
      message: v.pipe(v.string(), v.description('Human-readable explanation; may change, do not match on it.')),
      field: v.optional(
        v.pipe(
          v.string(),
          v.description(
            'With `validation_error` and `domain_not_allowed`: the request body field that was rejected, when known.',
          ),
        ),
      ),
      required_scope: v.optional(
        v.pipe(v.string(), v.description('With `insufficient_scope`: the scope the API key lacks.')),
      ),
      limit: v.optional(
        v.pipe(
          v.number(),
          v.integer(),
          v.description(
            'With `domain_limit_reached` and `webhook_limit_reached`: how many domains, or webhook endpoints, the team may hold.',
          ),
        ),
      ),
    }),
  }),
  v.description('The envelope of every error the API returns.'),
);

/**
 * The error envelope, narrowed to the codes one response can carry. The narrowing part is loose:
 * the envelope itself already rejects unknown fields.
 */
export function errorEnvelopeWith(codes: readonly [ErrorCode, ...ErrorCode[]]) {
  return v.intersect([
    ErrorEnvelope,
    v.objectWithRest({ error: v.objectWithRest({ code: v.picklist(codes) }, v.unknown()) }, v.unknown()),
  ]);
}

/** The document served at GET /openapi.json (only its outline is described here). */
export const OpenApiDocumentSchema = v.pipe(
  v.looseObject({
    openapi: v.pipe(v.string(), v.startsWith('3.1.')),
    info: v.looseObject({ title: v.string(), version: v.string() }),
    paths: v.record(v.string(), v.unknown()),
  }),
  v.description('This OpenAPI 3.1 document.'),
);

// Compile-time links to the types the handlers build responses from: every field the code sends is
// described here (and no other), and every value the code can send is accepted.
type Holds<T extends true> = T;
type Fits<A, B> = [A] extends [B] ? true : false;
type SameKeys<A, B> = Fits<keyof A, keyof B> extends true ? Fits<keyof B, keyof A> : false;
export type ResponseSchemaChecks = [
  Holds<Fits<DomainSummaryJson, v.InferInput<typeof DomainSummary>>>,
  Holds<Fits<DomainJson, v.InferInput<typeof DomainDetail>>>,
  Holds<Fits<DnsRecord, v.InferInput<typeof DnsRecordSchema>>>,
  Holds<SameKeys<DomainSummaryJson, v.InferInput<typeof DomainSummary>>>,
  Holds<SameKeys<DomainJson, v.InferInput<typeof DomainDetail>>>,
  Holds<SameKeys<DnsRecord, v.InferInput<typeof DnsRecordSchema>>>,
  Holds<Fits<RecordStatus, (typeof RECORD_STATUSES)[number]>>,
];

export const ZoneFileSchema = v.pipe(
  v.string(),
  v.description(
    "The domain's DNS records as a BIND zone file fragment: comment lines (`;`) naming the domain, its id and the time, then one line per record with its absolute name, TTL 3600, class IN, type and data. TXT data is quoted, in strings of at most 255 bytes.",
  ),
);
