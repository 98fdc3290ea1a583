/**
 * The CellCounter entity: how many identities the API has placed in each SES cell, so that no cell
 * is given more than SES_IDENTITY_QUOTA however many creates run at once. Keys: table-keys.ts.
 *
 *   CellCounter  PK = CELL#<cellId>   SK = CELL   placed (number)
 *
 * The counter never moves on its own: `placeInCell` goes into the transaction that claims a new
 * domain (its condition is the quota), and `leaveCell` into every transaction that removes a domain
 * that took a place (its undo after a failed create, its delete, its release). So the count is
 * always the number of counted domain items in the cell, with no step between that could leak.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import * as v from 'valibot';
import { ddb, tableName } from './dynamodb-client.js';
import { parseItem, read } from './table-io.js';
import { cellCounterKey } from './table-keys.js';

const STORE = 'The cell store';

const CounterSchema = v.object({ placed: v.optional(v.number(), 0) });

/** The cell held `quota` identities already when the transaction ran. */
export class CellFullError extends Error {
  constructor(readonly cellId: string) {
    super(`SES cell ${cellId} is full`);
  }
}

/** The transaction item that takes one place in the cell, only while fewer than `quota` are taken. */
export function placeInCell(cellId: string, quota: number) {
  return {
    Update: {
      TableName: tableName,
      Key: cellCounterKey(cellId),
      UpdateExpression: 'SET entity = :entity ADD #placed :one',
      ConditionExpression: 'attribute_not_exists(#placed) OR #placed < :quota',
      ExpressionAttributeNames: { '#placed': 'placed' },
      ExpressionAttributeValues: { ':entity': 'CellCounter', ':one': 1, ':quota': quota },
    },
  };
}

/**
 * The transaction item that gives one place back. Without a condition: a removal must never fail on
 * the count (the domain it counts is going either way).
 */
export function leaveCell(cellId: string) {
  return {
    Update: {
      TableName: tableName,
      Key: cellCounterKey(cellId),
      UpdateExpression: 'ADD #placed :minusOne',
      ExpressionAttributeNames: { '#placed': 'placed' },
      ExpressionAttributeValues: { ':minusOne': -1 },
    },
  };
}

/**
 * How many identities each cell holds; a cell never counted holds none. Eventually consistent: it
 * only orders the cells to try (the quota is enforced by the write), and feeds the fill metric.
 */
export async function placedIn(cellIds: readonly string[]): Promise<Map<string, number>> {
  const counts = await Promise.all(
    cellIds.map(async (id) => {
      const out = await read(STORE, () => ddb.send(new GetCommand({ TableName: tableName, Key: cellCounterKey(id) })));
      return [id, out.Item ? parseItem(CounterSchema, out.Item, 'CellCounter').placed : 0] as const;
    }),
  );
  return new Map(counts);
}
