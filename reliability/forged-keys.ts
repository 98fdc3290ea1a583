/**
 * API keys that were never issued, in the shapes an attacker (or a scanner, or a typo) sends: the
 * current shape with a checksum that fails (refused from its own characters), the current shape with
 * a checksum that holds (a well-formed key whose id the table does not know), the earlier shape
 * without a checksum, and random garbage. Built from the documented format (src/domain/api-key.ts).
 */
import { randomInt } from 'node:crypto';
import { KEY_PREFIX, keyChecksum } from '../src/domain/api-key.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const base62 = (n: number) => Array.from({ length: n }, () => BASE62[randomInt(62)]).join('');

/** Id (12) and secret (32) of a key body, the part the checksum covers after the prefix. */
const body = () => `${KEY_PREFIX}${base62(44)}`;

/** Current shape, checksum that holds: passes the format check, so its id is looked up. */
export function wellFormedUnknownKey(): string {
  const b = body();
  return `${b}${keyChecksum(b)}`;
}

/** Current shape (58 characters after the prefix) whose checksum does not hold: refused unread. */
export function badChecksumKey(): string {
  const b = body();
  const good = keyChecksum(b);
  let bad = base62(6);
  while (bad === good) bad = base62(6);
  return `${b}${bad}`;
}

/** The shape keys had before the checksum (44 characters): cannot be refused unread. */
export function legacyShapeUnknownKey(): string {
  return body();
}

/** Anything but a key: random lengths, alphabets and prefixes. */
export function garbageKey(): string {
  const shapes = [
    () => base62(randomInt(1, 80)),
    () => `${KEY_PREFIX}${base62(randomInt(0, 70))}`,
    () => `kr_test_${base62(58)}`,
    () => `${KEY_PREFIX}${base62(50)}-${base62(7)}`,
    () => Buffer.from(base62(40)).toString('base64'),
    () => `${KEY_PREFIX.toUpperCase()}${base62(58)}`,
  ];
  let k = shapes[randomInt(shapes.length)]!();
  // A random 44- or 58-character tail could happen to have a valid shape; garbage must not.
  while (/^kr_live_[0-9A-Za-z]{44}(?:[0-9A-Za-z]{14})?$/.test(k)) k = garbageKey();
  return k;
}

/** The key id the table would be asked for (`key_` + the 12 characters after the prefix). */
export const keyIdIn = (key: string) => `key_${key.slice(KEY_PREFIX.length, KEY_PREFIX.length + 12)}`;
