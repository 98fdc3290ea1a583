/**
 * Response schemas of the webhook endpoint routes, and the payload of the events sent to endpoints
 * (the document's `webhooks` section). Handlers build answers with `toWebhookJson`, the test event
 * with `testEvent` and the domain events in src/domain/domain-events.ts; the type checks at the
 * bottom keep those and these schemas in step.
 */
import * as v from 'valibot';
import type { DomainEventBody, DomainEventData as DomainEventDataJson } from '../src/domain/domain-events.js';
import type { CheckedStatus } from '../src/domain/verification.js';
import {
  DOMAIN_EVENT_TYPES,
  type DomainEventType,
  TEST_EVENT_TYPE,
  type TestEventJson,
  type WebhookJson,
} from '../src/domain/webhook-endpoint.js';
import { DomainDetail } from './schemas.js';

export const WebhookId = v.pipe(
  v.string(),
  v.uuid(),
  v.description('The webhook endpoint id (a UUID), assigned by Krafter.'),
);

const Timestamp = v.pipe(v.string(), v.isoTimestamp());

export const WebhookEventType = v.pipe(
  v.picklist(DOMAIN_EVENT_TYPES),
  v.description('A domain event type an endpoint can subscribe to.'),
);

const webhookEntries = {
  id: WebhookId,
  url: v.pipe(v.string(), v.description('Where events are POSTed.')),
  events: v.pipe(v.array(WebhookEventType), v.description('The event types sent to this endpoint.')),
  description: v.pipe(v.nullable(v.string()), v.description('Your own note; null when none was given.')),
  enabled: v.pipe(
    v.boolean(),
    v.description('Whether events are sent to the endpoint. `POST /webhooks/{id}/test` sends even when false.'),
  ),
  disabled_reason: v.pipe(
    v.nullable(v.string()),
    v.description(
      'Why Krafter disabled the endpoint (e.g. `gone` after a 410 answer); null when enabled or disabled by you. Enabling it again clears it.',
    ),
  ),
  failing_since: v.pipe(
    v.nullable(Timestamp),
    v.description('Since when deliveries to the endpoint have kept failing; null while they succeed.'),
  ),
  created_at: v.pipe(Timestamp, v.description('When the endpoint was added.')),
};

const WebhookSecret = v.pipe(
  v.string(),
  v.regex(/^whsec_[A-Za-z0-9+/]+=*$/),
  v.description(
    'The signing secret (`whsec_` and the base64 of 32 random bytes). It is shown here only: store it now. Verify deliveries with it using any Standard Webhooks library.',
  ),
);

export const Webhook = v.pipe(v.strictObject(webhookEntries), v.description('A webhook endpoint, without its secret.'));
export const WebhookCreated = v.pipe(
  v.strictObject({ ...webhookEntries, secret: WebhookSecret }),
  v.description('The new webhook endpoint with its signing secret, shown this once.'),
);

export const WebhookResponse = v.pipe(v.strictObject({ data: Webhook }), v.description('One webhook endpoint.'));
export const WebhookCreatedResponse = v.pipe(
  v.strictObject({ data: WebhookCreated }),
  v.description('The new webhook endpoint and its secret.'),
);
export const WebhookListResponse = v.pipe(
  v.strictObject({ data: v.array(Webhook) }),
  v.description("The team's webhook endpoints, oldest first."),
);
export const WebhookSecretResponse = v.pipe(
  v.strictObject({ data: v.strictObject({ secret: WebhookSecret }) }),
  v.description('The new signing secret.'),
);
export const WebhookDeletedResponse = v.pipe(
  v.strictObject({ data: v.strictObject({ deleted: v.literal(true) }) }),
  v.description('Confirms the endpoint was deleted.'),
);
export const WebhookTestResponse = v.pipe(
  v.strictObject({
    data: v.strictObject({
      delivered: v.pipe(v.boolean(), v.description('Whether the endpoint answered 2xx.')),
      status_code: v.pipe(
        v.nullable(v.pipe(v.number(), v.integer())),
        v.description('The HTTP status the endpoint answered; null when no answer came.'),
      ),
      duration_ms: v.pipe(v.number(), v.integer(), v.minValue(0), v.description('How long the attempt took.')),
      error: v.pipe(
        v.nullable(v.string()),
        v.description(
          'Why the event was not delivered (refused address, DNS failure, timeout, redirect, non-2xx answer); null when it was.',
        ),
      ),
    }),
  }),
  v.description('What happened to the test event. The event is not retried.'),
);

