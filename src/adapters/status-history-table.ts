/**
 * The StatusChange entity: a domain's status history, kept 400 days (TTL). Keys: table-keys.ts.
 *
 *   StatusChange  PK = TEAM#<teamId>   SK = HISTORY#<domainId>#<at>
 *
 * Written in the same transaction as the status itself (see domains-table/), so a change is
 * never recorded without happening, nor the reverse.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as v from 'valibot';
import { DOMAIN_STATUSES } from '../domain/domain.js';
import type { StatusChange } from '../domain/status-change.js';
import { ddb, tableName } from './dynamodb-client.js';
import { parseItem, read } from './table-io.js';
import { PK, SK, statusChangeKey, statusHistoryPrefix, teamPartition } from './table-keys.js';
import { TABLE_SCHEMA } from './table-schema.js';

const RETENTION_SECONDS = 400 * 24 * 3600;

/** A stored change, also kept on its domain item (`pendingEvent`) until published. */
export const StatusChangeSchema = v.looseObject({
  teamId: v.string(),
  domainId: v.string(),
  domain: v.string(),
  from: v.picklist(DOMAIN_STATUSES),
  to: v.picklist([...DOMAIN_STATUSES, 'released']),
  at: v.string(),
  why: v.string(),
  failingRecords: v.optional(
    v.array(
      v.looseObject({
        type: v.picklist(['TXT', 'CNAME', 'MX']),
        name: v.string(),
        status: v.picklist(['not_started', 'pending', 'verified', 'failed']),
        reason: v.string(),
      }),
    ),
    [],
  ),
});

export function statusChangeItem(c: StatusChange): Record<string, unknown> {
  return {
    ...statusChangeKey(c.teamId, c.domainId, c.at),
    entity: 'StatusChange',
    ...c,
    failingRecords: c.failingRecords.map((r) => ({ ...r })),
    [TABLE_SCHEMA.timeToLiveAttribute]: Math.floor(Date.parse(c.at) / 1000) + RETENTION_SECONDS,
  };
}

/** A domain's changes, oldest first. */
export async function listStatusChanges(teamId: string, domainId: string): Promise<StatusChange[]> {
  const out = await read('The status history', () =>
    ddb.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: `${PK} = :pk AND begins_with(${SK}, :sk)`,
        ExpressionAttributeValues: { ':pk': teamPartition(teamId), ':sk': statusHistoryPrefix(domainId) },
      }),
    ),
  );
  return (out.Items ?? []).map((i) => {
    const c = parseItem(StatusChangeSchema, i, 'StatusChange');
    return {
      teamId: c.teamId,
      domainId: c.domainId,
      domain: c.domain,
      from: c.from,
      to: c.to,
      at: c.at,
      why: c.why,
      failingRecords: c.failingRecords,
    };
  });
}
