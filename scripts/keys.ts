/**
 * Operator command for API keys (the API itself has no key endpoints):
 *
 *   npm run keys -- create --team <team> --scope domains:manage [--scope webhooks:manage ...]
 *   npm run keys -- list --team <team>
 *   npm run keys -- revoke <key-id>
 *
 * Table: `--table <name>` or TABLE_NAME (a deployed stack's `TableName` output, with the usual AWS
 * credentials and region); without either, the running local stack (`npm start`) is used.
 * `create` prints the new key once, as the last line of its output.
 */

import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { LOCAL_STACK_FILE, type LocalStackInfo } from '../local/stack-info.js';

const USAGE = `usage:
  npm run keys -- create --team <team> --scope domains:manage [--scope webhooks:manage] [--table <name>]
  npm run keys -- list --team <team> [--table <name>]
  npm run keys -- revoke <key-id> [--table <name>]`;

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { team: { type: 'string' }, scope: { type: 'string', multiple: true }, table: { type: 'string' } },
  });
  const [command, arg] = positionals;

  if (values.table) process.env.TABLE_NAME = values.table;
  if (!process.env.TABLE_NAME) {
    if (!existsSync(LOCAL_STACK_FILE))
      fail(`No table given (--table or TABLE_NAME) and no local stack running (start one with npm start).\n${USAGE}`);
    const info = JSON.parse(readFileSync(LOCAL_STACK_FILE, 'utf8')) as LocalStackInfo;
    Object.assign(process.env, info.env);
    console.log(`Using the local stack (table ${info.env.TABLE_NAME} at ${info.env.AWS_ENDPOINT_URL_DYNAMODB}).`);
  }

  // Imported after the environment is settled: the table module reads it when loaded.
  const keys = await import('../src/services/api-keys.js');

  switch (command) {
    case 'create': {
      if (!values.team) fail(`--team is required.\n${USAGE}`);
      const scopes = values.scope ?? [];
      if (scopes.length === 0) fail(`At least one --scope is required (e.g. --scope domains:manage).\n${USAGE}`);
      const created = await keys.createKey(values.team, scopes);
      console.log(`Created ${created.keyId} for team ${values.team} with scopes ${scopes.join(', ')}.`);
      console.log('Store this key now: it is not shown again.');
      console.log(created.plaintext);
      return;
    }
    case 'list': {
      if (!values.team) fail(`--team is required.\n${USAGE}`);
      const list = await keys.listKeys(values.team);
      if (list.length === 0) console.log(`No keys for team ${values.team}.`);
      for (const k of list)
        console.log(
          `${k.keyId}  ${k.scopes.join(',')}  created ${k.createdAt}${k.revokedAt ? `  revoked ${k.revokedAt}` : ''}`,
        );
      return;
    }
    case 'revoke': {
      if (!arg) fail(`The key id is required.\n${USAGE}`);
      const revoked = await keys.revokeKey(arg);
      if (!revoked) fail(`No key ${arg}.`);
      console.log(`Revoked ${arg}.`);
      return;
    }
    default:
      fail(USAGE);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
