/**
 * A domain with its global name claim and its place in the team's domain count, written and
 * deleted together in one transaction, so the table never holds one without the others:
 *
 *   Domain  PK = TEAM#<teamId>         SK = DOMAIN#<id>
 *   Claim   PK = DOMAINNAME#<domain>   SK = CLAIM        (teamId, domainId)
 *   Count   PK = TEAM#<teamId>         SK = DOMAINCOUNT  (domains: how many the team holds)
 *
 * The claim makes a name unique across teams, as an SES identity is unique per account and region.
 * The team's count moves in the same transactions, so a limit on it holds however many creates run
 * at once.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import * as v from 'valibot';
import type { DkimSetup } from '../../domain/dkim.js';
import type { Domain } from '../../domain/domain.js';
import { CellFullError, placeInCell } from '../cell-counters-table.js';
import { ddb, tableName } from '../dynamodb-client.js';
import { ConditionFailed, type Item, parseItem, read, write } from '../table-io.js';
import { claimKey, domainCountKey, domainKey, dueKey, ITEM_ABSENT } from '../table-keys.js';
import { fromItem, STORE } from './item.js';
import { PROVISIONING_LEASE_MS } from './provisioning.js';

export interface DomainClaim {
  readonly teamId: string;
  readonly domainId: string;
}

const ClaimItemSchema = v.object({ teamId: v.string(), domainId: v.string() });
const fromClaimItem = (item: Item): DomainClaim => {
  const { teamId, domainId } = parseItem(ClaimItemSchema, item, 'DomainClaim');
  return { teamId, domainId };
};

/** The team holds `MAX_DOMAINS_PER_TEAM` domains already. */
export class DomainLimitError extends Error {
  constructor() {
    super('team domain limit reached');
  }
}

/** The name is held by an existing claim (this team's or another's). */
export class NameClaimedError extends Error {
  constructor(readonly claim: DomainClaim | null) {
    super('domain name already claimed');
  }
}

export interface NewDomain {
  readonly id: string;
  readonly teamId: string;
  readonly domain: string;
  readonly returnPath: string;
  readonly region: string;
  /** The SES cell the identity is made in (see domain/cells.ts). */
  readonly cell?: string;
  /** Public settings only: a BYODKIM private key is never stored. */
  readonly dkim: DkimSetup;
  readonly createdAt: string;
}

export interface NewDomainOptions {
  /** The team's limit of domains; 0: none. */
  readonly maxDomains?: number;
  /** When the domain falls due (ms since epoch) in case it is never verified. */
  readonly releaseAt?: number;
  /** Counts the domain in its cell, which may hold at most `quota` (see cell-counters-table.ts). */
  readonly cellQuota?: number;
}

/**
 * Claims the name, counts the domain against the team's `maxDomains` (0: no limit) and, with
 * `cellQuota`, against its cell's quota, and writes the (not yet ready) domain, in one transaction.
 * The domain is due at `releaseAt` (ms since epoch), when the scheduler looks at it again in case it
 * is never verified (see schedule.ts). A full cell is CellFullError, and nothing was written.
 */
export async function putNewDomain(
  d: NewDomain,
  { maxDomains = 0, releaseAt, cellQuota }: NewDomainOptions = {},
): Promise<Domain> {
  const counted = cellQuota !== undefined && d.cell !== undefined ? d.cell : undefined;
  const leaseUntil = Date.parse(d.createdAt) + PROVISIONING_LEASE_MS;
  const item = {
    ...domainKey(d.teamId, d.id),
    entity: 'Domain',
    ...d,
    status: 'pending',
    ready: false,
    leaseUntil,
    leaseId: randomUUID(),
    ...(counted !== undefined && { cellCounted: true }),
    ...(releaseAt !== undefined && dueKey(d.id, releaseAt)),
  };
  const limit =
    maxDomains > 0
      ? {
          ConditionExpression: 'attribute_not_exists(#n) OR #n < :max',
          ExpressionAttributeValues: { ':one': 1, ':max': maxDomains },
        }
      : { ExpressionAttributeValues: { ':one': 1 } };
  const out = await write(STORE, () =>
    ddb.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: tableName,
              Item: {
                ...claimKey(d.domain),
                entity: 'DomainClaim',
                teamId: d.teamId,
                domainId: d.id,
                createdAt: d.createdAt,
              },
              ConditionExpression: ITEM_ABSENT,
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            },
          },
          { Put: { TableName: tableName, Item: item, ConditionExpression: ITEM_ABSENT } },
          {
            Update: {
              TableName: tableName,
              Key: domainCountKey(d.teamId),
              UpdateExpression: 'SET entity = :entity ADD #n :one',
              ExpressionAttributeNames: { '#n': 'domains' },
              ...limit,
              ExpressionAttributeValues: { ...limit.ExpressionAttributeValues, ':entity': 'DomainCount' },
            },
          },
          ...(counted !== undefined && cellQuota !== undefined ? [placeInCell(counted, cellQuota)] : []),
        ],
      }),
    ),
  );
  if (out instanceof ConditionFailed) {
    if (out.failedAt(0)) {
      const old = out.old(0);
      throw new NameClaimedError(old ? fromClaimItem(old) : null);
    }
    if (out.failedAt(2)) throw new DomainLimitError();
    if (counted !== undefined && out.failedAt(3)) throw new CellFullError(counted);
    // Only the domain item's own condition is left: its id is taken, which time-ordered UUIDs never repeat.
    throw new Error(`domain ${d.id} exists already`);
  }
  return fromItem(item);
}

export async function getClaim(domain: string): Promise<DomainClaim | null> {
  const out = await read(STORE, () =>
    ddb.send(new GetCommand({ TableName: tableName, Key: claimKey(domain), ConsistentRead: true })),
  );
  return out.Item ? fromClaimItem(out.Item) : null;
}
