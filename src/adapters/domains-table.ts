/**
 * The Domain entity in the table, with its global name claim. Nothing else builds these keys.
 *
 *   Domain  PK = TEAM#<teamId>         SK = DOMAIN#<id>
 *   Claim   PK = DOMAINNAME#<domain>   SK = CLAIM        (teamId, domainId)
 *   Count   PK = TEAM#<teamId>         SK = DOMAINCOUNT  (domains: how many the team holds)
 *
 * A domain and its claim are written and deleted together in one transaction, so the table never
 * holds one without the other; the claim makes a name unique across teams, as an SES identity is
 * unique per account and region. The team's count moves in the same transactions, so a limit on it
 * holds however many creates run at once.
 */

import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { type DkimSetup, EASY_DKIM_DEFAULT } from '../domain/dkim.js';
import { type RecordCheck, recordsMovedBy } from '../domain/dns-records.js';
import type { Domain, DomainStatus } from '../domain/domain.js';
import { dueShard, VERIFYING_LEASE_MS } from '../domain/schedule.js';
import type { StatusChange } from '../domain/status-change.js';
import { toServiceError } from './aws-errors.js';
import { ddb, tableName } from './dynamodb-client.js';
import { statusChangeItem } from './status-history-table.js';

export const domainKey = (teamId: string, id: string) => ({ PK: `TEAM#${teamId}`, SK: `DOMAIN#${id}` });
export const claimKey = (domain: string) => ({ PK: `DOMAINNAME#${domain}`, SK: 'CLAIM' });
export const domainCountKey = (teamId: string) => ({ PK: `TEAM#${teamId}`, SK: 'DOMAINCOUNT' });
const teamPartition = (teamId: string) => `TEAM#${teamId}`;
const DOMAIN_SK_PREFIX = 'DOMAIN#';

/** Due-time index entries are spread over this many partitions (see schedule.ts). */
export const DUE_SHARDS = 4;
const duePartition = (shard: number) => `DUE#${shard}`;
/** Index keys that put a domain in the due-time index at `at` (ms since epoch). */
export const dueKey = (id: string, at: number) => ({
  GSI1PK: duePartition(dueShard(id, DUE_SHARDS)),
  GSI1SK: `${new Date(at).toISOString()}#${id}`,
});

export interface DomainClaim {
  readonly teamId: string;
  readonly domainId: string;
}

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

type Item = Record<string, unknown>;

function fromItem(item: Item): Domain {
  return {
    id: item.id as string,
    teamId: item.teamId as string,
    domain: item.domain as string,
    returnPath: item.returnPath as string,
    region: item.region as string,
    status: item.status as DomainStatus,
    verifiedAt: (item.verifiedAt as string | undefined) ?? null,
    verifyRequestedAt: (item.verifyRequestedAt as string | undefined) ?? null,
    createdAt: item.createdAt as string,
    ready: item.ready === true,
    verificationToken: (item.verificationToken as string | undefined) ?? null,
    dkimTokens: (item.dkimTokens as string[] | undefined) ?? [],
    lastCheckedAt: (item.lastCheckedAt as string | undefined) ?? null,
    previousStatus: (item.previousStatus as DomainStatus | undefined) ?? null,
    pendingEvent: (item.pendingEvent as StatusChange | undefined) ?? null,
    leaseId: (item.leaseId as string | undefined) ?? null,
    recordChecks: (item.recordChecks as Record<string, RecordCheck> | undefined) ?? {},
    // Domains created before DKIM settings existed use SES's default, Easy DKIM with 2048-bit keys.
    dkim: (item.dkim as DkimSetup | undefined) ?? EASY_DKIM_DEFAULT,
    settingsRev: (item.settingsRev as number | undefined) ?? 0,
    // Domains verified before this flag existed show it by verifiedAt.
    everVerified: item.everVerified === true || typeof item.verifiedAt === 'string',
    releasing: item.releasing === true,
  };
}

async function send<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toServiceError(err, what);
  }
}

type UpdateInput = ConstructorParameters<typeof UpdateCommand>[0];

/**
 * One conditional update: the item's attributes as asked by `ReturnValues`, `{}` when none were
 * asked, or null when the condition failed. Other failures become 503s where a retry can help.
 */
