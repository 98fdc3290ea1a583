/**
 * DKIM signing as SES sets it up: Easy DKIM tokens, or BYODKIM with a selector and a private key
 * whose public half must then be published in a TXT record.
 */
import { createPrivateKey, createPublicKey, randomInt } from 'node:crypto';
import { badRequest } from './errors.js';

/** SES's patterns for BYODKIM input (DkimSigningAttributes). */
const SELECTOR = /^(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))$/;
const BASE64 = /^[a-zA-Z0-9+/]+={0,2}$/;

export type KeyLength = 'RSA_1024_BIT' | 'RSA_2048_BIT';

/** The signing an identity asked for: Easy DKIM of a key length, or BYODKIM. */
export type Signing =
  | { readonly origin: 'AWS_SES'; readonly keyLength: KeyLength }
  | {
      readonly origin: 'EXTERNAL';
      readonly selector: string;
      readonly publicKey: string | null;
      readonly bits: number;
    };

export const dkimToken = () =>
  Array.from({ length: 32 }, () => 'abcdefghijklmnopqrstuvwxyz0123456789'[randomInt(36)]).join('');

/** Reads DkimSigningAttributes (or SigningAttributes) as SES validates them; throws BadRequestException. */
export function signingOf(attributes: Record<string, unknown>, external: boolean): Signing {
  if (external) {
    const selector = attributes.DomainSigningSelector;
    const key = attributes.DomainSigningPrivateKey;
    if (typeof selector !== 'string' || selector.length > 63 || !SELECTOR.test(selector))
      throw badRequest('Invalid DomainSigningSelector.');
    if (typeof key !== 'string' || key.length > 20480 || !BASE64.test(key))
      throw badRequest('Invalid DomainSigningPrivateKey.');
    return { origin: 'EXTERNAL', selector: selector.toLowerCase(), ...publicHalf(key) };
  }
  const length = attributes.NextSigningKeyLength ?? 'RSA_2048_BIT';
  if (length !== 'RSA_1024_BIT' && length !== 'RSA_2048_BIT')
    throw badRequest(`Invalid NextSigningKeyLength ${String(length)}.`);
  return { origin: 'AWS_SES', keyLength: length };
}

/**
 * The public half of a BYODKIM key as SES takes it: base64 DER, RSA of 1024 to 2048 bits. SES signs
 * only with PKCS#1 keys: a PKCS#8 key is accepted without error, but its DKIM never verifies (as
 * reported in awsdocs/amazon-ses-developer-guide#71), so its public half here is null.
 */
export function publicHalf(base64: string): { publicKey: string | null; bits: number } {
  const der = Buffer.from(base64, 'base64');
  let key: ReturnType<typeof createPrivateKey>;
  try {
    // OpenSSL reads either encoding whatever the type says; the structure tells them apart below.
    key = createPrivateKey({ key: der, format: 'der', type: 'pkcs1' });
  } catch {
    throw badRequest('Invalid DomainSigningPrivateKey: expected a base64-encoded RSA private key.');
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (key.asymmetricKeyType !== 'rsa' || bits < 1024 || bits > 2048)
    throw badRequest('Invalid DomainSigningPrivateKey: the key must be RSA of 1024 to 2048 bits.');
  return {
    publicKey: isPkcs1(der) ? createPublicKey(key).export({ format: 'der', type: 'spki' }).toString('base64') : null,
    bits,
  };
}

/**
 * PKCS#1 RSAPrivateKey is SEQUENCE { INTEGER version, INTEGER modulus, ... }; PKCS#8 has a SEQUENCE
 * (the algorithm) after the version. Reads the DER header only.
 */
function isPkcs1(der: Buffer): boolean {
  const lengthBytes = (der[1] ?? 0) & 0x80 ? (der[1] ?? 0) & 0x7f : 0;
  const version = 2 + lengthBytes;
  return der[0] === 0x30 && der[version] === 0x02 && der[version + 1] === 0x01 && der[version + 3] === 0x02;
}

/** Whether a DKIM TXT value publishes this public key in its p= tag. */
export const publishesKey = (txt: string, publicKey: string | null) =>
  publicKey !== null &&
  txt.split(';').some((tag) => /^\s*p\s*=/.test(tag) && tag.replace(/^\s*p\s*=/, '').replace(/\s+/g, '') === publicKey);
