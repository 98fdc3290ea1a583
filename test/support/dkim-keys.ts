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
}

export function rsaKey(bits: number): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  return {
    privateKey,
    pkcs8Pem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    pkcs1Pem: privateKey.export({ format: 'pem', type: 'pkcs1' }).toString(),
    pkcs1Base64: privateKey.export({ format: 'der', type: 'pkcs1' }).toString('base64'),
    publicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
  };
}

export function ecKeyPem(): string {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
}

export function encryptedPem(key: TestKey): string {
  return key.privateKey.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'secret' }).toString();
}

/** The PEM body without its BEGIN/END lines, joined: what the SES guide tells you to paste. */
export const pemBody = (pem: string) => pem.split('\n').filter((l) => l && !l.startsWith('-----')).join('');
