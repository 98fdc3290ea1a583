/**
 * The RateBudget entity: a shared pacer for SES calls of one account and region, so that every
 * verifier container together stays within the budget (SES allows about 1 identity call per
 * second per account and region).
 *
 *   RateBudget  PK = RATE#<name>   SK = RATE   nextSlot (ms since epoch)
 *
 * Each caller reserves the next free slot with one conditional write, then waits for it: slots are
 * a little over 1000 / rate ms apart, so calls never burst above the rate however many containers run.
 * DynamoDB has no "max" in update expressions, hence two conditional forms (at most two writes).
 */

import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ddb, tableName } from './dynamodb-client.js';

export const rateBudgetKey = (name: string) => ({ PK: `RATE#${name}`, SK: 'RATE' });

/** Reserves the next slot of `name` at `ratePerSecond`; returns its time (ms since epoch). */
export async function reserveSlot(name: string, ratePerSecond: number, now: number = Date.now()): Promise<number> {
  // 2% under the rate, so that timer jitter between containers never takes the calls above it.
  const interval = Math.ceil((1000 / ratePerSecond) * 1.02);
  try {
    // The pacer is idle (its next slot is in the past): take "now".
    await ddb.send(
      new UpdateCommand({
        TableName: tableName,
        Key: rateBudgetKey(name),
        UpdateExpression: 'SET nextSlot = :next',
        ConditionExpression: 'attribute_not_exists(nextSlot) OR nextSlot <= :now',
        ExpressionAttributeValues: { ':now': now, ':next': now + interval },
      }),
    );
    return now;
  } catch (err) {
    if (!(err instanceof ConditionalCheckFailedException)) throw err;
  }
  // Busy: queue behind the last reservation.
  const out = await ddb.send(
    new UpdateCommand({
      TableName: tableName,
      Key: rateBudgetKey(name),
      UpdateExpression: 'SET nextSlot = nextSlot + :interval',
      ExpressionAttributeValues: { ':interval': interval },
      ReturnValues: 'UPDATED_NEW',
    }),
  );
  return (out.Attributes?.nextSlot as number) - interval;
}
