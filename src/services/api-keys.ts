/** API key use cases for the operator command: create (shown once), list, revoke. */
import { type ApiKeyRecord, listApiKeys, putApiKey, revokeApiKey } from '../adapters/api-keys-table.js';
import { generateApiKey, isScope } from '../domain/api-key.js';

export function validTeamId(team: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(team);
}

export async function createKey(
  teamId: string,
  scopes: readonly string[],
): Promise<{ keyId: string; plaintext: string }> {
  if (!validTeamId(teamId))
    throw new Error(`Invalid team id "${teamId}": use letters, digits, "_", "." and "-" (at most 128).`);
  const unknown = scopes.filter((s) => !isScope(s));
  if (unknown.length > 0)
    throw new Error(`Malformed scope(s): ${unknown.join(', ')} (expected <resource>:<action>, e.g. domains:manage).`);
  const key = generateApiKey();
  await putApiKey({
    keyId: key.keyId,
    teamId,
    hash: key.hash,
    scopes: [...new Set(scopes)],
    createdAt: new Date().toISOString(),
  });
  return { keyId: key.keyId, plaintext: key.plaintext };
}

export async function listKeys(teamId: string): Promise<ApiKeyRecord[]> {
  return listApiKeys(teamId);
}

export async function revokeKey(keyId: string): Promise<boolean> {
  return revokeApiKey(keyId, new Date().toISOString());
}
