/**
 * The per-container key cache of src/services/auth.ts, with API_KEY_CACHE_SECONDS=30. Unknown ids
 * and never-issued keys: auth-unknown-keys.test.ts.
 */
import './support/env.js';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { ddbMock, givenApiKey, resetAwsMocks } from './support/aws.js';
import { hashApiKey, keyChecksum } from '../../src/domain/api-key.js';
import type * as AuthModule from '../../src/services/auth.js';

let auth: typeof AuthModule;

beforeAll(async () => {
  process.env.API_KEY_CACHE_SECONDS = '30';
  auth = await import('../../src/services/auth.js');
});

beforeEach(() => {
  resetAwsMocks();
  auth.clearKeyCache();
});

const lookups = () => ddbMock.commandCalls(GetCommand).length;

describe('authenticate with a key cache', () => {
  it('resolves a key to its team and looks it up once while cached', async () => {
    const key = givenApiKey({ teamId: 'team-c' });
    await expect(auth.authenticate(`Bearer ${key.plaintext}`, 'domains:manage')).resolves.toEqual({ teamId: 'team-c', keyId: key.keyId });
    await expect(auth.authenticate(`Bearer ${key.plaintext}`, 'domains:manage')).resolves.toEqual({ teamId: 'team-c', keyId: key.keyId });
    expect(lookups()).toBe(1);
  });

  it('still checks the secret of a cached key: a forged key with the same id and a valid checksum is refused', async () => {
    const key = givenApiKey();
    await auth.authenticate(`Bearer ${key.plaintext}`, 'domains:manage');
    const body = `${key.plaintext.slice(0, 48)}${key.plaintext.slice(48, 52) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
    const forged = `${body}${keyChecksum(body)}`;
    await expect(auth.authenticate(`Bearer ${forged}`, 'domains:manage')).rejects.toMatchObject({ status: 401, code: 'invalid_api_key' });
    expect(lookups()).toBe(1);
  });

  it('still checks the scope of a cached key', async () => {
    const key = givenApiKey({ scopes: ['domains:manage'] });
    await auth.authenticate(`Bearer ${key.plaintext}`, 'domains:manage');
    await expect(auth.authenticate(`Bearer ${key.plaintext}`, 'emails:send')).rejects.toMatchObject({ status: 403, code: 'insufficient_scope' });
  });

  it('keeps using a cached key until clearKeyCache(), then sees its revocation', async () => {
    const key = givenApiKey();
    await auth.authenticate(`Bearer ${key.plaintext}`, 'domains:manage');
    ddbMock.on(GetCommand, { Key: { PK: `APIKEY#${key.keyId}`, SK: 'APIKEY' } }).resolves({
      Item: { keyId: key.keyId, teamId: 'team-a', hash: hashApiKey(key.plaintext), scopes: ['domains:manage'], revokedAt: '2026-01-01T00:00:00.000Z' },
    });
    await expect(auth.authenticate(`Bearer ${key.plaintext}`, 'domains:manage')).resolves.toMatchObject({ teamId: 'team-a' });
    auth.clearKeyCache();
    await expect(auth.authenticate(`Bearer ${key.plaintext}`, 'domains:manage')).rejects.toMatchObject({ code: 'invalid_api_key' });
  });
});
