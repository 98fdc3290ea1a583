/** HTTP API (payload 2.0) events for invoking the route functions in process, as API Gateway would. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { routeEvent } from '../../local/api-event.js';
import { ROUTES, type RouteName } from '../../src/routes.js';

const BENCH_GATEWAY = {
  apiId: 'bench',
  domainName: 'bench.local',
  domainPrefix: 'bench',
  protocol: 'HTTP/1.1',
  sourceIp: '127.0.0.1',
};

export function apiEvent(
  functionName: RouteName,
  opts: { key: string; params?: Record<string, string>; body?: unknown },
): APIGatewayProxyEventV2 {
  const route = ROUTES[functionName];
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
  const params = opts.params ?? {};
  return routeEvent(
    route.method,
    route.path,
    { headers, ...(Object.keys(params).length > 0 && { pathParameters: params }), ...(body !== undefined && { body }) },
    BENCH_GATEWAY,
  );
}
