/**
 * Webhook signing secrets sealed with the stack's KMS key (WEBHOOK_KMS_KEY_ID), so the table, its
 * exports and its backups never hold one in plain text. Each secret is sealed under the
 * EncryptionContext `{team, webhook}`: a sealed value copied into another endpoint's item, or
 * another team's, does not open there. What the table stores is the base64 CiphertextBlob.
 *
 * No message, log line or error here ever carries a secret.
 */
import { DecryptCommand, EncryptCommand } from '@aws-sdk/client-kms';
import * as v from 'valibot';
import type { EnvName } from '../deployment.js';
import { toServiceError } from './aws-errors.js';
import { kms } from './kms-client.js';

/** Names KMS in the 503 a throttled or failing call becomes. */
const KEY_SERVICE = 'The key service';

export interface SecretContext {
  readonly teamId: string;
  readonly webhookId: string;
}

/** A sealed secret that does not open with its key and context: the stored value is not what was sealed for it. */
export class SealedSecretError extends Error {
  override readonly name = 'SealedSecretError';
  constructor(ctx: SecretContext, options: { cause: unknown }) {
    super(`The sealed signing secret of webhook ${ctx.webhookId} (team ${ctx.teamId}) does not open`, options);
  }
}

const KEY_ENV = 'WEBHOOK_KMS_KEY_ID' satisfies EnvName;
let keyId: string | undefined;

/**
 * The key, read when first needed rather than at import: a function that imports this module but
 * never seals or opens a secret (one that lists endpoints, say) is not given the key.
 */
function webhookKeyId(): string {
  if (keyId === undefined) {
    const parsed = v.safeParse(v.pipe(v.string(), v.trim(), v.minLength(1)), process.env[KEY_ENV]);
    if (!parsed.success) throw new Error(`Invalid webhook secrets configuration: ${KEY_ENV} is not set`);
    keyId = parsed.output;
  }
  return keyId;
}

const encryptionContext = (ctx: SecretContext) => ({ team: ctx.teamId, webhook: ctx.webhookId });

/** KMS answers these when the blob, its key or its context do not match. */
const DOES_NOT_OPEN = new Set(['InvalidCiphertextException', 'IncorrectKeyException']);

/** Seals a new secret for one endpoint; the answer is what the table stores. */
export async function sealSecret(secret: string, ctx: SecretContext): Promise<string> {
  try {
    const out = await kms.send(
      new EncryptCommand({
        KeyId: webhookKeyId(),
        Plaintext: Buffer.from(secret, 'utf8'),
        EncryptionContext: encryptionContext(ctx),
      }),
    );
    if (!out.CiphertextBlob) throw new Error('KMS answered Encrypt without a CiphertextBlob');
    return Buffer.from(out.CiphertextBlob).toString('base64');
  } catch (err) {
    throw toServiceError(err, KEY_SERVICE);
  }
}

/**
 * Opened secrets are kept for a few minutes per container: a busy endpoint's deliveries then cost
 * one KMS call per container and period, not one each. The sealed value is part of the key, so a
 * rotation is seen at once; a deleted endpoint is never looked up here, the table says it is gone.
 */
const OPENED_TTL_MS = 5 * 60_000;
const OPENED_MAX = 500;
const opened = new Map<string, { secret: string; until: number }>();

/** Forgets every opened secret (tests, and callers that must see KMS answer again). */
export function forgetOpenedSecrets(): void {
  opened.clear();
}

/** Opens a sealed secret of one endpoint; a value that does not open is a SealedSecretError. */
export async function openSecret(sealed: string, ctx: SecretContext): Promise<string> {
  const cacheKey = JSON.stringify([ctx.teamId, ctx.webhookId, sealed]);
  const now = Date.now();
  const hit = opened.get(cacheKey);
  if (hit && hit.until > now) return hit.secret;
  let plaintext: Uint8Array | undefined;
  try {
    ({ Plaintext: plaintext } = await kms.send(
      new DecryptCommand({
        KeyId: webhookKeyId(),
        CiphertextBlob: Buffer.from(sealed, 'base64'),
        EncryptionContext: encryptionContext(ctx),
      }),
    ));
  } catch (err) {
    if (DOES_NOT_OPEN.has((err as { name?: string } | null)?.name ?? ''))
      throw new SealedSecretError(ctx, { cause: err });
    throw toServiceError(err, KEY_SERVICE);
  }
  if (!plaintext) throw new SealedSecretError(ctx, { cause: new Error('KMS answered Decrypt without a Plaintext') });
  const secret = Buffer.from(plaintext).toString('utf8');
  opened.delete(cacheKey);
  if (opened.size >= OPENED_MAX) opened.delete(opened.keys().next().value!);
  opened.set(cacheKey, { secret, until: now + OPENED_TTL_MS });
  return secret;
}