async function updateIf(input: Omit<UpdateInput, 'TableName'>): Promise<Item | null> {
  try {
    const out = await ddb.send(new UpdateCommand({ TableName: tableName, ...input }));
    return (out?.Attributes as Item | undefined) ?? {};
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) return null;
    throw toServiceError(err, 'The domain store');
  }
}

export interface NewDomain {
  readonly id: string;
  readonly teamId: string;
  readonly domain: string;
  readonly returnPath: string;
  readonly region: string;
  /** Public settings only: a BYODKIM private key is never stored. */
  readonly dkim: DkimSetup;
  readonly createdAt: string;
}

/** How long one create may take to set up SES before a same-team retry may take the domain over. */
export const PROVISIONING_LEASE_MS = 30_000;

/**
 * Claims the name, counts the domain against the team's `maxDomains` (0: no limit) and writes the
 * (not yet ready) domain in one transaction. The domain is due at `releaseAt` (ms since epoch), when
 * the scheduler looks at it again in case it is never verified (see schedule.ts).
 */
export async function putNewDomain(
  d: NewDomain,
  { maxDomains = 0, releaseAt }: { maxDomains?: number; releaseAt?: number } = {},
): Promise<Domain> {
  const leaseUntil = Date.parse(d.createdAt) + PROVISIONING_LEASE_MS;
  const item = {
    ...domainKey(d.teamId, d.id),
    entity: 'Domain',
    ...d,
    status: 'pending',
    ready: false,
    leaseUntil,
    leaseId: randomUUID(),
    ...(releaseAt !== undefined && dueKey(d.id, releaseAt)),
  };
  const limit =
    maxDomains > 0
      ? {
          ConditionExpression: 'attribute_not_exists(#n) OR #n < :max',
          ExpressionAttributeValues: { ':one': 1, ':max': maxDomains },
        }
      : { ExpressionAttributeValues: { ':one': 1 } };
  try {
    await ddb.send(
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
              ConditionExpression: 'attribute_not_exists(PK)',
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            },
          },
          { Put: { TableName: tableName, Item: item, ConditionExpression: 'attribute_not_exists(PK)' } },
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
        ],
      }),
    );
  } catch (err) {
    if (
      err instanceof TransactionCanceledException &&
      err.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed'
    ) {
      // Exception payloads come in DynamoDB's wire format: the document client does not convert them.
      const raw = err.CancellationReasons[0].Item;
      const old = raw ? unmarshall(raw) : undefined;
      throw new NameClaimedError(old ? { teamId: old.teamId as string, domainId: old.domainId as string } : null);
    }
    if (err instanceof TransactionCanceledException && err.CancellationReasons?.[2]?.Code === 'ConditionalCheckFailed')
      throw new DomainLimitError();
    throw toServiceError(err, 'The domain store');
  }
  return fromItem(item);
}

export async function getClaim(domain: string): Promise<DomainClaim | null> {
  const out = await send('The domain store', () =>
    ddb.send(new GetCommand({ TableName: tableName, Key: claimKey(domain), ConsistentRead: true })),
  );
  return out.Item ? { teamId: out.Item.teamId as string, domainId: out.Item.domainId as string } : null;
}

/**
 * Stores the SES tokens and marks the domain ready, only while this create holds it (`d.leaseId`)
 * or once it is ready (the SDK's resend of this write after a lost answer); null when the domain is
 * gone or another create took it over.
 */
export async function markReady(
  d: Domain,
  tokens: { verificationToken: string; dkimTokens: readonly string[] },
): Promise<Domain | null> {
  const item = await updateIf({
    Key: domainKey(d.teamId, d.id),
    UpdateExpression:
      'SET ready = :true, verificationToken = :vt, dkimTokens = :dk, recordChecks = if_not_exists(recordChecks, :none) REMOVE leaseUntil, leaseId',
    ConditionExpression: 'attribute_exists(PK) AND (leaseId = :lease OR ready = :true)',
    ExpressionAttributeValues: {
      ':true': true,
      ':vt': tokens.verificationToken,
      ':dk': [...tokens.dkimTokens],
      ':lease': d.leaseId ?? '',
      ':none': {},
    },
    ReturnValues: 'ALL_NEW',
  });
  return item && fromItem(item);
}

