/**
 * Sealing and opening webhook secrets through the real KMS client against the KMS stand-in: a
 * sealed value opens only for its own endpoint, and KMS failures become the service's errors.
 */
import { type KmsStandin, startKmsStandin } from '../../local/kms-standin.js';
import { ServiceUnavailableError } from '../../src/errors.js';

let standin: KmsStandin;
let secrets: typeof import('../../src/adapters/webhook-secrets.js');

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const ctx = { teamId: 'team-a', webhookId: 'w-1' };
const decrypts = () => standin.calls().filter((c) => c.action === 'Decrypt').length;

beforeAll(async () => {
  standin = await startKmsStandin({ region: 'eu-central-1' });
  Object.assign(process.env, {
    AWS_REGION: 'eu-central-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_KMS: standin.url,
  });
  delete process.env.WEBHOOK_KMS_KEY_ID;
  secrets = await import('../../src/adapters/webhook-secrets.js');
});
afterAll(async () => {
  (await import('../../src/adapters/kms-client.js')).kms.destroy();
  await standin.stop();
});
beforeEach(() => {
  standin.reset();
  secrets.forgetOpenedSecrets();
});

describe('webhook secrets', () => {
  it('says clearly when the key is not configured', async () => {
    await expect(secrets.sealSecret(SECRET, ctx)).rejects.toThrow('WEBHOOK_KMS_KEY_ID is not set');
    // The key is read when first needed, so it can be given now; the tests below use it.
    process.env.WEBHOOK_KMS_KEY_ID = standin.keyArn;
  });

  it('seals a secret as a base64 blob that opens only for its own endpoint', async () => {
    const sealed = await secrets.sealSecret(SECRET, ctx);
    expect(sealed).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(sealed, 'base64').toString('latin1')).not.toContain(SECRET);
    expect(await secrets.openSecret(sealed, ctx)).toBe(SECRET);

    for (const other of [
      { teamId: 'team-b', webhookId: 'w-1' },
      { teamId: 'team-a', webhookId: 'w-2' },
    ]) {
      const err = await secrets.openSecret(sealed, other).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(secrets.SealedSecretError);
      expect((err as Error).message).toBe(
        `The sealed signing secret of webhook ${other.webhookId} (team ${other.teamId}) does not open`,
      );
      expect((err as Error).cause).toMatchObject({ name: 'InvalidCiphertextException' });
    }
    await expect(secrets.openSecret('bm90IGEgYmxvYg==', ctx)).rejects.toBeInstanceOf(secrets.SealedSecretError);
  });

  it('opens a sealed value once per container and period', async () => {
    const sealed = await secrets.sealSecret(SECRET, ctx);
    const rotated = await secrets.sealSecret(`${SECRET}2`, ctx);
    expect(await secrets.openSecret(sealed, ctx)).toBe(SECRET);
    expect(await secrets.openSecret(sealed, ctx)).toBe(SECRET);
    expect(decrypts()).toBe(1);
    // Another sealed value (a rotation) or another endpoint asks KMS again.
    expect(await secrets.openSecret(rotated, ctx)).toBe(`${SECRET}2`);
    await expect(secrets.openSecret(sealed, { ...ctx, webhookId: 'w-2' })).rejects.toBeInstanceOf(
      secrets.SealedSecretError,
    );
    expect(decrypts()).toBe(3);
    secrets.forgetOpenedSecrets();
    await secrets.openSecret(sealed, ctx);
    expect(decrypts()).toBe(4);
  });

  it('turns throttling and KMS failures into the retryable 503', async () => {
    const sealed = await secrets.sealSecret(SECRET, ctx);
    // The SDK tries three times before it gives up.
    standin.throttle({ failNext: 3, failWith: 'throttle' });
    const throttled = await secrets.openSecret(sealed, ctx).catch((e: unknown) => e);
    expect(throttled).toBeInstanceOf(ServiceUnavailableError);
    expect(throttled).toMatchObject({
      status: 503,
      message: expect.stringContaining('The key service is being throttled'),
    });

    standin.throttle({ failNext: 3, failWith: 'server_error' });
    const failing = await secrets.sealSecret(SECRET, ctx).catch((e: unknown) => e);
    expect(failing).toBeInstanceOf(ServiceUnavailableError);
    expect((failing as Error).message).not.toContain(SECRET);
  });
});
