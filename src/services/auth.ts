/**
 * Resolves `Authorization: Bearer kr_live_...` to a team and checks the route's scope.
 *
 * A key that cannot have been issued (wrong shape, or a checksum that does not hold) is refused
 * without a table read. Lookups are cached inside the container for API_KEY_CACHE_SECONDS (default
 * 30 s, 0 turns both caches off): a revoked key stops working everywhere within that time, and a
 * warm container skips one DynamoDB read per request. Ids the table does not know are remembered
 * for the same time, so a caller repeating one costs one read per container, not one per request.
 */
import { type ApiKeyRecord, getApiKey } from '../adapters/api-keys-table.js';
import { authConfig } from '../config.js';
import { hashMatches, keyIdOf } from '../domain/api-key.js';
import { InsufficientScopeError, InvalidApiKeyError, MissingApiKeyError } from '../errors.js';

const cacheMs = authConfig().API_KEY_CACHE_SECONDS * 1000;
const MAX_CACHED = 1000;
/**
 * Larger than the key cache: an entry is a short id and a time (10,000 take about a megabyte), and
 * a caller cycling through many unknown ids should not push them out before they expire.
 */
const MAX_UNKNOWN = 10_000;
const cache = new Map<string, { record: ApiKeyRecord; until: number }>();
/**
 * Ids the table did not have, with the time the entry lapses. This cannot lock out a key being
 * created: ids are random and only shown once the key is stored, so an id is remembered here only if
 * someone sent it before it existed, which means guessing 71 random bits; and the lookup is strongly
 * consistent (adapters/api-keys-table.ts), so a key stored a moment before its first use is found.
 */
const unknown = new Map<string, number>();

export interface Caller {
  readonly teamId: string;
  readonly keyId: string;
}

function remember<V>(map: Map<string, V>, max: number, keyId: string, value: V): void {
  // Re-inserted so that the Map's order stays oldest first and eviction drops the oldest entry.
  map.delete(keyId);
  if (map.size >= max) map.delete(map.keys().next().value as string);
  map.set(keyId, value);
}

async function lookup(keyId: string): Promise<ApiKeyRecord | null> {
  const now = Date.now();
  const hit = cache.get(keyId);
  if (hit && hit.until > now) return hit.record;
  const unknownUntil = unknown.get(keyId);
  if (unknownUntil !== undefined) {
    if (unknownUntil > now) return null;
    unknown.delete(keyId);
  }
  const record = await getApiKey(keyId);
  if (cacheMs > 0) {
    if (record) remember(cache, MAX_CACHED, keyId, { record, until: Date.now() + cacheMs });
    else remember(unknown, MAX_UNKNOWN, keyId, Date.now() + cacheMs);
  }
  return record;
}

export async function authenticate(authorization: string | undefined, requiredScope: string): Promise<Caller> {
  if (authorization === undefined || authorization.trim() === '') throw new MissingApiKeyError();
  const match = /^Bearer ([^\s]+)$/i.exec(authorization.trim());
  const keyId = match?.[1] ? keyIdOf(match[1]) : null;
  if (!match?.[1] || keyId === null) throw new InvalidApiKeyError();
  const record = await lookup(keyId);
  if (!record || record.revokedAt !== null || !hashMatches(match[1], record.hash)) throw new InvalidApiKeyError();
  if (!record.scopes.includes(requiredScope)) throw new InsufficientScopeError(requiredScope);
  return { teamId: record.teamId, keyId };
}

/** For tests: forget cached lookups, known and unknown ids alike. */
export function clearKeyCache(): void {
  cache.clear();
  unknown.clear();
}
