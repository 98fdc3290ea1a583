/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): receivers verify our deliveries
 * with the `standardwebhooks` or `svix` packages they already use. The signed content is
 * `{id}.{timestamp}.{body}`, HMAC-SHA256 with the secret's decoded bytes; during a rotation each
 * delivery carries one signature per live secret, so a receiver holding either one accepts it.
 */
import { createHmac, randomBytes } from 'node:crypto';

export const WEBHOOK_SECRET_PREFIX = 'whsec_';
const SECRET_BYTES = 32;

/** A type, not an interface, so it passes as the sender's `Record<string, string>` headers. */
export type SignatureHeaders = {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
};

/** A new signing secret: `whsec_` + base64 of 32 random bytes. */
export function newWebhookSecret(): string {
  return WEBHOOK_SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64');
}

/** A message id, the same for every attempt and replay of one event so receivers can deduplicate. */
export function newMessageId(): string {
  return `msg_${randomBytes(16).toString('base64url')}`;
}

/** The three headers of one attempt, with a `v1,<base64>` signature per secret, space-separated. */
export function signatureHeaders(input: {
  messageId: string;
  timestampSeconds: number;
  body: string;
  secrets: readonly string[];
}): SignatureHeaders {
  if (input.secrets.length === 0) throw new Error('A webhook delivery needs at least one signing secret.');
  if (!Number.isInteger(input.timestampSeconds)) throw new Error('The webhook timestamp must be whole seconds.');
  const content = `${input.messageId}.${input.timestampSeconds}.${input.body}`;
  const signatures = input.secrets.map(
    (secret) => `v1,${createHmac('sha256', secretKey(secret)).update(content, 'utf8').digest('base64')}`,
  );
  return {
    'webhook-id': input.messageId,
    'webhook-timestamp': String(input.timestampSeconds),
    'webhook-signature': signatures.join(' '),
  };
}

/** The key bytes of a `whsec_` secret (the prefix is optional, as in the reference libraries). */
function secretKey(secret: string): Buffer {
  const encoded = secret.startsWith(WEBHOOK_SECRET_PREFIX) ? secret.slice(WEBHOOK_SECRET_PREFIX.length) : secret;
  const key = Buffer.from(encoded, 'base64');
  if (key.length === 0) throw new Error('A webhook signing secret must not be empty.');
  return key;
}
