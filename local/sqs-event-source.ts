/**
 * Feeds an SQS queue to a handler the way Lambda's SQS event source mapping does: long-polls
 * batches, invokes the handler with an SQSEvent, deletes the messages that succeeded, and leaves
 * the reported failures (or the whole batch, if the handler throws) to reappear after the
 * visibility timeout, so the queue's redrive policy moves a message that keeps failing to the DLQ.
 */
import { DeleteMessageBatchCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { lambdaContext } from './lambda-context.js';

const DEFAULT_TIMEOUT_MS = 60_000;

export type SqsHandler = (
  event: SQSEvent,
  context: ReturnType<typeof lambdaContext>,
) => Promise<SQSBatchResponse | undefined>;

export interface EventSourceOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly region: string;
  readonly handler: SqsHandler;
  readonly functionName: string;
  /**
   * The function's timeout, counted down by the context's getRemainingTimeInMillis(). By default
   * the verifier's in the stack (lib/function-settings.ts verifierTimeout): 60 s at an SES pace of
   * 0.5 calls/s or more (the default is 0.8), so checks not started in time are handed back at the
   * same point as in AWS.
   */
  readonly timeoutMs?: number;
  readonly batchSize?: number;
  readonly waitTimeSeconds?: number;
  /** Concurrent pollers, like the mapping's maximum concurrency. */
  readonly concurrency?: number;
  readonly onError?: (err: unknown) => void;
}

export interface EventSource {
  stop(): Promise<void>;
  /** Resolves when a poll returned no messages and no batch is running (for tests). */
  idle(): Promise<void>;
}

export function startSqsEventSource(o: EventSourceOptions): EventSource {
  let running = true;
  let busy = 0;
  let idleWaiters: Array<() => void> = [];

  async function pollOnce(): Promise<number> {
    const out = await o.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: o.queueUrl,
        MaxNumberOfMessages: o.batchSize ?? 10,
        WaitTimeSeconds: o.waitTimeSeconds ?? 1,
        MessageSystemAttributeNames: ['All'],
        MessageAttributeNames: ['All'],
      }),
    );
    const messages = out.Messages ?? [];
    if (messages.length === 0) return 0;
    busy++;
    try {
      const records: SQSRecord[] = messages.map((m) => ({
        messageId: m.MessageId ?? '',
        receiptHandle: m.ReceiptHandle ?? '',
        body: m.Body ?? '',
        attributes: m.Attributes as unknown as SQSRecord['attributes'],
        messageAttributes: {},
        md5OfBody: m.MD5OfBody ?? '',
        eventSource: 'aws:sqs',
        eventSourceARN: o.queueArn,
        awsRegion: o.region,
      }));
      let failedIds = new Set<string>(records.map((r) => r.messageId));
      try {
        const result = await o.handler(
          { Records: records },
          lambdaContext(o.functionName, o.timeoutMs ?? DEFAULT_TIMEOUT_MS),
        );
        failedIds = new Set((result?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
      } catch (err) {
        o.onError?.(err);
      }
      const done = messages.filter((m) => !failedIds.has(m.MessageId ?? ''));
      if (done.length > 0) {
        await o.sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: o.queueUrl,
            Entries: done.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle ?? '' })),
          }),
        );
      }
    } finally {
      busy--;
    }
    return messages.length;
  }

  async function loop(): Promise<void> {
    while (running) {
      try {
        const n = await pollOnce();
        if (n === 0 && busy === 0) {
          const waiters = idleWaiters;
          idleWaiters = [];
          for (const w of waiters) w();
        }
      } catch (err) {
        if (!running) break;
        o.onError?.(err);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  const loops = Array.from({ length: o.concurrency ?? 1 }, () => loop());
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
    },
    idle: () => new Promise<void>((resolve) => idleWaiters.push(resolve)),
  };
}
