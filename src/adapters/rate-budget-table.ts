/**
 * The RateBudget entity: a shared pacer for SES calls of one account and region, so that every
 * verifier container together stays within the budget (SES allows about 1 identity call per
 * second per account and region). Keys: table-keys.ts.
 *
 *   RateBudget  PK = RATE#<name>   SK = RATE   nextSlot (ms since epoch)
 *
 * Each caller reserves the next free slot with one conditional write, then waits for it: slots are
 * a little over 1000 / rate ms apart, so calls never burst above the rate however many containers run.
 * DynamoDB has no "max" in update expressions, hence two conditional forms (at most two writes).
 */

import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as v from 'valibot';
import { ddb, tableName } from './dynamodb-client.js';
import { ConditionFailed, parseItem, write } from './table-io.js';
import { rateBudgetKey } from './table-keys.js';

const STORE = 'The SES rate budget';

const SlotSchema = v.object({ nextSlot: v.number() });

/** Reserves the next slot of `name` at `ratePerSecond`; returns its time (ms since epoch). */
export async function reserveSlot(name: string, ratePerSecond: number, now: number = Date.now()): Promise<number> {
  // 2% under the rate, so that timer jitter between containers never takes the calls above it.
  const interval = Math.ceil((1000 / ratePerSecond) * 1.02);
  // The pacer is idle (its next slot is in the past): take "now".
  const idle = await write(STORE, () =>
    ddb.send(
      new UpdateCommand({
        TableName: tableName,
        Key: rateBudgetKey(name),
        UpdateExpression: 'SET nextSlot = :next',
        ConditionExpression: 'attribute_not_exists(nextSlot) OR nextSlot <= :now',
        ExpressionAttributeValues: { ':now': now, ':next': now + interval },
      }),
    ),
  );
  if (!(idle instanceof ConditionFailed)) return now;
  // Busy: queue behind the last reservation.
  const busy = await write(STORE, () =>
    ddb.send(
      new UpdateCommand({
        TableName: tableName,
        Key: rateBudgetKey(name),
        UpdateExpression: 'SET nextSlot = nextSlot + :interval',
        ExpressionAttributeValues: { ':interval': interval },
        ReturnValues: 'UPDATED_NEW',
      }),
    ),
  );
  // The write has no condition, so it cannot fail one.
  const attributes = busy instanceof ConditionFailed ? {} : (busy.Attributes ?? {});
  return parseItem(SlotSchema, attributes, 'RateBudget').nextSlot - interval;
}
