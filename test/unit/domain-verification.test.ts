/**
 * Status decisions (src/domain/verification.ts): from SES's view of the identity and what DNS
 * returns for each record, by the spec's definitions and the 72-hour window.
 */

import { type Answers, type Mx, type Observation, questionKey } from '../../src/domain/diagnosis.js';
import { type RecordInputs, recordSpecs } from '../../src/domain/dns-records.js';
import {
  applyVerificationWindow,
  type CheckedStatus,
  type Decision,
  decide,
  decideMissingIdentity,
  decideUnstorable,
  type SesIdentityState,
} from '../../src/domain/verification.js';

const HOUR = 3_600_000;
const NOW = Date.parse('2026-01-16T10:00:00Z');
const REQUIRED_IDS = ['verification', 'dkim1', 'dkim2', 'dkim3', 'mail_from_mx', 'spf'];

const records: RecordInputs = {
  domain: 'example.com',
  returnPath: 'send',
  region: 'eu-central-1',
  verificationToken: 'abc123...',
  dkimTokens: ['token1', 'token2', 'token3'],
};

/** DNS answers with every record published exactly as shown (or only those whose id is listed). */
function publishedDns(only?: string[]): Answers {
  const answers = new Map<string, Observation<string | Mx>>();
  for (const s of recordSpecs(records)) {
    if (only && !only.includes(s.id)) continue;
    const value = s.type === 'MX' ? { exchange: s.value, priority: 10 } : s.value;
    answers.set(questionKey({ name: s.name, type: s.type }), { kind: 'found', values: [value] });
  }
  return answers;
}
const NO_DNS: Answers = new Map();

function ses(overrides: Partial<SesIdentityState> = {}): SesIdentityState {
  return {
    verificationStatus: 'SUCCESS',
    verifiedForSending: true,
    dkimStatus: 'SUCCESS',
    mailFromStatus: 'SUCCESS',
    ...overrides,
  };
}

const PENDING_SES = ses({
  verificationStatus: 'PENDING',
  verifiedForSending: false,
  dkimStatus: 'PENDING',
  mailFromStatus: 'PENDING',
});

function run(
  s: SesIdentityState | null,
  answers: Answers,
  options: { previous?: CheckedStatus; windowStart?: number | null; now?: number } = {},
): Decision {
  return decide({
    records,
    answers,
    ses: s,
    previous: options.previous ?? 'pending',
    now: options.now ?? NOW,
    windowStart: options.windowStart === undefined ? NOW - HOUR : options.windowStart,
  });
}

const statuses = (d: Decision) => Object.fromEntries(Object.entries(d.recordChecks).map(([id, c]) => [id, c.status]));

describe('decide: verified', () => {
  it('is verified when SES reports every part SUCCESS, verified for sending, and every record is in DNS', () => {
    const d = run(ses(), publishedDns());
    expect(d.status).toBe('verified');
    for (const id of REQUIRED_IDS) expect(d.recordChecks[id]).toEqual({ status: 'verified' });
    expect(d.why).toEqual(expect.any(String));
  });

  it('does not need the optional DMARC record', () => {
    const d = run(ses(), publishedDns(REQUIRED_IDS));
    expect(d.status).toBe('verified');
    expect(d.recordChecks.dmarc?.status).not.toBe('verified');
  });
});

describe('decide: pending, never failed, while SES is still looking', () => {
  it('is pending while VerifiedForSendingStatus is false and SES reports PENDING (records not visible yet)', () => {
    const d = run(PENDING_SES, NO_DNS);
    expect(d.status).toBe('pending');
    for (const id of REQUIRED_IDS) expect(d.recordChecks[id]?.status).toBe('pending');
  });

  it('is pending while SES has not confirmed records that DNS already shows', () => {
    const d = run(PENDING_SES, publishedDns());
    expect(d.status).toBe('pending');
    expect(Object.values(statuses(d))).not.toContain('failed');
  });

  it('is pending when every part is SUCCESS but SES does not yet allow sending', () => {
    expect(run(ses({ verifiedForSending: false }), publishedDns()).status).toBe('pending');
  });

  it.each(['TEMPORARY_FAILURE', 'NOT_STARTED', 'PENDING'] as const)('is pending when SES reports %s', (s) => {
    for (const state of [
      ses({ verificationStatus: s, verifiedForSending: false }),
      ses({ dkimStatus: s }),
      ses({ mailFromStatus: s }),
    ]) {
      for (const answers of [NO_DNS, publishedDns()]) {
        const d = run(state, answers);
        expect(d.status).toBe('pending');
        expect(Object.values(statuses(d))).not.toContain('failed');
      }
    }
  });

  it('explains each pending record', () => {
    const d = run(PENDING_SES, NO_DNS);
    for (const id of REQUIRED_IDS) expect(d.recordChecks[id]?.diagnostic?.reason).toEqual(expect.any(String));
  });
});

