/**
 * Resolves `Authorization: Bearer kr_live_...` to a team and checks the route's scope. Key lookups
 * are cached inside the container for API_KEY_CACHE_SECONDS (default 30 s): a revoked key stops
 * working everywhere within that time, and a warm container skips one DynamoDB read per request.
 */
import { getApiKey, type ApiKeyRecord } from '../adapters/api-keys-table.js';
import { authConfig } from '../config.js';
import { hashMatches, keyIdOf } from '../domain/api-key.js';
import { InsufficientScopeError, InvalidApiKeyError, MissingApiKeyError } from '../errors.js';

const cacheMs = authConfig().API_KEY_CACHE_SECONDS * 1000;
const MAX_CACHED = 1000;
const cache = new Map<string, { record: ApiKeyRecord; until: number }>();

export interface Caller {
  readonly teamId: string;
  readonly keyId: string;
}

async function lookup(keyId: string): Promise<ApiKeyRecord | null> {
  const hit = cache.get(keyId);
  if (hit && hit.until > Date.now()) return hit.record;
  const record = await getApiKey(keyId);
  if (record && cacheMs > 0) {
    if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value as string);
    cache.set(keyId, { record, until: Date.now() + cacheMs });
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

/** For tests: forget cached lookups. */
export function clearKeyCache(): void {
  cache.clear();
}
