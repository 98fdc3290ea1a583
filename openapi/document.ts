/**
 * Builds the OpenAPI 3.1 document from the route table (paths, methods, scopes), the operations'
 * texts (operations.ts), the request and response schemas and the error catalogue (src/errors.ts).
 * `npm run openapi` writes it to docs/openapi.json, which GET /openapi.json serves; a unit test
 * fails when that file is stale, and the end-to-end tests validate every response against it.
 */
import * as v from 'valibot';
import pkg from '../package.json' with { type: 'json' };
import { KEY_PREFIX } from '../src/domain/api-key.js';
import type { ErrorCode } from '../src/error-codes.js';
import { API_BASE_PATH, routes, SCOPE_DOMAINS_MANAGE, SCOPE_WEBHOOKS_MANAGE } from '../src/routes.js';
import { DeliveryId } from './delivery-operations.js';
import { byStatus, errorResponse, errorTable, responseName } from './errors.js';
import { componentSchemas, inline, ref, sortedByKey } from './json-schema.js';
import { AUTH_ERRORS, IDEMPOTENCY_ERRORS, IDEMPOTENCY_HEADER, OPERATIONS } from './operations.js';
import { DomainId } from './schemas.js';
import { webhookEvents } from './webhook-events.js';
import { WebhookId } from './webhook-schemas.js';

export type OpenApiDocument = Record<string, unknown> & {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
};

type ApiRoute = (typeof routes)[number];

export const PRODUCTION_SERVER = `https://app.krafter.dev${API_BASE_PATH}`;
export const LOCAL_SERVER = `http://127.0.0.1:3000${API_BASE_PATH}`;
export const SECURITY_SCHEME = 'bearerAuth';

interface PathParameter {
  readonly component: string;
  readonly schema: v.GenericSchema;
  readonly description: string;
  readonly example: string;
}

/** Path parameters by the resource (the path's first segment) and the parameter's name. */
const PATH_PARAMETERS: Record<string, Record<string, PathParameter>> = {
  domains: {
    id: {
      component: 'DomainId',
      schema: DomainId,
      description:
        "The domain's id. An unknown id, another team's id, or an id that is not a UUID answers 404 `domain_not_found`.",
      example: '550e8400-e29b-41d4-a716-446655440000',
    },
  },
  webhooks: {
    id: {
      component: 'WebhookId',
      schema: WebhookId,
      description:
        "The webhook endpoint's id. An unknown id, another team's id, or an id that is not a UUID answers 404 `webhook_not_found`.",
      example: '7d2c4e1a-9b3f-4c8e-a1d5-2f6b8c0e4a97',
    },
    delivery_id: {
      component: 'DeliveryId',
      schema: DeliveryId,
      description: "The delivery's id, from the delivery log. An unknown id answers 404 `delivery_not_found`.",
      example: '01940c3a-7b10-7e2a-9c4d-8a1f2b3c4d5e',
    },
  },
};

