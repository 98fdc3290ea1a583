/** The printed table and the check against the issue's targets. */

import type { CallCounts } from './lib/calls.js';
import { mark, table } from './lib/table.js';
import { type CellsResult, cellsTargetsMissed, printCells } from './sections/cells.js';
import type { FunctionResult } from './sections/cold-start.js';
import type { ConsoleResult } from './sections/console.js';
import type { EndpointName, EndpointResult } from './sections/endpoints.js';
import type { HttpResult } from './sections/http.js';
import type { SchedulerResult } from './sections/scheduler.js';
import type { VerifierResult } from './sections/verifier-child.js';
import type { PerDelivery, WebhooksResult } from './sections/webhooks.js';

/** A section is missing when the run left it out (`--only`). */
export interface BenchResults {
  meta: { date: string; node: string; scale: number; sections: string[]; total_s: number; notes: string[] };
  functions?: Record<string, FunctionResult>;
  endpoints?: Partial<Record<EndpointName, EndpointResult>>;
  http?: Record<string, HttpResult>;
  scheduler?: SchedulerResult;
  verifier?: VerifierResult;
  webhooks?: WebhooksResult;
  console?: ConsoleResult;
  cells?: CellsResult;
  targets_missed: string[];
}

export const TARGETS = {
  initRatio: 1.15,
  warmRatio: 1.2,
  itemsReadPerDue: 1.1,
  rateRatio: [0.9, 1.0] as const,
  isolationRatio: 1.2,
  /** The console issue's size budget: all of it at most about 60 KB gzipped. */
  consoleFirstViewKb: 60,
};

const short = (pkg: string) => pkg.replace('@aws-sdk/client-', '').replace('@aws-sdk/lib-dynamodb', 'lib-ddb');

export function printReport(r: BenchResults): void {
  console.log(
    `\nKrafter Domains API bench · Node ${r.meta.node} · ${r.meta.date}${r.meta.scale < 1 ? ` · BENCH_SCALE=${r.meta.scale}` : ''}`,
  );
  if (r.functions) printColdStart(r.functions);
  if (r.endpoints) printEndpoints(r.endpoints);
  if (r.http) printHttp(r.http);
  if (r.scheduler) printScheduler(r.scheduler);
  if (r.verifier) printVerifier(r.verifier);
  if (r.webhooks) printWebhooks(r.webhooks);
  if (r.console) printConsole(r.console);
  if (r.cells) printCells(r.cells);
  console.log(r.targets_missed.length === 0 ? '\nAll targets met.' : `\nTargets missed (${r.targets_missed.length}):`);
  for (const t of r.targets_missed) console.log(`  - ${t}`);
}

function printColdStart(functions: Record<string, FunctionResult>): void {
  table(
    `1. Cold start: esbuild bundle as deployed, import in a fresh node (median of ${Object.values(functions)[0]?.runs ?? '?'}; ratios: median of paired rounds), vs floor = only its bundled AWS clients constructed (and only those it called)`,
    [
      'function',
      'bundle KB',
      'init ms',
      'floor KB',
      'floor ms',
      'init_ratio',
      'used-only floor ms',
      'ratio to it',
      'no-srcmap ms',
      'rss MB',
      'clients bundled',
      'never called',
      'starts w/ stack env',
    ],
    Object.entries(functions).map(([name, f]) => [
      name,
      f.bundle_kb,
      f.init_ms,
      f.floor_kb,
      f.floor_init_ms,
      `${f.init_ratio}${mark(f.init_ratio > TARGETS.initRatio)}`,
      f.floor_used_init_ms,
      f.init_ratio_used,
      f.init_ms_without_source_maps,
      f.rss_mb,
      Object.keys(f.clients).map(short).join(',') || '-',
      f.unused_clients === null ? 'not measured' : f.unused_clients.map(short).join(',') || '-',
      f.init_ok_with_stack_env ? 'yes' : 'NO',
    ]),
  );
}

function printEndpoints(endpoints: Partial<Record<EndpointName, EndpointResult>>): void {
  const fmt = (c: CallCounts) => `${c.dynamodb}/${c.sqs}/${c.ses}`;
  table(
    '2–3. Calls per request (DynamoDB/SQS/SES) and warm latency in process vs the same calls made directly',
    [
      'endpoint',
      'calls warm',
      'calls cold key',
      'warm ms',
      'floor ms',
      'warm_ratio',
      'calls (warm; ∥ in flight together)',
    ],
    Object.entries(endpoints).flatMap(([name, e]) =>
      e
        ? [
            [
              name,
              fmt(e.calls),
              fmt(e.calls.key_cache_cold),
              e.warm_ms,
              e.floor_ms,
              `${e.warm_ratio}${mark(e.warm_ratio > TARGETS.warmRatio)}`,
              e.calls.sequence,
            ],
          ]
        : [],
    ),
  );
}

