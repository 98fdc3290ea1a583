/** The webhook delivery queue: one message asks the delivery worker for one attempt of one delivery. */
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { deliveryQueueConfig } from '../config.js';
import { type DeliveryMessage, MAX_QUEUE_DELAY_SECONDS } from '../domain/webhook-delivery.js';
import { toServiceError } from './aws-errors.js';
import { sqs } from './sqs-client.js';

/** Read when first sending: only the functions allowed to send are given the queue's URL. */
let queueUrlCache: string | undefined;
const queueUrl = () => (queueUrlCache ??= deliveryQueueConfig().WEBHOOK_DELIVERY_QUEUE_URL);

/** Queues an attempt, delayed by `delaySeconds` (at most SQS's 15 minutes; a longer wait hops). */
export async function enqueueDelivery(message: DeliveryMessage, delaySeconds = 0): Promise<void> {
  const delay = Math.min(MAX_QUEUE_DELAY_SECONDS, Math.max(0, Math.round(delaySeconds)));
  try {
    await sqs.send(
      new SendMessageCommand({ QueueUrl: queueUrl(), MessageBody: JSON.stringify(message), DelaySeconds: delay }),
    );
  } catch (err) {
    throw toServiceError(err, 'The webhook delivery queue');
  }
}
