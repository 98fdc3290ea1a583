/**
 * SQS-triggered verifier: one message, one domain check. Failed messages are reported as partial
 * batch failures, so one bad message does not make the others run again. When the invocation's
 * time runs low, the checks not started yet are handed back the same way, unstarted: SQS delivers
 * them again, rather than a timeout returning the whole batch, the finished checks included.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { isThrottling } from '../src/adapters/aws-errors.js';
import { METRIC } from '../src/deployment.js';
import { parseVerifyMessage } from '../src/domain/verify-message.js';
import { ServiceUnavailableError } from '../src/errors.js';
import { count, flushMetrics, logger } from '../src/observability.js';
import { checkDomain } from '../src/services/verifier.js';

/**
 * The time a check is started with at least: its DNS lookups (bounded at a few seconds), the SES
 * call with the SDK's retries and the table writes. The stack sizes the function's timeout with
 * the same allowance per check (lib/function-settings.ts).
 */
const TIME_TO_START_CHECK_MS = 20_000;

/** A record not started because too little time was left; reported as a failure so SQS delivers it again. */
class HandedBack extends Error {
  override readonly name = 'HandedBack';
}

async function recordHandler(record: SQSRecord, context: Context): Promise<void> {
  const remainingMs = context.getRemainingTimeInMillis();
  if (remainingMs < TIME_TO_START_CHECK_MS) {
    logger.info('not started, too little time left; SQS delivers it again', {
      messageId: record.messageId,
      remainingMs,
    });
    throw new HandedBack(`${remainingMs} ms left`);
  }
  const message = parseVerifyMessage(record.body);
  try {
    const result = await checkDomain(message);
    if (result.outcome === 'skipped') count(METRIC.verificationCheck, { outcome: 'skipped' });
    logger.info('domain checked', {
      teamId: message.teamId,
      domainId: message.domainId,
      reason: message.reason,
      ...result,
    });
  } catch (err) {
    const throttled = isThrottling(err) || (err instanceof ServiceUnavailableError && err.reason === 'throttled');
    // The message returns to the queue after its visibility timeout: that is the retry.
    if (throttled) count(METRIC.sesThrottled);
    logger.warn('check failed; the queue retries it', {
      teamId: message.teamId,
      domainId: message.domainId,
      throttled,
      error: err as Error,
    });
    throw err;
  }
}

export const handler = async (event: SQSEvent, context: Context) => {
  try {
    // A processor per invocation: it holds the batch's state, and the local stack runs two
    // invocations at once in one process.
    return await processPartialResponse(event, recordHandler, new BatchProcessor(EventType.SQS), {
      context,
      throwOnFullBatchFailure: false,
      // One record at a time: each takes its SES slot when it is ready to use it, so late answers
      // from DynamoDB cannot bunch calls into a burst above the budget. It also lets the records
      // not started yet be handed back when time runs low.
      processInParallel: false,
    });
  } finally {
    flushMetrics();
  }
};
