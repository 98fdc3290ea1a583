/**
 * The document's examples: those of the published API reference, as it shows them, and domains as
 * this API answers them, built by the code that answers (toDetailJson) from one example domain.
 */

import { type Answers, questionKey } from '../src/domain/diagnosis.js';
import { diagnoseRecords } from '../src/domain/diagnostics.js';
import { EASY_DKIM_DEFAULT } from '../src/domain/dkim.js';
import { type Domain, recordInputsOf, toDetailJson, toSummaryJson } from '../src/domain/domain.js';
import { DOMAIN_EVENT_TYPES, toWebhookJson, type WebhookEndpointView } from '../src/domain/webhook-endpoint.js';
import { formatZoneFile } from '../src/domain/zone-file.js';

export type Examples = Record<string, { summary: string; value: unknown }>;

export const FROM_REFERENCE = 'Example from the API reference';

/**
 * The example domain, example.com, added 2026-01-15 10:00 UTC, pending, with Easy DKIM and never
 * checked; `overrides` say how an example differs from it.
 */
export function exampleDomain(overrides: Partial<Domain> = {}): Domain {
  return {
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
    dkimTokens: ['token1', 'token2', 'token3'],
    lastCheckedAt: null,
    previousStatus: null,
    pendingEvent: null,
    leaseId: null,
    settingsRev: 0,
    eventSeq: 0,
    everVerified: false,
    releasing: false,
    dkim: EASY_DKIM_DEFAULT,
    recordChecks: {},
    ...overrides,
  };
}

/** A domain as the reference shows it without records: its five fields. */
function referenceSummary(overrides: Partial<Domain> = {}) {
  const { id, domain, status, verified_at, created_at } = toSummaryJson(exampleDomain(overrides));
  return { id, domain, status, verified_at, created_at };
}

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

const VERIFIED = { status: 'verified', verifiedAt: '2026-01-15T12:30:00Z' } as const;

/** The reference's examples, as written there. */
export const SPEC_EXAMPLES = {
  createRequest: { domain: 'example.com', return_path: 'send' },
  created: {
    data: {
      ...referenceSummary(),
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
      referenceSummary(VERIFIED),
      referenceSummary({
        id: '660e8400-e29b-41d4-a716-446655440001',
        domain: 'anotherdomain.com',
        createdAt: '2026-01-16T14:00:00Z',
      }),
    ],
  },
  get: { data: { ...referenceSummary(VERIFIED), dns_records: [SPEC_VERIFICATION_RECORD, specDkim(1)] } },
  verify: { data: referenceSummary({ status: 'verifying' }) },
  deleted: { data: { deleted: true } },
};

/** A domain after a check found some records missing or misplaced, as this API shows it. */
export function checkedDomainExample() {
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
  const checked = exampleDomain({ verifyRequestedAt: '2026-01-15T10:05:00Z', lastCheckedAt: '2026-01-15T10:06:00Z' });
  const recordChecks = diagnoseRecords(recordInputsOf(checked), answers, {
    verificationStatus: 'SUCCESS',
    verifiedForSending: false,
    dkimStatus: 'SUCCESS',
    mailFromStatus: 'PENDING',
  });
  return { data: toDetailJson({ ...checked, recordChecks }) };
}

/** A BYODKIM create (key shortened): the request, and the domain it answers with. */
export const BYODKIM_REQUEST = {
  domain: 'example.com',
  return_path: 'send',
  dkim: {
    type: 'byodkim',
    selector: 'krafter2026',
    private_key:
      '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC...\n-----END PRIVATE KEY-----\n',
  },
};

export function byodkimCreatedExample() {
  const domain = exampleDomain({
    dkimTokens: [],
    dkim: {
      type: 'byodkim',
      keyLength: 2048,
      selector: 'krafter2026',
      publicKey: 'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA...',
    },
  });
  return { data: toDetailJson(domain) };
}

/** The example endpoint, as the API shows it (built by toWebhookJson). */
export function exampleWebhook(overrides: Partial<WebhookEndpointView> = {}) {
  return toWebhookJson({
    id: '7d2c4e1a-9b3f-4c8e-a1d5-2f6b8c0e4a97',
    url: 'https://hooks.example.com/krafter',
    events: [...DOMAIN_EVENT_TYPES],
    description: 'Production receiver',
    enabled: true,
    disabledReason: null,
    failingSince: null,
    createdAt: '2026-01-15T10:00:00Z',
    ...overrides,
  });
}

/** An example secret of the documented form (not one any endpoint has). */
export const EXAMPLE_WEBHOOK_SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

/** The zone file of the reference's created domain, at the time of its example. */
export function zoneFileExample(): string {
  const { id, domain, created_at, dns_records } = SPEC_EXAMPLES.created.data;
  return formatZoneFile({ id, domain, records: dns_records }, created_at);
}
