/**
 * `npm run reliability`: bad input, races, injected faults, isolation and access, IAM, and load,
 * against one local stack with fault proxies; prints one summary whose last line is
 * `reliability: <N> requests, <X> 5xx, <Y> invariant violations, <Z> cross-team reads`, and exits
 * non-zero on any 5xx, violation or cross-team read.
 *
 * Options: --quick (smaller corpus, fewer rounds and fault kinds, 5 s of load), --only=<categories>
 * (comma-separated: bad-input,races,faults,access,iam,load), --load-seconds=<n>, --seed=<n>, --verbose.
 */
import { startDynamoDbLocal, type DynamoDbLocal } from '../local/dynamodb-local.js';
import { runAccess, scanLogs } from './access.js';
import { runBadInput } from './bad-input.js';
import { runFaults, type FaultKind } from './faults.js';
import { runIam } from './iam.js';
import { runLoad } from './load.js';
import { runRaces } from './races.js';
import { summary } from './summary.js';
import { CATEGORIES, type Category } from './tally.js';
import { World } from './world.js';

const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k ?? '', v ?? 'true'] as const;
  }),
);
const quick = args.has('quick');
const only = new Set((args.get('only') ?? CATEGORIES.join(',')).split(',') as Category[]);
const seed = Number(args.get('seed') ?? 20261128);
const verbose = args.has('verbose');

const started = Date.now();
let dynamo: DynamoDbLocal | undefined;
let endpoint = process.env.TEST_DYNAMODB_ENDPOINT;
if (!endpoint) {
  dynamo = await startDynamoDbLocal({ inMemory: true });
  endpoint = dynamo.endpoint;
}
const world = await World.start({ dynamoEndpoint: endpoint });
const say = (line: string) => world.logs.print(line);
say(`reliability run: seed ${seed}${quick ? ', quick' : ''}; stack up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
const step = async (category: Category, run: () => Promise<unknown>) => {
  if (!only.has(category)) return;
  const t = Date.now();
  say(`… ${category}`);
  try {
    await run();
  } catch (err) {
    world.tally.violation(category, `the ${category} run crashed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  }
  if (!world.tally.durationsMs.has(category)) world.tally.durationsMs.set(category, Date.now() - t);
};

const quickKinds: FaultKind[] = ['throttle', '5xx', 'lost-answer', 'stall'];
let exitCode = 1;
try {
  await step('bad-input', () => runBadInput(world, { seed, generated: quick ? 120 : 260 }));
  await step('faults', () => runFaults(world, { kinds: quick ? quickKinds : undefined, progress: verbose ? (l) => say(`   ${l}`) : undefined }));
  await step('access', () => runAccess(world));
  await step('iam', () => runIam(world));
  // Races after the faults: creates retried through SES throttling spend the SDK clients' retry
  // budget, which all functions share in this one process (in Lambda, each container has its own).
  await step('races', () => runRaces(world, { concurrency: 50, mixedRounds: quick ? 3 : 12, throttledClients: quick ? 4 : 10, throttledAttempts: quick ? 5 : 12 }));
  await step('load', () => runLoad(world, { seconds: Number(args.get('load-seconds') ?? (quick ? 5 : 15)), connections: 10 }));
  // Last: the logs of everything above, searched for key material.
  if (only.has('access')) scanLogs(world);
  say(summary(world.tally, Date.now() - started));
  exitCode = world.tally.ok() ? 0 : 1;
} finally {
  await world.stop().catch(() => undefined);
  await dynamo?.stop().catch(() => undefined);
}
process.exit(exitCode);
