/**
 * Feeds a DynamoDB Local table's stream to a handler the way Lambda's DynamoDB event source mapping
 * does: reads every shard (new shards appear as the stream rolls over; a child shard is read only once
 * its parent is finished), keeps the records the filter lets through, and invokes the handler with
 * a DynamoDBStreamEvent of up to `batchSize` records of one shard at a time. Delivery is at least
 * once and in order per shard: a record the handler reports failed (`batchItemFailures`, by sequence
 * number), or the whole batch when the handler throws, is handed over again before any later record
 * of its shard, together with the records after it (as ReportBatchItemFailures does).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  type GetRecordsCommandOutput,
  GetShardIteratorCommand,
  type _Record as SdkRecord,
  type AttributeValue as SdkValue,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import type { AttributeValue, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { tableStreamArn } from './create-resources.js';

export type StreamImage = Record<string, AttributeValue>;

export interface StreamSourceOptions {
  readonly endpoint: string;
  readonly region: string;
  readonly tableName: string;
  /** Which records go to the handler, by their new image (DynamoDB's wire format, as Lambda gives it). */
  readonly filter: (newImage: StreamImage) => boolean;
  // biome-ignore lint/suspicious/noConfusingVoidType: the handler's type in Lambda (DynamoDBStreamHandler) returns void
  readonly handler: (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse | void>;
  /** Records per invocation (default 100, as the mapping's default). */
  readonly batchSize?: number;
  /** Pause between polls of a stream with nothing new (default 200 ms), and before a failed batch is retried. */
  readonly pollMs?: number;
  /** Which changes count (default INSERT only: new items, as the stack's filter criteria). */
  readonly eventNames?: readonly NonNullable<DynamoDBRecord['eventName']>[];
  /** Where reading starts in the shards open at start (default TRIM_HORIZON: everything still in the stream). */
  readonly startingPosition?: 'TRIM_HORIZON' | 'LATEST';
  /** Retries of a failing record before it is skipped (default unlimited, as the mapping's -1). */
  readonly maxRetryAttempts?: number;
  readonly onError?: (err: unknown) => void;
}

export interface StreamSource {
  stop(): Promise<void>;
  /** Resolves once a whole poll, begun after the call, found nothing to hand over (for tests). */
  idle(): Promise<void>;
}

interface ShardState {
  readonly id: string;
  readonly parentId: string | undefined;
  iterator: string | undefined;
  /** Sequence number of the last record read from the shard, to read on after it. */
  lastRead: string | undefined;
  /** No more records will come (GetRecords gave no next iterator). */
  closed: boolean;
  /** Read but not yet handled successfully, in order. */
  pending: DynamoDBRecord[];
  /** Failed attempts of the batch starting at `pending[0]`. */
  failures: number;
}

