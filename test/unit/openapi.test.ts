/**
 * docs/openapi.json: current (regenerated in memory and compared), valid OpenAPI 3.1 by two
 * independent validators, complete against the route table, its examples valid against its own
 * schemas, and served as is by GET /openapi.json. docs/reference.html: current and self-contained.
 */
import './support/env.js';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Validator } from '@seriousme/openapi-schema-validator';
import * as v from 'valibot';
import {
  buildOpenApiDocument,
  errorCodesOf,
  LOCAL_SERVER,
  PRODUCTION_SERVER,
  SECURITY_SCHEME,
  serializeOpenApiDocument,
} from '../../openapi/document.js';
import { SPEC_EXAMPLES } from '../../openapi/examples.js';
import { DeletedResponse, DomainListResponse, DomainResponse, DomainSummaryResponse } from '../../openapi/schemas.js';
import { DOMAIN_EVENT_TYPES, TEST_EVENT_TYPE } from '../../src/domain/webhook-endpoint.js';
import { ListDomainsQuery } from '../../src/http/schemas.js';
import { API_BASE_PATH, routes } from '../../src/routes.js';
import {
  createValidator,
  OpenApiMismatchError,
  validateResponse,
  validateWebhook,
} from '../support/openapi-validate.js';
import { httpEvent } from './support/events.js';
import { invoke } from './support/responses.js';
import { SPEC_EXAMPLE } from './support/spec-example.js';

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const jsonPath = join(root, 'docs', 'openapi.json');
const htmlPath = join(root, 'docs', 'reference.html');
const redocly = join(root, 'node_modules', '.bin', 'redocly');
const redoclyEnv = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' };

type Operation = {
  operationId: string;
  security: Record<string, string[]>[];
  'x-required-scope'?: string;
  description: string;
  requestBody?: unknown;
  responses: Record<
    string,
    { $ref?: string; content?: Record<string, { examples?: Record<string, { value: unknown }> }> }
  >;
};

type WebhookEvent = {
  operationId: string;
  parameters: { name: string; in: string; required: boolean; example: string }[];
  requestBody: {
    content: { 'application/json': { schema: { $ref: string }; examples: Record<string, { value: unknown }> } };
  };
  responses: Record<string, { description: string; headers?: Record<string, unknown> }>;
};

const built = buildOpenApiDocument();
const doc = built as unknown as {
  openapi: string;
  servers: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
  webhooks: Record<string, Record<string, WebhookEvent>>;
  components: {
    responses: Record<
      string,
      { content: Record<string, { examples: Record<string, { value: { error: { code: string } } }> }> }
    >;
  };
};

