/**
 * The document's `webhooks` section (OpenAPI 3.1): the requests Krafter sends to a team's endpoints,
 * with the Standard Webhooks headers and each event's body. The example is built by the code that
 * sends the event (testEvent).
 */
import { TEST_EVENT_TYPE, testEvent } from '../src/domain/webhook-endpoint.js';
import { ref } from './json-schema.js';
import { WebhookTestEvent } from './webhook-schemas.js';

const HEADERS = [
  {
    name: 'webhook-id',
    in: 'header',
    required: true,
    description: 'The message id; the same on every retry of one message, so a receiver can drop duplicates.',
    schema: { type: 'string' },
    example: 'msg_2mT8wQm9bX4kLr7Vd1Hc',
  },
  {
    name: 'webhook-timestamp',
    in: 'header',
    required: true,
    description: 'Unix time (seconds) of this attempt. Refuse messages far from your clock to stop replays.',
    schema: { type: 'string', pattern: '^\\d+$' },
    example: '1768471200',
  },
  {
    name: 'webhook-signature',
    in: 'header',
    required: true,
    description:
      'Space-separated `v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>">` signatures, keyed with the base64-decoded part of the secret after `whsec_`. Two of them for 24 hours after a rotation (new and old secret): accept the message when any one matches.',
    schema: { type: 'string' },
    example: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
  },
];

const RESPONSES = {
  '200': { description: 'Any 2xx answer counts as delivered. Answer quickly: an attempt ends after 10 seconds.' },
  '410': { description: 'Gone: Krafter disables the endpoint and sends nothing more to it.' },
};

/** Each event type Krafter sends, as a path item of the `webhooks` section. */
export function webhookEvents(): Record<string, unknown> {
  return {
    [TEST_EVENT_TYPE]: {
      post: {
        operationId: 'webhookTestEvent',
        summary: 'Test event',
        description:
          'Sent by `POST /webhooks/{id}/test` only, at once and once: no endpoint subscribes to it, and it is not retried.',
        tags: ['Webhooks'],
        security: [],
        parameters: HEADERS,
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: ref(WebhookTestEvent),
              examples: {
                example: {
                  summary: 'A test event',
                  value: testEvent('7d2c4e1a-9b3f-4c8e-a1d5-2f6b8c0e4a97', new Date('2026-01-15T10:00:00Z')),
                },
              },
            },
          },
        },
        responses: RESPONSES,
      },
    },
  };
}
