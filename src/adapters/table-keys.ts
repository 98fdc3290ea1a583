/**
 * Every key the table stores, built here and nowhere else. Stored data depends on these formats:
 * test/unit/table-keys.test.ts pins each one, so changing a format is a deliberate act.
 *
 *   Domain           PK = TEAM#<teamId>                          SK = DOMAIN#<id>
 *                    GSI1PK = DUE#<shard>   GSI1SK = <iso time>#<id>   (while a check is due)
 *   DomainClaim      PK = DOMAINNAME#<domain>                    SK = CLAIM
 *   DomainCount      PK = TEAM#<teamId>                          SK = DOMAINCOUNT
 *   StatusChange     PK = TEAM#<teamId>                          SK = HISTORY#<domainId>#<at>
 *   WebhookEvent     PK = TEAM#<teamId>                          SK = EVENT#<domainId>#<sequence, 10 digits>
 *   WebhookDelivery  PK = TEAM#<teamId>                          SK = DELIVERY#<webhookId>#<deliveryId>
 *   ApiKey           PK = APIKEY#<keyId>                         SK = APIKEY
 *                    GSI1PK = TEAM#<teamId>#APIKEYS   GSI1SK = <createdAt>#<keyId>
 *   RateBudget       PK = RATE#<name>                            SK = RATE
 *   CellCounter      PK = CELL#<cellId>                          SK = CELL
 *   RateLimitWindow  PK = RATELIMIT#<teamId>#<window start, s>   SK = WINDOW
 *   Idempotency      PK = IDEMPOTENCY                            SK = (Powertools: <function>#<hash>)
 *
 * The attribute and index names come from the table's schema (GSI1 above stands for its one index).
 */
import { dueShard } from '../domain/schedule.js';
import { TABLE_SCHEMA } from './table-schema.js';

/** The primary key's attribute names. */
export const PK = TABLE_SCHEMA.partitionKey;
export const SK = TABLE_SCHEMA.sortKey;

/** The one secondary index, overloaded: a team's API keys and the due-time entries of domains. */
export const INDEX = {
  name: TABLE_SCHEMA.indexes[0].indexName,
  pk: TABLE_SCHEMA.indexes[0].partitionKey,
  sk: TABLE_SCHEMA.indexes[0].sortKey,
} as const;

/** Condition that the written item exists already (or, negated, that it does not). */
export const ITEM_EXISTS = `attribute_exists(${PK})`;
export const ITEM_ABSENT = `attribute_not_exists(${PK})`;

/** The leading part of each item family's partition key, and of the sort keys that are queried by prefix. */
export const KEY_PREFIX = {
  team: 'TEAM#',
  domainName: 'DOMAINNAME#',
  apiKey: 'APIKEY#',
  sesPacer: 'RATE#',
  rateLimit: 'RATELIMIT#',
  cell: 'CELL#',
  domain: 'DOMAIN#',
  history: 'HISTORY#',
  due: 'DUE#',
  webhook: 'WEBHOOK#',
  event: 'EVENT#',
  delivery: 'DELIVERY#',
} as const;

/** The sort keys of the item families with one item per partition. */
export const SORT_KEY = {
  claim: 'CLAIM',
  domainCount: 'DOMAINCOUNT',
  webhookCount: 'WEBHOOKCOUNT',
  apiKey: 'APIKEY',
  sesPacer: 'RATE',
  rateLimit: 'WINDOW',
  cellCounter: 'CELL',
} as const;

/** Powertools Idempotency needs one static partition value when the table has a sort key. */
export const IDEMPOTENCY_PARTITION = 'IDEMPOTENCY';

/** Due-time index entries are spread over this many partitions (see schedule.ts). */
export const DUE_SHARDS = 4;

export type PrimaryKey = { readonly [PK]: string; readonly [SK]: string };
export type IndexKey = { readonly [INDEX.pk]: string; readonly [INDEX.sk]: string };

const primary = (pk: string, sk: string): PrimaryKey => ({ [PK]: pk, [SK]: sk });
const indexed = (pk: string, sk: string): IndexKey => ({ [INDEX.pk]: pk, [INDEX.sk]: sk });

export const teamPartition = (teamId: string) => `${KEY_PREFIX.team}${teamId}`;

export const domainKey = (teamId: string, id: string) => primary(teamPartition(teamId), `${KEY_PREFIX.domain}${id}`);
export const claimKey = (domain: string) => primary(`${KEY_PREFIX.domainName}${domain}`, SORT_KEY.claim);
export const domainCountKey = (teamId: string) => primary(teamPartition(teamId), SORT_KEY.domainCount);

