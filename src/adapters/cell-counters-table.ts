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
import { GetCommand, ScanCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import * as v from 'valibot';
import { cellIdOf } from '../domain/cells.js';
import { ddb, tableName } from './dynamodb-client.js';
import { ConditionFailed, parseItem, read, write } from './table-io.js';
import { cellCounterKey, ITEM_EXISTS, PK, SK } from './table-keys.js';

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

const UncountedSchema = v.object({
  [PK]: v.string(),
  [SK]: v.string(),
  region: v.string(),
  cell: v.nullish(v.string()),
});

/**
 * The operator's one-off count of domains stored before their cells were counted (`npm run cells --
 * count`): each domain item without a place is marked placed in its cell (the cell named after its
 * region when it has none) and added to that cell's count, in one transaction per domain, so it is
 * safe while the API runs and a second run changes nothing. A Scan: operators only, never a function.
 */
export async function countUncountedDomains(): Promise<Map<string, number>> {
  const added = new Map<string, number>();
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await read(STORE, () =>
      ddb.send(
        new ScanCommand({
          TableName: tableName,
          FilterExpression: 'entity = :domain AND attribute_not_exists(cellCounted)',
          ExpressionAttributeValues: { ':domain': 'Domain' },
          ExclusiveStartKey: startKey,
        }),
      ),
    );
    for (const item of page.Items ?? []) {
      const d = parseItem(UncountedSchema, item, 'Domain');
      const cell = cellIdOf(d);
      const out = await write(STORE, () =>
        ddb.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName: tableName,
                  Key: { [PK]: d[PK], [SK]: d[SK] },
                  UpdateExpression: 'SET cellCounted = :true, cell = :cell',
                  // Gone meanwhile, or counted by a create or an earlier run: nothing to add.
                  ConditionExpression: `${ITEM_EXISTS} AND attribute_not_exists(cellCounted)`,
                  ExpressionAttributeValues: { ':true': true, ':cell': cell },
                },
              },
              {
                Update: {
                  TableName: tableName,
                  Key: cellCounterKey(cell),
                  UpdateExpression: 'SET entity = :entity ADD #placed :one',
                  ExpressionAttributeNames: { '#placed': 'placed' },
                  ExpressionAttributeValues: { ':entity': 'CellCounter', ':one': 1 },
                },
              },
            ],
          }),
        ),
      );
      if (!(out instanceof ConditionFailed)) added.set(cell, (added.get(cell) ?? 0) + 1);
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  return added;
}
