/**
 * The per-container key cache of src/services/auth.ts with API_KEY_CACHE_SECONDS=30: known keys are
 * read once while cached, keys that were never issued cost no table read, and unknown key ids cost
 * one read per container while remembered (src/domain/api-key.ts for the checksum).
 */
import './support/env.js';
import { randomInt } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { jest } from '@jest/globals';
import { apiKeyKey } from '../../src/adapters/table-keys.js';
import { generateApiKey, hashApiKey, keyChecksum } from '../../src/domain/api-key.js';
import type * as AuthModule from '../../src/services/auth.js';
import { ddbMock, givenApiKey, resetAwsMocks } from './support/aws.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const base62 = (length: number) => Array.from({ length }, () => BASE62[randomInt(62)]).join('');

let auth: typeof AuthModule;

beforeAll(async () => {
  process.env.API_KEY_CACHE_SECONDS = '30';
  auth = await import('../../src/services/auth.js');
});

beforeEach(() => {
  resetAwsMocks();
  auth.clearKeyCache();
});

afterEach(() => jest.restoreAllMocks());

const reads = () => ddbMock.commandCalls(GetCommand).length;
const bearer = (key: string) => auth.authenticate(`Bearer ${key}`, 'domains:manage');
const refused = { status: 401, code: 'invalid_api_key' };

/** A key with a checksum that holds, for an id the table does not have unless a test stores it. */
function checksummedKey(id = base62(12), secret = base62(32)): string {
  const body = `kr_live_${id}${secret}`;
  return `${body}${keyChecksum(body)}`;
}

/** A key of the shape issued before the checksum, stored in the table for `teamId`. */
function givenLegacyKey(teamId: string): { plaintext: string; keyId: string } {
  const id = base62(12);
  const plaintext = `kr_live_${id}${base62(32)}`;
  const keyId = `key_${id}`;
  ddbMock.on(GetCommand, { Key: apiKeyKey(keyId) }).resolves({
    Item: {
      keyId,
      teamId,
      hash: hashApiKey(plaintext),
      scopes: ['domains:manage'],
      createdAt: '2025-06-01T00:00:00.000Z',
    },
  });
  return { plaintext, keyId };
}

describe('keys that were never issued', () => {
  it('refuses a stored key with any one character of its id, secret or checksum changed, without a read', async () => {
    const key = givenApiKey();
    for (let index = 'kr_live_'.length; index < key.plaintext.length; index++) {
      const c = key.plaintext[index]!;
      const other = BASE62[(BASE62.indexOf(c) + 1 + randomInt(61)) % 62]!;
      await expect(
        bearer(`${key.plaintext.slice(0, index)}${other}${key.plaintext.slice(index + 1)}`),
      ).rejects.toMatchObject(refused);
    }
    expect(reads()).toBe(0);
    await expect(bearer(key.plaintext)).resolves.toEqual({ teamId: 'team-a', keyId: key.keyId });
    expect(reads()).toBe(1);
  });

  it('refuses a thousand random keys of the current length without a read', async () => {
    for (let i = 0; i < 1000; i++) await expect(bearer(`kr_live_${base62(50)}`)).rejects.toMatchObject(refused);
    expect(ddbMock.calls()).toHaveLength(0);
  });

  it.each([
    ['43 characters', `kr_live_${base62(43)}`],
    ['47 characters', `kr_live_${base62(47)}`],
    ['51 characters', `kr_live_${base62(51)}`],
    ['another prefix', `kr_test_${base62(50)}`],
  ])('refuses a key of another shape without a read: %s', async (_what, key) => {
    await expect(bearer(key)).rejects.toMatchObject(refused);
    expect(ddbMock.calls()).toHaveLength(0);
  });
});

