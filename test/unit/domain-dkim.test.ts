/**
 * DKIM settings (src/domain/dkim.ts): Easy DKIM key lengths and BYODKIM keys, the record each
 * gives (dns-records.ts), and the diagnostics of the BYODKIM TXT record (diagnostics.ts).
 */

import { type Answers, type Observation, questionKey } from '../../src/domain/diagnosis.js';
import { diagnoseRecords, questionsFor } from '../../src/domain/diagnostics.js';
import {
  type DkimSigning,
  dkimTxtValue,
  parseDkimRequest,
  publicKeyTag,
  sameDkimSetup,
} from '../../src/domain/dkim.js';
import { buildDnsRecords, type RecordInputs, recordSpecs } from '../../src/domain/dns-records.js';
import { decide, type SesIdentityState } from '../../src/domain/verification.js';
import { ValidationError } from '../../src/errors.js';
import { ecKeyPem, encryptedPem, pemBody, revealsKey, rsaKey } from '../support/dkim-keys.js';

const key2048 = rsaKey(2048);
const key1024 = rsaKey(1024);

function byodkim(selector: string, privateKey: string, domain = 'example.com'): DkimSigning {
  return parseDkimRequest({ type: 'byodkim', selector, private_key: privateKey }, domain);
}

function rejected(run: () => unknown): { message: string; field: unknown } {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return { message: (err as ValidationError).message, field: (err as ValidationError).details.field };
  }
  throw new Error('expected a ValidationError');
}

describe('parseDkimRequest: Easy DKIM', () => {
  it('defaults to Easy DKIM with 2048-bit keys, with or without a dkim object', () => {
    expect(parseDkimRequest(undefined, 'example.com')).toEqual({ setup: { type: 'easy_dkim', keyLength: 2048 } });
    expect(parseDkimRequest({ type: 'easy_dkim' }, 'example.com')).toEqual({
      setup: { type: 'easy_dkim', keyLength: 2048 },
    });
  });

  it('keeps a 1024-bit key length', () => {
    expect(parseDkimRequest({ type: 'easy_dkim', key_length: 1024 }, 'example.com')).toEqual({
      setup: { type: 'easy_dkim', keyLength: 1024 },
    });
  });
});

describe('parseDkimRequest: BYODKIM keys', () => {
  it.each([
    ['PKCS#8 PEM', key2048.pkcs8Pem],
    ['PKCS#1 PEM', key2048.pkcs1Pem],
    ['PKCS#1 base64 body', key2048.pkcs1Base64],
    ['PKCS#8 base64 body, wrapped in lines', pemBody(key2048.pkcs8Pem).replace(/(.{64})/g, '$1\n')],
    ['PEM with Windows line ends and surrounding blanks', `\r\n  ${key2048.pkcs8Pem.replace(/\n/g, '\r\n')}  `],
  ])('accepts a key as %s: SES gets base64 PKCS#1, the record gets the public key', (_what, input) => {
    const signing = byodkim('krafter2026', input);
    expect(signing.setup).toEqual({
      type: 'byodkim',
      keyLength: 2048,
      selector: 'krafter2026',
      publicKey: key2048.publicKey,
    });
    expect('privateKey' in signing && signing.privateKey).toBe(key2048.pkcs1Base64);
  });

  it('accepts a 1024-bit key and reports its length', () => {
    expect(byodkim('s1', key1024.pkcs8Pem).setup.keyLength).toBe(1024);
  });

  it('lower-cases and trims the selector', () => {
    const signing = byodkim(' Krafter-Key1 ', key1024.pkcs1Base64);
    expect(signing.setup.type === 'byodkim' && signing.setup.selector).toBe('krafter-key1');
  });

  it.each([
    ['a 512-bit key', () => rsaKey(512).pkcs8Pem, /512-bit RSA key; SES takes keys of 1024 to 2048 bits/],
    ['a 3072-bit key', () => rsaKey(3072).pkcs8Pem, /3072-bit RSA key/],
    ['an EC key', () => ecKeyPem(), /key of type ec; SES signs with RSA keys only/],
    ['an encrypted key', () => encryptedPem(key1024), /encrypted; send it without a passphrase/],
    [
      'a public key',
      () => `-----BEGIN PUBLIC KEY-----\n${key1024.publicKey}\n-----END PUBLIC KEY-----\n`,
      /must be an unencrypted RSA private key/,
    ],
    ['not base64', () => 'not a key!', /must be an unencrypted RSA private key/],
    [
      'base64 that is no key',
      () => Buffer.from('hello world, this is not DER').toString('base64'),
      /must be an unencrypted RSA private key/,
    ],
    ['an empty string', () => '', /must be an unencrypted RSA private key/],
    ['a cut-off PEM', () => key1024.pkcs8Pem.slice(0, 300), /must be an unencrypted RSA private key/],
  ])('rejects %s as dkim.private_key', (_what, input, message) => {
    const { message: m, field } = rejected(() => byodkim('s1', input()));
    expect(m).toMatch(message);
    expect(field).toBe('dkim.private_key');
  });

  it.each([
    ['empty', ''],
    ['with a dot', 'a.b'],
    ['with an underscore', 'a_b'],
    ['starting with a hyphen', '-abc'],
    ['ending with a hyphen', 'abc-'],
    ['of 64 characters', 'a'.repeat(64)],
    ['with a space inside', 'a b'],
  ])('rejects a selector %s as dkim.selector', (_what, selector) => {
    expect(rejected(() => byodkim(selector, key1024.pkcs8Pem)).field).toBe('dkim.selector');
  });

  it('rejects a selector whose record name would exceed 253 characters', () => {
    const long = `${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.example.com`;
    expect(rejected(() => byodkim('s'.repeat(60), key1024.pkcs8Pem, long)).message).toMatch(/exceeds 253 characters/);
  });
});

