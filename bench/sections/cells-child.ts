/**
 * Child process of the cells section, for one number of cells: the local stack with SES_CELLS of
 * `cells` cells in one region (the own account, then accounts reached through the STS stand-in),
 * the SES stand-in throttling every account at the same rate, and the verifier's budget per cell.
 * First creates through the API by clients that follow the contract (a 503 is retried after
 * Retry-After), one per cell; then one background check per created domain, queued as the
 * scheduler queues them. Measured: creates a second, checks a second, and each cell's SES rate.
 */
import { startLocalStack } from '../../local/stack.js';
import { startDnsServer } from '../../test/support/dns-server.js';
import { benchCells, type CellRate, perCellRates } from '../lib/cells-bench.js';
import { childMain, report } from '../lib/child.js';
import { BENCH_FUNCTION_ENV } from '../lib/settings.js';
import { round } from '../lib/stats.js';

export interface CellsRunOptions {
  readonly cells: number;
  readonly createsPerCell: number;
  /** The stand-in's limit per account and region (SES: about 1 call/s). */
  readonly sesLimit: number;
  /** SES_BACKGROUND_RATE: the verifier's budget per cell. */
  readonly budget: number;
}

export interface CellsRunResult {
  readonly cells: number;
  readonly creates: number;
  readonly creates_per_s: number;
  readonly create_span_s: number;
  /** 503 answers the create clients waited out (SES throttled a create's calls past the SDK's retries). */
  readonly create_503s: number;
  /** Creates still answered 503 after MAX_ATTEMPTS attempts. */
  readonly creates_given_up: number;
  /** SES calls per domain created, throttled ones included (3 when nothing is throttled). */
  readonly ses_calls_per_create: number;
  readonly create_rates: CellRate[];
  readonly checks: number;
  readonly checks_per_s: number;
  readonly check_span_s: number;
  readonly check_rates: CellRate[];
  readonly assume_role_calls: number;
}

const TEAM = 'cells-bench';
/** Attempts of one create (each 503 waited out for its Retry-After) before its client gives up. */
const MAX_ATTEMPTS = 10;
const opts = JSON.parse(process.env.BENCH_CELLS ?? '{}') as CellsRunOptions;

await childMain(async () => {
  const dns = await startDnsServer();
  const cells = benchCells(opts.cells);
  const stack = await startLocalStack({
    inMemory: true,
    scheduleIntervalMs: null,
    dnsServers: dns.address,
    // A check SES throttled comes back soon (AWS: six times the verifier's timeout), so that one throttle
    // caused by this machine's timer lateness does not stretch the measure by half a minute.
    visibilityTimeoutSeconds: 3,
    env: {
      ...BENCH_FUNCTION_ENV,
      // What SES allows, not log lines, should limit the rates here.
      POWERTOOLS_LOG_LEVEL: 'ERROR',
      POWERTOOLS_METRICS_DISABLED: 'true',
      SES_REGION: cells[0]!.region,
      SES_CELLS: JSON.stringify(cells),
      SES_BACKGROUND_RATE: String(opts.budget),
    },
    webhookDelivery: false,
  });
  try {
    const { createKey } = await import('../../src/services/api-keys.js');
    const key = (await createKey(TEAM, ['domains:manage'])).plaintext;
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    stack.ses.throttle({ ratePerSecond: opts.sesLimit });

    // Warm-up, not timed: the create function's first import, and each cell's first AssumeRole.
    for (let i = 0; i < opts.cells; i++) {
      const res = await fetch(`${stack.apiUrl}/domains`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ domain: `warm${i}.cells-bench.example.com` }),
      });
      await res.text();
    }
    // Every account's bucket full again before the clock starts.
    await new Promise((r) => setTimeout(r, (1000 * 3) / opts.sesLimit));

    const total = opts.createsPerCell * opts.cells;
    void report('progress', `${opts.cells} cell(s): ${total} creates, ${opts.cells} client(s)`);
    const ids: string[] = [];
    let next = 0;
    let waited = 0;
    let gaveUp = 0;
    const client = async () => {
      for (let i = next++; i < total; i = next++) {
        for (let attempt = 1; ; attempt++) {
          const res = await fetch(`${stack.apiUrl}/domains`, {
            method: 'POST',
            headers,
            body: JSON.stringify({ domain: `d${i}.cells-bench.example.com` }),
          });
          const body = (await res.json()) as { data?: { id: string } };
          if (res.status === 201 && body.data) {
            ids.push(body.data.id);
            break;
          }
          if (res.status !== 503) throw new Error(`create answered ${res.status}`);
          // A client gives up at last; the bench counts it rather than waiting for ever.
          if (attempt >= MAX_ATTEMPTS) {
            gaveUp++;
            break;
          }
          waited++;
          await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after') ?? 1) * 1000));
        }
      }
    };
    const t0 = Date.now();
    await Promise.all(Array.from({ length: opts.cells }, client));
    const t1 = Date.now();
    const createCalls = stack.ses.calls().filter((c) => c.at >= t0 && c.at <= t1);

    void report('progress', `${opts.cells} cell(s): ${ids.length} background checks at ${opts.budget}/s per cell`);
    const { enqueueVerifications } = await import('../../src/adapters/verify-queue.js');
    const t2 = Date.now();
    const requestedAt = new Date(t2).toISOString();
    const refused = await enqueueVerifications(
      ids.map((domainId) => ({ teamId: TEAM, domainId, requestedAt, reason: 'schedule' as const })),
    );
    if (refused.length > 0) throw new Error(`the queue refused ${refused.length} checks`);
    const gets = () => stack.ses.calls().filter((c) => c.action === 'GetEmailIdentity' && c.at >= t2);
    const deadline = Date.now() + 30_000 + (3 * 1000 * ids.length) / (opts.budget * opts.cells);
    while (gets().filter((c) => c.status === 200).length < ids.length) {
      if (Date.now() > deadline)
        throw new Error(`only ${gets().filter((c) => c.status === 200).length} checks in time`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const ok = gets().filter((c) => c.status === 200);
    const t3 = ok.at(-1)!.at;
    await Promise.race([stack.verifierIdle(), new Promise((r) => setTimeout(r, 15_000))]);
    const checkSpan = (t3 - ok[0]!.at) / 1000;
    const calls = stack.ses.calls();
    const result: CellsRunResult = {
      cells: opts.cells,
      creates: ids.length,
      creates_per_s: round(ids.length / ((t1 - t0) / 1000), 3),
      create_span_s: round((t1 - t0) / 1000, 2),
      create_503s: waited,
      creates_given_up: gaveUp,
      ses_calls_per_create: round(createCalls.length / ids.length, 2),
      create_rates: perCellRates(calls, cells, {
        action: 'CreateEmailIdentity',
        from: t0,
        to: t1,
        budget: opts.sesLimit / 3,
      }),
      checks: ok.length,
      checks_per_s: round((ok.length - 1) / checkSpan, 3),
      check_span_s: round(checkSpan, 2),
      check_rates: perCellRates(calls, cells, { action: 'GetEmailIdentity', from: t2, to: t3, budget: opts.budget }),
      assume_role_calls: stack.sts.calls().filter((c) => c.action === 'AssumeRole').length,
    };
    return result;
  } finally {
    await stack.stop();
    await dns.close();
  }
});
