/**
 * A record counts as verified only with the value the README tells the customer to publish: the
 * `_amazonses` TXT must carry the domain's verification token, and the SPF record on the MAIL FROM
 * name must include amazonses.com. Anything else published there is failed, and holds the domain
 * back even when SES itself is satisfied.
 */

import { type Answers, type Mx, type Observation, questionKey } from '../../src/domain/diagnosis.js';
import { diagnoseRecords } from '../../src/domain/diagnostics.js';
import { type RecordInputs, recordSpecs } from '../../src/domain/dns-records.js';
import { decide, type SesIdentityState } from '../../src/domain/verification.js';

const inputs: RecordInputs = {
  domain: 'example.com',
  returnPath: 'send',
  region: 'eu-central-1',
  verificationToken: 'pmBGN/7MjnfhTKUZ06Enqq1PeGUaOkw8lGhcfwefcHU=',
  dkimTokens: ['t1', 't2', 't3'],
};
const SES_OK: SesIdentityState = {
  verificationStatus: 'SUCCESS',
  verifiedForSending: true,
  dkimStatus: 'SUCCESS',
  mailFromStatus: 'SUCCESS',
};

/** Every record published as shown, except the TXT values given for a name. */
function dns(txt: Record<string, string[]> = {}): Answers {
  const answers = new Map<string, Observation<string | Mx>>();
  for (const s of recordSpecs(inputs)) {
    const value = s.type === 'MX' ? { exchange: s.value, priority: 10 } : s.value;
    answers.set(questionKey({ name: s.name, type: s.type }), { kind: 'found', values: [value] });
  }
  for (const [name, values] of Object.entries(txt))
    answers.set(questionKey({ name, type: 'TXT' }), { kind: 'found', values });
  return answers;
}

const decideWith = (answers: Answers) =>
  decide({ records: inputs, answers, ses: SES_OK, previous: 'pending', now: Date.now(), windowStart: Date.now() });

it('the baseline (every record as shown, SES satisfied) is verified', () => {
  expect(decideWith(dns()).status).toBe('verified');
});

describe('the _amazonses verification TXT', () => {
  it.each([
    ['another token', ['c29tZS1vdGhlci10b2tlbi1mcm9tLWVsc2V3aGVyZQ==']],
    ['the token cut short', [inputs.verificationToken.slice(0, 20)]],
    ['the token with a suffix', [`${inputs.verificationToken}x`]],
  ])('with %s is failed, not verified', (_, values) => {
    const answers = dns({ '_amazonses.example.com': values });
    expect(diagnoseRecords(inputs, answers, SES_OK).verification).toEqual({
      status: 'failed',
      diagnostic: { found: values, reason: expect.stringContaining('does not contain the verification token') },
    });
    expect(decideWith(answers).status).toBe('failed');
  });

  it('is verified when the token is one of several values', () => {
    const answers = dns({ '_amazonses.example.com': ['other-value', inputs.verificationToken] });
    expect(diagnoseRecords(inputs, answers, SES_OK).verification).toEqual({ status: 'verified' });
  });
});

describe('the SPF record on the MAIL FROM name', () => {
  it.each([
    'v=spf1 include:_spf.example.net ~all',
    'v=spf1 mx -all',
    'v=spf1 include:amazonses.com.example.net ~all',
    'v=spf1 include:notamazonses.com ~all',
  ])('"%s" without include:amazonses.com is failed, not verified', (spf) => {
    const answers = dns({ 'send.example.com': [spf] });
    expect(diagnoseRecords(inputs, answers, SES_OK).spf).toEqual({
      status: 'failed',
      diagnostic: { found: [spf], reason: expect.stringContaining('does not include amazonses.com') },
    });
    expect(decideWith(answers).status).toBe('failed');
  });

  it('is verified with include:amazonses.com among other mechanisms', () => {
    const answers = dns({ 'send.example.com': ['v=spf1 include:_spf.example.net include:amazonses.com -all'] });
    expect(diagnoseRecords(inputs, answers, SES_OK).spf).toEqual({ status: 'verified' });
  });
});
