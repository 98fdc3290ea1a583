/**
 * The stored key formats, written out literally. Items already in a deployed table carry these
 * keys: a test failing here means stored data would no longer be found. Change a format only
 * together with a migration of the items that have it.
 */
import {
  apiKeyKey,
  cellCounterKey,
  claimKey,
  DUE_SHARDS,
  deliveryKey,
  deliveryPrefix,
  domainCountKey,
  domainKey,
  dueKey,
  duePartition,
  dueUpTo,
  IDEMPOTENCY_PARTITION,
  INDEX,
  ITEM_ABSENT,
  ITEM_EXISTS,
  KEY_PREFIX,
  PARTITION_KEYS,
  rateBudgetKey,
  rateLimitKey,
  SORT_KEY,
  statusChangeKey,
  statusHistoryPrefix,
  teamKeysKey,
  teamKeysPartition,
  teamPartition,
  webhookCountKey,
  webhookEventKey,
  webhookEventPrefix,
  webhookKey,
} from '../../src/adapters/table-keys.js';
import { TABLE_SCHEMA } from '../../src/adapters/table-schema.js';

const ID = '0190f3a2-7b7c-7cc0-8a1e-1234567890ab';
const AT = Date.parse('2026-01-16T10:00:00.000Z');

describe('the table keys, as stored', () => {
  it('names the same attributes and index the deployed table has', () => {
    expect(TABLE_SCHEMA).toEqual({
      partitionKey: 'PK',
      sortKey: 'SK',
      timeToLiveAttribute: 'expiresAt',
      indexes: [{ indexName: 'GSI1', partitionKey: 'GSI1PK', sortKey: 'GSI1SK' }],
    });
    expect(INDEX).toEqual({ name: 'GSI1', pk: 'GSI1PK', sk: 'GSI1SK' });
    expect([ITEM_EXISTS, ITEM_ABSENT]).toEqual(['attribute_exists(PK)', 'attribute_not_exists(PK)']);
  });

  it('domains, their claims, counts and history', () => {
    expect(teamPartition('team-a')).toBe('TEAM#team-a');
    expect(domainKey('team-a', ID)).toEqual({ PK: 'TEAM#team-a', SK: `DOMAIN#${ID}` });
    expect(claimKey('example.com')).toEqual({ PK: 'DOMAINNAME#example.com', SK: 'CLAIM' });
    expect(domainCountKey('team-a')).toEqual({ PK: 'TEAM#team-a', SK: 'DOMAINCOUNT' });
    expect(webhookKey('team-a', 'w-1')).toEqual({ PK: 'TEAM#team-a', SK: 'WEBHOOK#w-1' });
    expect(webhookCountKey('team-a')).toEqual({ PK: 'TEAM#team-a', SK: 'WEBHOOKCOUNT' });
    expect(deliveryKey('team-a', 'w-1', ID)).toEqual({ PK: 'TEAM#team-a', SK: `DELIVERY#w-1#${ID}` });
    expect(deliveryPrefix('w-1')).toBe('DELIVERY#w-1#');
    expect(statusChangeKey('team-a', ID, '2026-01-16T10:00:00.000Z')).toEqual({
      PK: 'TEAM#team-a',
      SK: `HISTORY#${ID}#2026-01-16T10:00:00.000Z`,
    });
    expect(statusHistoryPrefix(ID)).toBe(`HISTORY#${ID}#`);
  });

  it("a domain's webhook events, in sequence order", () => {
    expect(webhookEventKey('team-a', ID, 1)).toEqual({ PK: 'TEAM#team-a', SK: `EVENT#${ID}#0000000001` });
    expect(webhookEventKey('team-a', ID, 1234567890)).toEqual({ PK: 'TEAM#team-a', SK: `EVENT#${ID}#1234567890` });
    expect(webhookEventPrefix(ID)).toBe(`EVENT#${ID}#`);
  });

  it('the due-time index, spread over four shards', () => {
    expect(DUE_SHARDS).toBe(4);
    expect(duePartition(3)).toBe('DUE#3');
    // The shard is a hash of the id: pinned too, or entries already stored would sit in another shard.
    expect(dueKey(ID, AT)).toEqual({ GSI1PK: 'DUE#3', GSI1SK: `2026-01-16T10:00:00.000Z#${ID}` });
    expect(dueKey('x', AT).GSI1PK).toBe('DUE#0');
    expect(dueUpTo(AT)).toBe('2026-01-16T10:00:00.000Z#~');
  });

  it('API keys and their listing by team', () => {
    expect(apiKeyKey('k1')).toEqual({ PK: 'APIKEY#k1', SK: 'APIKEY' });
    expect(teamKeysPartition('team-a')).toBe('TEAM#team-a#APIKEYS');
    expect(teamKeysKey('team-a', '2026-01-01T00:00:00.000Z', 'k1')).toEqual({
      GSI1PK: 'TEAM#team-a#APIKEYS',
      GSI1SK: '2026-01-01T00:00:00.000Z#k1',
    });
  });

  it('the SES pacer, the rate-limit counters and the idempotency records', () => {
    expect(rateBudgetKey('ses#eu-central-1')).toEqual({ PK: 'RATE#ses#eu-central-1', SK: 'RATE' });
    expect(rateLimitKey('team-a', 1_700_000_000)).toEqual({ PK: 'RATELIMIT#team-a#1700000000', SK: 'WINDOW' });
    expect(IDEMPOTENCY_PARTITION).toBe('IDEMPOTENCY');
    expect(cellCounterKey('c-2')).toEqual({ PK: 'CELL#c-2', SK: 'CELL' });
  });

  it('the partition key patterns the IAM grants name, and the prefixes and sort keys they come from', () => {
    expect(PARTITION_KEYS).toEqual({
      team: 'TEAM#*',
      domainName: 'DOMAINNAME#*',
      apiKey: 'APIKEY#*',
      idempotency: 'IDEMPOTENCY',
      sesPacer: 'RATE#*',
      rateLimit: 'RATELIMIT#*',
      cell: 'CELL#*',
    });
    expect(KEY_PREFIX).toEqual({
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
    });
    expect(SORT_KEY).toEqual({
      claim: 'CLAIM',
      domainCount: 'DOMAINCOUNT',
      webhookCount: 'WEBHOOKCOUNT',
      apiKey: 'APIKEY',
      sesPacer: 'RATE',
      rateLimit: 'WINDOW',
      cellCounter: 'CELL',
    });
  });
});
