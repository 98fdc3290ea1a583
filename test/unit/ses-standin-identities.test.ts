/**
 * The SES stand-in's identity logic without HTTP or a DNS server: what SES looks up for an
 * identity, how each lookup moves a check through its 72-hour search, the rules of the calls that
 * change an identity, and the throttle. DNS is a map of answers; time is a number.
 */

import { signingOf } from '../../local/ses-standin/dkim.js';
import { SesError } from '../../local/ses-standin/errors.js';
import {
  advance,
  applySigning,
  type Check,
  domainOf,
  Identities,
  type Identity,
  type Lookup,
  recordsOf,
  refresh,
  SEARCH_WINDOW_MS,
  setMailFrom,
  startTxtVerification,
  verification,
} from '../../local/ses-standin/identities.js';
import { Throttle } from '../../local/ses-standin/throttle.js';
import { DnsLookupError, type LookupResult, type RecordType } from '../../src/adapters/dns.js';
import { rsaKey } from '../support/dkim-keys.js';

const HOUR = 3600 * 1000;
const T0 = Date.parse('2026-11-02T10:00:00Z');
const REGION = 'eu-central-1';

/** DNS as a map: `name TYPE` → values, `'servfail'`, or absent (the name is then NXDOMAIN unless another type exists). */
function fakeDns(answers: Record<string, unknown[] | 'servfail'>): Lookup {
  return async (name: string, type: RecordType): Promise<LookupResult<unknown>> => {
    const answer = answers[`${name} ${type}`];
    if (answer === 'servfail') throw new DnsLookupError('ESERVFAIL', name, type);
    if (answer) return { found: true, records: answer };
    const exists = Object.keys(answers).some((k) => k.startsWith(`${name} `));
    return { found: false, reason: exists ? 'NODATA' : 'NXDOMAIN' };
  };
}

function easyDkimIdentity(now = T0): Identity {
  const id = new Identities().add('example.com', REGION, now);
  applySigning(id, signingOf({}, false), now);
  return id;
}

const dkimAnswers = (id: Identity) =>
  Object.fromEntries(
    (id.dkimTokens ?? []).map((t) => [`${t}._domainkey.example.com CNAME`, [`${t}.dkim.amazonses.com`]]),
  );

const pending = (since = T0): Check => ({ status: 'PENDING', since });

describe('advance: one lookup moves a check', () => {
  it('turns PENDING into SUCCESS when nothing is in the way, and records when', () => {
    const check = pending();
    advance(check, undefined, T0 + HOUR);
    expect(check).toEqual({ status: 'SUCCESS', since: T0, lastChecked: T0 + HOUR, lastSuccess: T0 + HOUR });
  });

  it('keeps PENDING with the problem while the record is missing or wrong', () => {
    const check = pending();
    advance(check, 'HOST_NOT_FOUND', T0 + HOUR);
    expect(check).toMatchObject({ status: 'PENDING', problem: 'HOST_NOT_FOUND', lastChecked: T0 + HOUR });
    expect(check.lastSuccess).toBeUndefined();
    advance(check, 'INVALID_VALUE', T0 + 2 * HOUR);
    expect(check).toMatchObject({ status: 'PENDING', problem: 'INVALID_VALUE' });
  });

  it('reports a DNS server error as TEMPORARY_FAILURE, not as a missing record', () => {
    const check = pending();
    advance(check, 'DNS_SERVER_ERROR', T0 + HOUR);
    expect(check.status).toBe('TEMPORARY_FAILURE');
    advance(check, undefined, T0 + 2 * HOUR);
    expect(check.status).toBe('SUCCESS');
  });

  it('fails at 72 hours, not a millisecond before, and counts a record first seen after them as too late', () => {
    const early = pending();
    advance(early, 'HOST_NOT_FOUND', T0 + SEARCH_WINDOW_MS - 1);
    expect(early.status).toBe('PENDING');
    const late = pending();
    advance(late, undefined, T0 + SEARCH_WINDOW_MS);
    expect(late.status).toBe('FAILED');
  });

  it('leaves FAILED as it is: SES has stopped looking', () => {
    const check: Check = { status: 'FAILED', since: T0, lastChecked: T0 };
    advance(check, undefined, T0 + 100 * HOUR);
    expect(check).toEqual({ status: 'FAILED', since: T0, lastChecked: T0 });
  });

  it('turns SUCCESS back to PENDING when the record is lost, opening a new 72-hour window from then', () => {
    const check = pending();
    advance(check, undefined, T0);
    const lostAt = T0 + 100 * HOUR;
    advance(check, 'HOST_NOT_FOUND', lostAt);
    expect(check).toMatchObject({ status: 'PENDING', since: lostAt, lastSuccess: T0 });
    advance(check, 'HOST_NOT_FOUND', lostAt + SEARCH_WINDOW_MS - 1);
    expect(check.status).toBe('PENDING');
    advance(check, 'HOST_NOT_FOUND', lostAt + SEARCH_WINDOW_MS);
    expect(check.status).toBe('FAILED');
  });
});

