/**
 * Wraps a route's business function in the middy stack every API function shares: header
 * normalisation, API-key authentication and scope check, body size limit, JSON parsing, security
 * headers, an access log line, and the one error envelope. Handlers stay a few lines long.
 */
import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import httpSecurityHeaders from '@middy/http-security-headers';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import * as v from 'valibot';
import type { IdempotentRequest } from '../adapters/idempotency-store.js';
import { InvalidIdempotencyKeyError, PayloadTooLargeError, RateLimitedError, ValidationError } from '../errors.js';
import { type AuthenticatedRouteName, ROUTES } from '../routes.js';
import { authenticate, type Caller } from '../services/auth.js';
import { admit, type RateLimitState, rateLimitHeaders } from '../services/rate-limit.js';
import { json, text } from './envelope.js';
import { MAX_BODY_BYTES } from './limits.js';
import { accessLog, errorEnvelope } from './middlewares.js';

export type ApiEvent = Omit<APIGatewayProxyEventV2, 'body'> & { body?: unknown };
export type ApiResponse = APIGatewayProxyStructuredResultV2;

export interface ApiRequest<B, Q = undefined> {
  readonly caller: Caller;
  readonly params: Readonly<Record<string, string | undefined>>;
  readonly body: B;
  readonly query: Q;
}

/** What a route's business function answers: a JSON body (most routes) or a text one. */
export type ApiResult = JsonResult | TextResult;

export interface JsonResult {
  readonly status: number;
  readonly body: unknown;
}