describe('keys issued before the checksum', () => {
  it('still resolve to their team, and still need their exact secret', async () => {
    const legacy = givenLegacyKey('team-old');
    await expect(bearer(legacy.plaintext)).resolves.toEqual({ teamId: 'team-old', keyId: legacy.keyId });
    const otherSecret = `${legacy.plaintext.slice(0, -1)}${legacy.plaintext.endsWith('a') ? 'b' : 'a'}`;
    await expect(bearer(otherSecret)).rejects.toMatchObject(refused);
  });
});

describe('unknown key ids', () => {
  it('are looked up once, then refused from memory, whatever secret comes with the id', async () => {
    const id = base62(12);
    const key = checksummedKey(id);
    await expect(bearer(key)).rejects.toMatchObject(refused);
    expect(reads()).toBe(1);
    for (let i = 0; i < 20; i++) await expect(bearer(key)).rejects.toMatchObject(refused);
    await expect(bearer(checksummedKey(id))).rejects.toMatchObject(refused);
    await expect(bearer(`kr_live_${id}${base62(32)}`)).rejects.toMatchObject(refused);
    expect(reads()).toBe(1);
  });

  it('are remembered for API_KEY_CACHE_SECONDS, then looked up again (and found if the key exists by then)', async () => {
    const start = Date.parse('2026-03-01T12:00:00.000Z');
    const now = jest.spyOn(Date, 'now').mockReturnValue(start);
    const key = generateApiKey();
    ddbMock.on(GetCommand, { Key: apiKeyKey(key.keyId) }).resolvesOnce({});

    await expect(bearer(key.plaintext)).rejects.toMatchObject(refused);
    now.mockReturnValue(start + 29_999);
    await expect(bearer(key.plaintext)).rejects.toMatchObject(refused);
    expect(reads()).toBe(1);

    ddbMock.on(GetCommand, { Key: apiKeyKey(key.keyId) }).resolves({
      Item: {
        keyId: key.keyId,
        teamId: 'team-late',
        hash: key.hash,
        scopes: ['domains:manage'],
        createdAt: '2026-03-01T12:00:10.000Z',
      },
    });
    now.mockReturnValue(start + 30_000);
    await expect(bearer(key.plaintext)).resolves.toEqual({ teamId: 'team-late', keyId: key.keyId });
    expect(reads()).toBe(2);
  });

  it('are read strongly consistent before being remembered: a key stored a moment ago is never taken for unknown', async () => {
    await expect(bearer(checksummedKey())).rejects.toMatchObject(refused);
    expect(ddbMock.commandCalls(GetCommand).map((c) => c.args[0].input.ConsistentRead)).toEqual([true]);
  });

  it('are forgotten by clearKeyCache()', async () => {
    const key = checksummedKey();
    await expect(bearer(key)).rejects.toMatchObject(refused);
    auth.clearKeyCache();
    await expect(bearer(key)).rejects.toMatchObject(refused);
    expect(reads()).toBe(2);
  });

  it('do not keep a key created afterwards from working at once: its random id was never seen', async () => {
    for (let i = 0; i < 200; i++) await expect(bearer(checksummedKey())).rejects.toMatchObject(refused);
    const created = givenApiKey({ teamId: 'team-new' });
    await expect(bearer(created.plaintext)).resolves.toEqual({ teamId: 'team-new', keyId: created.keyId });
    expect(reads()).toBe(201);
  });

  it('are at most 10,000, the oldest forgotten first', async () => {
    const keys = Array.from({ length: 10_001 }, (_, i) => checksummedKey(String(i).padStart(12, '0')));
    for (const key of keys.slice(0, 10_000)) await expect(bearer(key)).rejects.toMatchObject(refused);
    expect(reads()).toBe(10_000);
    await expect(bearer(keys[0]!)).rejects.toMatchObject(refused);
    expect(reads()).toBe(10_000);

    await expect(bearer(keys[10_000]!)).rejects.toMatchObject(refused);
    await expect(bearer(keys[1]!)).rejects.toMatchObject(refused);
    expect(reads()).toBe(10_001);
    await expect(bearer(keys[0]!)).rejects.toMatchObject(refused);
    expect(reads()).toBe(10_002);
  });
});