describe('decide: failed', () => {
  it('is failed when SES reports the identity FAILED', () => {
    expect(run(ses({ verificationStatus: 'FAILED', verifiedForSending: false }), NO_DNS).status).toBe('failed');
    expect(run(ses({ verificationStatus: 'FAILED', verifiedForSending: false }), publishedDns()).status).toBe('failed');
  });

  it('is failed when SES reports DKIM FAILED for records that are now correct', () => {
    const d = run(ses({ dkimStatus: 'FAILED', verifiedForSending: false }), publishedDns());
    expect(d.status).toBe('failed');
    expect([d.recordChecks.dkim1?.status, d.recordChecks.dkim2?.status, d.recordChecks.dkim3?.status]).toEqual([
      'failed',
      'failed',
      'failed',
    ]);
  });

  it('is failed when SES reports the MAIL FROM FAILED for an MX that is now correct', () => {
    const d = run(ses({ mailFromStatus: 'FAILED' }), publishedDns());
    expect(d.status).toBe('failed');
    expect(d.recordChecks.mail_from_mx?.status).toBe('failed');
  });

  it('is failed when SES reports DKIM FAILED (SES gave up) and the records are still missing', () => {
    const d = run(
      ses({ verificationStatus: 'PENDING', dkimStatus: 'FAILED', verifiedForSending: false }),
      publishedDns(['verification', 'mail_from_mx', 'spf']),
    );
    expect(d.status).toBe('failed');
  });

  it('is failed when SES reports the MAIL FROM FAILED (SES gave up) and the MX is still missing', () => {
    const d = run(ses({ mailFromStatus: 'FAILED' }), publishedDns(['verification', 'dkim1', 'dkim2', 'dkim3', 'spf']));
    expect(d.status).toBe('failed');
  });

  it('is failed when a required record is published with a wrong value', () => {
    const answers = new Map(publishedDns());
    answers.set(questionKey({ name: 'token1._domainkey.example.com', type: 'CNAME' }), {
      kind: 'found',
      values: ['token1.dkim.wrong.example.net'],
    });
    const d = run(PENDING_SES, answers);
    expect(d.status).toBe('failed');
    expect(d.recordChecks.dkim1?.status).toBe('failed');
    expect(d.recordChecks.dkim1?.diagnostic?.found).toEqual(['token1.dkim.wrong.example.net']);
  });

  it('is failed, with every SES-checked record failed, when SES has no identity for the domain', () => {
    for (const d of [run(null, publishedDns()), decideMissingIdentity(records)]) {
      expect(d.status).toBe('failed');
      for (const id of ['verification', 'dkim1', 'dkim2', 'dkim3', 'mail_from_mx']) {
        expect(d.recordChecks[id]?.status).toBe('failed');
        expect(d.recordChecks[id]?.diagnostic?.reason).toMatch(/no longer exists/);
      }
    }
  });

  it('is failed, keeping nothing DNS returned, when the full result cannot be stored', () => {
    const d = decideUnstorable(records);
    expect(d.status).toBe('failed');
    expect(Object.keys(d.recordChecks).sort()).toEqual([...REQUIRED_IDS].sort());
    for (const check of Object.values(d.recordChecks)) {
      expect(check).toEqual({
        status: 'failed',
        diagnostic: { found: [], reason: expect.stringMatching(/could not be saved.*ask for verification again/) },
      });
    }
  });
});

describe('the 72-hour window', () => {
  it('keeps pending before 72 hours since the verify request, and fails at 72 hours', () => {
    expect(run(PENDING_SES, NO_DNS, { windowStart: NOW - 72 * HOUR + 1 }).status).toBe('pending');
    const d = run(PENDING_SES, NO_DNS, { windowStart: NOW - 72 * HOUR });
    expect(d.status).toBe('failed');
    for (const id of REQUIRED_IDS) {
      expect(d.recordChecks[id]?.status).toBe('failed');
      expect(d.recordChecks[id]?.diagnostic?.reason).toMatch(/72 hours/);
    }
  });

  it('never fails the optional DMARC record for the window', () => {
    expect(run(PENDING_SES, NO_DNS, { windowStart: NOW - 80 * HOUR }).recordChecks.dmarc?.status).toBe('pending');
  });

  it('does not run without a verify request', () => {
    expect(run(PENDING_SES, NO_DNS, { windowStart: null }).status).toBe('pending');
  });

  it('does not touch a verified decision', () => {
    expect(run(ses(), publishedDns(), { windowStart: NOW - 100 * HOUR }).status).toBe('verified');
  });

  it('applyVerificationWindow fails only the records still pending, and leaves other decisions alone', () => {
    const pending: Decision = {
      status: 'pending',
      why: 'x',
      recordChecks: {
        verification: { status: 'verified' },
        dkim1: { status: 'pending', diagnostic: { found: ['a'], reason: 'not yet' } },
      },
    };
    const start = NOW - 72 * HOUR;
    const failed = applyVerificationWindow(pending, NOW, start);
    expect(failed.status).toBe('failed');
    expect(failed.recordChecks.verification).toEqual({ status: 'verified' });
    expect(failed.recordChecks.dkim1).toEqual({
      status: 'failed',
      diagnostic: { found: ['a'], reason: expect.stringMatching(/^Not verified within 72 hours.*not yet$/) },
    });
    expect(applyVerificationWindow(pending, NOW - 1, start)).toBe(pending);
    expect(applyVerificationWindow(pending, NOW, null)).toBe(pending);
    const verified: Decision = { ...pending, status: 'verified' };
    expect(applyVerificationWindow(verified, NOW, start)).toBe(verified);
  });
});

describe('a verified domain and DNS trouble', () => {
  it('stays verified when DNS does not answer (no evidence the records are gone)', () => {
    const answers = new Map(publishedDns());
    answers.set(questionKey({ name: '_amazonses.example.com', type: 'TXT' }), { kind: 'error', code: 'ESERVFAIL' });
    expect(run(ses(), answers, { previous: 'verified' }).status).toBe('verified');
  });
});
