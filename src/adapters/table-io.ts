/**
 * How every table entity calls DynamoDB and reads what it gets back, so failures mean the same
 * thing whichever entity meets them:
 *
 * - a failed condition (of a single write, or of items in a transaction) is an answer, returned as
 *   `ConditionFailed` with the items as they were when the write asked for them;
 * - a write DynamoDB refuses as invalid (above all an item past 400 KB) is `InvalidWriteError`:
 *   every retry is refused again;
 * - throttling and other failures a retry can fix are the service's retryable 503 (aws-errors.ts);
 * - an item that does not have its entity's shape is `MalformedItemError`, at the read.
 */
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import * as v from 'valibot';
import { toServiceError } from './aws-errors.js';
import { PK, SK } from './table-keys.js';

export type Item = Record<string, unknown>;

/** The conditions a write failed on: by the item's place in the transaction (0 for a single write). */
export class ConditionFailed {
  constructor(private readonly items: ReadonlyMap<number, Item | undefined>) {}

  /** Whether the condition of the `index`th item failed. */
  failedAt(index: number): boolean {
    return this.items.has(index);
  }

  /**
   * The `index`th item as it was when its condition failed; undefined when it did not exist, or
   * when the write did not ask for it (`ReturnValuesOnConditionCheckFailure: 'ALL_OLD'`).
   */
  old(index = 0): Item | undefined {
    return this.items.get(index);
  }
}

/** DynamoDB refused a write as invalid: no retry can change that. */
export class InvalidWriteError extends Error {
  override readonly name = 'InvalidWriteError';
  constructor(store: string, options: { cause: unknown }) {
    super(`${store} refused the write as invalid`, options);
  }
}

/** A stored item without its entity's shape: the table holds something this code did not write. */
export class MalformedItemError extends Error {
  override readonly name = 'MalformedItemError';
}

/** Runs a read; failures a retry can fix become the retryable 503 (`store` names it in the message). */
export async function read<T>(store: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toServiceError(err, store);
  }
}

/** Every item of a query, page after page (each page through `read`). */
export async function queryAll(
  store: string,
  page: (startKey: Item | undefined) => Promise<{ Items?: Item[]; LastEvaluatedKey?: Item }>,
): Promise<Item[]> {
  const items: Item[] = [];
  let startKey: Item | undefined;
  do {
    const out = await read(store, () => page(startKey));
    items.push(...(out.Items ?? []));
    startKey = out.LastEvaluatedKey;
  } while (startKey);
  return items;
}

// Exception payloads come in DynamoDB's wire format: the document client does not convert them.
const fromWire = (raw: Parameters<typeof unmarshall>[0] | undefined): Item | undefined =>
  raw ? unmarshall(raw) : undefined;

/** Runs a write (or a transaction); a failed condition is returned, not thrown (see the module's comment). */
export async function write<T>(store: string, call: () => Promise<T>): Promise<T | ConditionFailed> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) return new ConditionFailed(new Map([[0, fromWire(err.Item)]]));
    if (err instanceof TransactionCanceledException) {
      const reasons = err.CancellationReasons ?? [];
      const failed = new Map<number, Item | undefined>();
      reasons.forEach((r, i) => {
        if (r.Code === 'ConditionalCheckFailed') failed.set(i, fromWire(r.Item));
      });
      if (failed.size > 0) return new ConditionFailed(failed);
      if (reasons.some((r) => r.Code === 'ValidationError')) throw new InvalidWriteError(store, { cause: err });
    }
    if ((err as { name?: unknown } | null)?.name === 'ValidationException')
      throw new InvalidWriteError(store, { cause: err });
    throw toServiceError(err, store);
  }
}

/** An item read through its entity's schema; a malformed one is a clear error naming the item and fields. */
export function parseItem<S extends v.GenericSchema>(schema: S, item: unknown, entity: string): v.InferOutput<S> {
  const parsed = v.safeParse(schema, item);
  if (parsed.success) return parsed.output;
  const key = item && typeof item === 'object' ? `${String((item as Item)[PK])} / ${String((item as Item)[SK])}` : '?';
  const fields = [...new Set(parsed.issues.map((i) => v.getDotPath(i) ?? '(item)'))].join(', ');
  throw new MalformedItemError(`The table holds a malformed ${entity} item (${key}): ${fields}`);
}
