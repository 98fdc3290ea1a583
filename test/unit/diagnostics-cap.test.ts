/**
 * What a diagnostic keeps of a large DNS answer (src/domain/diagnostics.ts): a few values, each of
 * bounded length, and how many there were, while the diagnosis still reads the whole answer.
 */

import {
  type Answers,
  MAX_FOUND_LENGTH,
  MAX_FOUND_VALUES,
  type Mx,
  type Observation,
  type Question,
  questionKey,
} from '../../src/domain/diagnosis.js';
import { diagnoseRecords } from '../../src/domain/diagnostics.js';
import { dkimTxtValue } from '../../src/domain/dkim.js';
import { type RecordInputs, recordSpecs } from '../../src/domain/dns-records.js';
import { decide, type SesIdentityState } from '../../src/domain/verification.js';
import { rsaKey } from '../support/dkim-keys.js';

const inputs: RecordInputs = {
  domain: 'example.com',
  returnPath: 'send',
  region: 'eu-central-1',
  verificationToken: 'token-abc',
  dkimTokens: ['t1', 't2', 't3'],
};
const SES_PENDING: SesIdentityState = {
  verificationStatus: 'PENDING',
  verifiedForSending: false,
  dkimStatus: 'PENDING',
  mailFromStatus: 'PENDING',
};
const spec = (id: string) => recordSpecs(inputs).find((s) => s.id === id)!;

