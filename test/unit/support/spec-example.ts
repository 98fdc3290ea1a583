/**
 * The spec's example `dns_records` for example.com (the API reference, "Add Domain"), written
 * out by hand: verification token "abc123...", DKIM tokens token1..token3, SES region eu-central-1.
 */
export const SPEC_RECORD_FIELDS = [
  'type',
  'name',
  'value',
  'ttl',
  'priority',
  'purpose',
  'required',
  'category',
] as const;

/** The spec's example response for example.com, record by record, every field, in order. */
export const SPEC_EXAMPLE = [
  {
    type: 'TXT',
    name: '_amazonses.example.com',
    value: 'abc123...',
    ttl: 'Auto',
    priority: null,
    purpose: 'Domain verification — proves you own this domain',
    required: true,
    category: 'verification',
  },
  {
    type: 'CNAME',
    name: 'token1._domainkey.example.com',
    value: 'token1.dkim.amazonses.com',
    ttl: 'Auto',
    priority: null,
    purpose: 'DKIM — cryptographic email signature',
    required: true,
    category: 'delivery',
  },
  {
    type: 'CNAME',
    name: 'token2._domainkey.example.com',
    value: 'token2.dkim.amazonses.com',
    ttl: 'Auto',
    priority: null,
    purpose: 'DKIM — cryptographic email signature',
    required: true,
    category: 'delivery',
  },
  {
    type: 'CNAME',
    name: 'token3._domainkey.example.com',
    value: 'token3.dkim.amazonses.com',
    ttl: 'Auto',
    priority: null,
    purpose: 'DKIM — cryptographic email signature',
    required: true,
    category: 'delivery',
  },
  {
    type: 'MX',
    name: 'send.example.com',
    value: 'feedback-smtp.eu-central-1.amazonses.com',
    ttl: 'Auto',
    priority: 10,
    purpose: 'Custom MAIL FROM — bounce handling',
    required: true,
    category: 'delivery',
  },
  {
    type: 'TXT',
    name: 'send.example.com',
    value: 'v=spf1 include:amazonses.com ~all',
    ttl: 'Auto',
    priority: null,
    purpose: 'SPF — authorizes SES to send on your behalf',
    required: true,
    category: 'delivery',
  },
  {
    type: 'TXT',
    name: '_dmarc.example.com',
    value: 'v=DMARC1; p=none;',
    ttl: 'Auto',
    priority: null,
    purpose: 'DMARC — email authentication policy. Improves inbox placement.',
    required: false,
    category: 'recommended',
  },
];
