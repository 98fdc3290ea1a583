/**
 * The KMS stand-in, driven by the real KMS SDK client: what it seals opens only with the same key
 * and EncryptionContext, and its errors reach the client as KMS's own exceptions.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DecryptCommand,
  EncryptCommand,
  IncorrectKeyException,
  InvalidCiphertextException,
  KMSClient,
  NotFoundException,
} from '@aws-sdk/client-kms';
import { type KmsStandin, startKmsStandin } from '../../local/kms-standin.js';

const REGION = 'eu-central-1';
let standin: KmsStandin;
let kms: KMSClient;

const client = (url: string) =>
  new KMSClient({
    endpoint: url,
    region: REGION,
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
    maxAttempts: 1,
  });

beforeAll(async () => {
  standin = await startKmsStandin({ region: REGION });
  kms = client(standin.url);
});
afterAll(async () => {
  kms.destroy();
  await standin.stop();
});
beforeEach(() => standin.reset());

const text = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? []).toString('utf8');
const context = { team: 'team-a', webhook: 'w-1' };

async function encrypt(plaintext: string, keyId = standin.keyId, ctx: Record<string, string> = context) {
  const out = await kms.send(
    new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from(plaintext), EncryptionContext: ctx }),
  );
  return out;
}

describe('KMS stand-in', () => {
  it('encrypts and decrypts with the key id or its ARN, answering the ARN', async () => {
    expect(standin.keyArn).toBe(`arn:aws:kms:${REGION}:000000000000:key/${standin.keyId}`);
    const sealed = await encrypt('whsec_abc');
    expect(sealed.KeyId).toBe(standin.keyArn);
    expect(text(sealed.CiphertextBlob)).not.toContain('whsec_abc');

    const opened = await kms.send(
      new DecryptCommand({ CiphertextBlob: sealed.CiphertextBlob, EncryptionContext: context, KeyId: standin.keyArn }),
    );
    expect(text(opened.Plaintext)).toBe('whsec_abc');
    expect(opened.KeyId).toBe(standin.keyArn);
    // Without KeyId the blob names its key; the context's order does not matter.
    const again = await kms.send(
      new DecryptCommand({
        CiphertextBlob: sealed.CiphertextBlob,
        EncryptionContext: { webhook: 'w-1', team: 'team-a' },
      }),
    );
    expect(text(again.Plaintext)).toBe('whsec_abc');
    expect(standin.calls().map((c) => [c.action, c.status])).toEqual([
      ['Encrypt', 200],
      ['Decrypt', 200],
      ['Decrypt', 200],
    ]);
  });

  it('seals the same plaintext differently each time', async () => {
    const [a, b] = await Promise.all([encrypt('same'), encrypt('same')]);
    expect(Buffer.from(a.CiphertextBlob!).equals(Buffer.from(b.CiphertextBlob!))).toBe(false);
  });

  it('refuses a blob under another context, a changed blob and a missing context', async () => {
    const { CiphertextBlob } = await encrypt('whsec_abc');
    const decrypt = (blob: Uint8Array, ctx?: Record<string, string>) =>
      kms.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: ctx }));

    await expect(decrypt(CiphertextBlob!, { team: 'team-b', webhook: 'w-1' })).rejects.toBeInstanceOf(
      InvalidCiphertextException,
    );
    await expect(decrypt(CiphertextBlob!, { ...context, extra: 'x' })).rejects.toBeInstanceOf(
      InvalidCiphertextException,
    );
    await expect(decrypt(CiphertextBlob!)).rejects.toBeInstanceOf(InvalidCiphertextException);
    const changed = Buffer.from(CiphertextBlob!);
    changed[changed.length - 1]! ^= 1;
    await expect(decrypt(changed, context)).rejects.toBeInstanceOf(InvalidCiphertextException);
    await expect(decrypt(Buffer.from('not a blob'), context)).rejects.toBeInstanceOf(InvalidCiphertextException);
    expect(standin.calls().map((c) => c.error)).toEqual([undefined, ...Array(5).fill('InvalidCiphertextException')]);
  });

  it('binds a blob to its key', async () => {
    const other = standin.createKey();
    const { CiphertextBlob } = await encrypt('whsec_abc', other.keyArn);
    await expect(
      kms.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: context, KeyId: standin.keyId })),
    ).rejects.toBeInstanceOf(IncorrectKeyException);
    const opened = await kms.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: context }));
    expect(opened.KeyId).toBe(other.keyArn);
  });

  it('answers NotFoundException for an unknown key', async () => {
    await expect(encrypt('x', '5f0c2b36-0000-4000-8000-000000000000')).rejects.toBeInstanceOf(NotFoundException);
    await expect(encrypt('x', `arn:aws:kms:us-west-2:000000000000:key/${standin.keyId}`)).rejects.toBeInstanceOf(
      NotFoundException,
    );
  });

  it('injects throttling and server errors, and counts calls over HTTP', async () => {
    standin.throttle({ failNext: 1, failWith: 'throttle' });
    await expect(encrypt('x')).rejects.toMatchObject({
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 400 },
    });
    await fetch(`${standin.url}/_standin/throttle`, {
      method: 'POST',
      body: JSON.stringify({ failNext: 1, failWith: 'server_error' }),
    });
    await expect(encrypt('x')).rejects.toMatchObject({ name: 'KMSInternalException', $fault: 'server' });
    await encrypt('x');
    const { calls } = (await (await fetch(`${standin.url}/_standin/calls`)).json()) as { calls: { status: number }[] };
    expect(calls.map((c) => c.status)).toEqual([400, 500, 200]);
  });

  it('keeps its keys in the data file across restarts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kms-standin-'));
    try {
      const dataFile = join(dir, 'kms-keys.json');
      const first = await startKmsStandin({ region: REGION, dataFile });
      const firstClient = client(first.url);
      const { CiphertextBlob } = await firstClient.send(
        new EncryptCommand({ KeyId: first.keyId, Plaintext: Buffer.from('kept'), EncryptionContext: context }),
      );
      firstClient.destroy();
      await first.stop();
      expect(statSync(dataFile).mode & 0o777).toBe(0o600);

      const second = await startKmsStandin({ region: REGION, dataFile });
      const secondClient = client(second.url);
      expect(second.keyId).toBe(first.keyId);
      const opened = await secondClient.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: context }));
      expect(text(opened.Plaintext)).toBe('kept');
      secondClient.destroy();
      await second.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