function printHttp(http: Record<string, HttpResult>): void {
  const h = Object.values(http)[0];
  table(
    `4. HTTP on the local stack: autocannon ${h?.connections ?? '?'} connections × ${h?.duration_s ?? '?'} s, vs a plain server making the same AWS calls`,
    ['route', 'rps', 'p50 ms', 'p99 ms', 'floor rps', 'floor p50', 'floor p99', 'p50_ratio', 'non-2xx'],
    Object.entries(http).map(([name, x]) => [
      name,
      x.rps,
      x.p50_ms,
      x.p99_ms,
      x.floor_rps,
      x.floor_p50_ms,
      x.floor_p99_ms,
      x.p50_ratio,
      x.non_2xx + x.errors,
    ]),
  );
}

function printScheduler(s: SchedulerResult): void {
  table(
    '5. Scheduler (real function vs the same calls made directly, median of runs)',
    ['total', 'due', 'items_read', 'enqueued', 'ms', 'floor ms', 'time_ratio', 'calls'],
    [
      [
        s.total,
        s.due,
        `${s.items_read}${mark(s.items_read > TARGETS.itemsReadPerDue * s.due)}`,
        s.enqueued,
        s.ms,
        s.floor_ms,
        s.time_ratio,
        s.calls.ops.join(', '),
      ],
    ],
  );
}

function printVerifier(v: VerifierResult): void {
  table(
    '6. Verifier under the SES budget (SES stand-in throttling at 1.2× the budget)',
    ['checks', 'allowed/s', 'achieved/s', 'rate_ratio', 'peak in 1 s', 'throttled', 'span s', 'calls per check'],
    [
      [
        v.checks,
        v.allowed_per_s,
        v.achieved_per_s,
        `${v.rate_ratio}${mark(v.rate_ratio < TARGETS.rateRatio[0] || v.rate_ratio > TARGETS.rateRatio[1])}`,
        v.peak_1s_calls,
        v.throttled,
        v.span_s,
        v.ops.join(', '),
      ],
    ],
  );
}

function printWebhooks(w: WebhooksResult): void {
  const calls = (c: PerDelivery) => `${c.dynamodb}/${c.sqs}/${c.kms}`;
  const i = w.isolation;
  table(
    `7. Webhooks on the local stack: change (PATCH) → receiver's first byte; calls per delivery DynamoDB/SQS/KMS (fan-out + worker)`,
    [
      'changes',
      'p50 ms',
      'p99 ms',
      'PATCH p50',
      'after answer p50',
      'calls fan-out',
      'calls worker',
      'calls at 20 endpoints',
      'deliveries/s (20 endpoints)',
      'healthy p50 w/o → with hanging',
      'isolation_ratio',
    ],
    [
      [
        `${w.events} at ${w.rate_per_s}/s`,
        w.first_attempt_p50_ms,
        w.first_attempt_p99_ms,
        w.patch_p50_ms,
        w.after_answer_p50_ms,
        calls(w.calls_per_delivery.fanout),
        calls(w.calls_per_delivery.deliver),
        calls(w.calls_per_delivery_burst.total),
        `${w.deliveries_per_s} (${w.burst.deliveries} in ${w.burst.span_s} s)`,
        `${i.p50_without_ms} → ${i.p50_with_ms}`,
        `${w.isolation_ratio}${mark(w.isolation_ratio > TARGETS.isolationRatio)}`,
      ],
    ],
  );
  console.log(`worker calls per delivery: ${w.calls_per_delivery.deliver.ops.join(', ')}`);
  console.log(`fan-out calls per delivery (one endpoint): ${w.calls_per_delivery.fanout.ops.join(', ')}`);
}

