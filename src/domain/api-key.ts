/**
 * API key format: `kr_live_<id><secret>` where `<id>` is 12 and `<secret>` 32 base62 characters
 * (about 71 and 190 bits of randomness). The id names the key for listing and revoking; only a
 * SHA-256 hash of the whole key is stored. A fast hash is enough because the key itself carries far
 * more entropy than any attacker can search; a slow password hash would only add latency.
 */
import { createHash, randomInt, timingSafeEqual } from 'node:crypto';

export const KEY_PREFIX = 'kr_live_';
const ID_LENGTH = 12;
const SECRET_LENGTH = 32;
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const KEY_PATTERN = new RegExp(`^${KEY_PREFIX}[0-9A-Za-z]{${ID_LENGTH + SECRET_LENGTH}}$`);

/** Scopes are `<resource>:<action>`; this API checks `domains:manage`, other Krafter APIs their own. */
const SCOPE_PATTERN = /^[a-z][a-z_]*:[a-z][a-z_]*$/;

function randomBase62(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALPHABET[randomInt(ALPHABET.length)];
  return out;
}

export interface NewKey {
  readonly keyId: string;
  readonly plaintext: string;
  readonly hash: string;
}

export function generateApiKey(): NewKey {
  const id = randomBase62(ID_LENGTH);
  const plaintext = `${KEY_PREFIX}${id}${randomBase62(SECRET_LENGTH)}`;
  return { keyId: `key_${id}`, plaintext, hash: hashApiKey(plaintext) };
}

export function hashApiKey(plaintext: string): string {
  return createHash('sha256').update(plaintext).digest('hex');
}

/** The key id inside a well-formed key, or null for anything that is not one. */
export function keyIdOf(plaintext: string): string | null {
  if (!KEY_PATTERN.test(plaintext)) return null;
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
