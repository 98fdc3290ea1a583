/**
 * Turns AWS SDK failures that a retry can fix (throttling, 5xx, timeouts, connection errors) into a
 * 503 with Retry-After. Anything else is left alone and ends as a 500 without detail.
 */
import { ServiceUnavailableError } from '../errors.js';

interface SdkErrorShape {
  name?: string;
  CancellationReasons?: { Code?: string }[];
  code?: string;
  $fault?: 'client' | 'server';
  $retryable?: { throttling?: boolean };
  $metadata?: { httpStatusCode?: number };
}

const THROTTLING_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
]);

const TRANSIENT_NAMES = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'ServiceUnavailable',
  'InternalServerError',
  'InternalFailure',
]);
const TRANSIENT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);

/** DynamoDB reports throttling and conflicts inside a transaction as cancellation reasons. */
const THROTTLING_REASONS = new Set(['ThrottlingError', 'ProvisionedThroughputExceeded', 'RequestLimitExceeded']);
const TRANSIENT_REASONS = new Set(['TransactionConflict']);

function cancellationCodes(e: SdkErrorShape): string[] {
  return e?.name === 'TransactionCanceledException' ? (e.CancellationReasons ?? []).map((r) => r.Code ?? 'None') : [];
}

export function isThrottling(err: unknown): boolean {
  const e = err as SdkErrorShape;
  if (cancellationCodes(e).some((c) => THROTTLING_REASONS.has(c))) return true;
  return (
    THROTTLING_NAMES.has(e?.name ?? '') || e?.$retryable?.throttling === true || e?.$metadata?.httpStatusCode === 429
  );
}

export function isTransient(err: unknown): boolean {
  const e = err as SdkErrorShape;
  if (isThrottling(err)) return true;
  if (cancellationCodes(e).some((c) => TRANSIENT_REASONS.has(c))) return true;
  if (TRANSIENT_NAMES.has(e?.name ?? '') || TRANSIENT_CODES.has(e?.code ?? '')) return true;
  return e?.$fault === 'server' || (e?.$metadata?.httpStatusCode ?? 0) >= 500;
}

/** Rethrows a retryable AWS failure as a 503; returns other errors for the caller to rethrow. */
export function toServiceError(err: unknown, what: string): unknown {
  if (isThrottling(err))
    return new ServiceUnavailableError(
      `${what} is being throttled. Retry after the delay in Retry-After.`,
      2,
      'throttled',
    );
  if (isTransient(err))
    return new ServiceUnavailableError(`${what} is temporarily unavailable. Retry after the delay in Retry-After.`, 1);
  return err;
}