describe('recordsOf: what SES looks for', () => {
  it('looks for the three Easy DKIM CNAMEs, each pointing at its own token under dkim.amazonses.com', () => {
    const id = easyDkimIdentity();
    const { dkim, txt, mailFrom } = recordsOf(id, 'us-east-1');
    expect(txt).toBeUndefined();
    expect(mailFrom).toBeUndefined();
    expect(dkim?.map((r) => [r.name, r.type])).toEqual(
      (id.dkimTokens ?? []).map((t) => [`${t}._domainkey.example.com`, 'CNAME']),
    );
    const [first, second] = id.dkimTokens ?? [];
    expect(dkim?.[0]?.ok([`${first}.dkim.amazonses.com`])).toBe(true);
    expect(dkim?.[0]?.ok([`${second}.dkim.amazonses.com`])).toBe(false);
  });

  it('looks for the BYODKIM public key in the TXT at the selector', () => {
    const key = rsaKey(1024);
    const id = new Identities().add('example.com', REGION, T0);
    applySigning(id, signingOf({ DomainSigningSelector: 'Sel1', DomainSigningPrivateKey: key.pkcs1Base64 }, true), T0);
    const dkim = recordsOf(id, REGION).dkim ?? [];
    expect(dkim.map((r) => [r.name, r.type])).toEqual([['sel1._domainkey.example.com', 'TXT']]);
    expect(dkim[0]?.ok([`v=DKIM1; k=rsa; p=${key.publicKey}`])).toBe(true);
    expect(dkim[0]?.ok([`v=DKIM1; k=rsa; p=${rsaKey(1024).publicKey}`])).toBe(false);
  });

  it('looks for the _amazonses TXT only once v1 asked for a token, and wants that token', () => {
    const id = easyDkimIdentity();
    const token = startTxtVerification(id, () => 'token-1', T0);
    expect(startTxtVerification(id, () => 'token-2', T0 + HOUR)).toBe(token);
    const txt = recordsOf(id, REGION).txt;
    expect(txt).toMatchObject({ name: '_amazonses.example.com', type: 'TXT' });
    expect(txt?.ok(['token-1'])).toBe(true);
    expect(txt?.ok(['token-2'])).toBe(false);
  });

  it("wants the MAIL FROM MX at the feedback endpoint of the identity's own region", () => {
    const id = easyDkimIdentity();
    setMailFrom(id, 'bounce.example.com', 'USE_DEFAULT_VALUE', T0);
    const mx = recordsOf(id, 'us-east-1').mailFrom;
    expect(mx).toMatchObject({ name: 'bounce.example.com', type: 'MX' });
    expect(mx?.ok([{ exchange: `feedback-smtp.${REGION}.amazonses.com`, priority: 10 }])).toBe(true);
    expect(mx?.ok([{ exchange: 'feedback-smtp.us-east-1.amazonses.com', priority: 10 }])).toBe(false);
  });
});

