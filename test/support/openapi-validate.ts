/**
 * Checks API responses against docs/openapi.json: the status must be documented for the operation,
 * and the body must match that response's schema (ajv, JSON Schema 2020-12, with formats). Requests
 * to paths or methods the document does not list must answer 404 `route_not_found`. Webhook requests
 * Krafter sends are checked against the document's `webhooks` section the same way.
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import document from '../../docs/openapi.json' with { type: 'json' };
import { API_BASE_PATH } from '../../src/routes.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface ResponseObject {
  description: string;
  headers?: Record<string, { required?: boolean; schema?: JsonObject }>;
  content?: Record<string, { schema?: JsonObject }>;
}

interface WebhookItem {
  post?: {
    parameters?: { name: string; in: string; required?: boolean; schema?: JsonObject }[];
    requestBody?: { content?: Record<string, { schema?: JsonObject }> };
  };
}

interface OpenApi {
  paths: Record<string, Record<string, Json>>;
  webhooks?: Record<string, WebhookItem>;
  components: { schemas: Record<string, Json>; responses?: Record<string, ResponseObject> };
}

export class OpenApiMismatchError extends Error {
  override name = 'OpenApiMismatchError';
}

const ROOT = 'https://krafter.dev/schemas/openapi.json';
const COMPONENT_SCHEMA = '#/components/schemas/';
const COMPONENT_RESPONSE = '#/components/responses/';

/** `#/components/schemas/X` becomes a reference into the one schema that holds them all. */
function rebase(value: Json): Json {
  if (Array.isArray(value)) return value.map(rebase);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [
      k,
      k === '$ref' && typeof v === 'string' && v.startsWith(COMPONENT_SCHEMA)
        ? `${ROOT}#/$defs/${v.slice(COMPONENT_SCHEMA.length)}`
        : rebase(v),
    ]),
  );
}

