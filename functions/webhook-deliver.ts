/**
 * SQS-triggered delivery worker: one message, one attempt of one delivery. A batch's attempts run
 * at once, so one slow receiver delays none of the other messages of its batch; and an endpoint may
 * hold at most WEBHOOK_ENDPOINT_CONCURRENCY attempts at a time (deliver.ts), so a receiver that takes
 * its whole 10 seconds cannot hold every worker. A message that fails (the table or KMS busy) is
 * reported as a partial batch failure and comes back after its visibility timeout, the others done.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { parseDeliveryMessage } from '../src/domain/webhook-delivery.js';
import { flushMetrics, logger } from '../src/observability.js';
import { deliver } from '../src/services/webhooks/deliver.js';

async function recordHandler(record: SQSRecord): Promise<void> {
  const message = parseDeliveryMessage(record.body);
  const redelivered = Number(record.attributes.ApproximateReceiveCount ?? '1') > 1;
  try {
    const result = await deliver(message, redelivered);
    if (result.outcome === 'skipped' || result.outcome === 'waiting')
      logger.debug('delivery message done without an attempt', { deliveryId: message.deliveryId, ...result });
  } catch (err) {
    logger.warn('delivery attempt failed; the queue hands it over again', {
      teamId: message.teamId,
      webhookId: message.webhookId,
      deliveryId: message.deliveryId,
      error: err as Error,
    });
    throw err;
  }
}

export const handler = async (event: SQSEvent, context: Context) => {
  try {
    // A processor per invocation: it holds the batch's state, and the local stack may run several
    // invocations at once in one process.
    return await processPartialResponse(event, recordHandler, new BatchProcessor(EventType.SQS), {
      context,
      throwOnFullBatchFailure: false,
      processInParallel: true,
    });
  } finally {
    flushMetrics();
  }
};