describe('records with BYODKIM', () => {
  const inputs: RecordInputs = {
    domain: 'example.com',
    returnPath: 'send',
    region: 'eu-central-1',
    verificationToken: 'abc123...',
    dkimTokens: [],
    byodkim: { selector: 'krafter2026', publicKey: key2048.publicKey },
  };

  it('gives one DKIM TXT record in place of the three CNAMEs, in the same position', () => {
    const records = buildDnsRecords(inputs);
    expect(records.map((r) => `${r.type} ${r.name}`)).toEqual([
      'TXT _amazonses.example.com',
      'TXT krafter2026._domainkey.example.com',
      'MX send.example.com',
      'TXT send.example.com',
      'TXT _dmarc.example.com',
    ]);
    expect(records[1]).toMatchObject({
      value: `v=DKIM1; k=rsa; p=${key2048.publicKey}`,
      required: true,
      category: 'delivery',
      status: 'not_started',
      priority: null,
    });
  });

  it('keeps the three CNAMEs for Easy DKIM', () => {
    expect(recordSpecs({ ...inputs, byodkim: undefined, dkimTokens: ['a', 'b', 'c'] }).map((s) => s.id)).toEqual([
      'verification',
      'dkim1',
      'dkim2',
      'dkim3',
      'mail_from_mx',
      'spf',
      'dmarc',
    ]);
  });

  it('asks DNS for the TXT at the selector and at the doubled name', () => {
    const keys = questionsFor(inputs).map(questionKey);
    expect(keys).toContain('TXT krafter2026._domainkey.example.com');
    expect(keys).toContain('TXT krafter2026._domainkey.example.com.example.com');
  });

  const expected = dkimTxtValue(key2048.publicKey);
  const found = (values: string[]): Observation<string> => ({ kind: 'found', values });
  const answersWith = (name: string, o: Observation<string>): Answers =>
    new Map([[questionKey({ name, type: 'TXT' }), o]]);
  const SES_OK: SesIdentityState = {
    verificationStatus: 'SUCCESS',
    verifiedForSending: true,
    dkimStatus: 'SUCCESS',
    mailFromStatus: 'SUCCESS',
  };
  const dkimCheck = (answers: Answers, ses: SesIdentityState | null = SES_OK) =>
    diagnoseRecords(inputs, answers, ses).dkim!;
  const NAME = 'krafter2026._domainkey.example.com';

  it('is verified when the TXT carries the key and SES confirms DKIM', () => {
    expect(dkimCheck(answersWith(NAME, found([expected])))).toEqual({ status: 'verified' });
  });

  it('accepts the key however the value is spaced or tagged', () => {
    const spaced = `v=DKIM1;k=rsa;  p= ${key2048.publicKey.slice(0, 200)} ${key2048.publicKey.slice(200)}`;
    expect(dkimCheck(answersWith(NAME, found([spaced]))).status).toBe('verified');
    expect(dkimCheck(answersWith(NAME, found([`p=${key2048.publicKey}`]))).status).toBe('verified');
  });

  it('is pending while the key is published but SES has not confirmed it', () => {
    const check = dkimCheck(answersWith(NAME, found([expected])), { ...SES_OK, dkimStatus: 'PENDING' });
    expect(check.status).toBe('pending');
    expect(check.diagnostic?.reason).toMatch(/SES has not confirmed DKIM yet/);
  });

  it('is pending when nothing is published, failed once SES gave up', () => {
    expect(dkimCheck(new Map(), { ...SES_OK, dkimStatus: 'PENDING' })).toMatchObject({
      status: 'pending',
      diagnostic: { reason: `No TXT record found at ${NAME} yet. Publish it as shown.` },
    });
    expect(dkimCheck(new Map(), { ...SES_OK, dkimStatus: 'FAILED' }).status).toBe('failed');
  });

  it('names a key cut short by a provider that keeps only 255 characters', () => {
    const cut = expected.slice(0, 255);
    const check = dkimCheck(answersWith(NAME, found([cut])));
    expect(check.status).toBe('failed');
    expect(check.diagnostic?.reason).toMatch(/cut short \(237 of 392 characters\).*several quoted strings/);
    expect(check.diagnostic?.found).toEqual([cut]);
  });

  it('names quotation marks typed into the value', () => {
    const quoted = `v=DKIM1; k=rsa; p=${key2048.publicKey.slice(0, 200)}" "${key2048.publicKey.slice(200)}`;
    expect(dkimCheck(answersWith(NAME, found([quoted]))).diagnostic?.reason).toMatch(/quotation marks/);
  });

  it('names a different key', () => {
    const other = rsaKey(1024).publicKey;
    const check = dkimCheck(answersWith(NAME, found([dkimTxtValue(other)])));
    expect(check).toMatchObject({
      status: 'failed',
      diagnostic: { reason: expect.stringMatching(/different public key/) },
    });
  });

  it('names a TXT record without a key, and two keys on one selector', () => {
    expect(dkimCheck(answersWith(NAME, found(['v=spf1 -all']))).diagnostic?.reason).toMatch(/has no public key \(p=\)/);
    const two = dkimCheck(answersWith(NAME, found([expected, dkimTxtValue(key1024.publicKey)])));
    expect(two).toMatchObject({ status: 'failed', diagnostic: { reason: expect.stringMatching(/2 DKIM keys/) } });
  });

  it('names the zone name appended twice', () => {
    const check = dkimCheck(answersWith(`${NAME}.example.com`, found([expected])), {
      ...SES_OK,
      dkimStatus: 'PENDING',
    });
    expect(check.status).toBe('failed');
    expect(check.diagnostic?.reason).toMatch(/Enter only "krafter2026._domainkey" as the host name/);
  });

  it('decides the domain from the DKIM TXT like any other required record', () => {
    const all: Answers = new Map(
      recordSpecs(inputs).map(
        (s) =>
          [
            questionKey({ name: s.name, type: s.type }),
            { kind: 'found', values: [s.type === 'MX' ? { exchange: s.value, priority: 10 } : s.value] },
          ] as const,
      ),
    );
    const base = { records: inputs, ses: SES_OK, previous: 'pending' as const, now: Date.now(), windowStart: null };
    expect(decide({ ...base, answers: all }).status).toBe('verified');
    const missing = new Map(all);
    missing.delete(questionKey({ name: NAME, type: 'TXT' }));
    expect(
      decide({ ...base, answers: missing, ses: { ...SES_OK, dkimStatus: 'PENDING', verifiedForSending: false } }),
    ).toMatchObject({ status: 'pending', why: 'waiting for: dkim' });
  });
});