/** A body that is not JSON (a zone file): sent as is, with its media type and any headers of its own. */
export interface TextResult {
  readonly status: number;
  readonly text: string;
  /** E.g. `text/plain; charset=utf-8`. */
  readonly contentType: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Runs a request once per `Idempotency-Key`: a retry within 24 h with the same key (same team, route
 * and id) gets the first response; the same key with another body is a 409.
 */
export type IdempotencyRunner = (
  request: IdempotentRequest,
  run: () => Promise<ApiResult>,
  context: Context,
) => Promise<ApiResult & { replayed?: true }>;

export interface RouteOptions<S extends v.GenericSchema | undefined, Q extends v.GenericSchema | undefined> {
  /** Schema of a JSON body; when given, the body must be JSON and is validated against it. */
  readonly body?: S;
  /** Schema of the query string parameters; without one, any query string is ignored. */
  readonly query?: Q;
}

/**
 * The runner is passed in by the handler rather than imported here, so Powertools Idempotency is
 * bundled only into the functions whose route honours the key; the route table says which, and
 * this type makes the handler pass it exactly then.
 */
type IdempotencyOption<N extends AuthenticatedRouteName> = (typeof ROUTES)[N]['idempotent'] extends true
  ? { readonly idempotency: IdempotencyRunner }
  : { readonly idempotency?: never };

/** What the middy stack needs to know of a route. */
export interface HandlerOptions<S extends v.GenericSchema | undefined, Q extends v.GenericSchema | undefined>
  extends RouteOptions<S, Q> {
  /** Scope the key must carry. */
  readonly scope: string;
  readonly idempotency?: IdempotencyRunner;
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,256}$/;

type BodyOf<S> = S extends v.GenericSchema ? v.InferOutput<S> : undefined;

/** The caller resolved by the auth middleware rides on the event, where a Lambda authorizer would put it. */
interface AuthorizedContext {
  authorizer?: { lambda?: Caller; rateLimit?: RateLimitState };
}

/** Adds the team's rate-limit headers to every answer, errors included. */
function rateLimitHeadersMiddleware(): middy.MiddlewareObj<ApiEvent, ApiResponse> {
  const add = (request: middy.Request<ApiEvent, ApiResponse>) => {
    const state =
      request.error instanceof RateLimitedError
        ? request.error.state
        : (request.event.requestContext as AuthorizedContext).authorizer?.rateLimit;
    if (state && request.response)
      request.response.headers = { ...request.response.headers, ...rateLimitHeaders(state) };
  };
  return { after: add, onError: add };
}

const isRead = (event: ApiEvent) => event.requestContext?.http?.method === 'GET';

function callerOf(event: ApiEvent): Caller {
  const caller = (event.requestContext as AuthorizedContext).authorizer?.lambda;
  if (!caller) throw new Error('authentication middleware did not run');
  return caller;
}

function bodyBytes(event: ApiEvent): number {
  if (typeof event.body !== 'string') return 0;
  return event.isBase64Encoded ? Math.floor((event.body.length * 3) / 4) : Buffer.byteLength(event.body);
}

/** Validates a parsed JSON body (or the query parameters); the first problem becomes a 400 naming the field. */
export function parseBody<S extends v.GenericSchema>(
  schema: S,
  body: unknown,
  what = 'The request body',
): v.InferOutput<S> {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new ValidationError(`${what} must be a JSON object.`);
  const result = v.safeParse(schema, body, { abortEarly: true });
  if (result.success) return result.output;
  const issue = result.issues[0];
  const field = issue ? (v.getDotPath(issue) ?? undefined) : undefined;
  if (issue?.type === 'strict_object' && issue.expected === 'never') {
    throw new ValidationError(
      `Unknown ${what === 'The request body' ? 'field' : 'parameter'} \`${field ?? '?'}\`: only the documented ones may be sent.`,
      field,
    );
  }
  if (issue?.received === 'undefined' && field) throw new ValidationError(`${field} is required.`, field);
  throw new ValidationError(issue?.message ?? 'The request body is invalid.', field);
}

type BusinessFunction<S, Q> = (req: ApiRequest<BodyOf<S>, BodyOf<Q>>) => Promise<ApiResult>;

/**
 * The handler of a route in src/routes.ts: its scope and whether it honours `Idempotency-Key` come
 * from the route's entry. The second form, with the scope spelled out, serves handlers that are not
 * in the route table (tests of this wrapper).
 */
export function apiHandler<
  N extends AuthenticatedRouteName,
  S extends v.GenericSchema | undefined = undefined,
  Q extends v.GenericSchema | undefined = undefined,
>(route: N, options: RouteOptions<S, Q> & IdempotencyOption<N>, fn: BusinessFunction<S, Q>): ReturnType<typeof wrap>;
export function apiHandler<
  S extends v.GenericSchema | undefined = undefined,
  Q extends v.GenericSchema | undefined = undefined,
>(options: HandlerOptions<S, Q>, fn: BusinessFunction<S, Q>): ReturnType<typeof wrap>;
export function apiHandler(
  first: AuthenticatedRouteName | HandlerOptions<Schema, Schema>,
  second: unknown,
  third?: unknown,
): ReturnType<typeof wrap> {
  if (typeof first !== 'string') return wrap(first, second as BusinessFunction<Schema, Schema>);
  const route = ROUTES[first];
  const options = second as RouteOptions<Schema, Schema> & { idempotency?: IdempotencyRunner };
  if (route.idempotent !== (options.idempotency !== undefined)) {
    // Unreachable through the types; a cast around them still fails at import, not per request.
    throw new Error(`${first}: the idempotency runner is passed exactly when the route is idempotent`);
  }
  return wrap({ ...options, scope: route.scope }, third as BusinessFunction<Schema, Schema>);
}

type Schema = v.GenericSchema | undefined;

function wrap<S extends v.GenericSchema | undefined, Q extends v.GenericSchema | undefined>(
  options: HandlerOptions<S, Q>,
  fn: BusinessFunction<S, Q>,
) {
  const stack = middy<ApiEvent, ApiResponse>()
    .use(httpSecurityHeaders())
    .use(accessLog())
    .use(rateLimitHeadersMiddleware())
    .use(errorEnvelope())
    .use(httpHeaderNormalizer())
    .use({
      before: async ({ event }) => {
        const caller = await authenticate(event.headers?.authorization, options.scope);
        const context = event.requestContext as AuthorizedContext;
        context.authorizer = { lambda: caller };
        // A request that changes something is counted before it runs, so a limited one changes nothing.
        if (!isRead(event)) context.authorizer.rateLimit = (await admit(caller.teamId)) ?? undefined;
        if (options.body && bodyBytes(event) > MAX_BODY_BYTES) throw new PayloadTooLargeError(MAX_BODY_BYTES);
      },
    });
  if (options.body) stack.use(httpJsonBodyParser());
  return stack.handler(async (event, context) => {
    const body = (options.body ? parseBody(options.body, event.body) : undefined) as BodyOf<S>;
    const query = (
      options.query ? parseBody(options.query, event.queryStringParameters ?? {}, 'The query string') : undefined
    ) as BodyOf<Q>;
    const caller = callerOf(event);
    const params = event.pathParameters ?? {};
    const run = () => fn({ caller, params, body, query });
    if (isRead(event)) {
      // A read is counted while it runs: no added round trip, and a limited read changes nothing.
      const authorizer = (event.requestContext as AuthorizedContext).authorizer!;
      const [result, state] = await Promise.allSettled([run(), admit(caller.teamId)]);
      if (state.status === 'rejected') throw state.reason;
      authorizer.rateLimit = state.value ?? undefined;
      if (result.status === 'rejected') throw result.reason;
      return respond(result.value);
    }
    const key = event.headers?.['idempotency-key'];
    if (!options.idempotency || key === undefined) return respond(await run());
    if (!IDEMPOTENCY_KEY.test(key)) throw new InvalidIdempotencyKeyError();
    const result = await options.idempotency(
      { teamId: caller.teamId, route: event.routeKey, id: params.id ?? null, key, body: body ?? null },
      run,
      context,
    );
    return respond(result, result.replayed ? { 'Idempotent-Replayed': 'true' } : {});
  });
}

function respond(result: ApiResult, headers: Record<string, string> = {}): ApiResponse {
  if ('text' in result) return text(result.status, result.text, result.contentType, { ...result.headers, ...headers });
  return json(result.status, result.body, headers);
}