function pathParameters(path: string): string[] {
  return [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
}

/** Error codes of a route, grouped by status, in status order. */
export function errorCodesOf(route: ApiRoute): Map<number, ErrorCode[]> {
  return byStatus([
    ...(route.scope === null ? [] : AUTH_ERRORS),
    ...OPERATIONS[route.name].errors,
    ...(route.idempotent ? IDEMPOTENCY_ERRORS : []),
  ]);
}

function operationObject(route: ApiRoute, responses: Record<string, unknown>): Record<string, unknown> {
  const operation = OPERATIONS[route.name];
  const description =
    route.scope === null ? operation.description : `${operation.description}\n\nRequired scope: \`${route.scope}\`.`;
  const op: Record<string, unknown> = {
    operationId: operation.operationId,
    summary: operation.summary,
    description,
    tags: [operation.tag],
    security: route.scope === null ? [] : [{ [SECURITY_SCHEME]: [route.scope] }],
  };
  if (route.scope !== null) op['x-required-scope'] = route.scope;
  if (operation.query) {
    op.parameters = Object.entries(operation.query.entries).map(([name, schema]) => {
      const description = v.getDescription(
        schema.type === 'optional' ? (schema as v.OptionalSchema<v.GenericSchema, undefined>).wrapped : schema,
      );
      const schemaJson = inline(schema, 'input');
      delete schemaJson.description;
      return {
        name,
        in: 'query',
        required: schema.type !== 'optional',
        ...(description ? { description } : {}),
        schema: schemaJson,
      };
    });
  }
  if (route.idempotent) op.parameters = [...((op.parameters as unknown[] | undefined) ?? []), IDEMPOTENCY_HEADER];
  if (operation.requestBody) {
    op.requestBody = {
      required: true,
      content: {
        'application/json': { schema: ref(operation.requestBody.schema), examples: operation.requestBody.examples },
      },
    };
  }
  const success: Record<string, unknown> = { schema: ref(operation.success.schema) };
  if (operation.success.examples) success.examples = operation.success.examples;
  const opResponses: Record<string, unknown> = {
    [String(operation.success.status)]: {
      description: operation.success.description,
      ...(operation.success.headers && { headers: operation.success.headers }),
      content: { [operation.success.mediaType ?? 'application/json']: success },
    },
  };
  for (const [status, codes] of errorCodesOf(route)) {
    const overrides = Object.fromEntries(
      Object.entries(operation.errorExamples ?? {}).filter(([c]) => codes.includes(c as ErrorCode)),
    );
    const shared = Object.keys(overrides).length === 0;
    const name = shared
      ? responseName(codes)
      : `${operation.operationId[0]!.toUpperCase()}${operation.operationId.slice(1)}${responseName(codes)}`;
    responses[name] = errorResponse(status, codes, overrides);
    opResponses[String(status)] = { $ref: `#/components/responses/${name}` };
  }
  op.responses = opResponses;
  return op;
}

const INFO_DESCRIPTION = [
  'Manage the sending domains used by your team. Emails can only be sent from addresses on a verified domain.',
  '## Authentication',
  `Send your API key as \`Authorization: Bearer ${KEY_PREFIX}...\`. Every domain operation requires the \`${SCOPE_DOMAINS_MANAGE}\` scope and every webhook operation the \`${SCOPE_WEBHOOKS_MANAGE}\` scope; \`GET /openapi.json\` needs no key.`,
  '## Errors',
  'Every error has the same JSON envelope, `{"error": {"code": "...", "message": "..."}}`, with a stable `code` to match on. Some codes add fields: `field` (validation_error) and `required_scope` (insufficient_scope). A 429 or 503 carries a `Retry-After` header; every authenticated answer carries `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset`. A path or method not listed here answers 404 `route_not_found`.',
  errorTable(),
  '## Beyond the published reference',
  'Domains also carry `last_checked_at`, and each DNS record its own `status` and, after a check that did not verify it, a `diagnostic`. List Domains can page (`limit`, `after`) and adds `has_more` and `next_cursor`. Clients written against the reference can ignore all of these.',
].join('\n\n');

/** The OpenAPI 3.1 document of the API. Deterministic: the same code gives the same document. */
export function buildOpenApiDocument(): OpenApiDocument {
  const responses: Record<string, unknown> = {};
  const parameters: Record<string, unknown> = {};
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    paths[route.path] ??= {};
    const item = paths[route.path]!;
    const names = pathParameters(route.path);
    if (names.length > 0 && !item.parameters) {
      item.parameters = names.map((name) => {
        const p = PATH_PARAMETERS[route.path.split('/')[1] ?? '']?.[name];
        if (!p) throw new Error(`No OpenAPI description for path parameter {${name}}; add it to PATH_PARAMETERS.`);
        parameters[p.component] = {
          name,
          in: 'path',
          required: true,
          description: p.description,
          schema: ref(p.schema),
          example: p.example,
        };
        return { $ref: `#/components/parameters/${p.component}` };
      });
    }
    item[route.method.toLowerCase()] = operationObject(route, responses);
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'Krafter Domains API',
      version: pkg.version,
      description: INFO_DESCRIPTION,
    },
    servers: [
      { url: PRODUCTION_SERVER, description: 'Production' },
      { url: LOCAL_SERVER, description: 'Local stack (`npm start`)' },
    ],
    tags: [
      {
        name: 'Domains',
        description:
          'Manage the sending domains used by your team. Emails can only be sent from addresses on a verified domain.',
      },
      {
        name: 'Webhooks',
        description:
          'Endpoints of yours that Krafter POSTs events to, signed in the Standard Webhooks format. The events and their payloads are under `webhooks`.',
      },
      { name: 'API description', description: 'This document, for client generators and tools.' },
    ],
    paths,
    webhooks: webhookEvents(),
    components: {
      schemas: componentSchemas(),
      parameters: sortedByKey(parameters),
      responses: sortedByKey(responses),
      securitySchemes: {
        [SECURITY_SCHEME]: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: `${KEY_PREFIX}...`,
          description: `An API key (\`${KEY_PREFIX}\` followed by letters and digits), sent as \`Authorization: Bearer ${KEY_PREFIX}...\`. Keys carry scopes; the domain operations require \`${SCOPE_DOMAINS_MANAGE}\`, the webhook operations \`${SCOPE_WEBHOOKS_MANAGE}\`.`,
        },
      },
    },
  };
}

/** The document as docs/openapi.json holds it: 2-space JSON with a trailing newline. */
export function serializeOpenApiDocument(doc: OpenApiDocument): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}
