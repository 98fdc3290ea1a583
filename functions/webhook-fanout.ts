/**
 * Stream-triggered fan-out: each new webhook event item (the stack's filter lets only INSERTs of
 * `EVENT#` items through) becomes one delivery per subscribed endpoint, each with a queued attempt.
 * A record that fails is reported as a partial batch failure: the stream hands it over again, with
 * the ones after it, and a fan-out run again makes no second delivery.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { isWebhookEventImage, parseWebhookEventItem } from '../src/adapters/webhook-events.js';
import { flushMetrics, logger } from '../src/observability.js';
import { fanOut } from '../src/services/webhooks/fanout.js';

async function recordHandler(record: DynamoDBRecord): Promise<void> {
  const image = record.dynamodb?.NewImage;
  if (record.eventName !== 'INSERT' || !isWebhookEventImage(image)) return;
  const event = parseWebhookEventItem(unmarshall(image as Record<string, AttributeValue>));
  try {
    await fanOut(event);
  } catch (err) {
    logger.warn('fan-out failed; the stream hands the event over again', {
      teamId: event.teamId,
      eventId: event.eventId,
      error: err as Error,
    });
    throw err;
  }
}

export const handler = async (event: DynamoDBStreamEvent, context: Context) => {
  try {
    return await processPartialResponse(event, recordHandler, new BatchProcessor(EventType.DynamoDBStreams), {
      context,
      throwOnFullBatchFailure: false,
    });
  } finally {
    flushMetrics();
  }
};
