/** API key format, checksum, key ids and hash comparison (src/domain/api-key.ts). */
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import {
  generateApiKey,
  hashApiKey,
  hashMatches,
  isScope,
  KEY_PREFIX,
  keyChecksum,
  keyIdOf,
} from '../../src/domain/api-key.js';

const FORMAT = /^kr_live_[0-9A-Za-z]{50}$/;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * The checksum as the README describes it to secret scanners, written apart from the code under
 * test (with BigInt) so that the two cannot share a mistake.
 */
function documentedChecksum(body: string): string {
  let n = BigInt(crc32(Buffer.from(body, 'ascii')));
  let digits = '';
  while (n > 0n) {
    digits = BASE62[Number(n % 62n)] + digits;
    n /= 62n;
  }
  return digits.padStart(6, '0');
}

/** A key of the shape issued before the checksum: prefix + 12-character id + 32-character secret. */
const legacyKey = (id = 'L3gacyKey000', secret = 'S'.repeat(32)) => `${KEY_PREFIX}${id}${secret}`;

/** The same key with the character at `index` replaced by another base62 character. */
function withCharChanged(key: string, index: number, shift = 1): string {
  const replacement = BASE62[(BASE62.indexOf(key[index]!) + shift) % 62]!;
  return `${key.slice(0, index)}${replacement}${key.slice(index + 1)}`;
}

