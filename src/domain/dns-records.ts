/**
 * The DNS records a domain owner publishes, in the spec's order: the SES verification TXT, three
 * DKIM CNAMEs (or, with BYODKIM, one DKIM TXT holding the team's public key), the MAIL FROM MX and
 * SPF TXT, and the recommended DMARC TXT. Each record has a stable id (`verification`,
 * `dkim1`..`dkim3` or `dkim`, `mail_from_mx`, `spf`, `dmarc`) that per-record check results are
 * keyed by.
 */
import { dkimTxtValue } from './dkim.js';

export type RecordStatus = 'not_started' | 'pending' | 'verified' | 'failed';

export interface RecordCheck {
  readonly status: Exclude<RecordStatus, 'not_started'>;
  /** What DNS returned and what to do about it; absent when the record is verified. */
  readonly diagnostic?: { readonly found: readonly string[]; readonly reason: string };
}

export type RecordId = 'verification' | 'dkim1' | 'dkim2' | 'dkim3' | 'dkim' | 'mail_from_mx' | 'spf' | 'dmarc';

export interface DnsRecord {
  type: 'TXT' | 'CNAME' | 'MX';
  name: string;
  value: string;
  ttl: 'Auto';
  priority: number | null;
  purpose: string;
  required: boolean;
  category: 'verification' | 'delivery' | 'recommended';
  status: RecordStatus;
  diagnostic?: { found: string[]; reason: string };
}

export interface RecordSpec {
  readonly id: RecordId;
  readonly type: DnsRecord['type'];
  readonly name: string;
  readonly value: string;
  readonly priority: number | null;
  readonly purpose: string;
  readonly required: boolean;
  readonly category: DnsRecord['category'];
}

export const SPF_VALUE = 'v=spf1 include:amazonses.com ~all';
export const DMARC_VALUE = 'v=DMARC1; p=none;';

export interface RecordInputs {
  readonly domain: string;
  readonly returnPath: string;
  readonly region: string;
  readonly verificationToken: string;
  readonly dkimTokens: readonly string[];
  /** BYODKIM: the team's selector and public key; one TXT record replaces the three CNAMEs. */
  readonly byodkim?: { readonly selector: string; readonly publicKey: string } | undefined;
}

/** The records whose name or value a settings change moves: their earlier check results no longer apply. */
export function recordsMovedBy(change: { readonly returnPath?: unknown; readonly dkim?: unknown }): RecordId[] {
  return [
    ...(change.returnPath !== undefined ? (['mail_from_mx', 'spf'] as const) : []),
    ...(change.dkim !== undefined ? (['dkim', 'dkim1', 'dkim2', 'dkim3'] as const) : []),
  ];
}

export function mailFromDomain(domain: string, returnPath: string): string {
  return `${returnPath}.${domain}`;
}

export function feedbackMxHost(region: string): string {
  return `feedback-smtp.${region}.amazonses.com`;
}

/** The record definitions, without check results. */
export function recordSpecs(i: RecordInputs): RecordSpec[] {
  const mailFrom = mailFromDomain(i.domain, i.returnPath);
  const dkim = (n: 1 | 2 | 3): RecordSpec => {
    const token = i.dkimTokens[n - 1] ?? '';
    return {
      id: `dkim${n}`,
      type: 'CNAME',
      name: `${token}._domainkey.${i.domain}`,
      value: `${token}.dkim.amazonses.com`,
      priority: null,
      purpose: 'DKIM — cryptographic email signature',
      required: true,
      category: 'delivery',
    };
  };
  const byodkim: RecordSpec | undefined = i.byodkim && {
    id: 'dkim',
    type: 'TXT',
    name: `${i.byodkim.selector}._domainkey.${i.domain}`,
    value: dkimTxtValue(i.byodkim.publicKey),
    priority: null,
    purpose:
      'DKIM — cryptographic email signature, with your own key. If your DNS provider limits TXT values to 255 characters, enter it as several quoted strings.',
    required: true,
    category: 'delivery',
  };
  return [
    {
      id: 'verification',
      type: 'TXT',
      name: `_amazonses.${i.domain}`,
      value: i.verificationToken,
      priority: null,
      purpose: 'Domain verification — proves you own this domain',
      required: true,
      category: 'verification',
    },
    ...(byodkim ? [byodkim] : [dkim(1), dkim(2), dkim(3)]),
    {
      id: 'mail_from_mx',
      type: 'MX',
      name: mailFrom,
      value: feedbackMxHost(i.region),
      priority: 10,
      purpose: 'Custom MAIL FROM — bounce handling',
      required: true,
      category: 'delivery',
    },
    {
      id: 'spf',
      type: 'TXT',
      name: mailFrom,
      value: SPF_VALUE,
      priority: null,
      purpose: 'SPF — authorizes SES to send on your behalf',
      required: true,
      category: 'delivery',
    },
    {
      id: 'dmarc',
      type: 'TXT',
      name: `_dmarc.${i.domain}`,
      value: DMARC_VALUE,
      priority: null,
      purpose: 'DMARC — email authentication policy. Improves inbox placement.',
      required: false,
      category: 'recommended',
    },
  ];
}

/** The records as the API returns them, each with the status of its last check. */
export function buildDnsRecords(i: RecordInputs & { checks?: Readonly<Record<string, RecordCheck>> }): DnsRecord[] {
  return recordSpecs(i).map((spec) => {
    const check = i.checks?.[spec.id];
    const record: DnsRecord = {
      type: spec.type,
      name: spec.name,
      value: spec.value,
      ttl: 'Auto',
      priority: spec.priority,
      purpose: spec.purpose,
      required: spec.required,
      category: spec.category,
      status: check?.status ?? 'not_started',
    };
    if (check?.diagnostic && check.status !== 'verified') {
      record.diagnostic = { found: [...check.diagnostic.found], reason: check.diagnostic.reason };
    }
    return record;
  });
}
