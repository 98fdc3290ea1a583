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
