/**
 * JSON answers (and the few text ones) and the API's one error envelope, `{"error":{"code","message",...}}`. Kept free of
 * logging and metrics so the functions that only answer (not-found, openapi) start fast.
 */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ApiError, InternalError, InvalidJsonError, UnsupportedMediaTypeError } from '../errors.js';

type Result = APIGatewayProxyStructuredResultV2;

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Result {
  return {
    statusCode: status,
    headers: { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}

/** A text answer (e.g. a zone file): the body as is, with its media type; never cached, like JSON ones. */
export function text(status: number, body: string, contentType: string, headers: Record<string, string> = {}): Result {
  return {
    statusCode: status,
    headers: { 'Content-Type': contentType, 'Cache-Control': 'no-store', ...headers },
    body,
  };
}

/** The body of an error answer; the OpenAPI document's error examples are these too. */
export function errorBody(err: ApiError) {
  return { error: { code: err.code, message: err.message, ...err.details } };
}

export function errorResponse(err: ApiError): Result {
  const headers: Record<string, string> = {};
  if (err.retryAfterSeconds !== undefined) headers['Retry-After'] = String(err.retryAfterSeconds);
  return json(err.status, errorBody(err), headers);
}

/** Maps any thrown value to an ApiError (500 `internal_error` for the unexpected). */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const status = (err as { statusCode?: number } | null)?.statusCode;
  // middy's JSON body parser: 415 without a JSON content type, 422 for a body that is not JSON.
  if (status === 415) return new UnsupportedMediaTypeError();
  if (status === 422) return new InvalidJsonError();
  return new InternalError();
}
