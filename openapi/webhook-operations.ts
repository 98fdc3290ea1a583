/** The text of each webhook endpoint operation (see operations.ts, which combines them with the rest). */
import type { ErrorCode } from '../src/error-codes.js';
import { ValidationError } from '../src/errors.js';
import { CreateWebhookBody, UpdateWebhookBody } from '../src/http/webhook-schemas.js';
import { EXAMPLE_WEBHOOK_SECRET, exampleWebhook } from './examples.js';
import type { Operation } from './operations.js';
import {
  WebhookCreatedResponse,
  WebhookDeletedResponse,
  WebhookListResponse,
  WebhookResponse,
  WebhookSecretResponse,
  WebhookTestResponse,
} from './webhook-schemas.js';

const BODY_ERRORS: readonly ErrorCode[] = [
  'validation_error',
  'invalid_json',
  'payload_too_large',
  'unsupported_media_type',
];
const SERVER_ERRORS: readonly ErrorCode[] = ['internal_error', 'service_unavailable'];

const SIGNING = [
  'Every event is sent as a POST in the [Standard Webhooks](https://www.standardwebhooks.com/) format: headers `webhook-id` (the message id), `webhook-timestamp` (Unix seconds of the attempt) and `webhook-signature` (`v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">` with the secret), and a JSON body `{"type", "timestamp", "data"}`. Verify with the `standardwebhooks` or `svix` library and the endpoint\'s `whsec_...` secret.',
].join('\n\n');

const URL_REFUSED = new ValidationError(
  'url is not allowed: the address 10.0.0.7 is private and cannot be called.',
  'url',
);

