/**
 * The middlewares that answer errors in the envelope (envelope.ts) and write the access log line.
 * Every error a function throws is mapped here, once: typed ApiErrors keep their status and code,
 * middy's body-parser errors become 400/415, anything else is logged and answered 500 without detail.
 */
import type middy from '@middy/core';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { InternalError } from '../errors.js';
import { flushMetrics, logger } from '../observability.js';
import { errorResponse, toApiError } from './envelope.js';

type Result = APIGatewayProxyStructuredResultV2;

export function errorEnvelope(): middy.MiddlewareObj {
  return {
    onError: (request) => {
      const apiError = toApiError(request.error);
      if (apiError instanceof InternalError) {
        logger.error('unhandled error', { error: request.error as Error, awsRequestId: request.context?.awsRequestId });
      }
      request.response = errorResponse(apiError);
    },
  };
}

/** One structured line per request (route, team, domain id, status, latency; never the key), then the metrics. */
export function accessLog(): middy.MiddlewareObj {
  const log = (request: middy.Request) => {
    const event = request.event as {
      routeKey?: string;
      pathParameters?: Record<string, string>;
      requestContext?: { requestId?: string; authorizer?: { lambda?: { teamId?: string } }; timeEpoch?: number };
    };
    const response = request.response as Result | undefined;
    logger.info('request', {
      route: event.routeKey,
      requestId: event.requestContext?.requestId,
      teamId: event.requestContext?.authorizer?.lambda?.teamId,
      domainId: event.pathParameters?.id,
      status: response?.statusCode,
      outcome: (response?.statusCode ?? 500) < 400 ? 'ok' : 'error',
      latencyMs: event.requestContext?.timeEpoch ? Date.now() - event.requestContext.timeEpoch : undefined,
    });
  };
  const done = (request: middy.Request) => {
    log(request);
    flushMetrics();
  };
  return { after: done, onError: done };
}