/**
 * Takes over setting up a domain whose earlier create stopped halfway, once that create's lease has
 * lapsed (one taker wins); null when the domain is ready, gone, or still being set up.
 */
export async function takeProvisioningLease(d: Domain, now: number): Promise<Domain | null> {
  const item = await updateIf({
    Key: domainKey(d.teamId, d.id),
    UpdateExpression: 'SET leaseUntil = :until, leaseId = :lease',
    // Our own lease id passes too: the SDK's resend of this write after a lost answer is not shut out.
    ConditionExpression:
      'attribute_exists(PK) AND ready = :false AND attribute_not_exists(releasing) AND (attribute_not_exists(leaseUntil) OR leaseUntil < :now OR leaseId = :lease)',
    ExpressionAttributeValues: {
      ':until': now + PROVISIONING_LEASE_MS,
      ':now': now,
      ':false': false,
      ':lease': randomUUID(),
    },
    ReturnValues: 'ALL_NEW',
  });
  return item && fromItem(item);
}

/**
 * Sets the lease of the create holding it (`d.leaseId`) to end at `until`: renews it before an undo
 * (false when another create took the domain over, which the undo must then leave alone), or ends
 * it early (`until` 0) when the undo failed, so the client's retry can resume at once.
 */
export async function setProvisioningLease(d: Domain, until: number): Promise<boolean> {
  const item = await updateIf({
    Key: domainKey(d.teamId, d.id),
    UpdateExpression: 'SET leaseUntil = :until',
    ConditionExpression: 'attribute_exists(PK) AND ready = :false AND leaseId = :lease',
    ExpressionAttributeValues: { ':until': until, ':false': false, ':lease': d.leaseId ?? '' },
  });
  return item !== null;
}

/**
 * Deletes the domain and its claim together; false when the domain was already gone. With
 * `leaseId`, only an unready domain still held by that create (an undo never removes a domain that
 * another create took over).
 */
export async function deleteDomainAndClaim(
  teamId: string,
  id: string,
  domain: string,
  leaseId?: string,
): Promise<boolean> {
  const onlyHeld =
    leaseId === undefined
      ? {}
      : {
          ConditionExpression: 'attribute_exists(PK) AND ready = :false AND leaseId = :lease',
          ExpressionAttributeValues: { ':false': false, ':lease': leaseId },
        };
  try {
    await ddb.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Delete: {
              TableName: tableName,
              Key: domainKey(teamId, id),
              ConditionExpression: 'attribute_exists(PK)',
              ...onlyHeld,
            },
          },
          {
            Delete: {
              TableName: tableName,
              Key: claimKey(domain),
              // Only this domain's claim: never release a name another domain item holds.
              ConditionExpression: 'attribute_not_exists(PK) OR domainId = :id',
              ExpressionAttributeValues: { ':id': id },
            },
          },
          uncount(teamId),
        ],
      }),
    );
    return true;
  } catch (err) {
    if (
      err instanceof TransactionCanceledException &&
      err.CancellationReasons?.some((r) => r.Code === 'ConditionalCheckFailed')
    )
      return false;
    throw toServiceError(err, 'The domain store');
  }
}

/**
 * Takes one domain off the team's count. A team whose domains predate the count has none: it starts
 * at zero rather than going negative.
 */
function uncount(teamId: string) {
  return {
    Update: {
      TableName: tableName,
      Key: domainCountKey(teamId),
      UpdateExpression: 'SET #n = if_not_exists(#n, :one) - :one',
      ConditionExpression: 'attribute_not_exists(#n) OR #n > :zero',
      ExpressionAttributeNames: { '#n': 'domains' },
      ExpressionAttributeValues: { ':one': 1, ':zero': 0 },
    },
  };
}

export async function getDomain(teamId: string, id: string): Promise<Domain | null> {
  const out = await send('The domain store', () =>
    ddb.send(new GetCommand({ TableName: tableName, Key: domainKey(teamId, id) })),
  );
  return out.Item ? fromItem(out.Item) : null;
}

/** One Query of a team's domains, in id order (ids are time-ordered UUIDs, so oldest first). */
async function queryDomains(teamId: string, startKey?: Record<string, unknown>, limit?: number) {
  return send('The domain store', () =>
    ddb.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :sk)',
        ExpressionAttributeValues: { ':pk': teamPartition(teamId), ':sk': DOMAIN_SK_PREFIX },
        ExclusiveStartKey: startKey,
        Limit: limit,
      }),
    ),
  );
}

