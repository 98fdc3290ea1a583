/**
 * `npm start`: runs the whole system locally (see stack.ts) until Ctrl-C.
 *
 *   PORT          API port (default 3000)
 *   LOCAL_DATA    data folder kept between runs (default .local-data); `--in-memory` for a throwaway run
 *   DNS_SERVERS   DNS servers to verify against (host:port,...); default the system's resolvers
 *   SES_REGION    default region of new domains, shown in the MX record (default eu-central-1)
 *   SES_REGIONS   further regions a domain may be created in (`region` on create), comma-separated
 *   SES_CELLS, SES_IDENTITY_QUOTA  the SES cells and how many identities each takes (README); a cell's
 *                 roleArn is assumed through the STS stand-in and reaches the SES stand-in as its own account
 *   SCHEDULE_SECONDS  how often the re-verification scheduler runs (default 60)
 *   MAX_DOMAINS_PER_TEAM, RESERVED_DOMAINS, UNVERIFIED_RELEASE_GRACE_HOURS, MAX_WEBHOOKS_PER_TEAM  passed to the functions (README)
 *   WEBHOOKS_ALLOW_LOCAL_TARGETS=1  webhook URLs may also be http:// and loopback (a receiver on this machine)
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { LOCAL_PASSTHROUGH_ENV } from '../src/deployment.js';
import { startLocalStack } from './stack.js';
import { LOCAL_STACK_FILE, type LocalStackInfo } from './stack-info.js';

const inMemory = process.argv.includes('--in-memory') || process.env.LOCAL_IN_MEMORY === '1';
const started = Date.now();
const stack = await startLocalStack({
  port: Number(process.env.PORT ?? 3000),
  inMemory,
  dataDir: process.env.LOCAL_DATA ?? '.local-data',
  dnsServers: process.env.DNS_SERVERS,
  sesRegion: process.env.SES_REGION,
  scheduleIntervalMs: Number(process.env.SCHEDULE_SECONDS ?? 60) * 1000,
  // Settings the functions read, passed on when set.
  env: Object.fromEntries(
    LOCAL_PASSTHROUGH_ENV.flatMap((name) => {
      const value = process.env[name];
      return value === undefined ? [] : [[name, value]];
    }),
  ),
});

const info: LocalStackInfo = { apiUrl: stack.apiUrl, env: stack.env, pid: process.pid };
// An in-memory run writes no data, yet other commands (npm run keys) still find it by this file.
mkdirSync(dirname(LOCAL_STACK_FILE), { recursive: true });
writeFileSync(LOCAL_STACK_FILE, JSON.stringify(info, null, 2));

console.log(`Krafter Domains API (local) ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`  API       ${stack.apiUrl}`);
console.log(`  console   ${stack.consoleUrl}  (sign in with a key from \`npm run keys\`)`);
console.log(`  data      ${inMemory ? 'in memory (discarded on exit)' : (process.env.LOCAL_DATA ?? '.local-data')}`);
console.log(`  DNS       ${process.env.DNS_SERVERS ?? 'system resolvers'}`);
console.log('Create a key in another terminal:');
console.log('  npm run keys -- create --team my-team --scope domains:manage --scope webhooks:manage');
if (process.env.WEBHOOKS_ALLOW_LOCAL_TARGETS === '1')
  console.log('Webhook URLs may be http:// and loopback (local receivers).');
console.log('Stop with Ctrl-C.');

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log(`\n${signal}: stopping...`);
  rmSync(LOCAL_STACK_FILE, { force: true });
  await stack.stop();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
