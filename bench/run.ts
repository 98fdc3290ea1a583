/**
 * `npm run bench`: the six measurements of the performance issue, the webhook pipeline's and the
 * console's, printed as a table and written to bench/results.json. Each speed figure is a ratio against a floor measured
 * in the same run. `BENCH_SCALE=0.1 npm run bench` shrinks the sizes for a quick run (never below the
 * minimums); `npm run bench -- --only webhooks` runs some sections only (bench/lib/select.ts).
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CLIENT_PACKAGE } from './lib/calls.js';
import { Child } from './lib/child.js';
import { selectSections } from './lib/select.js';
import { benchScale, round, scaled } from './lib/stats.js';
import { type BenchResults, printReport, targetsMissed } from './report.js';
import { measureCells } from './sections/cells.js';
import { measureColdStart } from './sections/cold-start.js';
import { measureConsole } from './sections/console.js';
import type { EndpointName, EndpointResult } from './sections/endpoints.js';
import { measureHttp } from './sections/http.js';
import type { SchedulerResult } from './sections/scheduler.js';
import { measureVerifier } from './sections/verifier.js';
import { measureWebhooks } from './sections/webhooks.js';

const RESULTS = fileURLToPath(new URL('./results.json', import.meta.url));
const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s`;
const progress = (section: string) => (line: string) => console.log(`${elapsed()}  [${section}] ${line}`);

const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(
    `The bench runs on Node 24, like the functions; this is Node ${process.versions.node}. Run it with \`npm run bench\`.`,
  );
  process.exit(1);
}
const scale = benchScale();

const sections = new Set(selectSections(process.argv.slice(2)));

let inProcessResult:
  | { endpoints: Partial<Record<EndpointName, EndpointResult>>; scheduler: SchedulerResult }
  | undefined;
if (sections.has('in-process')) {
  const inProcess = new Child(new URL('./sections/in-process-child.ts', import.meta.url));
  const forward = async (child: Child, log: (line: string) => void) => {
    for (;;) log(await child.next<string>('progress'));
  };
  forward(inProcess, progress('in process')).catch(() => undefined);
  inProcessResult = await inProcess
    .next<{ endpoints: Partial<Record<EndpointName, EndpointResult>>; scheduler: SchedulerResult }>('result')
    .finally(() => inProcess.kill());
  await inProcess.done;
}
const { endpoints, scheduler } = inProcessResult ?? {};

const http = sections.has('http')
  ? await measureHttp(
      { durationS: scaled(10, 3, scale), warmupS: scaled(2, 1, scale), connections: 10 },
      progress('http'),
    )
  : undefined;

const verifier = sections.has('verifier')
  ? await measureVerifier({ rate: 5, checks: scaled(50, 20, scale), throttleFactor: 1.2 }, progress('verifier'))
  : undefined;

const webhooks = sections.has('webhooks')
  ? await measureWebhooks(
      {
        latencyEvents: scaled(50, 20, scale),
        burstEvents: scaled(20, 5, scale),
        burstEndpoints: 20,
        isolationEvents: scaled(25, 10, scale),
        healthyEndpoints: 4,
        ratePerS: 5,
      },
      progress('webhooks'),
    )
  : undefined;

const consoleResult = sections.has('console')
  ? await measureConsole({ runs: scaled(15, 5, scale) }, progress('console'))
  : undefined;
// Twice SES's own limit per account, with the verifier's default share of it (80 %): low enough that
// SES, not this machine's CPU, limits four cells' creates; bench/README.md says why not 1 call/s.
const cells = sections.has('cells')
  ? await measureCells(
      { counts: [1, 2, 4], createsPerCell: scaled(20, 8, scale), sesLimit: 2, budget: 1.6 },
      progress('cells'),
    )
  : undefined;

// Which clients each measured function was seen calling: the cold-start section checks bundles against it.
const called = new Map<string, Set<string>>();
const add = (fn: string, clients: readonly string[]) => {
  const set = called.get(fn) ?? new Set<string>();
  for (const c of clients) if (CLIENT_PACKAGE[c]) set.add(CLIENT_PACKAGE[c]);
  called.set(fn, set);
};
for (const e of Object.values(endpoints ?? {}))
  add(e.function, [...e.calls.clients, ...e.calls.key_cache_cold.clients]);
if (scheduler) add('scheduler', scheduler.calls.clients);
if (verifier) add('verifier', verifier.clients);
// The worker calls EventBridge only when it switches an endpoint off, which the bench never makes it do.
if (webhooks) add('webhook-fanout', webhooks.clients['webhook-fanout']);

// Last, once the stand-ins are gone: the import timings want a quiet machine.
const functions = sections.has('cold-start')
  ? await measureColdStart({ runs: 15, called }, progress('cold start'))
  : undefined;

const results: BenchResults = {
  meta: {
    date: new Date().toISOString(),
    node: process.versions.node,
    scale,
    sections: [...sections],
    total_s: 0,
    notes: [
      'Ratios are against floors measured in the same run: a bundle constructing only the bundled AWS clients (cold start); the same AWS calls made directly with the same clients (warm latency, HTTP, scheduler); the configured SES budget (verifier).',
      'Latencies are medians; HTTP rps is the median of per-second samples.',
      'Webhook latencies run from the change request’s start to the receiver’s first byte; isolation_ratio is against the same run without the hanging endpoint.',
      'Console times run in Chromium from the click on Sign in to the records table; time_ratio is against a bare page making the same API calls.',
    ],
  },
  functions,
  endpoints,
  http,
  scheduler,
  verifier,
  webhooks,
  console: consoleResult,
  cells,
  targets_missed: [],
};
results.targets_missed = targetsMissed(results);
results.meta.total_s = round((performance.now() - started) / 1000, 0);
writeFileSync(RESULTS, `${JSON.stringify(results, null, 2)}\n`);
printReport(results);
console.log(`\nWritten to bench/results.json in ${results.meta.total_s} s.`);