/** Every domain of a team, oldest first (one Query per page of 1 MB). */
export async function listDomains(teamId: string): Promise<Domain[]> {
  const domains: Domain[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const out = await queryDomains(teamId, startKey);
    for (const item of out.Items ?? []) domains.push(fromItem(item));
    startKey = out.LastEvaluatedKey;
  } while (startKey);
  return domains;
}

/**
 * One page of a team's domains, oldest first, after `afterId` if given: one Query for `limit + 1`
 * items, the extra one only telling whether more follow.
 */
export async function listDomainsPage(
  teamId: string,
  limit: number,
  afterId?: string,
): Promise<{ domains: Domain[]; hasMore: boolean }> {
  const out = await queryDomains(teamId, afterId ? domainKey(teamId, afterId) : undefined, limit + 1);
  const items = (out.Items ?? []).map(fromItem);
  return { domains: items.slice(0, limit), hasMore: items.length > limit };
}

/** How long one PATCH may hold a domain's settings before another may change them. */
export const UPDATE_LEASE_MS = 20_000;

/**
 * Takes the domain's update lease, so one change of its settings runs at a time (SES and the table
 * are changed one after the other, and two interleaved changes could leave them disagreeing).
 * Returns the domain as it is under the lease, and the lease's id; null when it is gone, not ready,
 * or another change holds the lease.
 */
export async function takeUpdateLease(d: Domain, now: number): Promise<{ domain: Domain; leaseId: string } | null> {
  const leaseId = randomUUID();
  const item = await updateIf({
    Key: domainKey(d.teamId, d.id),
    UpdateExpression: 'SET updateLeaseUntil = :until, updateLeaseId = :lease',
    // Our own lease id passes too: the SDK's retry of this call after a lost answer is not shut out.
    ConditionExpression:
      'attribute_exists(PK) AND ready = :true AND attribute_not_exists(releasing) AND (attribute_not_exists(updateLeaseUntil) OR updateLeaseUntil < :now OR updateLeaseId = :lease)',
    ExpressionAttributeValues: { ':until': now + UPDATE_LEASE_MS, ':now': now, ':true': true, ':lease': leaseId },
    ReturnValues: 'ALL_NEW',
  });
  return item && { domain: fromItem(item), leaseId };
}

export interface SettingsChange {
  readonly returnPath?: string;
  readonly dkim?: DkimSetup;
  /** Easy DKIM tokens that go with `dkim` (none with BYODKIM). */
  readonly dkimTokens?: readonly string[];
}

/**
 * Writes changed settings under the update lease `leaseId` and releases it; the checks of the
 * records that changed are forgotten. False when the lease was lost or the domain is gone.
 */
