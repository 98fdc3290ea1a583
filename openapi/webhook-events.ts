/**
 * The document's `webhooks` section (OpenAPI 3.1): the requests Krafter sends to a team's endpoints,
 * with the Standard Webhooks headers, each event's body and the answers Krafter expects. The
 * examples are built by the code that sends the events (domain-events.ts, testEvent).
 */
import {
  DOMAIN_EVENT_TYPES,
  type DomainEventType,
  TEST_EVENT_TYPE,
  testEvent,
} from '../src/domain/webhook-endpoint.js';
import { DEFAULT_RETRY_SCHEDULE_SECONDS } from '../src/domain/webhook-retry.js';
import type { Examples } from './examples.js';
import { ref } from './json-schema.js';
import { domainEventExamples } from './webhook-examples.js';
import { DOMAIN_EVENT_BODIES, WebhookTestEvent } from './webhook-schemas.js';

const HEADERS = [
  {
    name: 'webhook-id',
    in: 'header',
    required: true,
    description:
      'The message id (`msg_` and letters and digits): the same on every retry and every replay of one message, so a receiver can drop duplicates.',
    schema: { type: 'string' },
    example: 'msg_2mT8wQm9bX4kLr7Vd1Hc',
  },
  {
    name: 'webhook-timestamp',
    in: 'header',
    required: true,
    description:
      'Unix time (seconds) of this attempt: a retry or a replay carries its own. Refuse messages far from your clock to stop replays by others.',
    schema: { type: 'string', pattern: '^\\d+$' },
    example: '1768471200',
  },
  {
    name: 'webhook-signature',
    in: 'header',
    required: true,
    description:
      'Space-separated `v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>">` signatures, keyed with the base64-decoded part of the secret after `whsec_`. Two of them for 24 hours after a rotation (new and old secret): accept the message when any one matches. The `standardwebhooks` and `svix` packages verify all of this.',
    schema: { type: 'string', pattern: '^v1,[A-Za-z0-9+/]+=*( v1,[A-Za-z0-9+/]+=*)*$' },
    example: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
  },
];

const RETRY_AFTER = {
  'Retry-After': {
    description:
      'Seconds, or an HTTP date. When it asks for longer than the next retry of the schedule, the retry waits for it (a day at most).',
    schema: { type: 'string' },
  },
};

const duration = (seconds: number) =>
  seconds < 60 ? `${seconds} s` : seconds < 3600 ? `${seconds / 60} min` : `${seconds / 3600} h`;
const SCHEDULE = DEFAULT_RETRY_SCHEDULE_SECONDS.map(duration).join(', ');

const DOMAIN_EVENT_RESPONSES = {
  '2XX': {
    description: 'Delivered. Answer quickly and do the work afterwards: an attempt ends after 10 seconds.',
  },
  '3XX': { description: 'A failure: redirects are not followed. Retried like any failure.' },
  '410': {
    description:
      'Gone: Krafter disables the endpoint at once (`disabled_reason: "gone"`) and sends nothing more to it.',
  },
  '429': { description: 'A failure, retried; a `Retry-After` is honoured.', headers: RETRY_AFTER },
  '503': { description: 'A failure, retried; a `Retry-After` is honoured.', headers: RETRY_AFTER },
  default: {
    description: `Any other answer, no answer within 10 seconds, or no connection: the attempt failed. It is retried under the same \`webhook-id\` after ${SCHEDULE} (each ±10 %), then the delivery is \`failed\`; \`POST /webhooks/{id}/deliveries/{delivery_id}/replay\` sends it again. An endpoint with no successful delivery for 5 days while deliveries kept failing is disabled.`,
  },
};

const TEST_EVENT_RESPONSES = {
  '2XX': { description: 'Delivered: the test answers `delivered: true`.' },
  default: {
    description:
      'Anything else (a redirect, another status, no answer within 10 seconds) is reported in the answer of `POST /webhooks/{id}/test`. The test event is never retried, and its answer never disables the endpoint.',
  },
};

interface EventText {
  readonly operationId: string;
  readonly summary: string;
  readonly description: string;
}

const DOMAIN_EVENT_TEXT: Record<DomainEventType, EventText> = {
  'domain.created': {
    operationId: 'domainCreatedEvent',
    summary: 'Domain created',
    description: 'A domain was added, and its DNS records are ready to publish. Its first event (`sequence` 1).',
  },
  'domain.updated': {
    operationId: 'domainUpdatedEvent',
    summary: 'Domain updated',
    description: "A domain's settings were changed with `PATCH /domains/{id}`; `data` shows the new ones.",
  },
  'domain.status_changed': {
    operationId: 'domainStatusChangedEvent',
    summary: 'Domain status changed',
    description:
      "A domain's verification status changed; `previous_status` says from what. A verify request whose check ends in the status the domain had before sends nothing, and `verifying` is never reported.",
  },
  'domain.deleted': {
    operationId: 'domainDeletedEvent',
    summary: 'Domain deleted',
    description:
      'A domain was deleted, or released because it was never verified in time. Its last event; `data` is the domain as it was last shown.',
  },
};

const EVENT_DELIVERY = `Sent to every enabled endpoint subscribed to this type. Events of one domain carry a growing \`data.sequence\`: retries can bring them out of order, so ignore one older than the last you handled.`;

function eventItem(
  text: EventText,
  schema: Parameters<typeof ref>[0],
  examples: Examples,
  responses: Record<string, unknown>,
) {
  return {
    post: {
      ...text,
      tags: ['Webhooks'],
      security: [],
      parameters: HEADERS,
      requestBody: { required: true, content: { 'application/json': { schema: ref(schema), examples } } },
      responses,
    },
  };
}

/** Each event type Krafter sends, as a path item of the `webhooks` section. */
export function webhookEvents(): Record<string, unknown> {
  const examples = domainEventExamples();
  return {
    ...Object.fromEntries(
      DOMAIN_EVENT_TYPES.map((type) => [
        type,
        eventItem(
          { ...DOMAIN_EVENT_TEXT[type], description: `${DOMAIN_EVENT_TEXT[type].description}\n\n${EVENT_DELIVERY}` },
          DOMAIN_EVENT_BODIES[type],
          examples[type],
          DOMAIN_EVENT_RESPONSES,
        ),
      ]),
    ),
    [TEST_EVENT_TYPE]: eventItem(
      {
        operationId: 'webhookTestEvent',
        summary: 'Test event',
        description:
          'Sent by `POST /webhooks/{id}/test` only, at once and once, even to a disabled endpoint: no endpoint subscribes to it.',
      },
      WebhookTestEvent,
      {
        example: {
          summary: 'A test event',
          value: testEvent('7d2c4e1a-9b3f-4c8e-a1d5-2f6b8c0e4a97', new Date('2026-01-15T10:00:00Z')),
        },
      },
      TEST_EVENT_RESPONSES,
    ),
  };
}
