/**
 * The shared middy stack (src/http/api-handler.ts) and the error envelope (src/http/middlewares.ts),
 * exercised through a route defined here, so each behaviour is checked apart from any endpoint.
 */
import './support/env.js';
import { jest } from '@jest/globals';
import * as v from 'valibot';
import type * as ErrorsModule from '../../src/errors.js';
import type * as ApiHandlerModule from '../../src/http/api-handler.js';
import type * as EnvelopeModule from '../../src/http/envelope.js';
import { MAX_BODY_BYTES } from '../../src/http/limits.js';
import type * as ObservabilityModule from '../../src/observability.js';
import { ddbMock, givenApiKey, resetAwsMocks, type TestKey } from './support/aws.js';
import { httpEvent, jsonHeaders } from './support/events.js';
import { expectError, expectSecurityHeaders, invoke } from './support/responses.js';

let http: typeof ApiHandlerModule;
let responses: typeof EnvelopeModule;
let apiErrors: typeof ErrorsModule;
let logger: typeof ObservabilityModule.logger;
let key: TestKey;

beforeAll(async () => {
  http = await import('../../src/http/api-handler.js');
  responses = await import('../../src/http/envelope.js');
  apiErrors = await import('../../src/errors.js');
  ({ logger } = await import('../../src/observability.js'));
});

beforeEach(() => {
  resetAwsMocks();
  key = givenApiKey();
});

afterEach(() => jest.restoreAllMocks());

const Body = v.strictObject({
  name: v.pipe(v.string('name must be a string.'), v.minLength(1, 'name must not be empty.')),
  count: v.optional(v.number('count must be a number.')),
});