export function startStreamSource(o: StreamSourceOptions): StreamSource {
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  const ddb = new DynamoDBClient({ endpoint: o.endpoint, region: o.region, credentials });
  const streams = new DynamoDBStreamsClient({ endpoint: o.endpoint, region: o.region, credentials });
  const batchSize = o.batchSize ?? 100;
  const pollMs = o.pollMs ?? 200;
  const eventNames = new Set(o.eventNames ?? ['INSERT']);
  const shards = new Map<string, ShardState>();
  let streamArn: string | undefined;
  let firstListing = true;
  let running = true;
  let round = 0;
  let idleWaiters: Array<{ after: number; resolve: () => void }> = [];

  const done = (s: ShardState) => s.closed && s.pending.length === 0;
  /** A child shard waits for its parent (unless the parent is gone from the stream, read or not). */
  const readable = (s: ShardState) => {
    const parent = s.parentId === undefined ? undefined : shards.get(s.parentId);
    return !done(s) && (parent === undefined || done(parent));
  };

  async function listShards(): Promise<void> {
    streamArn ??= await tableStreamArn(ddb, o.tableName);
    let start: string | undefined;
    const found: Shard[] = [];
    do {
      const out = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn, ExclusiveStartShardId: start }));
      found.push(...(out.StreamDescription?.Shards ?? []));
      start = out.StreamDescription?.LastEvaluatedShardId;
    } while (start);
    for (const shard of found) {
      if (!shard.ShardId || shards.has(shard.ShardId)) continue;
      // LATEST skips what the shards had at start; a closed one then has nothing more to give.
      const skip = firstListing && o.startingPosition === 'LATEST';
      const closedAtStart = shard.SequenceNumberRange?.EndingSequenceNumber !== undefined;
      shards.set(shard.ShardId, {
        id: shard.ShardId,
        parentId: shard.ParentShardId,
        iterator: undefined,
        lastRead: undefined,
        closed: skip && closedAtStart,
        pending: [],
        failures: 0,
      });
      if (skip && !closedAtStart) {
        const it = await streams.send(
          new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: shard.ShardId, ShardIteratorType: 'LATEST' }),
        );
        const state = shards.get(shard.ShardId);
        if (state) state.iterator = it.ShardIterator;
      }
    }
    firstListing = false;
  }

  /** Reads the shard's next records into `pending`; whether any were read. */
  async function read(s: ShardState): Promise<boolean> {
    if (s.iterator === undefined) {
      const it = await streams.send(
        new GetShardIteratorCommand({
          StreamArn: streamArn,
          ShardId: s.id,
          ...(s.lastRead === undefined
            ? { ShardIteratorType: 'TRIM_HORIZON' }
            : { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: s.lastRead }),
        }),
      );
      s.iterator = it.ShardIterator;
      if (s.iterator === undefined) {
        s.closed = true;
        return false;
      }
    }
    let out: GetRecordsCommandOutput;
    try {
      out = await streams.send(new GetRecordsCommand({ ShardIterator: s.iterator, Limit: 1000 }));
    } catch (err) {
      // An expired or trimmed iterator: the next poll gets a new one after the last record read.
      s.iterator = undefined;
      throw err;
    }
    const records = out.Records ?? [];
    s.iterator = out.NextShardIterator;
    if (s.iterator === undefined) s.closed = true;
    const last = records.at(-1)?.dynamodb?.SequenceNumber;
    if (last !== undefined) s.lastRead = last;
    for (const r of records) {
      const record = toLambdaRecord(r, streamArn ?? '');
      const image = record.dynamodb?.NewImage;
      if (record.eventName && eventNames.has(record.eventName) && image && o.filter(image)) s.pending.push(record);
    }
    return records.length > 0;
  }

  /** Hands the shard's next batch to the handler; drops from `pending` what it handled. */
  async function deliver(s: ShardState): Promise<void> {
    const batch = s.pending.slice(0, batchSize);
    let handled = batch.length;
    try {
      const result = await o.handler({ Records: batch });
      const failed = (result?.batchItemFailures ?? []).map((f) =>
        batch.findIndex((r) => r.dynamodb?.SequenceNumber === f.itemIdentifier),
      );
      // A failure naming no record of the batch fails all of it, as with Lambda.
      if (failed.length > 0) handled = failed.includes(-1) ? 0 : Math.min(...failed);
    } catch (err) {
      o.onError?.(err);
      handled = 0;
    }
    if (handled > 0) {
      s.pending.splice(0, handled);
      s.failures = 0;
      return;
    }
    s.failures++;
    if (o.maxRetryAttempts !== undefined && o.maxRetryAttempts >= 0 && s.failures > o.maxRetryAttempts) {
      const [skipped] = s.pending.splice(0, 1);
      s.failures = 0;
      o.onError?.(new Error(`stream record ${skipped?.dynamodb?.SequenceNumber} skipped after its retries`));
    }
    // Lambda retries at once; a short pause keeps a failing handler from spinning.
    await sleep(pollMs);
  }

  /** One pass over every readable shard: whether anything was read or handed over. */
  async function step(s: ShardState): Promise<boolean> {
    const fresh = s.pending.length === 0 && !s.closed ? await read(s) : false;
    if (s.pending.length === 0) return fresh;
    await deliver(s);
    return true;
  }

  async function loop(): Promise<void> {
    while (running) {
      const started = ++round;
      let busy = false;
      try {
        await listShards();
        const active = [...shards.values()].filter(readable);
        busy = (await Promise.all(active.map(step))).some(Boolean);
      } catch (err) {
        if (!running) break;
        busy = true;
        o.onError?.(err);
      }
      if (!busy) {
        const ready = idleWaiters.filter((w) => w.after < started);
        idleWaiters = idleWaiters.filter((w) => w.after >= started);
        for (const w of ready) w.resolve();
        await sleep(pollMs);
      }
    }
  }

  const looping = loop();
  return {
    async stop() {
      running = false;
      await looping;
      ddb.destroy();
      streams.destroy();
    },
    idle: () => new Promise<void>((resolve) => idleWaiters.push({ after: round, resolve })),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A record as Lambda hands it over: binary values in base64, the creation time in epoch seconds. */
function toLambdaRecord(r: SdkRecord, streamArn: string): DynamoDBRecord {
  const d = r.dynamodb;
  return {
    eventID: r.eventID,
    eventName: r.eventName,
    eventVersion: r.eventVersion,
    eventSource: r.eventSource ?? 'aws:dynamodb',
    awsRegion: r.awsRegion,
    eventSourceARN: streamArn,
    dynamodb: d && {
      ApproximateCreationDateTime:
        d.ApproximateCreationDateTime === undefined ? undefined : d.ApproximateCreationDateTime.getTime() / 1000,
      Keys: d.Keys && toLambdaImage(d.Keys),
      NewImage: d.NewImage && toLambdaImage(d.NewImage),
      OldImage: d.OldImage && toLambdaImage(d.OldImage),
      SequenceNumber: d.SequenceNumber,
      SizeBytes: d.SizeBytes,
      StreamViewType: d.StreamViewType,
    },
  };
}

function toLambdaImage(image: Record<string, SdkValue>): StreamImage {
  return Object.fromEntries(Object.entries(image).map(([k, v]) => [k, toLambdaValue(v)]));
}

function toLambdaValue(v: SdkValue): AttributeValue {
  if (v.B !== undefined) return { B: Buffer.from(v.B).toString('base64') };
  if (v.BS !== undefined) return { BS: v.BS.map((b) => Buffer.from(b).toString('base64')) };
  if (v.L !== undefined) return { L: v.L.map(toLambdaValue) };
  if (v.M !== undefined) return { M: toLambdaImage(v.M) };
  return v as AttributeValue;
}
