/**
 * The API's one error envelope, `{"error":{"code","message",...}}`, and the access log line. Every
 * error a function throws is mapped here, once: typed ApiErrors keep their status and code, middy's
 * body-parser errors become 400/415, anything else is logged and answered 500 without detail.
 */
import type middy from '@middy/core';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ApiError, InvalidJsonError, UnsupportedMediaTypeError } from '../errors.js';
import { flushMetrics, logger } from '../observability.js';

type Result = APIGatewayProxyStructuredResultV2;

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Result {
  return {
    statusCode: status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}

export function errorResponse(err: ApiError): Result {
  const headers: Record<string, string> = {};
  if (err.retryAfterSeconds !== undefined) headers['Retry-After'] = String(err.retryAfterSeconds);
  return json(err.status, { error: { code: err.code, message: err.message, ...err.details } }, headers);
}

/** Maps any thrown value to an ApiError (500 `internal_error` for the unexpected). */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const status = (err as { statusCode?: number } | null)?.statusCode;
  // middy's JSON body parser: 415 without a JSON content type, 422 for a body that is not JSON.
  if (status === 415) return new UnsupportedMediaTypeError();
  if (status === 422) return new InvalidJsonError();
  return new ApiError(500, 'internal_error', 'Something went wrong on our side. Retry later; if it persists, contact support.');
}

export function errorEnvelope(): middy.MiddlewareObj {
  return {
    onError: (request) => {
      const apiError = toApiError(request.error);
      if (apiError.status >= 500 && apiError.code === 'internal_error') {
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
