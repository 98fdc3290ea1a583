/**
 * Managing a team's webhook endpoints: create (with a new signing secret, sealed with KMS before it is
 * stored), read, change, delete, and rotate the secret. Another team's endpoint, an unknown id and a
 * malformed one all answer the same 404. A secret leaves this module only in the create and rotate
 * results, which the handlers answer once and never log.
 */
import { isIP } from 'node:net';
import { sealSecret } from '../../adapters/webhook-secrets.js';
import { resolveWithDnsServers } from '../../adapters/webhook-sender.js';
import type { WebhookEndpoint } from '../../adapters/webhooks-table/index.js';
import * as table from '../../adapters/webhooks-table/index.js';
import { webhooksConfig } from '../../config.js';
import { DOMAIN_EVENT_TYPES, isWebhookId, newWebhookId } from '../../domain/webhook-endpoint.js';
import { newWebhookSecret } from '../../domain/webhook-signature.js';
import { checkWebhookUrl, forbiddenAddress, isLocalhostName } from '../../domain/webhook-url.js';
import { ValidationError, WebhookNotFoundError } from '../../errors.js';
import type { Caller } from '../auth.js';

const config = webhooksConfig();

/** How long the replaced secret still signs deliveries after a rotation. */
export const PREVIOUS_SECRET_VALID_MS = 24 * 3_600_000;

/** How long a save waits for the URL's host name to resolve. */
export const SAVE_LOOKUP_TIMEOUT_MS = 3_000;

/**
 * A URL the service may call; anything else is a 400 on `url` with the rule it breaks. A host name
 * is also resolved (through `DNS_SERVERS`, as each attempt does) and refused when any of its
 * addresses is, so a team hears of a private target when it saves it rather than from failed
 * deliveries. A name that does not resolve (no such name, no answer within the deadline) is
 * accepted: a team may save its endpoint before publishing the name, and every attempt resolves
 * and checks the name again before it connects, which is what keeps private addresses out.
 */
async function callableUrl(raw: string): Promise<string> {
  const opts = { allowLocal: config.allowLocalTargets };
  const checked = checkWebhookUrl(raw, opts);
  if (!checked.ok) throw new ValidationError(`url is not allowed: ${checked.reason}`, 'url');
  const host = checked.url.hostname.replace(/\.+$/, '');
  // Literal addresses and localhost names were judged by the URL rules already.
  if (host.startsWith('[') || isIP(host) || isLocalhostName(host)) return raw;
  for (const address of await addressesOf(host)) {
    const why = forbiddenAddress(address, opts);
    if (why !== null) {
      throw new ValidationError(
        `url is not allowed: host ${host} resolves to a refused address (${why}); webhooks are sent to public addresses only.`,
        'url',
      );
    }
  }
  return raw;
}

/** The host's addresses, or none when it has none or they do not come in time. */
async function addressesOf(host: string): Promise<readonly string[]> {
  const signal = AbortSignal.timeout(SAVE_LOOKUP_TIMEOUT_MS);
  const late = new Promise<string[]>((resolve) => signal.addEventListener('abort', () => resolve([]), { once: true }));
  return Promise.race([resolveWithDnsServers(host, signal).catch(() => []), late]);
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
  const url = await callableUrl(input.url);
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
  const url = change.url === undefined ? undefined : await callableUrl(change.url);
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