export async function commitUpdate(d: Domain, leaseId: string, change: SettingsChange): Promise<boolean> {
  const attempt = async (hasChecks: boolean): Promise<boolean> => {
    // lastUpdateId lets the SDK's retry of this write, after a lost answer, find it made.
    const set = ['lastUpdateId = :lease', 'settingsRev = if_not_exists(settingsRev, :zero) + :one'];
    const remove = ['updateLeaseUntil', 'updateLeaseId'];
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':zero': 0, ':one': 1, ':lease': leaseId };
    // Only the checks of the records that moved are dropped: a check written meanwhile keeps the others.
    if (hasChecks) {
      for (const [i, id] of recordsMovedBy(change).entries()) {
        names[`#r${i}`] = id;
        remove.push(`recordChecks.#r${i}`);
      }
    } else {
      set.push('recordChecks = :none');
      values[':none'] = {};
    }
    if (change.returnPath !== undefined) {
      set.push('returnPath = :rp');
      values[':rp'] = change.returnPath;
    }
    if (change.dkim !== undefined) {
      set.push('dkim = :dkim', 'dkimTokens = :tokens');
      values[':dkim'] = change.dkim;
      values[':tokens'] = [...(change.dkimTokens ?? [])];
    }
    try {
      await ddb.send(
        new UpdateCommand({
          TableName: tableName,
          Key: domainKey(d.teamId, d.id),
          UpdateExpression: `SET ${set.join(', ')} REMOVE ${remove.join(', ')}`,
          ConditionExpression: `attribute_exists(PK) AND updateLeaseId = :lease${hasChecks ? ' AND attribute_exists(recordChecks)' : ''}`,
          ...(Object.keys(names).length > 0 && { ExpressionAttributeNames: names }),
          ExpressionAttributeValues: values,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return true;
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw toServiceError(err, 'The domain store');
      const old = err.Item ? unmarshall(err.Item) : undefined;
      // A domain never checked before the map was always written has none: write it whole.
      if (hasChecks && old?.updateLeaseId === leaseId && old.recordChecks === undefined) return attempt(false);
      // The SDK's retry of this write after a lost answer finds it made (lastUpdateId) and changes nothing.
      return old?.lastUpdateId === leaseId;
    }
  };
  return attempt(true);
}

/** Releases the update lease `leaseId` without changing anything (after a change failed). */
export async function releaseUpdateLease(d: Domain, leaseId: string): Promise<void> {
  await updateIf({
    Key: domainKey(d.teamId, d.id),
    UpdateExpression: 'REMOVE updateLeaseUntil, updateLeaseId',
    ConditionExpression: 'attribute_exists(PK) AND updateLeaseId = :lease',
    ExpressionAttributeValues: { ':lease': leaseId },
  });
}

export type MarkVerifyingResult =
  | { readonly outcome: 'marked'; readonly domain: Domain; readonly previousStatus: DomainStatus }
  | { readonly outcome: 'already_verifying'; readonly domain: Domain }
  | { readonly outcome: 'not_found' };

/** Sets `verifying` unless a check is already in flight; remembers the status to go back to. */
export async function markVerifying(teamId: string, id: string, now: string): Promise<MarkVerifyingResult> {
  // Due again after the lease: if the queued check is lost, the scheduler queues it once more.
  const lease = dueKey(id, Date.parse(now) + VERIFYING_LEASE_MS);
  try {
    const out = await ddb.send(
      new UpdateCommand({
        TableName: tableName,
        Key: domainKey(teamId, id),
        UpdateExpression:
          'SET #s = :verifying, previousStatus = #s, verifyRequestedAt = :now, GSI1PK = :duePk, GSI1SK = :dueSk',
        ConditionExpression:
          'attribute_exists(PK) AND ready = :true AND #s <> :verifying AND attribute_not_exists(releasing)',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: {
          ':verifying': 'verifying',
          ':true': true,
          ':now': now,
          ':duePk': lease.GSI1PK,
          ':dueSk': lease.GSI1SK,
        },
        ReturnValues: 'ALL_NEW',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
    const attrs = out.Attributes as Item;
    return { outcome: 'marked', domain: fromItem(attrs), previousStatus: attrs.previousStatus as DomainStatus };
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) {
      const old = err.Item ? unmarshall(err.Item) : undefined;
      // Our own write, whose answer was lost and which the SDK sent again: it is marked, and this request queues the check.
      if (old && old.ready === true && old.status === 'verifying' && old.verifyRequestedAt === now) {
        return { outcome: 'marked', domain: fromItem(old), previousStatus: old.previousStatus as DomainStatus };
      }
      if (old && old.ready === true && old.status === 'verifying')
        return { outcome: 'already_verifying', domain: fromItem(old) };
      return { outcome: 'not_found' };
    }
    throw toServiceError(err, 'The domain store');
  }
}

/**
 * Starts releasing a domain that was never verified in time (see schedule.ts): from here on no
 * verify, PATCH or create retry takes it, so the identity and the claim can go. Only while it is as
 * the caller read it (no verify request, status change or settings change since) and no create or
 * PATCH holds it; false otherwise.
 */
export async function markReleasing(d: Domain, now: number): Promise<boolean> {
  const item = await updateIf({
    Key: domainKey(d.teamId, d.id),
    UpdateExpression: 'SET releasing = :true',
    ConditionExpression:
      'attribute_exists(PK) AND #s = :status AND attribute_not_exists(everVerified) AND attribute_not_exists(verifiedAt)' +
      ' AND (ready = :true OR leaseUntil < :now)' +
      ' AND (attribute_not_exists(updateLeaseUntil) OR updateLeaseUntil < :now)' +
      (d.verifyRequestedAt === null
        ? ' AND attribute_not_exists(verifyRequestedAt)'
        : ' AND verifyRequestedAt = :requested'),
    ExpressionAttributeNames: { '#s': 'status' },
    ExpressionAttributeValues: {
      ':true': true,
      ':status': d.status,
      ':now': now,
      ...(d.verifyRequestedAt !== null && { ':requested': d.verifyRequestedAt }),
    },
  });
  return item !== null;
}

/**
 * Removes a releasing domain, its claim and its place in the team's count, and records the change
 * in the history, in one transaction; false when it is gone already.
 */
export async function deleteReleasedDomain(d: Domain, change: StatusChange): Promise<boolean> {
  try {
    await ddb.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Delete: {
              TableName: tableName,
              Key: domainKey(d.teamId, d.id),
              ConditionExpression: 'releasing = :true',
              ExpressionAttributeValues: { ':true': true },
            },
          },
          {
            Delete: {
              TableName: tableName,
              Key: claimKey(d.domain),
              ConditionExpression: 'attribute_not_exists(PK) OR domainId = :id',
              ExpressionAttributeValues: { ':id': d.id },
            },
          },
          uncount(d.teamId),
          { Put: { TableName: tableName, Item: statusChangeItem(change) } },
        ],
      }),
    );
    return true;
  } catch (err) {
    if (
      err instanceof TransactionCanceledException &&
      err.CancellationReasons?.some((r) => r.Code === 'ConditionalCheckFailed')
    )
      return false;
    throw toServiceError(err, 'The domain store');
  }
}

