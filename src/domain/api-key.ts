/**
 * API key format, key ids and hash comparison.
 *
 * A key is `kr_live_<id><secret><checksum>`: a 12-character id, a 32-character secret (about 71 and
 * 190 bits of randomness) and a 6-character checksum, all base62. The checksum is the CRC-32 of
 * everything before it, so a key that was never issued is refused from its own characters without a
 * table read, and a secret scanner can confirm a match offline before raising an alarm. Keys issued
 * before the checksum are `kr_live_` + 44 base62 characters (id and secret only); the two shapes
 * differ in length, so each key is read one way only.
 *
 * The id names the key for listing and revoking; only a SHA-256 hash of the whole key is stored. A
 * fast hash is enough because the key itself carries far more entropy than any attacker can search;
 * a slow password hash would only add latency.
 */
import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';

export const KEY_PREFIX = 'kr_live_';
const ID_LENGTH = 12;
const SECRET_LENGTH = 32;
/** 62^6 is above 2^32, so every CRC-32 fits in 6 characters. */
const CHECKSUM_LENGTH = 6;
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const BODY_LENGTH = KEY_PREFIX.length + ID_LENGTH + SECRET_LENGTH;
const KEY_PATTERN = new RegExp(`^${KEY_PREFIX}[0-9A-Za-z]{${ID_LENGTH + SECRET_LENGTH + CHECKSUM_LENGTH}}$`);
const LEGACY_KEY_PATTERN = new RegExp(`^${KEY_PREFIX}[0-9A-Za-z]{${ID_LENGTH + SECRET_LENGTH}}$`);

/** Scopes are `<resource>:<action>`; this API checks `domains:manage`, other Krafter APIs their own. */
const SCOPE_PATTERN = /^[a-z][a-z_]*:[a-z][a-z_]*$/;

function randomBase62(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[randomInt(ALPHABET.length)];
  return out;
}

/**
 * The checksum that ends a key whose first 52 characters are `body`: CRC-32 (the zlib one) of the
 * body's bytes, in base62 with the most significant digit first, left-padded with `0` to 6 characters.
 */
export function keyChecksum(body: string): string {
  let n = crc32(body);
  let out = '';
  do {
    out = ALPHABET[n % 62] + out;
    n = Math.floor(n / 62);
  } while (n > 0);
  return out.padStart(CHECKSUM_LENGTH, ALPHABET[0]);
}

export interface NewKey {
  readonly keyId: string;
  readonly plaintext: string;
  readonly hash: string;
}

export function generateApiKey(): NewKey {
  const id = randomBase62(ID_LENGTH);
  const body = `${KEY_PREFIX}${id}${randomBase62(SECRET_LENGTH)}`;
  const plaintext = `${body}${keyChecksum(body)}`;
  return { keyId: `key_${id}`, plaintext, hash: hashApiKey(plaintext) };
}

export function hashApiKey(plaintext: string): string {
  return createHash('sha256').update(plaintext).digest('hex');
}

/**
 * The key id inside a key that may have been issued: one of the current shape whose checksum holds,
 * or one of the earlier shape (which has no checksum to check). Null for anything else.
 */
export function keyIdOf(plaintext: string): string | null {
  if (KEY_PATTERN.test(plaintext)) {
    if (keyChecksum(plaintext.slice(0, BODY_LENGTH)) !== plaintext.slice(BODY_LENGTH)) return null;
  } else if (!LEGACY_KEY_PATTERN.test(plaintext)) {
    return null;
  }
  return `key_${plaintext.slice(KEY_PREFIX.length, KEY_PREFIX.length + ID_LENGTH)}`;
}

export function hashMatches(plaintext: string, storedHash: string): boolean {
  const a = Buffer.from(hashApiKey(plaintext), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

export function isScope(value: string): boolean {
  return SCOPE_PATTERN.test(value);
}
