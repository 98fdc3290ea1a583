/** The seven DNS records (src/domain/dns-records.ts), against the spec's example for example.com. */

import {
  buildDnsRecords,
  DMARC_VALUE,
  feedbackMxHost,
  mailFromDomain,
  type RecordCheck,
  recordSpecs,
  SPF_VALUE,
} from '../../src/domain/dns-records.js';
import { SPEC_EXAMPLE, SPEC_RECORD_FIELDS as SPEC_FIELDS } from './support/spec-example.js';

const inputs = {
  domain: 'example.com',
  returnPath: 'send',
  region: 'eu-central-1',
  verificationToken: 'abc123...',
  dkimTokens: ['token1', 'token2', 'token3'],
};

const specFieldsOf = (r: object) => Object.fromEntries(SPEC_FIELDS.map((f) => [f, (r as Record<string, unknown>)[f]]));

describe('buildDnsRecords', () => {
  it("returns exactly the spec's seven records, in the spec's order, with every field as in the example", () => {
    const records = buildDnsRecords(inputs);
    expect(records).toHaveLength(7);
    expect(records.map(specFieldsOf)).toEqual(SPEC_EXAMPLE);
  });

  it('adds only a per-record status (not_started before any check) and nothing else', () => {
    for (const record of buildDnsRecords(inputs)) {
      expect(Object.keys(record).sort()).toEqual([...SPEC_FIELDS, 'status'].sort());
      expect(record.status).toBe('not_started');
    }
  });

  it('has 1 verification TXT, 3 DKIM CNAMEs, 1 MX, 1 SPF TXT (required) and 1 DMARC TXT (optional)', () => {
    const records = buildDnsRecords(inputs);
    expect(records.map((r) => `${r.type}/${r.category}/${r.required}`)).toEqual([
      'TXT/verification/true',
      'CNAME/delivery/true',
      'CNAME/delivery/true',
      'CNAME/delivery/true',
      'MX/delivery/true',
      'TXT/delivery/true',
      'TXT/recommended/false',
    ]);
    expect(records.filter((r) => r.priority !== null)).toEqual([expect.objectContaining({ type: 'MX', priority: 10 })]);
    expect(records.every((r) => r.ttl === 'Auto')).toBe(true);
  });

  it('uses the return_path, the domain and the SES region it is given', () => {
    const records = buildDnsRecords({
      ...inputs,
      domain: 'xn--bcher-kva.de',
      returnPath: 'bounce',
      region: 'us-west-2',
      verificationToken: 'TOKEN',
      dkimTokens: ['a1', 'b2', 'c3'],
    });
    expect(records.map((r) => [r.type, r.name, r.value])).toEqual([
      ['TXT', '_amazonses.xn--bcher-kva.de', 'TOKEN'],
      ['CNAME', 'a1._domainkey.xn--bcher-kva.de', 'a1.dkim.amazonses.com'],
      ['CNAME', 'b2._domainkey.xn--bcher-kva.de', 'b2.dkim.amazonses.com'],
      ['CNAME', 'c3._domainkey.xn--bcher-kva.de', 'c3.dkim.amazonses.com'],
      ['MX', 'bounce.xn--bcher-kva.de', 'feedback-smtp.us-west-2.amazonses.com'],
      ['TXT', 'bounce.xn--bcher-kva.de', SPF_VALUE],
      ['TXT', '_dmarc.xn--bcher-kva.de', DMARC_VALUE],
    ]);
  });

  it('takes each record status from the check with its id, and shows a diagnostic only when not verified', () => {
    const pending: RecordCheck = { status: 'pending', diagnostic: { found: [], reason: 'not published yet' } };
    const failed: RecordCheck = {
      status: 'failed',
      diagnostic: { found: ['wrong.example.net'], reason: 'wrong value' },
    };
    const verifiedWithStaleDiagnostic: RecordCheck = {
      status: 'verified',
      diagnostic: { found: ['x'], reason: 'old' },
    };
    const records = buildDnsRecords({
      ...inputs,
      checks: {
        verification: { status: 'verified' },
        dkim1: verifiedWithStaleDiagnostic,
        dkim2: pending,
        dkim3: failed,
        mail_from_mx: pending,
      },
    });
    expect(records.map((r) => r.status)).toEqual([
      'verified',
      'verified',
      'pending',
      'failed',
      'pending',
      'not_started',
      'not_started',
    ]);
    expect(records[0]).not.toHaveProperty('diagnostic');
    expect(records[1]).not.toHaveProperty('diagnostic');
    expect(records[2]?.diagnostic).toEqual({ found: [], reason: 'not published yet' });
    expect(records[3]?.diagnostic).toEqual({ found: ['wrong.example.net'], reason: 'wrong value' });
    expect(records[5]).not.toHaveProperty('diagnostic');
    expect(records[6]).not.toHaveProperty('diagnostic');
  });

  it('does not share the check arrays with the records it returns', () => {
    const check: RecordCheck = { status: 'failed', diagnostic: { found: ['a'], reason: 'r' } };
    const [record] = buildDnsRecords({ ...inputs, checks: { verification: check } });
    record?.diagnostic?.found.push('mutated');
    expect(check.diagnostic?.found).toEqual(['a']);
  });
});

describe('recordSpecs and helpers', () => {
  it('gives each record a stable id in the spec order', () => {
    expect(recordSpecs(inputs).map((r) => r.id)).toEqual([
      'verification',
      'dkim1',
      'dkim2',
      'dkim3',
      'mail_from_mx',
      'spf',
      'dmarc',
    ]);
  });

  it('builds the MAIL FROM host and the regional feedback MX host', () => {
    expect(mailFromDomain('example.com', 'send')).toBe('send.example.com');
    expect(feedbackMxHost('eu-central-1')).toBe('feedback-smtp.eu-central-1.amazonses.com');
  });
});
