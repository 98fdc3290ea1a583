/**
 * Request schemas (valibot) of the webhook endpoint routes; strict like src/http/schemas.ts, and the
 * source of the OpenAPI document's request bodies. Whether a URL may be called at all is decided by
 * the use case (domain/webhook-url.ts), which answers 400 with `field: "url"` as these do.
 */
import * as v from 'valibot';
import { DOMAIN_EVENT_TYPES, type DomainEventType, MAX_WEBHOOK_DESCRIPTION } from '../domain/webhook-endpoint.js';

/** Longer URLs are refused here already; the URL rules say the same. */
const MAX_URL_LENGTH = 2048;

const EVENT_TYPE_MESSAGE = `events may only name ${DOMAIN_EVENT_TYPES.join(', ')}.`;

const Url = (what: string) =>
  v.pipe(
    v.string('url must be a string.'),
    v.maxLength(MAX_URL_LENGTH, `url must be at most ${MAX_URL_LENGTH} characters.`),
    v.description(what),
  );

/** One shared action, so the OpenAPI document can show it as `uniqueItems`. */
export const NO_DUPLICATE_EVENTS = v.check<DomainEventType[], string>(
  (types) => new Set(types).size === types.length,
  'events must not name a type twice.',
);

const Events = (what: string) =>
  v.pipe(
    v.array(v.picklist(DOMAIN_EVENT_TYPES, EVENT_TYPE_MESSAGE), 'events must be an array of event types.'),
    v.minLength(1, 'events must name at least one event type.'),
    NO_DUPLICATE_EVENTS,
    v.description(what),
  );

const Description = (what: string) =>
  v.pipe(
    v.nullable(
      v.pipe(
        v.string('description must be a string or null.'),
        v.maxLength(MAX_WEBHOOK_DESCRIPTION, `description must be at most ${MAX_WEBHOOK_DESCRIPTION} characters.`),
      ),
    ),
    v.description(what),
  );

const URL_RULES =
  '`https` only, at most 2048 characters, no user name or password; its host may not be, or be written as, a private, loopback, link-local, shared (CGNAT), unique-local, multicast or unspecified address, nor `localhost`. The name is resolved again, and every address checked, at each delivery.';

export const CreateWebhookBody = v.strictObject({
  url: Url(`Where events are POSTed: ${URL_RULES}`),
  events: v.optional(Events('The event types to send; every domain event type when left out.')),
  description: v.optional(Description(`Your own note, at most ${MAX_WEBHOOK_DESCRIPTION} characters.`)),
});

export type CreateWebhookBody = v.InferOutput<typeof CreateWebhookBody>;

const UpdateWebhookFields = v.strictObject({
  url: v.optional(Url(`A new URL (same rules as on create).`)),
  events: v.optional(Events('The event types to send from now on (replaces the list).')),
  description: v.optional(Description('A new description; null removes it.')),
  enabled: v.optional(
    v.pipe(
      v.boolean('enabled must be true or false.'),
      v.description('false stops deliveries to the endpoint; true resumes them and clears `disabled_reason`.'),
    ),
  ),
});

/** PATCH needs at least one field (the OpenAPI document shows it as `minProperties: 1`). */
export const AT_LEAST_ONE_WEBHOOK_FIELD = v.check<v.InferOutput<typeof UpdateWebhookFields>, string>(
  (body) => Object.values(body).some((value) => value !== undefined),
  'Send at least one of url, events, description, enabled.',
);

/** `PATCH /webhooks/{id}`: any of the endpoint's settings; at least one. */
export const UpdateWebhookBody = v.pipe(UpdateWebhookFields, AT_LEAST_ONE_WEBHOOK_FIELD);

export type UpdateWebhookBody = v.InferOutput<typeof UpdateWebhookBody>;