/**
 * Undoes `markVerifying` when the check could not be queued (only if nothing else changed it). The
 * due-time lease stays: the scheduler checks the domain when it expires, which also puts it back
 * on its regular schedule.
 */
export async function revertVerifying(teamId: string, id: string, previousStatus: DomainStatus): Promise<void> {
  await updateIf({
    Key: domainKey(teamId, id),
    UpdateExpression: 'SET #s = :prev REMOVE previousStatus',
    ConditionExpression: 'attribute_exists(PK) AND #s = :verifying',
    ExpressionAttributeNames: { '#s': 'status' },
    ExpressionAttributeValues: { ':prev': previousStatus, ':verifying': 'verifying' },
  });
}

export interface CheckResult {
  readonly status: Exclude<DomainStatus, 'verifying'>;
  readonly checkedAt: string;
  readonly recordChecks: Readonly<Record<string, RecordCheck>>;
  /** When to check again (ms since epoch); null takes the domain out of the schedule. */
  readonly nextCheckAt: number | null;
  /** Starts a new 72-hour window (a verified domain that lost a record). */
  readonly restartWindowAt?: string;
  /** Set when the status changes: recorded in the history in the same transaction. */
  readonly change?: StatusChange;
}

export type WriteOutcome = 'written' | 'deleted' | 'changed';

/**
 * Writes a check's outcome only if the domain still exists (a deleted domain is never
 * resurrected) and still has the status the check started from (otherwise `changed`: re-read and
 * decide again). `verified_at` is set on entering `verified` and cleared on leaving it. A status
 * change is written to the history and kept on the item as `pendingEvent` until it is published.
 * `rejected` when DynamoDB refuses the write as invalid, which no retry can change.
 */
