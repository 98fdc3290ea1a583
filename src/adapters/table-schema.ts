/**
 * The table's physical shape, shared by the CDK stack and the local stack so both create the same
 * table. The key formats stored in it are built in table-keys.ts, from these attribute names.
 */
export const TABLE_SCHEMA = {
  partitionKey: 'PK',
  sortKey: 'SK',
  /** Items with this attribute (epoch seconds) are removed by DynamoDB's TTL. */
  timeToLiveAttribute: 'expiresAt',
  indexes: [
    {
      /**
       * Overloaded sparse index: a team's API keys (`TEAM#<teamId>#APIKEYS`, sort key
       * `<createdAt>#<keyId>`), and domains by the time their next check is due (`DUE#<shard>`,
       * sort key `<iso time>#<id>`). Items without these attributes are not in it.
       */
      indexName: 'GSI1',
      partitionKey: 'GSI1PK',
      sortKey: 'GSI1SK',
    },
  ],
} as const;