describe('refresh: all lookups, then every check moves', () => {
  const context = (lookup: Lookup, at = T0 + HOUR) => ({ lookup, region: REGION, now: () => at });

  it('verifies a domain once its three CNAMEs are published', async () => {
    const id = easyDkimIdentity();
    await refresh(id, context(fakeDns(dkimAnswers(id))));
    expect(verification(id)).toMatchObject({ status: 'SUCCESS', lastSuccess: T0 + HOUR });
  });

  it('reports HOST_NOT_FOUND for a missing name and TYPE_NOT_FOUND for a name holding another type', async () => {
    const id = easyDkimIdentity();
    const [, second] = id.dkimTokens ?? [];
    const answers = dkimAnswers(id);
    delete answers[`${second}._domainkey.example.com CNAME`];
    await refresh(id, context(fakeDns(answers)));
    expect(id.dkim).toMatchObject({ status: 'PENDING', problem: 'HOST_NOT_FOUND' });
    answers[`${second}._domainkey.example.com TXT`] = ['v=DKIM1; p=abc'];
    await refresh(id, context(fakeDns(answers)));
    expect(id.dkim).toMatchObject({ status: 'PENDING', problem: 'TYPE_NOT_FOUND' });
  });

  it('reports a DNS server error on any of the three CNAMEs before any other problem', async () => {
    const id = easyDkimIdentity();
    const [first, , third] = id.dkimTokens ?? [];
    const answers: Record<string, unknown[] | 'servfail'> = dkimAnswers(id);
    answers[`${first}._domainkey.example.com CNAME`] = ['elsewhere.example'];
    answers[`${third}._domainkey.example.com CNAME`] = 'servfail';
    await refresh(id, context(fakeDns(answers)));
    expect(id.dkim).toMatchObject({ status: 'TEMPORARY_FAILURE', problem: 'DNS_SERVER_ERROR' });
  });

  it('moves DKIM, the v1 TXT and MAIL FROM each on its own', async () => {
    const id = easyDkimIdentity();
    startTxtVerification(id, () => 'tok', T0);
    setMailFrom(id, 'bounce.example.com', 'USE_DEFAULT_VALUE', T0);
    await refresh(id, context(fakeDns({ ...dkimAnswers(id), '_amazonses.example.com TXT': ['tok'] })));
    expect([id.dkim?.status, id.txt?.status, id.mailFrom?.status]).toEqual(['SUCCESS', 'SUCCESS', 'PENDING']);
    expect(id.mailFrom?.problem).toBe('HOST_NOT_FOUND');
  });

  it('verifies an identity v1 created (no DKIM) through its TXT record', async () => {
    const id = new Identities().add('example.com', REGION, T0);
    startTxtVerification(id, () => 'tok', T0);
    expect(verification(id).status).toBe('PENDING');
    await refresh(id, context(fakeDns({ '_amazonses.example.com TXT': ['tok'] })));
    expect(verification(id).status).toBe('SUCCESS');
    expect(id.dkim).toBeUndefined();
  });

  it('is NOT_STARTED for an identity SES looks nothing up for', () => {
    expect(verification(new Identities().add('example.com', REGION, T0)).status).toBe('NOT_STARTED');
  });
});

