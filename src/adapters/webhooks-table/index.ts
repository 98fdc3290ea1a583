/**
 * The WebhookEndpoint entity in the table, with the team's endpoint count: one file per concern,
 * exported here together. Keys are built in table-keys.ts; nothing else builds them.
 *
 *   WebhookEndpoint  PK = TEAM#<teamId>   SK = WEBHOOK#<id>
 *   WebhookCount     PK = TEAM#<teamId>   SK = WEBHOOKCOUNT   (webhooks: how many the team has)
 *
 * The endpoint item also holds its attempt slots (`slot0`, `slot1`, …: slots.ts), which its reads ignore.
 *
 * Signing secrets are stored sealed with KMS (webhook-secrets.ts), never in plain text.
 */
export {
  clearWebhookFailing,
  disableWebhook,
  markWebhookFailing,
  rotateWebhookSecret,
  updateWebhook,
} from './changes.js';
export { deleteWebhook, putWebhook } from './counted.js';
export type { WebhookChange, WebhookEndpoint } from './item.js';
export { getWebhook, listWebhooks } from './reads.js';
export { releaseAttemptSlot, takeAttemptSlot } from './slots.js';
