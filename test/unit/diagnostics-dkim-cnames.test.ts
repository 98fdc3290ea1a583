/**
 * The three Easy DKIM CNAMEs (src/domain/dkim-diagnostics.ts): SES confirms DKIM only once all
 * three are published, so a correct CNAME that waits on SES shows what DNS returned for it and names
 * the sibling that is in the way, instead of promising that SES will confirm it soon.
 */

import { type Answers, type Mx, type Observation, questionKey } from '../../src/domain/diagnosis.js';
import { diagnoseRecords } from '../../src/domain/diagnostics.js';
import { type RecordInputs, recordSpecs } from '../../src/domain/dns-records.js';
import { decide, type SesIdentityState } from '../../src/domain/verification.js';

const inputs: RecordInputs = {
  domain: 'example.com',
  returnPath: 'send',
  region: 'eu-central-1',
  verificationToken: 'token-abc',
  dkimTokens: ['t1', 't2', 't3'],
};
const SES_DKIM_PENDING: SesIdentityState = {
  verificationStatus: 'PENDING',
  verifiedForSending: false,
  dkimStatus: 'PENDING',
  mailFromStatus: 'SUCCESS',
};
const specs = recordSpecs(inputs);
const spec = (id: string) => specs.find((s) => s.id === id)!;

/** Every record published as shown, then `changes` applied (a name → its answer, or none). */
function dns(changes: Record<string, Observation<string | Mx> | null> = {}): Answers {
  const answers = new Map<string, Observation<string | Mx>>();
  for (const s of specs) {
    const value = s.type === 'MX' ? { exchange: s.value, priority: 10 } : s.value;
    answers.set(questionKey({ name: s.name, type: s.type }), { kind: 'found', values: [value] });
  }
  for (const [name, o] of Object.entries(changes)) {
    const key = questionKey({ name, type: 'CNAME' });
    if (o === null) answers.delete(key);
    else answers.set(key, o);
  }
  return answers;
}

describe('two DKIM CNAMEs published, one missing', () => {
  const missing = spec('dkim3').name;
  const checks = diagnoseRecords(inputs, dns({ [missing]: null }), SES_DKIM_PENDING);

  it.each(['dkim1', 'dkim2'])('%s shows what DNS returned for it', (id) => {
    expect(checks[id]).toMatchObject({ status: 'pending', diagnostic: { found: [spec(id).value] } });
  });

  it.each(['dkim1', 'dkim2'])('%s names the missing CNAME by its DNS name, and promises no minutes', (id) => {
    const reason = checks[id]!.diagnostic!.reason;
    expect(reason).toContain('only once all three DKIM CNAMEs are published');
    expect(reason).toContain(`no CNAME was found at ${missing}`);
    expect(reason).not.toMatch(/minutes/);
  });

  it('the missing one stays pending, with nothing found, as before', () => {
    expect(checks.dkim3).toEqual({
      status: 'pending',
      diagnostic: { found: [], reason: `No CNAME record found at ${missing} yet. Publish it as shown.` },
    });
  });

  it('the domain stays pending, waiting for all three', () => {
    const d = decide({
      records: inputs,
      answers: dns({ [missing]: null }),
      ses: SES_DKIM_PENDING,
      previous: 'pending',
      now: Date.now(),
      windowStart: Date.now(),
    });
    expect(d.status).toBe('pending');
    expect(d.why).toContain('dkim1, dkim2, dkim3');
  });
});

describe('a correct DKIM CNAME waiting on SES', () => {
  it('names every sibling in the way, missing, wrong or unanswered', () => {
    const reason = diagnoseRecords(
      inputs,
      dns({
        [spec('dkim2').name]: { kind: 'found', values: ['elsewhere.example.net'] },
        [spec('dkim3').name]: { kind: 'error', code: 'ESERVFAIL' },
      }),
      SES_DKIM_PENDING,
    ).dkim1!.diagnostic!.reason;
    expect(reason).toContain(`the CNAME at ${spec('dkim2').name} does not point to ${spec('dkim2').value}`);
    expect(reason).toContain(`the DNS servers did not answer for ${spec('dkim3').name}`);
  });

  it('when all three are published, says SES is what it waits for, and shows the value found', () => {
    const checks = diagnoseRecords(inputs, dns(), SES_DKIM_PENDING);
    for (const id of ['dkim1', 'dkim2', 'dkim3']) {
      expect(checks[id]).toMatchObject({ status: 'pending', diagnostic: { found: [spec(id).value] } });
      expect(checks[id]!.diagnostic!.reason).toMatch(/SES has not confirmed DKIM yet/);
      expect(checks[id]!.diagnostic!.reason).not.toMatch(/minutes/);
    }
  });

  it('shows the value found also when SES gave up on records that are correct now', () => {
    const checks = diagnoseRecords(inputs, dns(), { ...SES_DKIM_PENDING, dkimStatus: 'FAILED' });
    expect(checks.dkim1).toMatchObject({ status: 'failed', diagnostic: { found: [spec('dkim1').value] } });
  });

  it('is verified once SES confirms DKIM, whatever the siblings show', () => {
    const checks = diagnoseRecords(inputs, dns({ [spec('dkim3').name]: null }), {
      ...SES_DKIM_PENDING,
      dkimStatus: 'SUCCESS',
    });
    expect(checks.dkim1).toEqual({ status: 'verified' });
  });
});

describe('a correct MAIL FROM MX waiting on SES', () => {
  it('shows the MX found', () => {
    const check = diagnoseRecords(inputs, dns(), { ...SES_DKIM_PENDING, mailFromStatus: 'PENDING' }).mail_from_mx;
    expect(check).toMatchObject({
      status: 'pending',
      diagnostic: { found: ['10 feedback-smtp.eu-central-1.amazonses.com'] },
    });
  });
});