describe('docs/openapi.json', () => {
  it('is current: `npm run openapi` regenerates it from the code', async () => {
    const committed = await readFile(jsonPath, 'utf8');
    expect(committed).toBe(serializeOpenApiDocument(built));
  });

  it('is generated deterministically', () => {
    expect(serializeOpenApiDocument(buildOpenApiDocument())).toBe(serializeOpenApiDocument(built));
  });

  it('is a valid OpenAPI 3.1 document (@seriousme/openapi-schema-validator)', async () => {
    const validator = new Validator();
    const result = await validator.validate(JSON.parse(await readFile(jsonPath, 'utf8')));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it("passes Redocly's recommended lint rules, apart from two accepted warnings", async () => {
    const { stdout } = await run(redocly, ['lint', jsonPath, '--format', 'json'], {
      cwd: root,
      env: redoclyEnv,
      timeout: 60_000,
    }).catch((err: { stdout?: string; stderr?: string }) => {
      throw new Error(`redocly lint failed:\n${err.stdout ?? ''}\n${err.stderr ?? ''}`);
    });
    const report = JSON.parse(stdout) as {
      totals: { errors: number };
      problems: { ruleId: string; severity: string; message: string; location: { pointer: string }[] }[];
    };
    const problems = report.problems.map((p) => `${p.severity} ${p.ruleId} ${p.location[0]?.pointer}: ${p.message}`);
    expect(report.totals.errors).toBe(0);
    // The project names no license, and the public, static document route has no 4xx answer.
    const accepted = [
      /^warn info-license #\/info:/,
      /^warn operation-4xx-response #\/paths\/~1openapi\.json\/get\/responses:/,
    ];
    expect(problems.filter((p) => !accepted.some((a) => a.test(p)))).toEqual([]);
  }, 60_000);

  it('lists the production and local servers under the API base path', () => {
    expect(doc.servers.map((s) => s.url)).toEqual([PRODUCTION_SERVER, LOCAL_SERVER]);
    for (const s of doc.servers) expect(new URL(s.url).pathname).toBe(API_BASE_PATH);
  });
});

describe('the document and the route table', () => {
  it('has every route, and nothing else', () => {
    const documented = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((k) => k !== 'parameters')
        .map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(routes.map((r) => `${r.method} ${r.path}`).sort());
  });

  it.each(routes.map((r) => [r.name, r] as const))(
    '%s: security, scope and error responses follow the route',
    (_name, route) => {
      const op = doc.paths[route.path]![route.method.toLowerCase()]!;
      if (route.scope === null) {
        expect(op.security).toEqual([]);
        expect(op['x-required-scope']).toBeUndefined();
      } else {
        expect(op.security).toEqual([{ [SECURITY_SCHEME]: [route.scope] }]);
        expect(op['x-required-scope']).toBe(route.scope);
        expect(op.description).toContain(`Required scope: \`${route.scope}\``);
        expect(errorCodesOf(route).get(401)).toEqual(['missing_api_key', 'invalid_api_key']);
        // Past its domain or endpoint limit, a team gets a 403 of its own on create.
        const limit = { 'create-domain': 'domain_limit_reached', 'create-webhook': 'webhook_limit_reached' } as const;
        expect(errorCodesOf(route).get(403)).toEqual([
          'insufficient_scope',
          ...(route.name in limit ? [limit[route.name as keyof typeof limit]] : []),
        ]);
      }
      for (const [status, codes] of errorCodesOf(route)) {
        const target = op.responses[String(status)]?.$ref;
        expect(target).toMatch(/^#\/components\/responses\//);
        const response = doc.components.responses[target!.split('/').pop()!]!;
        const exampleCodes = Object.values(response.content['application/json']!.examples).map(
          (e) => e.value.error.code,
        );
        expect(exampleCodes).toEqual(codes);
      }
    },
  );

  it('documents the errors each domain operation can answer', () => {
    const statuses = (name: string) => [...errorCodesOf(routes.find((r) => r.name === name)!).keys()];
    expect(statuses('create-domain')).toEqual([400, 401, 403, 409, 413, 415, 429, 500, 503]);
    expect(statuses('list-domains')).toEqual([400, 401, 403, 429, 500, 503]);
    for (const name of ['get-domain', 'delete-domain']) expect(statuses(name)).toEqual([401, 403, 404, 429, 500, 503]);
    // Idempotency-Key adds 400 (malformed key) and 409 (key reused, request in progress).
    expect(statuses('verify-domain')).toEqual([400, 401, 403, 404, 409, 429, 500, 503]);
    expect(statuses('openapi')).toEqual([]);
    expect(doc.paths['/domains']!.post!.requestBody).toBeDefined();
  });

  it('documents the query parameters List Domains accepts', () => {
    const params = (
      doc.paths['/domains']!.get as unknown as { parameters: { name: string; in: string; required: boolean }[] }
    ).parameters;
    expect(params.map((p) => p.name)).toEqual(Object.keys(ListDomainsQuery.entries));
    for (const p of params) expect(p).toMatchObject({ in: 'query', required: false });
  });
});

describe('examples', () => {
  it("carry the API reference's records as written", () => {
    expect(SPEC_EXAMPLES.created.data.dns_records).toEqual(SPEC_EXAMPLE);
    expect(v.is(DomainResponse, SPEC_EXAMPLES.created)).toBe(true);
    expect(v.is(DomainResponse, SPEC_EXAMPLES.get)).toBe(true);
    expect(v.is(DomainListResponse, SPEC_EXAMPLES.list)).toBe(true);
    expect(v.is(DomainSummaryResponse, SPEC_EXAMPLES.verify)).toBe(true);
    expect(v.is(DeletedResponse, SPEC_EXAMPLES.deleted)).toBe(true);
  });

  const cases = Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => method !== 'parameters')
      .flatMap(([method, op]) =>
        Object.entries(op.responses).map(([status, response]) => {
          const resolved = response.$ref ? doc.components.responses[response.$ref.split('/').pop()!]! : response;
          const content = resolved.content ?? {};
          const examples = Object.entries((content['application/json'] ?? content['text/plain'])?.examples ?? {});
          return [
            `${method.toUpperCase()} ${path} ${status}`,
            method,
            path.replace('{id}', '550e8400-e29b-41d4-a716-446655440000'),
            Number(status),
            examples,
          ] as const;
        }),
      ),
  );

  it.each(cases)('%s: every example matches the documented schema', (_label, method, path, status, examples) => {
    if (path !== '/openapi.json') expect(examples.length).toBeGreaterThan(0);
    for (const [, example] of examples)
      expect(() => validateResponse(method, path, status, (example as { value: unknown }).value)).not.toThrow();
  });
});

describe('the webhooks section', () => {
  const EVENT_TYPES = [...DOMAIN_EVENT_TYPES, TEST_EVENT_TYPE];
  const headersOf = (event: WebhookEvent) =>
    Object.fromEntries(event.parameters.filter((p) => p.in === 'header').map((p) => [p.name, p.example]));
  const examplesOf = (type: string) =>
    Object.values(doc.webhooks[type]!.post!.requestBody.content['application/json'].examples).map((e) => e.value);

  it('has every event type the service sends, and nothing else', () => {
    expect(Object.keys(doc.webhooks).sort()).toEqual([...EVENT_TYPES].sort());
    for (const type of EVENT_TYPES) expect(Object.keys(doc.webhooks[type]!)).toEqual(['post']);
  });

  it.each(EVENT_TYPES)('%s: the Standard Webhooks headers, a JSON body schema and examples', (type) => {
    const event = doc.webhooks[type]!.post!;
    expect(event.parameters.map((p) => [p.name, p.in, p.required])).toEqual([
      ['webhook-id', 'header', true],
      ['webhook-timestamp', 'header', true],
      ['webhook-signature', 'header', true],
    ]);
    expect(event.requestBody.content['application/json'].schema.$ref).toMatch(/^#\/components\/schemas\//);
    expect(event.responses['2XX']).toBeDefined();
    const examples = examplesOf(type);
    expect(examples.length).toBeGreaterThan(0);
    for (const body of examples) {
      expect(body).toMatchObject({ type });
      expect(() => validateWebhook(body, headersOf(event))).not.toThrow();
    }
  });

  it('tells what each answer to a domain event does', () => {
    for (const type of DOMAIN_EVENT_TYPES) {
      const { responses } = doc.webhooks[type]!.post!;
      expect(Object.keys(responses).sort()).toEqual(['2XX', '3XX', '410', '429', '503', 'default']);
      expect(responses['410']!.description).toMatch(/disables the endpoint/);
      expect(responses['3XX']!.description).toMatch(/redirects are not followed/);
      for (const status of ['429', '503']) expect(responses[status]!.headers).toHaveProperty('Retry-After');
    }
  });

  it("shows one domain's events in order: the domain as GET /domains/{id} shows it, with its sequence", () => {
    const bodies = DOMAIN_EVENT_TYPES.flatMap(examplesOf) as { data: Record<string, unknown> }[];
    expect(bodies.map((b) => b.data.sequence)).toEqual([1, 2, 3, 4]);
    for (const b of bodies) {
      const { sequence: _sequence, previous_status: _previous, ...domain } = b.data;
      expect(v.is(DomainResponse, { data: domain })).toBe(true);
    }
    expect(bodies[2]!.data).toMatchObject({ status: 'verified', previous_status: 'pending' });
  });

  it('validateWebhook rejects what the service must not send', () => {
    const headers = headersOf(doc.webhooks['domain.created']!.post!);
    const [created] = examplesOf('domain.created') as { data: Record<string, unknown> }[];
    const [changed] = examplesOf('domain.status_changed') as { data: Record<string, unknown> }[];
    const bad = [
      { ...created, type: 'domain.renamed' },
      { ...created, data: { ...created!.data, sequence: 0 } },
      { ...created, data: { ...created!.data, previous_status: 'pending' } },
      { ...changed, data: { ...changed!.data, previous_status: undefined } },
      { ...changed, data: { ...changed!.data, previous_status: 'verifying' } },
      { ...created, data: { ...created!.data, dns_records: undefined } },
    ].map((b) => JSON.parse(JSON.stringify(b)));
    for (const body of bad) expect(() => validateWebhook(body, headers)).toThrow(OpenApiMismatchError);
    const { 'webhook-id': _id, ...withoutId } = headers;
    expect(() => validateWebhook(created, withoutId)).toThrow(/webhook-id is missing/);
    expect(() => validateWebhook(created, { ...headers, 'webhook-timestamp': '2026-01-15' })).toThrow(
      /webhook-timestamp/,
    );
    expect(() => validateWebhook(created, { ...headers, 'webhook-signature': 'v1 abc' })).toThrow(/webhook-signature/);
    const twoSignatures = `${headers['webhook-signature']} ${headers['webhook-signature']}`;
    expect(() => validateWebhook(created, { ...headers, 'webhook-signature': twoSignatures })).not.toThrow();
  });
});

describe('validateResponse (the check the end-to-end tests run)', () => {
  const domain = SPEC_EXAMPLES.created;

  it('accepts documented answers, with or without the API base path and a query string', () => {
    expect(() => validateResponse('POST', '/domains', 201, domain)).not.toThrow();
    expect(() => validateResponse('GET', `${API_BASE_PATH}/domains?x=1`, 200, SPEC_EXAMPLES.list)).not.toThrow();
    expect(() =>
      validateResponse('GET', '/nowhere', 404, { error: { code: 'route_not_found', message: 'No such endpoint.' } }),
    ).not.toThrow();
  });

  it('rejects an undocumented status, a body that does not match, and a wrong error code', () => {
    expect(() => validateResponse('GET', '/domains', 201, SPEC_EXAMPLES.list)).toThrow(/status 201 is not documented/);
    expect(() =>
      validateResponse('POST', '/domains', 201, { data: { ...domain.data, dns_records: undefined } }),
    ).toThrow(OpenApiMismatchError);
    expect(() => validateResponse('POST', '/domains', 201, { data: { ...domain.data, extra: 1 } })).toThrow(
      /must NOT have additional properties/,
    );
    expect(() =>
      validateResponse('GET', '/domains/550e8400-e29b-41d4-a716-446655440000', 200, {
        data: { ...domain.data, created_at: 'yesterday' },
      }),
    ).toThrow(/must match format "date-time"/);
    expect(() =>
      validateResponse('GET', '/domains', 404, { error: { code: 'domain_not_found', message: 'x' } }),
    ).toThrow(/not documented/);
    expect(() =>
      validateResponse('GET', '/domains/x', 404, { error: { code: 'route_not_found', message: 'x' } }),
    ).toThrow(/must be equal to one of the allowed values/);
    expect(() => validateResponse('PUT', '/domains', 200, SPEC_EXAMPLES.list)).toThrow(
      /must answer 404 route_not_found/,
    );
    expect(() => validateResponse('GET', '/domains', 200, undefined)).toThrow(/not JSON/);
  });

  it('checks a text answer (the zone file) as text, with its required header', () => {
    const path = '/domains/550e8400-e29b-41d4-a716-446655440000/zone-file';
    const zone = '; zone\nexample.com.\t3600\tIN\tTXT\t"x"\n';
    const attachment = new Headers({ 'content-disposition': 'attachment; filename="example.com.zone"' });
    expect(() => validateResponse('GET', path, 200, zone, attachment)).not.toThrow();
    expect(() => validateResponse('GET', path, 200, { data: zone })).toThrow(/text body/);
    expect(() => validateResponse('GET', path, 200, zone, new Headers())).toThrow(/Content-Disposition is missing/);
    expect(() =>
      validateResponse('GET', path, 404, { error: { code: 'domain_not_found', message: 'x' } }),
    ).not.toThrow();
  });

  it('checks required response headers when given', () => {
    const busy = { error: { code: 'service_unavailable', message: 'Busy.' } };
    expect(() => validateResponse('GET', '/domains', 503, busy, new Headers({ 'retry-after': '2' }))).not.toThrow();
    expect(() => validateResponse('GET', '/domains', 503, busy, new Headers())).toThrow(/Retry-After is missing/);
    expect(() => validateResponse('GET', '/domains', 503, busy, new Headers({ 'retry-after': 'soon' }))).toThrow(
      /Retry-After/,
    );
  });

  it('validates against the document it is given', () => {
    const check = createValidator(built as never);
    expect(() =>
      check('DELETE', '/domains/550e8400-e29b-41d4-a716-446655440000', 200, { data: { deleted: false } }),
    ).toThrow(OpenApiMismatchError);
  });
});

describe('GET /openapi.json (functions/openapi.ts)', () => {
  it('serves the committed document without a key', async () => {
    const { handler } = await import('../../functions/openapi.js');
    const reply = await invoke(handler, httpEvent('GET', '/openapi.json'));
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual(JSON.parse(await readFile(jsonPath, 'utf8')));
    expect(() => validateResponse('GET', '/openapi.json', 200, reply.body)).not.toThrow();
  });
});

describe('docs/reference.html', () => {
  it('is current and self-contained (Redoc scripts embedded, nothing loaded from a CDN)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'reference-'));
    try {
      const fresh = join(dir, 'reference.html');
      await run(
        redocly,
        ['build-docs', 'docs/openapi.json', '--inlineBundle', '--title', 'Krafter Domains API reference', '-o', fresh],
        {
          cwd: root,
          env: redoclyEnv,
          timeout: 60_000,
        },
      );
      const committed = await readFile(htmlPath, 'utf8');
      expect(committed === (await readFile(fresh, 'utf8'))).toBe(true);
      expect(committed).toContain('Krafter Domains API reference');
      expect(committed).not.toMatch(/<script[^>]+src="https?:|<link[^>]+href="https?:[^"]*\.(js|css)"/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
