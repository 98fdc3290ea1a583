/**
 * Managing a team's webhook endpoints: create (with a new signing secret, sealed with KMS before it is
 * stored), read, change, delete, and rotate the secret. Another team's endpoint, an unknown id and a
 * malformed one all answer the same 404. A secret leaves this module only in the create and rotate
 * results, which the handlers answer once and never log.
 */
import { sealSecret } from '../../adapters/webhook-secrets.js';
import type { WebhookEndpoint } from '../../adapters/webhooks-table/index.js';
import * as table from '../../adapters/webhooks-table/index.js';
import { webhooksConfig } from '../../config.js';
import { DOMAIN_EVENT_TYPES, isWebhookId, newWebhookId } from '../../domain/webhook-endpoint.js';
import { newWebhookSecret } from '../../domain/webhook-signature.js';
import { checkWebhookUrl } from '../../domain/webhook-url.js';
import { ValidationError, WebhookNotFoundError } from '../../errors.js';
import type { Caller } from '../auth.js';

const config = webhooksConfig();

/** How long the replaced secret still signs deliveries after a rotation. */
export const PREVIOUS_SECRET_VALID_MS = 24 * 3_600_000;

/** A URL the service may call; anything else is a 400 on `url` with the rule it breaks. */
function callableUrl(raw: string): string {
  const checked = checkWebhookUrl(raw, { allowLocal: config.allowLocalTargets });
  if (!checked.ok) throw new ValidationError(`url is not allowed: ${checked.reason}`, 'url');
  return raw;
}

export interface NewWebhook {
  readonly url: string;
  readonly events?: readonly string[];
  readonly description?: string | null;
}

/** The new endpoint with its secret in plain text, to be shown this once. */
export async function createWebhook(
  caller: Caller,
  input: NewWebhook,
  now = new Date(),
): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  const url = callableUrl(input.url);
  const id = newWebhookId();
  const secret = newWebhookSecret();
  const secretSealed = await sealSecret(secret, { teamId: caller.teamId, webhookId: id });
  const at = now.toISOString();
  const endpoint: WebhookEndpoint = {
    id,
    teamId: caller.teamId,
    url,
    events: [...(input.events ?? DOMAIN_EVENT_TYPES)],
    description: input.description ?? null,
    enabled: true,
    disabledReason: null,
    failingSince: null,
    createdAt: at,
    updatedAt: at,
    secretSealed,
    previousSecretSealed: null,
    previousSecretUntil: null,
  };
  await table.putWebhook(endpoint, config.maxPerTeam);
  return { endpoint, secret };
}

export async function getWebhook(caller: Caller, id: string): Promise<WebhookEndpoint> {
  if (!isWebhookId(id)) throw new WebhookNotFoundError();
  const endpoint = await table.getWebhook(caller.teamId, id);
  if (!endpoint) throw new WebhookNotFoundError();
  return endpoint;
}

/** Every endpoint of the team, oldest first (at most the team's limit, so never paged). */
export function listWebhooks(caller: Caller): Promise<WebhookEndpoint[]> {
  return table.listWebhooks(caller.teamId);
}

export interface WebhookChange {
  readonly url?: string;
  readonly events?: readonly string[];
  readonly description?: string | null;
  readonly enabled?: boolean;
}

export async function updateWebhook(caller: Caller, id: string, change: WebhookChange): Promise<WebhookEndpoint> {
  if (!isWebhookId(id)) throw new WebhookNotFoundError();
  const url = change.url === undefined ? undefined : callableUrl(change.url);
  const updated = await table.updateWebhook(caller.teamId, id, {
    ...(url !== undefined && { url }),
    ...(change.events !== undefined && { events: [...change.events] }),
    ...(change.description !== undefined && { description: change.description }),
    ...(change.enabled !== undefined && { enabled: change.enabled }),
  });
  if (!updated) throw new WebhookNotFoundError();
  return updated;
}

export async function deleteWebhook(caller: Caller, id: string): Promise<void> {
  if (!isWebhookId(id)) throw new WebhookNotFoundError();
  if (!(await table.deleteWebhook(caller.teamId, id))) throw new WebhookNotFoundError();
}

/**
 * A new secret; the current one becomes the previous one and keeps signing, beside the new one, for
 * PREVIOUS_SECRET_VALID_MS, so receivers can switch without losing a delivery.
 */
export async function rotateWebhookSecret(caller: Caller, id: string, now = new Date()): Promise<string> {
  // Read first: an unknown id costs no KMS call.
  await getWebhook(caller, id);
  const secret = newWebhookSecret();
  const sealed = await sealSecret(secret, { teamId: caller.teamId, webhookId: id });
  const until = new Date(now.getTime() + PREVIOUS_SECRET_VALID_MS).toISOString();
  const rotated = await table.rotateWebhookSecret(caller.teamId, id, sealed, until);
  if (!rotated) throw new WebhookNotFoundError();
  return secret;
}
