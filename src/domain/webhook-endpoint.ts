/**
 * Webhook endpoints as the API shows them: the event types a team can subscribe to, the shape of an
 * endpoint id, the JSON of an endpoint (never with its secret, which only the create and the rotation
 * answers carry), and the body of the test event. No AWS imports.
 */
import { randomUUID } from 'node:crypto';
import { apiTimestamp } from './time.js';

/** The domain events an endpoint can subscribe to; a new endpoint gets all of them. */
export const DOMAIN_EVENT_TYPES = [
  'domain.created',
  'domain.updated',
  'domain.status_changed',
  'domain.deleted',
] as const;
export type DomainEventType = (typeof DOMAIN_EVENT_TYPES)[number];

export function isDomainEventType(type: string): type is DomainEventType {
  return (DOMAIN_EVENT_TYPES as readonly string[]).includes(type);
}

/** Sent by `POST /webhooks/{id}/test` only; no endpoint subscribes to it. */
export const TEST_EVENT_TYPE = 'webhook.test';

/** Longest description an endpoint may carry. */
export const MAX_WEBHOOK_DESCRIPTION = 256;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function newWebhookId(): string {
  return randomUUID();
}

/** Whether `id` has the shape of an endpoint id (a UUID, lower case, as this API issues them). */
export function isWebhookId(id: string): boolean {
  return UUID.test(id);
}

/** The fields of a stored endpoint the API shows. */
export interface WebhookEndpointView {
  readonly id: string;
  readonly url: string;
  readonly events: readonly string[];
  readonly description: string | null;
  readonly enabled: boolean;
  readonly disabledReason: string | null;
  readonly failingSince: string | null;
  readonly createdAt: string;
}

export interface WebhookJson {
  id: string;
  url: string;
  events: DomainEventType[];
  description: string | null;
  enabled: boolean;
  disabled_reason: string | null;
  failing_since: string | null;
  created_at: string;
}

export function toWebhookJson(e: WebhookEndpointView): WebhookJson {
  return {
    id: e.id,
    url: e.url,
    // Only what the API accepts is ever stored; a type this code no longer knows is not shown.
    events: e.events.filter(isDomainEventType),
    description: e.description,
    enabled: e.enabled,
    disabled_reason: e.disabledReason,
    failing_since: e.failingSince === null ? null : apiTimestamp(e.failingSince),
    created_at: apiTimestamp(e.createdAt),
  };
}

export interface TestEventJson {
  type: typeof TEST_EVENT_TYPE;
  timestamp: string;
  data: { webhook_id: string };
}

/** The test event's body, in the same `{type, timestamp, data}` envelope as every event. */
export function testEvent(webhookId: string, at: Date): TestEventJson {
  return { type: TEST_EVENT_TYPE, timestamp: apiTimestamp(at), data: { webhook_id: webhookId } };
}