function printConsole(c: ConsoleResult): void {
  const v = c.first_view;
  table(
    `8. Console in Chromium on the local stack: first view (bodies as sent), and Sign in → a domain's records table (median of ${c.runs}) vs a bare page making the same API calls`,
    ['first view KB', 'requests', 'header bytes', 'sign-in → records p50 ms', 'bare p50 ms', 'time_ratio'],
    [
      [
        `${v.body_kb}${mark(v.body_kb > TARGETS.consoleFirstViewKb)}`,
        v.requests,
        v.header_bytes,
        c.signin_to_records_p50_ms,
        c.bare_p50_ms,
        c.time_ratio,
      ],
    ],
  );
  console.log(
    `first view: ${v.files.map((f) => `${f.path} ${f.body_bytes} B${f.content_encoding ? ` ${f.content_encoding}` : ''}`).join(', ')}`,
  );
  console.log(
    `API calls: sign in ${c.api_calls.sign_in.join(', ') || '-'}; open domain ${c.api_calls.open_domain.join(', ') || '-'}`,
  );
}

export function targetsMissed(r: BenchResults): string[] {
  const missed: string[] = [];
  for (const [name, f] of Object.entries(r.functions ?? {})) {
    if (f.init_ratio > TARGETS.initRatio) {
      const floor =
        Object.keys(f.clients).length === 0
          ? 'an empty module (no AWS client)'
          : `${Object.keys(f.clients).map(short).join('+')} only`;
      missed.push(
        `functions.${name}.init_ratio ${f.init_ratio} > ${TARGETS.initRatio} (${f.init_ms} ms vs ${f.floor_init_ms} ms for ${floor})`,
      );
    }
    if (f.unused_clients && f.unused_clients.length > 0)
      missed.push(`functions.${name} bundles clients it never called: ${f.unused_clients.join(', ')}`);
    if (!f.init_ok_with_stack_env)
      missed.push(
        `functions.${name} fails at import with the stack's environment: ${f.init_error_with_stack_env ?? '?'}`,
      );
  }
  for (const [name, e] of Object.entries(r.endpoints ?? {})) {
    if (!e) continue;
    if (e.warm_ratio > TARGETS.warmRatio)
      missed.push(
        `endpoints.${name}.warm_ratio ${e.warm_ratio} > ${TARGETS.warmRatio} (${e.warm_ms} ms vs ${e.floor_ms} ms)`,
      );
    if (!e.floor_same_calls)
      missed.push(
        `endpoints.${name}: the floor did not make the same calls as the endpoint, overlapped the same way (bench out of date?)`,
      );
  }
  const get = r.endpoints?.get?.calls;
  if (get && get.dynamodb !== 1)
    missed.push(
      `endpoints.get makes ${get.dynamodb} DynamoDB calls with a warm key cache, not one read: ${get.ops.join(' → ')}`,
    );
  const others = (r.endpoints?.list?.calls.ops ?? []).filter(
    (o) => o.startsWith('DynamoDB.') && o !== 'DynamoDB.Query',
  );
  if (others.length > 0)
    missed.push(`endpoints.list makes DynamoDB calls besides its Query pages: ${others.join(', ')}`);
  const s = r.scheduler;
  if (s && !s.floor_same_calls)
    missed.push(
      'scheduler: the floor did not make the same calls as the function (bench/lib/scheduler-floor.ts out of date?)',
    );
  if (s && s.items_read > TARGETS.itemsReadPerDue * s.due)
    missed.push(`scheduler.items_read ${s.items_read} > ${TARGETS.itemsReadPerDue} × ${s.due} due`);
  const v = r.verifier;
  if (v && (v.rate_ratio < TARGETS.rateRatio[0] || v.rate_ratio > TARGETS.rateRatio[1])) {
    missed.push(
      `verifier.rate_ratio ${v.rate_ratio} outside ${TARGETS.rateRatio[0]}–${TARGETS.rateRatio[1]} (${v.achieved_per_s}/s for ${v.allowed_per_s}/s allowed; up to ${v.peak_1s_calls} calls within one second)`,
    );
  }
  const w = r.webhooks;
  if (w && w.isolation_ratio > TARGETS.isolationRatio)
    missed.push(
      `webhooks.isolation_ratio ${w.isolation_ratio} > ${TARGETS.isolationRatio} (healthy endpoints' first attempt p50 ${w.isolation.p50_with_ms} ms beside an endpoint that never answers, ${w.isolation.p50_without_ms} ms without)`,
    );
  const c = r.console;
  if (c && c.first_view.body_kb > TARGETS.consoleFirstViewKb)
    missed.push(
      `console.first_view.body_kb ${c.first_view.body_kb} > ${TARGETS.consoleFirstViewKb} (${c.first_view.files.map((f) => `${f.path} ${f.body_bytes} B`).join(', ')})`,
    );
  if (r.cells) missed.push(...cellsTargetsMissed(r.cells));
  return missed;
}