describe('authenticate with a key cache', () => {
  it('resolves a key to its team and looks it up once while cached', async () => {
    const key = givenApiKey({ teamId: 'team-c' });
    await expect(auth.authenticate(`Bearer ${key.plaintext}`, 'domains:manage')).resolves.toEqual({
      teamId: 'team-c',
      keyId: key.keyId,
    });
    await expect(auth.authenticate(`Bearer ${key.plaintext}`, 'domains:manage')).resolves.toEqual({
      teamId: 'team-c',
      keyId: key.keyId,
    });
    expect(reads()).toBe(1);
  });

  it('still checks the secret of a cached key: a forged key with the same id and a valid checksum is refused', async () => {
    const key = givenApiKey();
    await auth.authenticate(`Bearer ${key.plaintext}`, 'domains:manage');
    const body = `${key.plaintext.slice(0, 48)}${key.plaintext.slice(48, 52) === 'AAAA' ? 'BBBB' : 'AAAA'}`;
    const forged = `${body}${keyChecksum(body)}`;
    await expect(auth.authenticate(`Bearer ${forged}`, 'domains:manage')).rejects.toMatchObject({
      status: 401,
      code: 'invalid_api_key',
    });
    expect(reads()).toBe(1);
  });

  it('still checks the scope of a cached key', async () => {
    const key = givenApiKey({ scopes: ['domains:manage'] });
    await auth.authenticate(`Bearer ${key.plaintext}`, 'domains:manage');
    await expect(auth.authenticate(`Bearer ${key.plaintext}`, 'emails:send')).rejects.toMatchObject({
      status: 403,
      code: 'insufficient_scope',
    });
  });

  it('keeps using a cached key until clearKeyCache(), then sees its revocation', async () => {
    const key = givenApiKey();
    await auth.authenticate(`Bearer ${key.plaintext}`, 'domains:manage');
    ddbMock.on(GetCommand, { Key: apiKeyKey(key.keyId) }).resolves({
      Item: {
        keyId: key.keyId,
        teamId: 'team-a',
        hash: hashApiKey(key.plaintext),
        scopes: ['domains:manage'],
        createdAt: '2026-01-01T00:00:00.000Z',
        revokedAt: '2026-01-01T00:00:00.000Z',
      },
    });
    await expect(auth.authenticate(`Bearer ${key.plaintext}`, 'domains:manage')).resolves.toMatchObject({
      teamId: 'team-a',
    });
    auth.clearKeyCache();
    await expect(auth.authenticate(`Bearer ${key.plaintext}`, 'domains:manage')).rejects.toMatchObject({
      code: 'invalid_api_key',
    });
  });

  it('sees a revocation within API_KEY_CACHE_SECONDS (30 s), without clearKeyCache()', async () => {
    const start = Date.parse('2026-03-01T12:00:00.000Z');
    const now = jest.spyOn(Date, 'now').mockReturnValue(start);
    const key = givenApiKey();
    await expect(bearer(key.plaintext)).resolves.toMatchObject({ teamId: 'team-a' });

    // Revoked ten seconds later: the container still holds the key as it was.
    ddbMock.on(GetCommand, { Key: apiKeyKey(key.keyId) }).resolves({
      Item: {
        ...apiKeyKey(key.keyId),
        keyId: key.keyId,
        createdAt: '2026-03-01T11:00:00.000Z',
        teamId: 'team-a',
        hash: hashApiKey(key.plaintext),
        scopes: ['domains:manage'],
        revokedAt: '2026-03-01T12:00:10.000Z',
      },
    });
    now.mockReturnValue(start + 29_999);
    await expect(bearer(key.plaintext)).resolves.toMatchObject({ teamId: 'team-a' });
    expect(reads()).toBe(1);

    now.mockReturnValue(start + 30_000);
    await expect(bearer(key.plaintext)).rejects.toMatchObject(refused);
    expect(reads()).toBe(2);
  });
});
