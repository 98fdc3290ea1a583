/** RSA and other keys for the DKIM tests, generated once per test file (no key material in the repo). */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';

export interface TestKey {
  readonly privateKey: KeyObject;
  /** PKCS#8 PEM, as `openssl genrsa` writes it since OpenSSL 3. */
  readonly pkcs8Pem: string;
  /** PKCS#1 PEM ("BEGIN RSA PRIVATE KEY"), as older OpenSSL writes it. */
  readonly pkcs1Pem: string;
  /** The base64 body SES takes (PKCS#1 DER). */
  readonly pkcs1Base64: string;
  /** The base64 SubjectPublicKeyInfo, as the TXT record's p= tag carries it. */
  readonly publicKey: string;
  /**
   * Pieces of the private half in both encodings (PKCS#1 and PKCS#8 bodies share no base64 text),
   * taken from the end of the key, past the public modulus: what `revealsKey` looks for.
   */
  readonly secretPieces: readonly string[];
}

export function rsaKey(bits: number): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  const bodies = (['pkcs1', 'pkcs8'] as const).map((type) =>
    privateKey.export({ format: 'der', type }).toString('base64'),
  );
  return {
    secretPieces: bodies.flatMap((b) =>
      [0.5, 0.65, 0.8, 0.95].map((at) => b.slice(Math.floor(b.length * at) - 40, Math.floor(b.length * at))),
    ),
    privateKey,
    pkcs8Pem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    pkcs1Pem: privateKey.export({ format: 'pem', type: 'pkcs1' }).toString(),
    pkcs1Base64: privateKey.export({ format: 'der', type: 'pkcs1' }).toString('base64'),
    publicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
  };
}

export function ecKeyPem(): string {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' })
    .privateKey.export({ format: 'pem', type: 'pkcs8' })
    .toString();
}

export function encryptedPem(key: TestKey): string {
  return key.privateKey
    .export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'secret' })
    .toString();
}

/** The PEM body without its BEGIN/END lines, joined: what the SES guide tells you to paste. */
export const pemBody = (pem: string) =>
  pem
    .split('\n')
    .filter((l) => l && !l.startsWith('-----'))
    .join('');

/**
 * Whether `text` (stored items, answers, log lines) holds any piece of the key's private half, in
 * any of the forms a client may send it: PEM or base64, PKCS#1 or PKCS#8, with its line breaks kept
 * raw or escaped by JSON.
 */
export function revealsKey(text: string, pieces: readonly string[]): boolean {
  const flat = text.replace(/\\[nr]|\s/g, '');
  return pieces.some((p) => flat.includes(p));
}
