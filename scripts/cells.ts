/**
 * Operator command for SES cells (docs/deploy.md, "More SES cells"):
 *
 *   npm run cells -- count [--table <name>]   count the domains stored before cells were counted
 *   npm run cells -- show [--table <name>]    each cell's count
 *
 * Table: `--table <name>` or TABLE_NAME (a deployed stack's `TableName` output, with the usual AWS
 * credentials and region); without either, the running local stack (`npm start`) is used.
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { LOCAL_STACK_FILE, type LocalStackInfo } from '../local/stack-info.js';

const USAGE = `usage:
  npm run cells -- count [--table <name>]
  npm run cells -- show [--table <name>]`;

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { table: { type: 'string' } } });
  const [command] = positionals;
  if (values.table) process.env.TABLE_NAME = values.table;
  if (!process.env.TABLE_NAME) {
    if (!existsSync(LOCAL_STACK_FILE))
      fail(`No table given (--table or TABLE_NAME) and no local stack running (start one with npm start).\n${USAGE}`);
    const info = JSON.parse(readFileSync(LOCAL_STACK_FILE, 'utf8')) as LocalStackInfo;
    Object.assign(process.env, info.env);
    console.log(`Using the local stack (table ${info.env.TABLE_NAME}).`);
  }
  // Imported after the environment is settled: the table module reads it when loaded.
  const counters = await import('../src/adapters/cell-counters-table.js');
  const { cellsConfig } = await import('../src/config.js');

  switch (command) {
    case 'count': {
      const added = await counters.countUncountedDomains();
      if (added.size === 0) console.log('Every domain already holds its place in its cell.');
      for (const [cell, n] of added) console.log(`${cell}: ${n} domain(s) counted`);
      return;
    }
    case 'show': {
      const { cells, quota } = cellsConfig();
      const placed = await counters.placedIn(cells.map((c) => c.id));
      for (const c of cells)
        console.log(`${c.id} (${c.region}${c.draining ? ', draining' : ''}): ${placed.get(c.id) ?? 0} of ${quota}`);
      return;
    }
    default:
      fail(USAGE);
  }
}

await main();