export async function writeCheckResult(d: Domain, result: CheckResult): Promise<WriteOutcome | 'rejected'> {
  const due = result.nextCheckAt === null ? null : dueKey(d.id, result.nextCheckAt);
  const set = ['#s = :status', 'lastCheckedAt = :at', 'recordChecks = :checks'];
  const remove = ['previousStatus'];
  const values: Record<string, unknown> = {
    ':status': result.status,
    ':at': result.checkedAt,
    ':checks': result.recordChecks,
    ':expected': d.status,
    ':rev': d.settingsRev,
  };
  // everVerified stays once set: a domain verified even once is never released (see schedule.ts).
  if (result.status === 'verified') {
    set.push('verifiedAt = if_not_exists(verifiedAt, :at)', 'everVerified = :true');
    values[':true'] = true;
  } else remove.push('verifiedAt');
  if (due) {
    set.push('GSI1PK = :duePk', 'GSI1SK = :dueSk');
    values[':duePk'] = due.GSI1PK;
    values[':dueSk'] = due.GSI1SK;
  } else remove.push('GSI1PK', 'GSI1SK');
  if (result.restartWindowAt) {
    set.push('verifyRequestedAt = :window');
    values[':window'] = result.restartWindowAt;
  }
  if (result.change) {
    set.push('pendingEvent = :event');
    values[':event'] = { ...result.change, failingRecords: result.change.failingRecords.map((r) => ({ ...r })) };
  }
  const update = {
    TableName: tableName,
    Key: domainKey(d.teamId, d.id),
    UpdateExpression: `SET ${set.join(', ')} REMOVE ${remove.join(', ')}`,
    // Written only over the status and the settings the check read: a PATCH meanwhile makes it decide again.
    ConditionExpression:
      'attribute_exists(PK) AND #s = :expected AND (attribute_not_exists(settingsRev) OR settingsRev = :rev)',
    ExpressionAttributeNames: { '#s': 'status' },
    ExpressionAttributeValues: values,
    ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
  };
  try {
    if (result.change) {
      await ddb.send(
        new TransactWriteCommand({
          TransactItems: [{ Update: update }, { Put: { TableName: tableName, Item: statusChangeItem(result.change) } }],
        }),
      );
    } else {
      await ddb.send(new UpdateCommand(update));
    }
    return 'written';
  } catch (err) {
    if (err instanceof ConditionalCheckFailedException) return err.Item ? 'changed' : 'deleted';
    if (
      err instanceof TransactionCanceledException &&
      err.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed'
    ) {
      return err.CancellationReasons[0].Item ? 'changed' : 'deleted';
    }
    // A write DynamoDB refuses as invalid (above all an item past 400 KB) is refused again on every
    // retry: `rejected` lets the caller store a smaller result instead of failing the message for ever.
    if ((err as { name?: unknown }).name === 'ValidationException') return 'rejected';
    if (
      err instanceof TransactionCanceledException &&
      err.CancellationReasons?.some((r) => r.Code === 'ValidationError')
    )
      return 'rejected';
    throw err;
  }
}

/** Forgets a status change once its event is published (only that change: a newer one stays). */
export async function clearPendingEvent(d: Domain, at: string): Promise<void> {
  await updateIf({
    Key: domainKey(d.teamId, d.id),
    UpdateExpression: 'REMOVE pendingEvent',
    ConditionExpression: 'attribute_exists(PK) AND pendingEvent.#at = :at',
    ExpressionAttributeNames: { '#at': 'at' },
    ExpressionAttributeValues: { ':at': at },
  });
}

export interface DueDomain {
  readonly teamId: string;
  readonly id: string;
  /** The index sort key read, used to lease the entry without racing another writer. */
  readonly dueSortKey: string;
}

/** One page of domains due at or before `now` in one shard of the due-time index. */
export async function queryDue(
  shard: number,
  now: number,
  limit: number,
  startKey?: Record<string, unknown>,
): Promise<{ due: DueDomain[]; next?: Record<string, unknown>; itemsRead: number }> {
  const out = await ddb.send(
    new QueryCommand({
      TableName: tableName,
      IndexName: 'GSI1',
      KeyConditionExpression: 'GSI1PK = :pk AND GSI1SK <= :now',
      ExpressionAttributeValues: { ':pk': duePartition(shard), ':now': `${new Date(now).toISOString()}#~` },
      ProjectionExpression: 'teamId, id, GSI1SK',
      Limit: limit,
      ExclusiveStartKey: startKey,
    }),
  );
  const due = (out.Items ?? []).map((i) => ({
    teamId: i.teamId as string,
    id: i.id as string,
    dueSortKey: i.GSI1SK as string,
  }));
  return { due, next: out.LastEvaluatedKey, itemsRead: out.Count ?? due.length };
}

/**
 * Moves a due entry forward by the lease before its check is queued, unless someone else changed
 * it since it was read (false then). If the queued check is lost, it falls due again after the lease.
 */
export async function leaseDue(d: DueDomain, until: number): Promise<boolean> {
  const item = await updateIf({
    Key: domainKey(d.teamId, d.id),
    UpdateExpression: 'SET GSI1SK = :next',
    ConditionExpression: 'GSI1SK = :read',
    ExpressionAttributeValues: { ':next': dueKey(d.id, until).GSI1SK, ':read': d.dueSortKey },
  });
  return item !== null;
}
