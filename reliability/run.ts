/**
 * `npm run reliability`: bad input, races, injected faults, isolation and access, IAM, load,
 * identities made outside the API, abuse, and webhook targets, against local stacks with fault
 * proxies; prints one
 * summary whose last line is
 * `reliability: <N> requests, <X> 5xx, <Y> invariant violations, <Z> cross-team reads`, and exits
 * non-zero on any 5xx, violation or cross-team read.
 *
 * Options: --quick (smaller corpus, fewer rounds and fault kinds, 5 s of load, a smaller flood),
 * --only=<categories> (comma-separated: bad-input,races,faults,access,iam,load,foreign-identities,abuse,
 * webhooks,cells),
 * --load-seconds=<n>, --flood=<n> (requests of the abuse run's key flood, at least 80), --seed=<n>, --verbose.
 *
 * The abuse category runs in a process of its own: it needs the functions' key cache on (as in
 * production) to measure what unknown and revoked keys cost, while the other categories need it off
 * (a revoked key refused at once; every request's key lookup meets the faults). The functions read
 * their configuration once per process, so one process cannot have both. For the same reason the
 * webhooks category runs twice: in the main stack as deployed, and in a process of its own with
 * WEBHOOKS_ALLOW_LOCAL_TARGETS=1, the delivery pipeline on and a short retry schedule, for the parts
 * that need receivers on 127.0.0.1 (redirects, and the pipeline under faults). The cells category runs
 * in a process of its own too: its functions are configured with several SES cells (SES_CELLS) and a
 * small quota per cell.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DynamoDbLocal, startDynamoDbLocal } from '../local/dynamodb-local.js';
import { MIN_FLOOD_REQUESTS, runAbuse } from './abuse.js';
import { runAccess, scanLogs } from './access.js';
import { runBadInput } from './bad-input.js';
import { CELLS_WORLD } from './cell-state.js';
import { runCells } from './cells.js';
import { type FaultKind, runFaults } from './faults.js';
import { runForeignIdentities } from './foreign-identities.js';
import { runIam } from './iam.js';
import { runLoad } from './load.js';
import { runRaces } from './races.js';
import { summary } from './summary.js';
import { CATEGORIES, type Category, Tally, type TallyJson } from './tally.js';
import { PIPELINE_WORLD, runWebhookPipeline } from './webhook-pipeline.js';
import { runWebhooks, runWebhooksLocal } from './webhooks.js';
import { World, type WorldOptions } from './world.js';

const args = new Map(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k ?? '', v ?? 'true'] as const;
  }),
);
const quick = args.has('quick');
const only = new Set((args.get('only') ?? CATEGORIES.join(',')).split(',') as Category[]);
for (const c of only)
  if (!CATEGORIES.includes(c)) throw new Error(`unknown category ${c} (expected some of ${CATEGORIES.join(',')})`);
const seed = Number(args.get('seed') ?? 20261128);
const verbose = args.has('verbose');
const floodRequests = Number(args.get('flood') ?? (quick ? 2000 : 4000));
// Refused before any stack starts, not as a crash of the abuse run minutes later.
if (!(floodRequests >= MIN_FLOOD_REQUESTS))
  throw new Error(`--flood=${args.get('flood')}: the key flood needs at least ${MIN_FLOOD_REQUESTS} requests`);
/** Set when this process is a part run of a parent run (abuse, or webhooks' local part): the tally goes to this file. */
const tallyOut = args.get('tally-out');
/** Set in the child run of the webhooks category's local part: receivers on 127.0.0.1 allowed. */
const localTargets = args.has('local-targets');
/** Set in the child run of the cells category: the functions configured with several SES cells. */
const withCells = args.has('cells');
/**
 * The abuse run's stack: key lookups cached for production's default 30 s; and a queue visibility
 * timeout longer than a check whose DNS never answers (the verifier waits up to 4 s for DNS), as in
 * AWS, where it is six times the verifier's timeout. The other categories keep 1 s, so that their
 * failed checks come back quickly.
 */
const ABUSE_STACK = { apiKeyCacheSeconds: 30, visibilityTimeoutSeconds: 15 } as const;

const started = Date.now();
let say = (line: string) => void process.stdout.write(`${line}\n`);

/**
 * A part run in a child process of this script, whose stack the functions see configured
 * differently (`part`: the options that say how); its tally comes back as JSON.
 */
