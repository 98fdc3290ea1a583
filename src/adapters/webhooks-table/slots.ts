/**
 * An endpoint's attempt slots: at most `slots` attempts of one endpoint are in flight at once, so a
 * receiver that hangs holds at most that many delivery workers and the other endpoints keep theirs.
 * Each slot is an attribute of the endpoint item (`slot0`, `slot1`, …) holding when its lease ends
 * (ms since the epoch); a worker that dies holding one frees it when the lease runs out. The item's
 * reads ignore these attributes.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ddb, tableName } from '../dynamodb-client.js';
import { ConditionFailed, type Item, write } from '../table-io.js';
import { ITEM_EXISTS, webhookKey } from '../table-keys.js';
import { STORE } from './item.js';

const slotName = (slot: number) => `slot${slot}`;

/**
 * Takes a free slot (none held, or its lease ended before `now`) until `now + leaseMs`, trying the
 * `slots` slots from a random one so takers spread over them: the slot taken, or null when all are
 * held or the endpoint is gone. A failed take reads the item as it was, so the slots seen held are
 * not tried again: when every slot is held, that costs one write.
 */
export async function takeAttemptSlot(
  teamId: string,
  id: string,
  slots: number,
  now: number,
  leaseMs: number,
  random: () => number = Math.random,
): Promise<number | null> {
  const start = Math.floor(random() * slots);
  let held: Item = {};
  for (let i = 0; i < slots; i++) {
    const slot = (start + i) % slots;
    const until = held[slotName(slot)];
    if (typeof until === 'number' && until >= now) continue;
    const out = await write(STORE, () =>
      ddb.send(
        new UpdateCommand({
          TableName: tableName,
          Key: webhookKey(teamId, id),
          UpdateExpression: 'SET #slot = :until',
          ConditionExpression: `${ITEM_EXISTS} AND (attribute_not_exists(#slot) OR #slot < :now)`,
          ExpressionAttributeNames: { '#slot': slotName(slot) },
          ExpressionAttributeValues: { ':until': now + leaseMs, ':now': now },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
    );
    if (!(out instanceof ConditionFailed)) return slot;
    const old = out.old();
    if (!old) return null;
    held = old;
  }
  return null;
}

/**
 * Frees a slot taken until `until`. A slot whose lease ran out and was taken by another worker is
 * theirs now and stays held; a deleted endpoint has no slot to free.
 */
export async function releaseAttemptSlot(teamId: string, id: string, slot: number, until: number): Promise<void> {
  await write(STORE, () =>
    ddb.send(
      new UpdateCommand({
        TableName: tableName,
        Key: webhookKey(teamId, id),
        UpdateExpression: 'REMOVE #slot',
        ConditionExpression: '#slot = :until',
        ExpressionAttributeNames: { '#slot': slotName(slot) },
        ExpressionAttributeValues: { ':until': until },
      }),
    ),
  );
}
