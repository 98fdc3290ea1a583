/**
 * The table's physical shape, shared by the CDK stack and the local stack so both create the same
 * table. Entity modules (domains-table.ts, api-keys-table.ts) own the key formats stored in it.
 */
export const TABLE_SCHEMA = {
  partitionKey: 'PK',
  sortKey: 'SK',
  /** Items with this attribute (epoch seconds) are removed by DynamoDB's TTL. */
  timeToLiveAttribute: 'expiresAt',
  indexes: [
    {
      /**
       * Overloaded sparse index: API keys by team (`TEAM#<team>#KEYS`), and domains by the time
       * their next check is due (`DUE#<shard>`, sort key `<iso time>#<id>`).
       */
      indexName: 'GSI1',
      partitionKey: 'GSI1PK',
      sortKey: 'GSI1SK',
    },
  ],
} as const;

/** Partition keys of the rate-limit counters: the one item family request-only functions may write. */
export const RATE_LIMIT_KEY_PREFIX = 'RATELIMIT#';

/**
 * The partition keys of each item family, as IAM `dynamodb:LeadingKeys` patterns (`*` stands for any
 * characters). Each function's grants in src/routes.ts name the families it touches, so a role can
 * only reach those items. The entity modules build the keys; test/infra checks they match these.
 */
export const PARTITION_KEYS = {
  /** A team's domains, their status history and the team's domain count: `TEAM#<teamId>`. */
  team: 'TEAM#*',
  /** Name claims, one per domain name across all teams: `DOMAINNAME#<domain>`. */
  domainName: 'DOMAINNAME#*',
  /** API key hashes: `APIKEY#<keyId>`. Only the operator's `npm run keys` writes them. */
  apiKey: 'APIKEY#*',
  /** Powertools Idempotency records: one static partition, since the table has a sort key. */
  idempotency: 'IDEMPOTENCY',
  /** The shared SES pacer of each account and region: `RATE#<name>`. */
  sesPacer: 'RATE#*',
  /** Per-team request counters: `RATELIMIT#<teamId>#<window>`. */
  rateLimit: `${RATE_LIMIT_KEY_PREFIX}*`,
} as const;

export type PartitionKeyPattern = (typeof PARTITION_KEYS)[keyof typeof PARTITION_KEYS];