export const WebhookTestEvent = v.pipe(
  v.strictObject({
    type: v.literal(TEST_EVENT_TYPE),
    timestamp: v.pipe(Timestamp, v.description('When the event was sent.')),
    data: v.strictObject({ webhook_id: WebhookId }),
  }),
  v.description('The body of a `webhook.test` event.'),
);

const sequence = v.pipe(
  v.number(),
  v.integer(),
  v.minValue(1),
  v.description(
    "The domain's event counter: 1 for its first event, one more with each event after it. A retry can bring an older event after a newer one: ignore an event whose `sequence` is not above the last one you handled for this domain.",
  ),
);

// The domain's own fields are those of `Domain` (GET /domains/{id}), taken from its schema: a JSON
// Schema reference cannot add fields to a schema that refuses unknown ones.
export const DomainEventData = v.pipe(
  v.strictObject({ ...DomainDetail.entries, sequence }),
  v.description('The domain as `GET /domains/{id}` shows it at the moment of the event, and its `sequence`.'),
);

export const DomainStatusChangedData = v.pipe(
  v.strictObject({
    ...DomainDetail.entries,
    sequence,
    previous_status: v.pipe(
      v.picklist(['pending', 'verified', 'failed'] as const satisfies readonly CheckedStatus[]),
      v.description(
        'The status the domain had before this change, as you saw it: never `verifying`, which is transient (a check that ends where it began sends no event).',
      ),
    ),
  }),
  v.description(
    'The domain as `GET /domains/{id}` shows it right after the status change, its `sequence`, and the status before.',
  ),
);

function domainEventBody<T extends DomainEventType>(
  type: T,
  data: typeof DomainEventData | typeof DomainStatusChangedData,
  what: string,
) {
  return v.pipe(
    v.strictObject({
      type: v.literal(type),
      timestamp: v.pipe(Timestamp, v.description('When the change was made.')),
      data,
    }),
    v.description(`The body of a \`${type}\` event: ${what}`),
  );
}

export const DomainCreatedEvent = domainEventBody(
  'domain.created',
  DomainEventData,
  'a domain was added (sent once its DNS records are ready).',
);
export const DomainUpdatedEvent = domainEventBody(
  'domain.updated',
  DomainEventData,
  "a domain's settings were changed (`PATCH /domains/{id}`).",
);
export const DomainStatusChangedEvent = domainEventBody(
  'domain.status_changed',
  DomainStatusChangedData,
  "a domain's verification status changed.",
);
export const DomainDeletedEvent = domainEventBody(
  'domain.deleted',
  DomainEventData,
  'a domain was deleted, or released after it was never verified in time; `data` is the domain as it was last shown.',
);

/** The schema of each domain event's body, by its type. */
export const DOMAIN_EVENT_BODIES = {
  'domain.created': DomainCreatedEvent,
  'domain.updated': DomainUpdatedEvent,
  'domain.status_changed': DomainStatusChangedEvent,
  'domain.deleted': DomainDeletedEvent,
} as const satisfies Record<DomainEventType, v.GenericSchema>;

type Holds<T extends true> = T;
type Fits<A, B> = [A] extends [B] ? true : false;
type SameKeys<A, B> = Fits<keyof A, keyof B> extends true ? Fits<keyof B, keyof A> : false;
export type WebhookSchemaChecks = [
  Holds<Fits<WebhookJson, v.InferInput<typeof Webhook>>>,
  Holds<SameKeys<WebhookJson, v.InferInput<typeof Webhook>>>,
  Holds<Fits<TestEventJson, v.InferInput<typeof WebhookTestEvent>>>,
  Holds<Fits<Omit<DomainEventDataJson, 'previous_status'>, v.InferInput<typeof DomainEventData>>>,
  Holds<SameKeys<Omit<DomainEventDataJson, 'previous_status'>, v.InferInput<typeof DomainEventData>>>,
  // The builder's previous status is the one before a check, never `verifying` (statusBeforeCheck).
  Holds<
    Fits<
      Omit<DomainEventDataJson, 'previous_status'> & { previous_status: CheckedStatus },
      v.InferInput<typeof DomainStatusChangedData>
    >
  >,
  Holds<SameKeys<DomainEventDataJson, v.InferInput<typeof DomainStatusChangedData>>>,
  Holds<Fits<DomainEventBody['type'], keyof typeof DOMAIN_EVENT_BODIES>>,
];
