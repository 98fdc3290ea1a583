/**
 * SQS-triggered verifier: one message, one domain check. Failed messages are reported as partial
 * batch failures, so one bad message does not make the others run again.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { SQSEvent, SQSRecord, Context } from 'aws-lambda';
import { parseVerifyMessage } from '../src/domain/verify-message.js';
import { checkDomain } from '../src/services/verifier.js';
import { logger } from '../src/observability.js';

const processor = new BatchProcessor(EventType.SQS);

async function recordHandler(record: SQSRecord): Promise<void> {
  const message = parseVerifyMessage(record.body);
  const result = await checkDomain(message);
  logger.info('domain checked', { teamId: message.teamId, domainId: message.domainId, reason: message.reason, ...result });
}

export const handler = async (event: SQSEvent, context: Context) =>
  processPartialResponse(event, recordHandler, processor, { context, throwOnFullBatchFailure: false });