describe('DKIM helpers', () => {
  it('reads the p= tag, and only that tag', () => {
    expect(publicKeyTag('v=DKIM1; k=rsa; p=AB CD')).toBe('ABCD');
    expect(publicKeyTag('v=DKIM1; k=rsa')).toBeNull();
    expect(publicKeyTag('v=DKIM1; k=rsa; p=')).toBe('');
  });

  it('compares setups by every public field', () => {
    const a = byodkim('s1', key1024.pkcs8Pem).setup;
    expect(sameDkimSetup(a, byodkim('s1', key1024.pkcs1Pem).setup)).toBe(true);
    expect(sameDkimSetup(a, byodkim('s2', key1024.pkcs8Pem).setup)).toBe(false);
    expect(sameDkimSetup(a, byodkim('s1', key2048.pkcs8Pem).setup)).toBe(false);
    expect(sameDkimSetup({ type: 'easy_dkim', keyLength: 2048 }, { type: 'easy_dkim', keyLength: 1024 })).toBe(false);
    expect(sameDkimSetup({ type: 'easy_dkim', keyLength: 2048 }, { type: 'easy_dkim', keyLength: 2048 })).toBe(true);
  });
});

describe('revealsKey (the leak check the other tests rely on)', () => {
  it.each([
    ['PKCS#8 PEM', () => key2048.pkcs8Pem],
    ['PKCS#1 PEM', () => key2048.pkcs1Pem],
    ['PKCS#1 base64', () => key2048.pkcs1Base64],
    ['PKCS#8 base64', () => pemBody(key2048.pkcs8Pem)],
    ['PEM with CRLF', () => key2048.pkcs8Pem.replace(/\n/g, '\r\n')],
  ])('finds a key stored as %s, raw or inside JSON', (_what, form) => {
    expect(revealsKey(form(), key2048.secretPieces)).toBe(true);
    expect(revealsKey(JSON.stringify({ item: { key: form() } }), key2048.secretPieces)).toBe(true);
  });

  it('does not flag the public key, the TXT value, or another key', () => {
    expect(
      revealsKey(JSON.stringify({ p: dkimTxtValue(key2048.publicKey), pem: key1024.pkcs8Pem }), key2048.secretPieces),
    ).toBe(false);
  });
});
