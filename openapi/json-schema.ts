/**
 * valibot to JSON Schema (draft 2020-12) for the document: the schemas published as named
 * components, a reference to one of them, and an inline schema for anything else.
 */
import { type ConversionConfig, type JsonSchema, toJsonSchema, toJsonSchemaDefs } from '@valibot/to-json-schema';
import type * as v from 'valibot';
import { AT_LEAST_ONE_SETTING, CreateDomainBody, UpdateDomainBody } from '../src/http/schemas.js';
import {
  AT_LEAST_ONE_WEBHOOK_FIELD,
  CreateWebhookBody,
  NO_DUPLICATE_EVENTS,
  UpdateWebhookBody,
} from '../src/http/webhook-schemas.js';
import { Delivery, DeliveryId, DeliveryListResponse } from './delivery-operations.js';
import {
  DeletedResponse,
  DnsRecordSchema,
  DomainDetail,
  DomainId,
  DomainListResponse,
  DomainResponse,
  DomainStatus,
  DomainSummary,
  DomainSummaryResponse,
  ErrorCodeSchema,
  ErrorEnvelope,
  OpenApiDocumentSchema,
  RecordDiagnostic,
  RecordStatusSchema,
  ZoneFileSchema,
} from './schemas.js';
import {
  DomainCreatedEvent,
  DomainDeletedEvent,
  DomainEventData,
  DomainStatusChangedData,
  DomainStatusChangedEvent,
  DomainUpdatedEvent,
  Webhook,
  WebhookCreated,
  WebhookCreatedResponse,
  WebhookDeletedResponse,
  WebhookEventType,
  WebhookId,
  WebhookListResponse,
  WebhookResponse,
  WebhookSecretResponse,
  WebhookTestEvent,
  WebhookTestResponse,
} from './webhook-schemas.js';

/** Valibot schemas published as named component schemas; anything else is inlined where used. */
const COMPONENT_SCHEMAS = {
  CreateDomainRequest: CreateDomainBody,
  UpdateDomainRequest: UpdateDomainBody,
  DeletedResponse,
  DnsRecord: DnsRecordSchema,
  DnsRecordDiagnostic: RecordDiagnostic,
  DnsRecordStatus: RecordStatusSchema,
  Domain: DomainDetail,
  DomainId,
  DomainListResponse,
  DomainResponse,
  DomainStatus,
  DomainSummary,
  DomainSummaryResponse,
  Error: ErrorEnvelope,
  ErrorCode: ErrorCodeSchema,
  OpenApiDocument: OpenApiDocumentSchema,
  ZoneFile: ZoneFileSchema,
  CreateWebhookRequest: CreateWebhookBody,
  UpdateWebhookRequest: UpdateWebhookBody,
  Webhook,
  WebhookCreated,
  WebhookCreatedResponse,
  WebhookDeletedResponse,
  WebhookEventType,
  WebhookId,
  WebhookListResponse,
  WebhookResponse,
  WebhookSecretResponse,
  WebhookTestEvent,
  WebhookTestResponse,
  WebhookDelivery: Delivery,
  WebhookDeliveryId: DeliveryId,
  WebhookDeliveryListResponse: DeliveryListResponse,
  DomainCreatedEvent,
  DomainUpdatedEvent,
  DomainStatusChangedEvent,
  DomainDeletedEvent,
  DomainEventData,
  DomainStatusChangedData,
} satisfies Record<string, v.GenericSchema>;

const conversion: ConversionConfig = {
  target: 'draft-2020-12',
  definitions: COMPONENT_SCHEMAS,
  overrideRef: (context) => `#/components/schemas/${context.referenceId}`,
  overrideAction: (context) =>
    context.valibotAction === AT_LEAST_ONE_SETTING || context.valibotAction === AT_LEAST_ONE_WEBHOOK_FIELD
      ? { ...context.jsonSchema, minProperties: 1 }
      : context.valibotAction === NO_DUPLICATE_EVENTS
        ? { ...context.jsonSchema, uniqueItems: true }
        : undefined,
};

function componentName(schema: v.GenericSchema): string {
  const entry = Object.entries(COMPONENT_SCHEMAS).find(([, s]) => s === schema);
  if (!entry) throw new Error('The schema is not a component schema; add it to COMPONENT_SCHEMAS.');
  return entry[0];
}

export const ref = (schema: v.GenericSchema) => ({ $ref: `#/components/schemas/${componentName(schema)}` });

/**
 * An inline JSON Schema (references to component schemas stay references). `input` describes what
 * a client sends, before any transformation (query parameters are strings on the wire).
 */
export function inline(schema: v.GenericSchema, typeMode: ConversionConfig['typeMode'] = 'ignore'): JsonSchema {
  const { $schema: _dialect, $defs: _defs, ...rest } = toJsonSchema(schema, { ...conversion, typeMode });
  return rest;
}

/** Every component schema, sorted by name. */
export function componentSchemas(): Record<string, unknown> {
  return sortedByKey(toJsonSchemaDefs(COMPONENT_SCHEMAS, conversion) as Record<string, unknown>);
}

export const sortedByKey = <T>(o: Record<string, T>): Record<string, T> =>
  Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