export function createValidator(doc: OpenApi) {
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictTypes: false });
  formats.default(ajv);
  ajv.addSchema({ $id: ROOT, $defs: rebase(doc.components.schemas) as JsonObject });
  const compiled = new Map<string, ValidateFunction>();
  const compile = (key: string, schema: Json): ValidateFunction => {
    let fn = compiled.get(key);
    if (!fn) {
      fn = ajv.compile(rebase(schema) as JsonObject);
      compiled.set(key, fn);
    }
    return fn;
  };

  const templates = Object.keys(doc.paths)
    .map((template) => ({
      template,
      pattern: new RegExp(
        `^${template
          .split('/')
          .map((s) => (/^\{\w+\}$/.test(s) ? '[^/]+' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
          .join('/')}$`,
      ),
      params: (template.match(/\{/g) ?? []).length,
    }))
    .sort((a, b) => a.params - b.params);

  const describe = (errors: ErrorObject[] | null | undefined) =>
    ajv.errorsText(errors, { dataVar: 'body', separator: '\n  ' });
  const shown = (body: unknown) => {
    const text = JSON.stringify(body) ?? String(body);
    return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
  };

  function resolveResponse(response: Json): ResponseObject {
    const target = (response as { $ref?: string }).$ref;
    if (typeof target !== 'string') return response as unknown as ResponseObject;
    const found = target.startsWith(COMPONENT_RESPONSE)
      ? doc.components.responses?.[target.slice(COMPONENT_RESPONSE.length)]
      : undefined;
    if (!found) throw new OpenApiMismatchError(`The document references ${target}, which it does not define.`);
    return found;
  }

  /**
   * Throws an OpenApiMismatchError unless `body` (the parsed JSON of a webhook request) is what the
   * document's `webhooks` entry for its `type` describes. With `headers` (as node:http gives them,
   * names in lower case), the documented headers are checked too.
   */
  function validateWebhook(body: unknown, headers?: Record<string, string | string[] | undefined>): void {
    const type = (body as { type?: unknown } | null)?.type;
    const where = `OpenAPI: webhook ${String(type)}`;
    const post = typeof type === 'string' ? doc.webhooks?.[type]?.post : undefined;
    if (!post) throw new OpenApiMismatchError(`${where}: the document's webhooks section has no such event.`);
    for (const p of post.parameters ?? []) {
      if (!headers || p.in !== 'header') continue;
      const value = headers[p.name.toLowerCase()];
      if (value === undefined) {
        if (p.required) throw new OpenApiMismatchError(`${where}: the required header ${p.name} is missing.`);
        continue;
      }
      const check = p.schema ? compile(`webhook ${type} header ${p.name}`, p.schema) : undefined;
      if (check && !check(value))
        throw new OpenApiMismatchError(`${where}: header ${p.name}: ${String(value)} ${describe(check.errors)}`);
    }
    const schema = post.requestBody?.content?.['application/json']?.schema;
    if (!schema) throw new OpenApiMismatchError(`${where}: the document gives this event no JSON body.`);
    const check = compile(`webhook ${type}`, schema);
    if (!check(body)) {
      throw new OpenApiMismatchError(
        `${where}: the body does not match the documented schema.\n  ${describe(check.errors)}\nbody: ${shown(body)}`,
      );
    }
  }

  /**
   * Throws an OpenApiMismatchError unless `body` (the parsed JSON, undefined when the body was not
   * JSON; the text itself for an answer documented as `text/plain`) is what the document says
   * `method path` answers with `status`. `path` may include the API
   * base path and a query string. With `headers`, required response headers are checked too.
   */
  function validateResponse(method: string, path: string, status: number, body: unknown, headers?: Headers): void {
    let apiPath = path.replace(/[?#].*$/, '');
    if (apiPath.startsWith(`${API_BASE_PATH}/`)) apiPath = apiPath.slice(API_BASE_PATH.length);
    const verb = method.toLowerCase();
    const where = `${method.toUpperCase()} ${apiPath} → ${status}`;
    const match = templates.find((t) => t.pattern.test(apiPath));
    const operation = match
      ? (doc.paths[match.template]?.[verb] as { responses?: Record<string, Json> } | undefined)
      : undefined;

    if (!match || !operation) {
      const check = compile('route_not_found', {
        allOf: [
          { $ref: `${COMPONENT_SCHEMA}Error` },
          { properties: { error: { properties: { code: { const: 'route_not_found' } } } } },
        ],
      });
      if (status !== 404 || !check(body)) {
        throw new OpenApiMismatchError(
          `OpenAPI: ${where}: the document has no such operation, so the API must answer 404 route_not_found.\n  ${check.errors ? describe(check.errors) : ''}\nbody: ${shown(body)}`,
        );
      }
      return;
    }

    const responses = operation.responses ?? {};
    const documented = responses[String(status)] ?? responses[`${String(status)[0]}XX`] ?? responses.default;
    if (documented === undefined) {
      throw new OpenApiMismatchError(
        `OpenAPI: ${where}: status ${status} is not documented for ${method.toUpperCase()} ${match.template} (documented: ${Object.keys(responses).join(', ')}).\nbody: ${shown(body)}`,
      );
    }
    const response = resolveResponse(documented);
    for (const [name, header] of Object.entries(response.headers ?? {})) {
      if (headers && header.required && headers.get(name) === null) {
        throw new OpenApiMismatchError(`OpenAPI: ${where}: the required response header ${name} is missing.`);
      }
      const value = headers?.get(name);
      if (value != null && header.schema) {
        const typed = header.schema.type === 'integer' || header.schema.type === 'number' ? Number(value) : value;
        const check = compile(`${match.template} ${verb} ${status} header ${name}`, header.schema);
        if (!check(typed))
          throw new OpenApiMismatchError(`OpenAPI: ${where}: header ${name}: ${value} ${describe(check.errors)}`);
      }
    }
    const textSchema = response.content?.['text/plain']?.schema;
    if (textSchema && !response.content?.['application/json']) {
      // A text answer (the zone file): `body` is its text.
      const check = compile(`${match.template} ${verb} ${status} text`, textSchema);
      if (typeof body !== 'string' || !check(body))
        throw new OpenApiMismatchError(`OpenAPI: ${where}: the document describes a text body.\nbody: ${shown(body)}`);
      return;
    }
    const schema = response.content?.['application/json']?.schema;
    if (!schema) {
      if (body !== undefined)
        throw new OpenApiMismatchError(
          `OpenAPI: ${where}: the document gives this response no JSON body.\nbody: ${shown(body)}`,
        );
      return;
    }
    if (body === undefined)
      throw new OpenApiMismatchError(`OpenAPI: ${where}: the body is not JSON; the document describes a JSON body.`);
    const check = compile(`${match.template} ${verb} ${status}`, schema);
    if (!check(body)) {
      throw new OpenApiMismatchError(
        `OpenAPI: ${where}: the body does not match the documented schema.\n  ${describe(check.errors)}\nbody: ${shown(body)}`,
      );
    }
  }

  /** `validateResponse`, with `.webhook` checking the requests sent to webhook endpoints. */
  return Object.assign(validateResponse, { webhook: validateWebhook });
}

export const validateResponse = createValidator(document as unknown as OpenApi);
export const validateWebhook = validateResponse.webhook;
