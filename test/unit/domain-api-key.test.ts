/** API key format, key ids and hash comparison (src/domain/api-key.ts). */
import { createHash } from 'node:crypto';
import { generateApiKey, hashApiKey, hashMatches, isScope, KEY_PREFIX, keyIdOf } from '../../src/domain/api-key.js';

const FORMAT = /^kr_live_[0-9A-Za-z]{44}$/;

describe('generateApiKey', () => {
  it('has the format kr_live_ + 44 base62 characters', () => {
    expect(KEY_PREFIX).toBe('kr_live_');
    for (let i = 0; i < 50; i++) {
      const key = generateApiKey();
      expect(key.plaintext).toMatch(FORMAT);
      expect(key.plaintext).toHaveLength(52);
    }
  });

  it('carries at least 128 bits of secret beyond the public key id', () => {
    const key = generateApiKey();
    const idChars = key.keyId.length - 'key_'.length;
    const secretChars = key.plaintext.length - KEY_PREFIX.length - idChars;
    expect(secretChars * Math.log2(62)).toBeGreaterThanOrEqual(128);
  });

  it('never repeats a key or a secret, and uses the whole base62 alphabet', () => {
    const keys = Array.from({ length: 1000 }, () => generateApiKey());
    expect(new Set(keys.map((k) => k.plaintext)).size).toBe(1000);
    expect(new Set(keys.map((k) => k.keyId)).size).toBe(1000);
    const secrets = keys.map((k) => k.plaintext.slice(KEY_PREFIX.length + k.keyId.length - 'key_'.length));
    expect(new Set(secrets).size).toBe(1000);
    const seen = new Set(keys.flatMap((k) => [...k.plaintext.slice(KEY_PREFIX.length)]));
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

describe('keyIdOf', () => {
  const good = generateApiKey().plaintext;

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
    const sameIdOtherSecret = `${key.plaintext.slice(0, -1)}${key.plaintext.endsWith('a') ? 'b' : 'a'}`;
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
  it.each(['', 'domains', 'domains:', ':manage', 'Domains:Manage', 'domains:manage:all', 'domains manage', '1domains:manage'])('rejects %s', (s) =>
    expect(isScope(s)).toBe(false),
  );
});
