/**
 * The StatusChange entity: a domain's status history, kept 400 days (TTL).
 *
 *   StatusChange  PK = TEAM#<teamId>   SK = HISTORY#<domainId>#<at>
 *
 * Written in the same transaction as the status itself (see domains-table.ts), so a change is
 * never recorded without happening, nor the reverse.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { StatusChange } from '../domain/status-change.js';
import { ddb, tableName } from './dynamodb-client.js';

const RETENTION_SECONDS = 400 * 24 * 3600;

export const statusChangeKey = (teamId: string, domainId: string, at: string) => ({
  PK: `TEAM#${teamId}`,
  SK: `HISTORY#${domainId}#${at}`,
});

export function statusChangeItem(c: StatusChange): Record<string, unknown> {
  return {
    ...statusChangeKey(c.teamId, c.domainId, c.at),
    entity: 'StatusChange',
    ...c,
    failingRecords: c.failingRecords.map((r) => ({ ...r })),
    expiresAt: Math.floor(Date.parse(c.at) / 1000) + RETENTION_SECONDS,
  };
}

/** A domain's changes, oldest first. */
export async function listStatusChanges(teamId: string, domainId: string): Promise<StatusChange[]> {
  const out = await ddb.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :sk)',
      ExpressionAttributeValues: { ':pk': `TEAM#${teamId}`, ':sk': `HISTORY#${domainId}#` },
    }),
  );
  return (out.Items ?? []).map((i) => ({
    teamId: i.teamId as string,
    domainId: i.domainId as string,
    domain: i.domain as string,
    from: i.from as StatusChange['from'],
    to: i.to as StatusChange['to'],
    at: i.at as string,
    why: i.why as string,
    failingRecords: (i.failingRecords as StatusChange['failingRecords']) ?? [],
  }));
}
