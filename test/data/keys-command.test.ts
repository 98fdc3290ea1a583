/**
 * `npm run keys` against a table: create prints the key as its last line (and the key works),
 * list shows it without the secret, revoke makes it stop working.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { useFreshTable } from '../support/dynamo-env.js';

const run = promisify(execFile);
let client: DynamoDBClient;

beforeAll(async () => {
  ({ client } = await useFreshTable());
  // Every lookup reads the table, so the revocation is seen at once.
  process.env.API_KEY_CACHE_SECONDS = '0';
});
afterAll(() => client.destroy());

const keys = (...args: string[]) =>
  run(process.execPath, ['--import', 'tsx', 'scripts/keys.ts', ...args], {
    env: { ...process.env, API_KEY_CACHE_SECONDS: '0' },
  });

it('creates, lists and revokes keys', async () => {
  const created = await keys('create', '--team', 'team-cli', '--scope', 'domains:manage');
  const lines = created.stdout.trim().split('\n');
  const key = lines.at(-1)!;
  expect(key).toMatch(/^kr_live_[0-9A-Za-z]{50}$/);
  const keyId = /Created (key_\w+)/.exec(created.stdout)?.[1];
  expect(keyId).toBeDefined();

  const { authenticate } = await import('../../src/services/auth.js');
  await expect(authenticate(`Bearer ${key}`, 'domains:manage')).resolves.toEqual({ teamId: 'team-cli', keyId });

  const listed = await keys('list', '--team', 'team-cli');
  expect(listed.stdout).toContain(keyId);
  expect(listed.stdout).not.toContain(key);

  await keys('revoke', keyId!);
  await expect(authenticate(`Bearer ${key}`, 'domains:manage')).rejects.toMatchObject({ status: 401 });
  await expect(keys('revoke', 'key_doesnotexist')).rejects.toMatchObject({ code: 2 });
  await expect(keys('create', '--team', 'team-cli')).rejects.toMatchObject({ code: 2 });
}, 60_000);
