/** HTTP API (payload 2.0) events for invoking the route functions in process, as API Gateway would. */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { API_BASE_PATH, routes } from '../../src/routes.js';

export function apiEvent(
  functionName: string,
  opts: { key: string; params?: Record<string, string>; body?: unknown },
): APIGatewayProxyEventV2 {
  const route = routes.find((r) => r.name === functionName);
  if (!route) throw new Error(`no route for function ${functionName}`);
  const params = opts.params ?? {};
  const path = API_BASE_PATH + route.path.replace(/\{(\w+)\}/g, (_, p: string) => encodeURIComponent(params[p] ?? ''));
  const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  const headers: Record<string, string> = {
    host: 'bench.local',
    'user-agent': 'krafter-bench',
    authorization: `Bearer ${opts.key}`,
    ...(body !== undefined && {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
    }),
  };
  const routeKey = `${route.method} ${API_BASE_PATH}${route.path}`;
  const now = Date.now();
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: '',
    headers,
    pathParameters: Object.keys(params).length > 0 ? { ...params } : undefined,
    requestContext: {
      accountId: '000000000000',
      apiId: 'bench',
      domainName: 'bench.local',
      domainPrefix: 'bench',
      http: { method: route.method, path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'krafter-bench' },
      requestId: randomUUID(),
      routeKey,
      stage: '$default',
      time: new Date(now).toUTCString(),
      timeEpoch: now,
    },
    body,
    isBase64Encoded: false,
  };
}