describe('the calls that change an identity', () => {
  it('keeps Easy DKIM tokens on a key length change, new ones when coming back from BYODKIM', () => {
    const id = easyDkimIdentity();
    const tokens = id.dkimTokens;
    applySigning(id, signingOf({ NextSigningKeyLength: 'RSA_1024_BIT' }, false), T0 + HOUR);
    expect(id).toMatchObject({ keyLength: 'RSA_1024_BIT', dkimTokens: tokens, dkim: pending(T0 + HOUR) });
    applySigning(
      id,
      signingOf({ DomainSigningSelector: 'k1', DomainSigningPrivateKey: rsaKey(1024).pkcs1Base64 }, true),
      T0,
    );
    expect(id.dkimTokens).toBeUndefined();
    applySigning(id, signingOf({}, false), T0);
    expect(id.byodkim).toBeUndefined();
    expect(id.dkimTokens).toHaveLength(3);
    expect(id.dkimTokens).not.toEqual(tokens);
  });

  it.each([
    ['a key length SES does not offer', { NextSigningKeyLength: 'RSA_4096_BIT' }, false],
    ['a selector with a dot', { DomainSigningSelector: 'k.1', DomainSigningPrivateKey: 'AAAA' }, true],
    ['a key that is not base64', { DomainSigningSelector: 'k1', DomainSigningPrivateKey: 'not base64!' }, true],
    ['a 512-bit key', { DomainSigningSelector: 'k1', DomainSigningPrivateKey: rsaKey(512).pkcs1Base64 }, true],
  ])('refuses %s with BadRequestException', (_what, attributes, external) => {
    expect(() => signingOf(attributes, external)).toThrow(
      expect.objectContaining({ code: 'BadRequestException', status: 400 }),
    );
  });

  it('takes a MAIL FROM domain only under the identity, and restarts its search each time', () => {
    const id = easyDkimIdentity();
    expect(() => setMailFrom(id, 'bounce.other.example', 'USE_DEFAULT_VALUE', T0)).toThrow(SesError);
    expect(() => setMailFrom(id, 'notexample.com', 'USE_DEFAULT_VALUE', T0)).toThrow(SesError);
    setMailFrom(id, 'bounce.example.com', 'REJECT_MESSAGE', T0);
    id.mailFrom!.status = 'FAILED';
    setMailFrom(id, 'bounce.example.com', 'REJECT_MESSAGE', T0 + HOUR);
    expect(id.mailFrom).toEqual({ domain: 'bounce.example.com', status: 'PENDING', since: T0 + HOUR });
    setMailFrom(id, undefined, 'USE_DEFAULT_VALUE', T0);
    expect(id.mailFrom).toBeUndefined();
  });

  it('restarts a failed TXT search on VerifyDomainIdentity, and keeps one that is still running', () => {
    const id = easyDkimIdentity();
    startTxtVerification(id, () => 'tok', T0);
    startTxtVerification(id, () => 'tok', T0 + HOUR);
    expect(id.txt?.since).toBe(T0);
    id.txt!.status = 'FAILED';
    startTxtVerification(id, () => 'tok', T0 + 2 * HOUR);
    expect(id.txt).toEqual({ status: 'PENDING', since: T0 + 2 * HOUR });
  });

  it('normalises domain names as SES does and refuses what is not one', () => {
    expect(domainOf(' Example.COM. ', 'EmailIdentity')).toBe('example.com');
    expect(() => domainOf('', 'EmailIdentity')).toThrow('EmailIdentity is required.');
    expect(() => domainOf('not a domain', 'EmailIdentity')).toThrow('Invalid domain name');
  });
});

describe('Identities', () => {
  it('finds an identity whatever the case, and answers NotFoundException for an unknown one', () => {
    const identities = new Identities();
    identities.add('example.com', REGION, T0);
    expect(identities.find('EXAMPLE.com.')?.name).toBe('example.com');
    expect(() => identities.existing('other.example')).toThrow(
      expect.objectContaining({ code: 'NotFoundException', status: 404 }),
    );
  });

  it('refuses an identity past the quota with LimitExceededException', () => {
    const identities = new Identities([], 2);
    identities.add('b.example', REGION, T0);
    identities.add('a.example', REGION, T0);
    expect(() => identities.add('c.example', REGION, T0)).toThrow(
      expect.objectContaining({ code: 'LimitExceededException' }),
    );
    expect(identities.names()).toEqual(['a.example', 'b.example']);
    identities.delete('A.example');
    identities.add('c.example', REGION, T0);
    expect(identities.list().map((i) => i.name)).toEqual(['b.example', 'c.example']);
  });
});

describe('Throttle', () => {
  it('admits a burst of the rate, then refills with time', () => {
    let clock = T0;
    const throttle = new Throttle(() => clock);
    throttle.set({ ratePerSecond: 2 });
    expect([throttle.admit(), throttle.admit(), throttle.admit()]).toEqual([null, null, 'throttle']);
    clock += 500;
    expect([throttle.admit(), throttle.admit()]).toEqual([null, 'throttle']);
  });

  it('fails the next N calls with the injected kind before the bucket is asked, then lifts', () => {
    const throttle = new Throttle(() => T0);
    throttle.set({ failNext: 2, failWith: 'timeout' });
    expect([throttle.admit(), throttle.admit(), throttle.admit()]).toEqual(['timeout', 'timeout', null]);
    throttle.set({ ratePerSecond: 1, failNext: 1 });
    expect(throttle.state()).toEqual({ ratePerSecond: 1, failNext: 1, failWith: 'timeout' });
    throttle.lift();
    expect(throttle.state()).toEqual({ ratePerSecond: null, failNext: 0, failWith: 'throttle' });
  });
});