export const WEBHOOK_OPERATIONS = {
  'create-webhook': {
    operationId: 'createWebhook',
    tag: 'Webhooks',
    summary: 'Add Webhook Endpoint',
    description: [
      'Adds an HTTPS endpoint of yours that Krafter sends events to. `events` chooses the event types (every domain event type when left out).',
      "The answer carries the endpoint's signing `secret`: it is shown here and on rotation only, never again. Store it to verify deliveries.",
      'The URL must be `https`, at most 2048 characters, without a user name or password, and its host may not be (in any notation) a private, loopback, link-local, shared, unique-local, multicast or unspecified address, nor `localhost`: such a URL answers 400 `validation_error` with `field: "url"`. A team may have a limited number of endpoints (10 by default); past it, 403 `webhook_limit_reached`.',
      SIGNING,
    ].join('\n\n'),
    requestBody: {
      schema: CreateWebhookBody,
      examples: {
        example: {
          summary: 'Every domain event',
          value: { url: 'https://hooks.example.com/krafter', description: 'Production receiver' },
        },
        statusOnly: {
          summary: 'Status changes only',
          value: { url: 'https://hooks.example.com/krafter/status', events: ['domain.status_changed'] },
        },
      },
    },
    success: {
      status: 201,
      description: 'Created: the endpoint, enabled, with its signing secret (shown this once).',
      schema: WebhookCreatedResponse,
      examples: {
        example: {
          summary: 'A new endpoint',
          value: { data: { ...exampleWebhook(), secret: EXAMPLE_WEBHOOK_SECRET } },
        },
      },
    },
    errors: [...BODY_ERRORS, 'webhook_limit_reached', ...SERVER_ERRORS],
    errorExamples: { validation_error: URL_REFUSED },
  },
  'list-webhooks': {
    operationId: 'listWebhooks',
    tag: 'Webhooks',
    summary: 'List Webhook Endpoints',
    description: 'Returns every webhook endpoint of the authenticated team, oldest first, without their secrets.',
    success: {
      status: 200,
      description: "OK: the team's endpoints.",
      schema: WebhookListResponse,
      examples: { example: { summary: 'One endpoint', value: { data: [exampleWebhook()] } } },
    },
    errors: [...SERVER_ERRORS],
  },
  'get-webhook': {
    operationId: 'getWebhook',
    tag: 'Webhooks',
    summary: 'Get Webhook Endpoint',
    description: 'Returns one webhook endpoint by ID, without its secret.',
    success: {
      status: 200,
      description: 'OK: the endpoint.',
      schema: WebhookResponse,
      examples: {
        example: { summary: 'An enabled endpoint', value: { data: exampleWebhook() } },
        gone: {
          summary: 'Disabled by Krafter after the endpoint answered 410 Gone',
          value: { data: exampleWebhook({ enabled: false, disabledReason: 'gone' }) },
        },
      },
    },
    errors: ['webhook_not_found', ...SERVER_ERRORS],
  },
  'update-webhook': {
    operationId: 'updateWebhook',
    tag: 'Webhooks',
    summary: 'Update Webhook Endpoint',
    description: [
      'Changes any of `url`, `events`, `description` and `enabled`; at least one. A new URL follows the same rules as on create.',
      '`enabled: false` stops deliveries to the endpoint; `enabled: true` resumes them and clears `disabled_reason`.',
    ].join('\n\n'),
    requestBody: {
      schema: UpdateWebhookBody,
      examples: {
        example: { summary: 'Pause deliveries', value: { enabled: false } },
        events: { summary: 'Change the event types', value: { events: ['domain.status_changed', 'domain.deleted'] } },
      },
    },
    success: {
      status: 200,
      description: 'OK: the endpoint as it is now.',
      schema: WebhookResponse,
      examples: { example: { summary: 'Paused', value: { data: exampleWebhook({ enabled: false }) } } },
    },
    errors: [...BODY_ERRORS, 'webhook_not_found', ...SERVER_ERRORS],
    errorExamples: { validation_error: URL_REFUSED },
  },
  'delete-webhook': {
    operationId: 'deleteWebhook',
    tag: 'Webhooks',
    summary: 'Delete Webhook Endpoint',
    description: 'Removes a webhook endpoint; nothing more is sent to it.',
    success: {
      status: 200,
      description: 'OK: the endpoint is deleted.',
      schema: WebhookDeletedResponse,
      examples: { example: { summary: 'Deleted', value: { data: { deleted: true } } } },
    },
    errors: ['webhook_not_found', ...SERVER_ERRORS],
  },
  'rotate-webhook-secret': {
    operationId: 'rotateWebhookSecret',
    tag: 'Webhooks',
    summary: 'Rotate Webhook Secret',
    description: [
      "Replaces the endpoint's signing secret and answers the new one, shown this once.",
      'For 24 hours every delivery carries two signatures in `webhook-signature`, one with the new secret and one with the old, so your receiver can switch to the new secret at any time in that window; then only the new one signs. A second rotation within the 24 hours ends the oldest secret at once.',
    ].join('\n\n'),
    success: {
      status: 200,
      description: 'OK: the new secret.',
      schema: WebhookSecretResponse,
      examples: { example: { summary: 'A new secret', value: { data: { secret: EXAMPLE_WEBHOOK_SECRET } } } },
    },
    errors: ['webhook_not_found', ...SERVER_ERRORS],
  },
  'test-webhook': {
    operationId: 'testWebhook',
    tag: 'Webhooks',
    summary: 'Send a Test Event',
    description: [
      'Sends one `webhook.test` event to the endpoint now, signed like every delivery, and answers with what happened. The event is not retried.',
      'A disabled endpoint is sent to as well: use this to check a receiver before enabling it again. An attempt takes at most 10 seconds; a redirect is not followed and counts as not delivered.',
    ].join('\n\n'),
    success: {
      status: 200,
      description: 'OK: the outcome of the attempt (delivered or not).',
      schema: WebhookTestResponse,
      examples: {
        example: {
          summary: 'Delivered',
          value: { data: { delivered: true, status_code: 200, duration_ms: 142, error: null } },
        },
        failed: {
          summary: 'The receiver answered 500',
          value: { data: { delivered: false, status_code: 500, duration_ms: 87, error: 'The endpoint answered 500.' } },
        },
      },
    },
    errors: ['webhook_not_found', ...SERVER_ERRORS],
  },
} satisfies Record<string, Operation>;