describe('apiHandler', () => {
  it('passes the caller, path parameters and the validated body to the route, and answers JSON', async () => {
    const seen: unknown[] = [];
    const handler = http.apiHandler({ scope: 'domains:manage', body: Body }, async (req) => {
      seen.push(req);
      return { status: 201, body: { data: { ok: true } } };
    });
    const reply = await invoke(
      handler,
      httpEvent('POST', '/things/{id}', {
        headers: jsonHeaders(key.plaintext),
        pathParameters: { id: 'abc' },
        body: { name: 'x', count: 2 },
      }),
    );
    expect(reply.status).toBe(201);
    expect(reply.raw).toBe('{"data":{"ok":true}}');
    expect(reply.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(reply.headers['cache-control']).toBe('no-store');
    expectSecurityHeaders(reply);
    expect(seen).toEqual([
      {
        caller: { teamId: 'team-a', keyId: key.keyId },
        params: { id: 'abc' },
        body: { name: 'x', count: 2 },
        query: undefined,
      },
    ]);
  });

  it('gives a route without a body schema an undefined body, and does not require JSON', async () => {
    const seen: unknown[] = [];
    const handler = http.apiHandler({ scope: 'domains:manage' }, async (req) => {
      seen.push(req.body);
      return { status: 200, body: { data: [] } };
    });
    const reply = await invoke(
      handler,
      httpEvent('GET', '/things', {
        headers: { authorization: `Bearer ${key.plaintext}`, 'content-type': 'text/plain' },
        body: 'x'.repeat(20_000),
      }),
    );
    expect(reply.status).toBe(200);
    expect(seen).toEqual([undefined]);
  });

  it('answers a text result as is, with its media type and headers, and the security headers', async () => {
    const handler = http.apiHandler({ scope: 'domains:manage' }, async () => ({
      status: 200,
      text: '; a zone\nexample.com.\t3600\tIN\tTXT\t"{\\"x\\"}"\n',
      contentType: 'text/plain; charset=utf-8',
      headers: { 'Content-Disposition': 'attachment; filename="example.com.zone"' },
    }));
    const result = (await handler(
      httpEvent('GET', '/things', { headers: { authorization: `Bearer ${key.plaintext}` } }) as never,
      {} as never,
    )) as { statusCode: number; headers: Record<string, string>; body: string };
    expect(result.statusCode).toBe(200);
    expect(result.body).toBe('; a zone\nexample.com.\t3600\tIN\tTXT\t"{\\"x\\"}"\n');
    expect(result.headers).toMatchObject({
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Disposition': 'attachment; filename="example.com.zone"',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
    });
  });

  it('maps a thrown ApiError to its status, code, details and Retry-After', async () => {
    const handler = http.apiHandler({ scope: 'domains:manage' }, async () => {
      throw new apiErrors.ServiceUnavailableError('Busy.', 7);
    });
    const reply = await invoke(
      handler,
      httpEvent('GET', '/things', { headers: { authorization: `Bearer ${key.plaintext}` } }),
    );
    expectError(reply, 503, 'service_unavailable');
    expect(reply.body.error.message).toBe('Busy.');
    expect(reply.headers['retry-after']).toBe('7');
    expect(reply.headers['cache-control']).toBe('no-store');
  });

  it('answers 500 internal_error for anything unexpected, logs it, and reveals nothing', async () => {
    const logged = jest.spyOn(logger, 'error').mockImplementation(() => undefined);
    const secret = new Error('connect ECONNREFUSED 10.0.0.12:8000 at /var/task/index.mjs:1:2');
    const handler = http.apiHandler({ scope: 'domains:manage' }, async () => {
      throw secret;
    });
    const reply = await invoke(
      handler,
      httpEvent('GET', '/things', { headers: { authorization: `Bearer ${key.plaintext}` } }),
    );
    expectError(reply, 500, 'internal_error');
    expect(reply.raw).not.toContain('ECONNREFUSED');
    expect(reply.raw).not.toContain('/var/task');
    expect(logged).toHaveBeenCalledTimes(1);
    expect((logged.mock.calls[0]?.[1] as { error?: unknown } | undefined)?.error).toBe(secret);
  });

  it.each([
    ['a string', 'boom'],
    ['null', null],
    ['an object with a statusCode of 400', { statusCode: 400, message: 'internal detail' }],
  ])('answers 500 internal_error when the route throws %s', async (_what, thrown) => {
    jest.spyOn(logger, 'error').mockImplementation(() => undefined);
    const handler = http.apiHandler({ scope: 'domains:manage' }, async () => {
      throw thrown;
    });
    const reply = await invoke(
      handler,
      httpEvent('GET', '/things', { headers: { authorization: `Bearer ${key.plaintext}` } }),
    );
    expectError(reply, 500, 'internal_error');
    expect(reply.raw).not.toContain('internal detail');
  });

  it('enforces the body limit of 16 KiB only for routes that take a body', async () => {
    expect(MAX_BODY_BYTES).toBe(16 * 1024);
    const handler = http.apiHandler({ scope: 'domains:manage', body: Body }, async () => ({ status: 200, body: {} }));
    const send = (body: string) =>
      invoke(handler, httpEvent('POST', '/things', { headers: jsonHeaders(key.plaintext), body }));
    const padded = (bytes: number) => {
      const base = JSON.stringify({ name: '' });
      return JSON.stringify({ name: 'a'.repeat(bytes - base.length) });
    };
    expect((await send(padded(16 * 1024))).status).toBe(200);
    expectError(await send(padded(16 * 1024 + 1)), 413, 'payload_too_large');
  });

  it('logs one access line per request with the status and team, never the key', async () => {
    const info = jest.spyOn(logger, 'info').mockImplementation(() => undefined);
    const handler = http.apiHandler({ scope: 'domains:manage' }, async () => ({ status: 200, body: {} }));
    await invoke(
      handler,
      httpEvent('GET', '/things/{id}', {
        headers: { authorization: `Bearer ${key.plaintext}` },
        pathParameters: { id: 'd1' },
      }),
    );
    await invoke(
      handler,
      httpEvent('GET', '/things/{id}', {
        headers: { authorization: 'Bearer kr_live_nope' },
        pathParameters: { id: 'd2' },
      }),
    );
    expect(info).toHaveBeenCalledTimes(2);
    expect(info.mock.calls[0]?.[1]).toMatchObject({ status: 200, outcome: 'ok', teamId: 'team-a', domainId: 'd1' });
    expect(info.mock.calls[1]?.[1]).toMatchObject({ status: 401, outcome: 'error', domainId: 'd2' });
    expect(JSON.stringify(info.mock.calls)).not.toContain(key.plaintext);
    expect(JSON.stringify(info.mock.calls)).not.toContain(key.plaintext.slice(20));
  });

  it('does not trust an authorizer context sent by the client', async () => {
    const handler = http.apiHandler({ scope: 'domains:manage' }, async ({ caller }) => ({ status: 200, body: caller }));
    const event = httpEvent('GET', '/things', { headers: {} });
    (event.requestContext as unknown as { authorizer: unknown }).authorizer = {
      lambda: { teamId: 'team-evil', keyId: 'key_x' },
    };
    expectError(await invoke(handler, event), 401, 'missing_api_key');
  });
});

describe('parseBody', () => {
  const failure = (body: unknown) => {
    try {
      http.parseBody(Body, body);
    } catch (err) {
      return err as InstanceType<typeof apiErrors.ApiError>;
    }
    throw new Error('expected a validation error');
  };

  it('returns the parsed output', () => {
    expect(http.parseBody(Body, { name: 'x' })).toEqual({ name: 'x' });
  });

  it.each([null, undefined, [], ['x'], 'x', 1, true])('requires a JSON object, not %j', (body) => {
    const err = failure(body);
    expect(err.status).toBe(400);
    expect(err.code).toBe('validation_error');
    expect(err.details).toEqual({});
  });

  it('names an unknown field', () => {
    const err = failure({ name: 'x', status: 'verified' });
    expect(err.details).toEqual({ field: 'status' });
    expect(err.message).toMatch(/Unknown field `status`/);
  });

  it('names a missing field', () => {
    const err = failure({});
    expect(err.details).toEqual({ field: 'name' });
    expect(err.message).toBe('name is required.');
  });

  it("uses the schema's message for a wrong type or value", () => {
    expect(failure({ name: 5 })).toMatchObject({ message: 'name must be a string.', details: { field: 'name' } });
    expect(failure({ name: '' })).toMatchObject({ message: 'name must not be empty.', details: { field: 'name' } });
    expect(failure({ name: 'x', count: '2' })).toMatchObject({
      message: 'count must be a number.',
      details: { field: 'count' },
    });
  });
});

describe('toApiError / errorResponse', () => {
  it("maps middy's body-parser errors: 415 → unsupported_media_type, 422 → invalid_json (400)", () => {
    expect(responses.toApiError({ statusCode: 415 })).toMatchObject({ status: 415, code: 'unsupported_media_type' });
    expect(responses.toApiError({ statusCode: 422 })).toMatchObject({ status: 400, code: 'invalid_json' });
  });

  it('keeps ApiErrors as they are', () => {
    const err = new apiErrors.DomainNotFoundError();
    expect(responses.toApiError(err)).toBe(err);
  });

  it.each([new Error('x'), 'x', undefined, null, 42, { statusCode: 500 }])(
    'maps %p to 500 internal_error',
    (thrown) => {
      expect(responses.toApiError(thrown)).toMatchObject({ status: 500, code: 'internal_error' });
    },
  );

  it('writes the one envelope, with details and Retry-After only when set', () => {
    const scope = responses.errorResponse(new apiErrors.InsufficientScopeError('domains:manage'));
    expect(scope.statusCode).toBe(403);
    expect(JSON.parse(scope.body as string)).toEqual({
      error: { code: 'insufficient_scope', message: expect.any(String), required_scope: 'domains:manage' },
    });
    expect(scope.headers).not.toHaveProperty('Retry-After');

    const busy = responses.errorResponse(new apiErrors.ServiceUnavailableError());
    expect(busy.statusCode).toBe(503);
    expect(busy.headers).toMatchObject({ 'Retry-After': '2', 'Content-Type': 'application/json; charset=utf-8' });
  });

  it('uses stable snake_case codes for every API error', () => {
    const all = [
      new apiErrors.ValidationError('m', 'f'),
      new apiErrors.InvalidJsonError(),
      new apiErrors.UnsupportedMediaTypeError(),
      new apiErrors.PayloadTooLargeError(10),
      new apiErrors.MissingApiKeyError(),
      new apiErrors.InvalidApiKeyError(),
      new apiErrors.InsufficientScopeError('domains:manage'),
      new apiErrors.DomainNotFoundError(),
      new apiErrors.RouteNotFoundError(),
      new apiErrors.DomainAlreadyRegisteredError('example.com'),
      new apiErrors.ServiceUnavailableError(),
    ];
    expect(all.map((e) => [e.status, e.code])).toEqual([
      [400, 'validation_error'],
      [400, 'invalid_json'],
      [415, 'unsupported_media_type'],
      [413, 'payload_too_large'],
      [401, 'missing_api_key'],
      [401, 'invalid_api_key'],
      [403, 'insufficient_scope'],
      [404, 'domain_not_found'],
      [404, 'route_not_found'],
      [409, 'domain_already_registered'],
      [503, 'service_unavailable'],
    ]);
  });
});

describe('auth cache', () => {
  it('looks a key up once per request when the cache is off (API_KEY_CACHE_SECONDS=0)', async () => {
    const handler = http.apiHandler({ scope: 'domains:manage' }, async () => ({ status: 200, body: {} }));
    const event = () => httpEvent('GET', '/things', { headers: { authorization: `Bearer ${key.plaintext}` } });
    await invoke(handler, event());
    await invoke(handler, event());
    expect(ddbMock.calls()).toHaveLength(2);
  });
});
