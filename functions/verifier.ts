/**
 * SQS-triggered verifier: one message, one domain check. Failed messages are reported as partial
 * batch failures, so one bad message does not make the others run again.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { SQSEvent, SQSRecord, Context } from 'aws-lambda';
import { parseVerifyMessage } from '../src/domain/verify-message.js';
import { checkDomain } from '../src/services/verifier.js';
import { count, flushMetrics, logger, METRIC } from '../src/observability.js';
import { isThrottling } from '../src/adapters/aws-errors.js';
import { ServiceUnavailableError } from '../src/errors.js';

const processor = new BatchProcessor(EventType.SQS);

async function recordHandler(record: SQSRecord): Promise<void> {
  const message = parseVerifyMessage(record.body);
  try {
    const result = await checkDomain(message);
    if (result.outcome === 'skipped') count(METRIC.verificationCheck, { outcome: 'skipped' });
    logger.info('domain checked', { teamId: message.teamId, domainId: message.domainId, reason: message.reason, ...result });
  } catch (err) {
    const throttled = isThrottling(err) || (err instanceof ServiceUnavailableError && err.reason === 'throttled');
    // The message returns to the queue after its visibility timeout: that is the retry.
    if (throttled) count(METRIC.sesThrottled);
    logger.warn('check failed; the queue retries it', { teamId: message.teamId, domainId: message.domainId, throttled, error: err as Error });
    throw err;
  }
}

export const handler = async (event: SQSEvent, context: Context) => {
  try {
    return await processPartialResponse(event, recordHandler, processor, {
      context,
      throwOnFullBatchFailure: false,
      // One record at a time: each takes its SES slot when it is ready to use it, so late answers
      // from DynamoDB cannot bunch calls into a burst above the budget.
      processInParallel: false,
    });
  } finally {
    flushMetrics();
  }
};