async function partInChild(
  category: Category,
  part: readonly string[],
  dynamoEndpoint: string,
  tally: Tally,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'reliability-'));
  const out = join(dir, `${category}-tally.json`);
  const pass = [...args]
    .filter(([k]) => k !== 'only' && k !== 'local-targets' && k !== 'cells' && k !== 'tally-out')
    .map(([k, v]) => `--${k}=${v}`);
  try {
    const code = await new Promise<number>((resolve) => {
      const child = spawn(
        process.execPath,
        [...process.execArgv, fileURLToPath(import.meta.url), ...part, `--tally-out=${out}`, ...pass],
        {
          env: { ...process.env, TEST_DYNAMODB_ENDPOINT: dynamoEndpoint },
          stdio: 'inherit',
        },
      );
      child.on('exit', (c) => resolve(c ?? 1));
      child.on('error', () => resolve(1));
    });
    let json: TallyJson | undefined;
    try {
      json = JSON.parse(readFileSync(out, 'utf8')) as TallyJson;
    } catch {
      json = undefined;
    }
    if (json) tally.merge(json);
    else tally.violation(category, `the ${category} run's process ended with code ${code} and no tally`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let dynamo: DynamoDbLocal | undefined;
let endpoint = process.env.TEST_DYNAMODB_ENDPOINT;
if (!endpoint) {
  dynamo = await startDynamoDbLocal({ inMemory: true });
  endpoint = dynamo.endpoint;
}
/** Categories run in a stack of their own (a child process of this script), never in the main one. */
const OWN_STACK: readonly Category[] = ['abuse', 'cells'];
const here = CATEGORIES.filter((c) => only.has(c) && (!OWN_STACK.includes(c) || tallyOut !== undefined));
let tally = new Tally();
let exitCode = 1;
try {
  if (here.length > 0) {
    const stack: WorldOptions =
      tallyOut === undefined
        ? { dynamoEndpoint: endpoint }
        : localTargets
          ? { dynamoEndpoint: endpoint, ...PIPELINE_WORLD }
          : withCells
            ? { dynamoEndpoint: endpoint, ...CELLS_WORLD }
            : { dynamoEndpoint: endpoint, ...ABUSE_STACK };
    const world = await World.start(stack);
    tally = world.tally;
    say = (line) => world.logs.print(line);
    const part =
      tallyOut === undefined
        ? ''
        : localTargets
          ? ' (webhooks: local targets allowed, the delivery pipeline on)'
          : withCells
            ? ' (cells: several SES cells, 3 places each)'
            : ' (abuse, key cache on)';
    say(
      `reliability run${part}: seed ${seed}${quick ? ', quick' : ''}; stack up in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    const step = async (category: Category, run: () => Promise<unknown>) => {
      if (!here.includes(category)) return;
      const t = Date.now();
      say(`… ${category}`);
      try {
        await run();
      } catch (err) {
        world.tally.violation(
          category,
          `the ${category} run crashed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
        );
      }
      if (!world.tally.durationsMs.has(category)) world.tally.durationsMs.set(category, Date.now() - t);
    };
    const quickKinds: FaultKind[] = ['throttle', '5xx', 'lost-answer', 'stall'];
    try {
      await step('bad-input', () => runBadInput(world, { seed, generated: quick ? 120 : 260 }));
      await step('faults', () =>
        runFaults(world, {
          kinds: quick ? quickKinds : undefined,
          progress: verbose ? (l) => say(`   ${l}`) : undefined,
        }),
      );
      await step('access', () => runAccess(world));
      await step('iam', () => runIam(world));
      // Races after the faults: creates retried through SES throttling spend the SDK clients' retry
      // budget, which all functions share in this one process (in Lambda, each container has its own).
      await step('races', () =>
        runRaces(world, {
          concurrency: 50,
          mixedRounds: quick ? 3 : 12,
          throttledClients: quick ? 4 : 10,
          throttledAttempts: quick ? 5 : 12,
        }),
      );
      await step('foreign-identities', () => runForeignIdentities(world, { storm: quick ? 4 : 8 }));
      await step('webhooks', async () => {
        if (!localTargets) return runWebhooks(world);
        await runWebhooksLocal(world);
        await runWebhookPipeline(world, {
          quick,
          hangingEvents: quick ? 5 : 10,
          progress: verbose ? (l) => say(`   ${l}`) : undefined,
        });
      });
      await step('load', () =>
        runLoad(world, { seconds: Number(args.get('load-seconds') ?? (quick ? 5 : 15)), connections: 10 }),
      );
      await step('abuse', () => runAbuse(world, { floodRequests }));
      await step('cells', () =>
        runCells(world, {
          clients: quick ? 12 : 15,
          stsFaults: quick ? ['throttle', 'access_denied'] : undefined,
          throttledCreates: quick ? 3 : 4,
        }),
      );
      // Last: the logs of everything above, searched for key material.
      if (here.includes('access')) scanLogs(world);
    } finally {
      await world.stop().catch(() => undefined);
    }
  }
  if (tallyOut !== undefined) {
    await writeFile(tallyOut, JSON.stringify(tally));
    exitCode = 0;
  } else {
    if (only.has('abuse')) {
      say('… abuse (own stack, key cache on)');
      await partInChild('abuse', ['--only=abuse'], endpoint, tally);
    }
    if (only.has('webhooks')) {
      say('… webhooks, local receivers and the delivery pipeline (own stack, WEBHOOKS_ALLOW_LOCAL_TARGETS=1)');
      await partInChild('webhooks', ['--only=webhooks', '--local-targets'], endpoint, tally);
    }
    if (only.has('cells')) {
      say('… cells (own stack, SES_CELLS with 3 open cells of 3 places and a draining one)');
      await partInChild('cells', ['--only=cells', '--cells'], endpoint, tally);
    }
    say(summary(tally, Date.now() - started));
    exitCode = tally.ok() ? 0 : 1;
  }
} finally {
  await dynamo?.stop().catch(() => undefined);
}
process.exit(exitCode);