describe('generateApiKey', () => {
  it('has the format kr_live_ + 12 id, 32 secret and 6 checksum base62 characters', () => {
    expect(KEY_PREFIX).toBe('kr_live_');
    for (let i = 0; i < 50; i++) {
      const key = generateApiKey();
      expect(key.plaintext).toMatch(FORMAT);
      expect(key.plaintext).toHaveLength(58);
    }
  });

  it('ends in the CRC-32 of the rest, in base62 padded to 6 characters, as documented', () => {
    for (let i = 0; i < 200; i++) {
      const { plaintext } = generateApiKey();
      expect(plaintext.slice(52)).toBe(documentedChecksum(plaintext.slice(0, 52)));
      expect(keyIdOf(plaintext)).not.toBeNull();
    }
  });

  it('carries at least 128 bits of secret beyond the public key id', () => {
    const key = generateApiKey();
    const idChars = key.keyId.length - 'key_'.length;
    const secretChars = key.plaintext.length - KEY_PREFIX.length - idChars - 6;
    expect(secretChars * Math.log2(62)).toBeGreaterThanOrEqual(128);
  });

  it('never repeats a key or a secret, and uses the whole base62 alphabet', () => {
    const keys = Array.from({ length: 1000 }, () => generateApiKey());
    expect(new Set(keys.map((k) => k.plaintext)).size).toBe(1000);
    expect(new Set(keys.map((k) => k.keyId)).size).toBe(1000);
    const secrets = keys.map((k) => k.plaintext.slice(KEY_PREFIX.length + k.keyId.length - 'key_'.length, -6));
    expect(new Set(secrets).size).toBe(1000);
    const seen = new Set(keys.flatMap((k) => [...k.plaintext.slice(KEY_PREFIX.length, -6)]));
    expect(seen.size).toBe(62);
  });

  it('names the key by the id embedded in it', () => {
    const key = generateApiKey();
    expect(key.keyId).toMatch(/^key_[0-9A-Za-z]{12}$/);
    expect(key.plaintext.startsWith(`kr_live_${key.keyId.slice(4)}`)).toBe(true);
    expect(keyIdOf(key.plaintext)).toBe(key.keyId);
  });

  it('returns the SHA-256 hex of the whole key, never the key itself', () => {
    const key = generateApiKey();
    expect(key.hash).toBe(createHash('sha256').update(key.plaintext).digest('hex'));
    expect(key.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(key.hash).not.toContain(key.plaintext.slice(KEY_PREFIX.length));
  });
});

describe('keyChecksum', () => {
  it('is the common CRC-32 (as in zlib and PNG, check value 0xCBF43926)', () => {
    expect(crc32('123456789')).toBe(0xcbf43926);
  });

  it('agrees with the documented encoding, also where it needs leading zeros', () => {
    const bodies = Array.from({ length: 20_000 }, (_, i) => `${KEY_PREFIX}${String(i).padStart(44, '0')}`);
    // Values below 62^4 have only four base62 digits; about 1 body in 300 has one.
    const short = bodies.find((b) => crc32(b) < 62 ** 4);
    expect(short).toBeDefined();
    expect(keyChecksum(short!)).toMatch(/^00[0-9A-Za-z]{4}$/);
    for (const body of bodies.slice(0, 2000)) expect(keyChecksum(body)).toBe(documentedChecksum(body));
  });
});

describe('keyIdOf', () => {
  const good = generateApiKey().plaintext;

  it('accepts a generated key and names it by its id', () => {
    expect(keyIdOf(good)).toBe(`key_${good.slice(8, 20)}`);
  });

  it('refuses a generated key with any one character changed, anywhere after the prefix', () => {
    for (let index = KEY_PREFIX.length; index < good.length; index++) {
      for (const shift of [1, 31, 61]) {
        const changed = withCharChanged(good, index, shift);
        expect(changed).toMatch(FORMAT);
        expect(keyIdOf(changed)).toBeNull();
      }
    }
  });

  it('refuses a key whose checksum belongs to another key', () => {
    const other = generateApiKey().plaintext;
    expect(keyIdOf(`${good.slice(0, 52)}${other.slice(52)}`)).toBeNull();
  });

  it('accepts a key with a correct checksum it did not issue (only the table knows what was issued)', () => {
    const body = `${KEY_PREFIX}${'Z'.repeat(44)}`;
    expect(keyIdOf(`${body}${documentedChecksum(body)}`)).toBe('key_ZZZZZZZZZZZZ');
  });

  it('still accepts keys of the earlier shape, kr_live_ + 44 base62 characters, with their id', () => {
    expect(keyIdOf(legacyKey())).toBe('key_L3gacyKey000');
    expect(keyIdOf(legacyKey('abcdefABCDEF', `${'0123456789'.repeat(3)}zz`))).toBe('key_abcdefABCDEF');
  });

  it.each([
    ['45 characters after the prefix', `${legacyKey()}a`],
    ['49 characters after the prefix', good.slice(0, -1)],
    ['51 characters after the prefix', `${good}a`],
    ['an earlier-shape key with a hyphen', `${legacyKey().slice(0, 20)}-${legacyKey().slice(21)}`],
    ['an earlier-shape key with a test prefix', legacyKey().replace('kr_live_', 'kr_test_')],
  ])('refuses other shapes: %s', (_what, input) => {
    expect(keyIdOf(input)).toBeNull();
  });

  it.each([
    ['empty', ''],
    ['prefix only', 'kr_live_'],
    ['the spec example (too short)', 'kr_live_abc123def456'],
    ['one character short', good.slice(0, -1)],
    ['one character long', `${good}a`],
    ['test prefix', good.replace('kr_live_', 'kr_test_')],
    ['upper-case prefix', good.replace('kr_live_', 'KR_LIVE_')],
    ['no prefix', good.slice(KEY_PREFIX.length)],
    ['a hyphen inside', `${good.slice(0, 20)}-${good.slice(21)}`],
    ['an underscore inside', `${good.slice(0, 20)}_${good.slice(21)}`],
    ['a non-ASCII letter inside', `${good.slice(0, 20)}ü${good.slice(21)}`],
    ['leading space', ` ${good}`],
    ['trailing newline', `${good}\n`],
    ['Bearer prefix included', `Bearer ${good}`],
  ])('rejects %s', (_what, input) => {
    expect(keyIdOf(input)).toBeNull();
  });
});

describe('hashMatches', () => {
  const key = generateApiKey();

  it('matches the key it was made from', () => {
    expect(hashMatches(key.plaintext, key.hash)).toBe(true);
    expect(hashMatches(key.plaintext, hashApiKey(key.plaintext))).toBe(true);
  });

  it('does not match another key, even one with the same id', () => {
    const other = generateApiKey();
    expect(hashMatches(other.plaintext, key.hash)).toBe(false);
    const body = withCharChanged(key.plaintext.slice(0, 52), 51);
    const sameIdOtherSecret = `${body}${keyChecksum(body)}`;
    expect(keyIdOf(sameIdOtherSecret)).toBe(key.keyId);
    expect(hashMatches(sameIdOtherSecret, key.hash)).toBe(false);
  });

  it('is false, without throwing, for a malformed stored hash', () => {
    for (const stored of ['', 'abc', key.hash.slice(0, 62), `${key.hash}00`, 'z'.repeat(64), key.plaintext]) {
      expect(hashMatches(key.plaintext, stored)).toBe(false);
    }
  });
});

describe('isScope', () => {
  it.each(['domains:manage', 'domains:read', 'api_keys:create'])('accepts %s', (s) => expect(isScope(s)).toBe(true));
  it.each([
    '',
    'domains',
    'domains:',
    ':manage',
    'Domains:Manage',
    'domains:manage:all',
    'domains manage',
    '1domains:manage',
  ])('rejects %s', (s) => expect(isScope(s)).toBe(false));
});