/** `count` TXT values of about 200 characters: some 60 KB for 300 of them. */
const junk = (count: number, prefix = 'site-verification=') =>
  Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(4, '0')}-${'x'.repeat(180)}`);

function answers(entries: Array<[Question, readonly (string | Mx)[]]>): Answers {
  return new Map(entries.map(([q, values]) => [questionKey(q), { kind: 'found', values } as Observation<string | Mx>]));
}

const checks = (a: Answers, i: RecordInputs = inputs) => diagnoseRecords(i, a, SES_PENDING);

describe('diagnostics keep a bounded part of a large answer', () => {
  it('300 TXT values without the token: failed, at most 5 values kept, and the reason says there were 300', () => {
    const values = junk(300);
    const check = checks(answers([[{ name: spec('verification').name, type: 'TXT' }, values]])).verification!;
    expect(check.status).toBe('failed');
    expect(check.diagnostic?.found).toEqual(values.slice(0, MAX_FOUND_VALUES));
    expect(MAX_FOUND_VALUES).toBeLessThanOrEqual(5);
    expect(check.diagnostic?.reason).toContain('does not contain the verification token');
    expect(check.diagnostic?.reason).toContain(`300 values were found; the first ${MAX_FOUND_VALUES} are shown.`);
  });

  it('finds the token as the last of 300 TXT values: the diagnosis reads the whole answer', () => {
    const values = [...junk(299), 'token-abc'];
    expect(checks(answers([[{ name: spec('verification').name, type: 'TXT' }, values]])).verification).toEqual({
      status: 'verified',
    });
  });

  it('sees two SPF records among 300 TXT values, and shows those two', () => {
    const spf = ['v=spf1 include:amazonses.com ~all', 'v=spf1 include:_spf.example.net ~all'];
    const values = [...junk(150), spf[0]!, ...junk(148, 'other='), spf[1]!];
    const check = checks(answers([[{ name: spec('spf').name, type: 'TXT' }, values]])).spf!;
    expect(check).toEqual({
      status: 'failed',
      diagnostic: { found: spf, reason: expect.stringContaining('has 2 SPF records') },
    });
    expect(check.diagnostic?.reason).not.toContain('were found');
  });

  it('verifies SPF among 300 other TXT values', () => {
    const values = [...junk(300), 'v=spf1 include:amazonses.com ~all'];
    expect(checks(answers([[{ name: spec('spf').name, type: 'TXT' }, values]])).spf).toEqual({ status: 'verified' });
  });

  it('cuts a value longer than the limit, and says so', () => {
    const long = `v=DMARC1; p=none; rua=mailto:${'a'.repeat(5000)}@example.com`;
    const check = checks(answers([[{ name: spec('dmarc').name, type: 'TXT' }, [long, 'v=DMARC1; p=none']]])).dmarc!;
    expect(check.status).toBe('failed');
    const [first, second] = check.diagnostic!.found;
    expect(first).toHaveLength(MAX_FOUND_LENGTH);
    expect(first!.endsWith('…')).toBe(true);
    expect(long.startsWith(first!.slice(0, -1))).toBe(true);
    expect(second).toBe('v=DMARC1; p=none');
    expect(check.diagnostic?.reason).toContain(`longer than ${MAX_FOUND_LENGTH} characters`);
  });

  it('keeps a 2048-bit DKIM key record whole', () => {
    // Another key than the one configured, so the check fails and shows what it found.
    const value = dkimTxtValue(rsaKey(2048).publicKey);
    const byodkim = { ...inputs, dkimTokens: [], byodkim: { selector: 'sel', publicKey: rsaKey(2048).publicKey } };
    const name = recordSpecs(byodkim).find((s) => s.id === 'dkim')!.name;
    const check = checks(answers([[{ name, type: 'TXT' }, [value]]]), byodkim).dkim!;
    expect(check.status).toBe('failed');
    expect(value.length).toBeGreaterThan(400);
    expect(check.diagnostic?.found).toEqual([value]);
    expect(check.diagnostic?.reason).not.toContain('cut short.');
  });

  it('300 wrong MX values: at most 5 kept, and the reason names a few, then how many more', () => {
    const mx = Array.from({ length: 300 }, (_, i) => ({ exchange: `mx${i}.mail.example.net`, priority: 10 }));
    const check = checks(answers([[{ name: spec('mail_from_mx').name, type: 'MX' }, mx]])).mail_from_mx!;
    expect(check.status).toBe('failed');
    expect(check.diagnostic?.found).toEqual(mx.slice(0, 5).map((m) => `10 ${m.exchange}`));
    expect(check.diagnostic?.reason).toContain(
      'mx4.mail.example.net and 295 more instead of feedback-smtp.eu-central-1.amazonses.com',
    );
    expect(check.diagnostic?.reason).not.toContain('mx5.mail.example.net');
    expect(check.diagnostic?.reason.length).toBeLessThan(1000);
  });

  it('keeps a whole check small when every name answers with some 60 KB', () => {
    const everyName = new Map<string, Observation<string | Mx>>();
    const big = junk(300, 'v=spf1 ');
    const bigMx = Array.from({ length: 300 }, (_, i) => ({
      exchange: `mx${i}.${'m'.repeat(60)}.${'n'.repeat(60)}.example.net`,
      priority: i,
    }));
    for (const s of recordSpecs(inputs)) {
      for (const name of [s.name, `${s.name}.${inputs.domain}`]) {
        everyName.set(questionKey({ name, type: 'TXT' }), { kind: 'found', values: big });
        everyName.set(questionKey({ name, type: 'MX' }), { kind: 'found', values: bigMx });
        everyName.set(questionKey({ name, type: 'CNAME' }), { kind: 'found', values: bigMx.map((m) => m.exchange) });
      }
    }
    const decision = decide({
      records: inputs,
      answers: everyName,
      ses: SES_PENDING,
      previous: 'pending',
      now: Date.now(),
      windowStart: Date.now(),
    });
    expect(decision.status).toBe('failed');
    for (const check of Object.values(decision.recordChecks))
      expect(check.diagnostic?.found.length ?? 0).toBeLessThanOrEqual(MAX_FOUND_VALUES);
    // Some 60 KB per name went in; a few KB per record come out.
    expect(JSON.stringify(decision.recordChecks).length).toBeLessThan(30_000);
  });
});