/** A team's webhook endpoints live in its partition, beside its domains, with their own count. */
export const webhookKey = (teamId: string, id: string) => primary(teamPartition(teamId), `${KEY_PREFIX.webhook}${id}`);
export const webhookCountKey = (teamId: string) => primary(teamPartition(teamId), SORT_KEY.webhookCount);

/** Sort keys of one endpoint's deliveries start with this; delivery ids are time-ordered, so newest last. */
export const deliveryPrefix = (webhookId: string) => `${KEY_PREFIX.delivery}${webhookId}#`;
export const deliveryKey = (teamId: string, webhookId: string, deliveryId: string) =>
  primary(teamPartition(teamId), `${deliveryPrefix(webhookId)}${deliveryId}`);

/** Sort keys of one domain's status changes start with this. */
export const statusHistoryPrefix = (domainId: string) => `${KEY_PREFIX.history}${domainId}#`;
export const statusChangeKey = (teamId: string, domainId: string, at: string) =>
  primary(teamPartition(teamId), `${statusHistoryPrefix(domainId)}${at}`);

/** Sort keys of one domain's webhook events start with this. */
export const webhookEventPrefix = (domainId: string) => `${KEY_PREFIX.event}${domainId}#`;
/** Zero-padded, so a domain's events sort by sequence. */
export const webhookEventKey = (teamId: string, domainId: string, sequence: number) =>
  primary(teamPartition(teamId), `${webhookEventPrefix(domainId)}${String(sequence).padStart(10, '0')}`);

export const duePartition = (shard: number) => `${KEY_PREFIX.due}${shard}`;
/** Index keys that put a domain in the due-time index at `at` (ms since epoch). */
export const dueKey = (id: string, at: number) =>
  indexed(duePartition(dueShard(id, DUE_SHARDS)), `${new Date(at).toISOString()}#${id}`);
/** The greatest due-index sort key of anything due at or before `now` (ms since epoch). */
export const dueUpTo = (now: number) => `${new Date(now).toISOString()}#~`;

export const apiKeyKey = (keyId: string) => primary(`${KEY_PREFIX.apiKey}${keyId}`, SORT_KEY.apiKey);
export const teamKeysPartition = (teamId: string) => `${teamPartition(teamId)}#APIKEYS`;
/** Index keys that list a team's API keys, oldest first. */
export const teamKeysKey = (teamId: string, createdAt: string, keyId: string) =>
  indexed(teamKeysPartition(teamId), `${createdAt}#${keyId}`);

export const rateBudgetKey = (name: string) => primary(`${KEY_PREFIX.sesPacer}${name}`, SORT_KEY.sesPacer);
/** How many identities the API placed in one SES cell (see cell-counters-table.ts). */
export const cellCounterKey = (cellId: string) => primary(`${KEY_PREFIX.cell}${cellId}`, SORT_KEY.cellCounter);
export const rateLimitKey = (teamId: string, windowStart: number) =>
  primary(`${KEY_PREFIX.rateLimit}${teamId}#${windowStart}`, SORT_KEY.rateLimit);

/**
 * The partition keys of each item family, as IAM `dynamodb:LeadingKeys` patterns (`*` stands for any
 * characters). Each function's grants in src/routes.ts name the families it touches, so a role can
 * only reach those items. test/infra checks that the builders above match them.
 */
export const PARTITION_KEYS = {
  /**
   * A team's domains, their status history and webhook events, its webhook endpoints, their
   * deliveries and the counts of domains and endpoints: `TEAM#<teamId>`.
   */
  team: `${KEY_PREFIX.team}*`,
  /** Name claims, one per domain name across all teams: `DOMAINNAME#<domain>`. */
  domainName: `${KEY_PREFIX.domainName}*`,
  /** API key hashes: `APIKEY#<keyId>`. Only the operator's `npm run keys` writes them. */
  apiKey: `${KEY_PREFIX.apiKey}*`,
  /** Powertools Idempotency records: one static partition. */
  idempotency: IDEMPOTENCY_PARTITION,
  /** The shared SES pacer of each account and region: `RATE#<name>`. */
  sesPacer: `${KEY_PREFIX.sesPacer}*`,
  /** Per-team request counters: `RATELIMIT#<teamId>#<window>`, the one family request-only functions write. */
  rateLimit: `${KEY_PREFIX.rateLimit}*`,
  /** How many identities each SES cell holds: `CELL#<cellId>`, moved with the domains placed in it. */
  cell: `${KEY_PREFIX.cell}*`,
} as const;

export type PartitionKeyPattern = (typeof PARTITION_KEYS)[keyof typeof PARTITION_KEYS];
