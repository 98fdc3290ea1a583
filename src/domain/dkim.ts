/**
 * DKIM signing settings of a domain: Easy DKIM (SES makes and rotates the keys; three CNAMEs), with
 * a choice of key length, or BYODKIM (the team's own selector and RSA key; one TXT record).
 *
 * Only the public half of a BYODKIM key is kept: the private key goes to SES during the request
 * and nowhere else. Node's crypto parses the key; no AWS imports here.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { ValidationError } from '../errors.js';

export const DKIM_KEY_LENGTHS = [1024, 2048] as const;
export type DkimKeyLength = (typeof DKIM_KEY_LENGTHS)[number];

/** What SES creates when nothing is asked for: Easy DKIM with 2048-bit keys. */
const DEFAULT_KEY_LENGTH: DkimKeyLength = 2048;

/** SES accepts BYODKIM keys from 1024 to 2048 bits. */
const MIN_BYODKIM_BITS = 1024;
const MAX_BYODKIM_BITS = 2048;

/** A domain's DKIM settings as stored and shown (no secret). */
export type DkimSetup =
  | { readonly type: 'easy_dkim'; readonly keyLength: DkimKeyLength }
  | { readonly type: 'byodkim'; readonly keyLength: number; readonly selector: string; readonly publicKey: string };

/** What SES is asked to sign with: the setup plus, for BYODKIM, the private key (never stored). */
export type DkimSigning =
  | { readonly setup: Extract<DkimSetup, { type: 'easy_dkim' }> }
  | { readonly setup: Extract<DkimSetup, { type: 'byodkim' }>; readonly privateKey: string };

export const EASY_DKIM_DEFAULT: DkimSetup = { type: 'easy_dkim', keyLength: DEFAULT_KEY_LENGTH };

/** The `dkim` object of a request body, after schema validation. */
export type DkimRequest =
  | { readonly type: 'easy_dkim'; readonly key_length?: DkimKeyLength | undefined }
  | { readonly type: 'byodkim'; readonly selector: string; readonly private_key: string };

/** SES's rule for a selector: one DNS label of letters, digits and inner hyphens. */
const SELECTOR = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Checks a request's DKIM settings for `domain` and returns what to sign with. A BYODKIM key may be
 * sent as PEM (PKCS#1, or PKCS#8 as OpenSSL 3 writes it by default) or as its base64 body. SES gets
 * it as base64 PKCS#1 whatever came in: SES accepts a PKCS#8 key without error but its DKIM never
 * verifies (awsdocs/amazon-ses-developer-guide#71). The TXT record is derived from the key.
 */
export function parseDkimRequest(request: DkimRequest | undefined, domain: string): DkimSigning {
  if (request === undefined || request.type === 'easy_dkim')
    return { setup: { type: 'easy_dkim', keyLength: request?.key_length ?? DEFAULT_KEY_LENGTH } };

  const selector = request.selector.trim().toLowerCase();
  if (!SELECTOR.test(selector)) {
    throw new ValidationError(
      'dkim.selector must be one DNS label: 1-63 letters, digits or hyphens, not starting or ending with a hyphen (e.g. "krafter2026").',
      'dkim.selector',
    );
  }
  if (`${selector}._domainkey.${domain}`.length > 253) {
    throw new ValidationError(
      `dkim.selector is too long for ${domain}: ${selector}._domainkey.${domain} exceeds 253 characters.`,
      'dkim.selector',
    );
  }
  const key = readPrivateKey(request.private_key);
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_BYODKIM_BITS || bits > MAX_BYODKIM_BITS) {
    throw new ValidationError(
      `dkim.private_key is a ${bits}-bit RSA key; SES takes keys of 1024 to 2048 bits.`,
      'dkim.private_key',
    );
  }
  const publicKey = createPublicKey(key).export({ format: 'der', type: 'spki' }).toString('base64');
  return {
    setup: { type: 'byodkim', keyLength: bits, selector, publicKey },
    privateKey: key.export({ format: 'der', type: 'pkcs1' }).toString('base64'),
  };
}

const NOT_A_KEY =
  'dkim.private_key must be an unencrypted RSA private key: PEM (-----BEGIN PRIVATE KEY----- or -----BEGIN RSA PRIVATE KEY-----) or its base64 body.';

function readPrivateKey(raw: string): KeyObject {
  const text = raw.trim();
  let key: KeyObject | undefined;
  if (text.includes('-----BEGIN')) {
    if (/ENCRYPTED/.test(text))
      throw new ValidationError('dkim.private_key is encrypted; send it without a passphrase.', 'dkim.private_key');
    key = attempt(() => createPrivateKey({ key: text, format: 'pem' }));
  } else {
    const body = text.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body)) throw new ValidationError(NOT_A_KEY, 'dkim.private_key');
    const der = Buffer.from(body, 'base64');
    key =
      attempt(() => createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })) ??
      attempt(() => createPrivateKey({ key: der, format: 'der', type: 'pkcs1' }));
  }
  if (!key) throw new ValidationError(NOT_A_KEY, 'dkim.private_key');
  if (key.asymmetricKeyType !== 'rsa') {
    throw new ValidationError(
      `dkim.private_key is a key of type ${key.asymmetricKeyType ?? 'unknown'}; SES signs with RSA keys only.`,
      'dkim.private_key',
    );
  }
  return key;
}

function attempt(parse: () => KeyObject): KeyObject | undefined {
  try {
    return parse();
  } catch {
    return undefined;
  }
}

/** The TXT value that publishes a BYODKIM public key. */
export function dkimTxtValue(publicKey: string): string {
  return `v=DKIM1; k=rsa; p=${publicKey}`;
}

/** The `p=` tag of a DKIM TXT value, whitespace removed; null when there is none. */
export function publicKeyTag(txt: string): string | null {
  for (const part of txt.split(';')) {
    const m = /^\s*p\s*=(.*)$/s.exec(part);
    if (m) return m[1]!.replace(/\s+/g, '');
  }
  return null;
}

export function sameDkimSetup(a: DkimSetup, b: DkimSetup): boolean {
  if (a.type !== b.type || a.keyLength !== b.keyLength) return false;
  return a.type === 'easy_dkim' || (b.type === 'byodkim' && a.selector === b.selector && a.publicKey === b.publicKey);
}
