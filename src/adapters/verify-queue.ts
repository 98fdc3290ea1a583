/** The verify queue: one message asks the verifier to check one domain. */
import { SendMessageBatchCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { queueConfig } from '../config.js';
import type { VerifyMessage } from '../domain/verify-message.js';
import { toServiceError } from './aws-errors.js';
import { sqs } from './sqs-client.js';

/** Read when first sending: only the functions allowed to send are given the queue's URL. */
let queueUrlCache: string | undefined;
const queueUrl = () => (queueUrlCache ??= queueConfig().VERIFY_QUEUE_URL);

export async function enqueueVerification(message: VerifyMessage): Promise<void> {
  try {
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl(), MessageBody: JSON.stringify(message) }));
  } catch (err) {
    throw toServiceError(err, 'The verification queue');
  }
}

/** Sends up to 10 messages per call; returns the messages SQS did not accept. */
export async function enqueueVerifications(messages: readonly VerifyMessage[]): Promise<VerifyMessage[]> {
  const failed: VerifyMessage[] = [];
  for (let i = 0; i < messages.length; i += 10) {
    const batch = messages.slice(i, i + 10);
    const out = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: queueUrl(),
        Entries: batch.map((m, n) => ({ Id: String(n), MessageBody: JSON.stringify(m) })),
      }),
    );
    for (const f of out.Failed ?? []) {
      const m = batch[Number(f.Id)];
      if (m) failed.push(m);
    }
  }
  return failed;
}
