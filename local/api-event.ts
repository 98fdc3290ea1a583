/**
 * API Gateway HTTP API events (payload format 2.0), the one shape every in-process invocation of a
 * route function uses: the local server, the bench and the tests. Fields API Gateway leaves out
 * (no body, no path or query parameters, no cookies) are left out here too.
 */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { API_BASE_PATH } from '../src/routes.js';

/** The request as API Gateway received it. */
export interface ApiRequest {
  readonly method: string;
  /** `METHOD /api/v1/path/{param}` of the matched route, or `$default`. */
  readonly routeKey: string;
  readonly rawPath: string;
  readonly rawQueryString?: string;
  /** Names as API Gateway passes them on: lower case. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly cookies?: readonly string[];
  readonly queryStringParameters?: Readonly<Record<string, string>>;
  readonly pathParameters?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
}

/** The API and the connection the request came through (requestContext). */
export interface ApiGateway {
  readonly accountId: string;
  readonly apiId: string;
  readonly domainName: string;
  readonly domainPrefix: string;
  readonly protocol: string;
  readonly sourceIp: string;
  /** Default: the request's user-agent header. */
  readonly userAgent?: string;
}

const LOCAL: ApiGateway = {
  accountId: '000000000000',
  apiId: 'local',
  domainName: '127.0.0.1',
  domainPrefix: 'local',
  protocol: 'HTTP/1.1',
  sourceIp: '127.0.0.1',
};

export function apiEvent(request: ApiRequest, gateway: Partial<ApiGateway> = {}): APIGatewayProxyEventV2 {
  const g = { ...LOCAL, ...gateway };
  const headers = { ...request.headers };
  const now = Date.now();
  return {
    version: '2.0',
    routeKey: request.routeKey,
    rawPath: request.rawPath,
    rawQueryString: request.rawQueryString ?? '',
    ...(request.cookies && { cookies: [...request.cookies] }),
    headers,
    ...(request.queryStringParameters && { queryStringParameters: { ...request.queryStringParameters } }),
    ...(request.pathParameters && { pathParameters: { ...request.pathParameters } }),
    requestContext: {
      accountId: g.accountId,
      apiId: g.apiId,
      domainName: g.domainName,
      domainPrefix: g.domainPrefix,
      http: {
        method: request.method,
        path: request.rawPath,
        protocol: g.protocol,
        sourceIp: g.sourceIp,
        userAgent: g.userAgent ?? headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: request.routeKey,
      stage: '$default',
      time: new Date(now).toUTCString(),
      timeEpoch: now,
    },
    ...(request.body !== undefined && { body: request.body }),
    isBase64Encoded: request.isBase64Encoded ?? false,
  };
}

/** The route key API Gateway gives a route of the table: `METHOD /api/v1/path/{param}`. */
export const routeKey = (method: string, path: string) => `${method} ${API_BASE_PATH}${path}`;

export interface RouteEventOptions {
  /** Values for the route's `{param}` placeholders; URL-encoded in rawPath, as sent. */
  readonly pathParameters?: Readonly<Record<string, string>>;
  readonly headers?: Readonly<Record<string, string>>;
  /** A string is sent as is; anything else is JSON-encoded. */
  readonly body?: unknown;
  readonly isBase64Encoded?: boolean;
}

/** The event for a request that matched `METHOD /api/v1<path>`, the path filled from pathParameters. */
export function routeEvent(
  method: string,
  path: string,
  options: RouteEventOptions = {},
  gateway: Partial<ApiGateway> = {},
): APIGatewayProxyEventV2 {
  const params = options.pathParameters;
  const rawPath =
    API_BASE_PATH + path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params?.[name] ?? ''));
  const body =
    options.body === undefined || typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  return apiEvent(
    {
      method,
      routeKey: routeKey(method, path),
      rawPath,
      ...(options.headers && { headers: options.headers }),
      ...(params && { pathParameters: params }),
      ...(body !== undefined && { body }),
      ...(options.isBase64Encoded !== undefined && { isBase64Encoded: options.isBase64Encoded }),
    },
    gateway,
  );
}
