/**
 * Child process for section 6: the local stack with the verifier's SES budget set
 * (SES_BACKGROUND_RATE) and the SES stand-in throttling a little above it, as SES would. A batch
 * of verify requests queues one check each; the measure is the rate of GetEmailIdentity calls
 * the stand-in received while the verifier worked through them.
 */

import { startLocalStack } from '../../local/stack.js';
import type { DnsRecord } from '../../src/domain/dns-records.js';
import { startDnsServer } from '../../test/support/dns-server.js';
import { CallLog, countCalls, instrumentClients, summarize } from '../lib/calls.js';
import { childMain, report } from '../lib/child.js';
import { BENCH_FUNCTION_ENV } from '../lib/settings.js';
import { round } from '../lib/stats.js';

export interface VerifierOptions {
  readonly rate: number;
  readonly checks: number;
  /** The stand-in's limit, as a multiple of the budget. */
  readonly throttleFactor: number;
}

export interface VerifierResult {
  readonly rate_ratio: number;
  readonly allowed_per_s: number;
  readonly achieved_per_s: number;
  readonly succeeded_per_s: number;
  readonly ses_limit_per_s: number;
  readonly checks: number;
  readonly ses_calls: number;
  readonly throttled: number;
  readonly checked_domains: number;
  /** Checks that changed the status (published records: pending → verified). */
  readonly verified_domains: number;
  /** Calls the verifier made per check, averaged. */
  readonly calls_per_check: { dynamodb: number; ses: number; eventbridge: number; sqs: number };
  readonly ops: string[];
  readonly span_s: number;
  /** Most calls the stand-in received within any one second (bursts the average hides). */
  readonly peak_1s_calls: number;
  /** Clients the verifier called (for the cold-start check of bundled clients). */
  readonly clients: string[];
}

const TEAM = 'verifier-bench';
const opts = JSON.parse(process.env.BENCH_VERIFIER ?? '{}') as VerifierOptions;

await childMain(async () => {
  const dns = await startDnsServer();
  const stack = await startLocalStack({
    inMemory: true,
    scheduleIntervalMs: null,
    dnsServers: dns.address,
    env: { ...BENCH_FUNCTION_ENV, SES_BACKGROUND_RATE: String(opts.rate) },
    // The fan-out would read the endpoints for every status change, and its calls count as the verifier's.
    webhookDelivery: false,
  });
  try {
    const log = new CallLog();
    await instrumentClients(log);
    const { createKey } = await import('../../src/services/api-keys.js');
    const key = (await createKey(TEAM, ['domains:manage'])).plaintext;
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    void report('progress', `creating ${opts.checks} domains`);
    const ids: string[] = [];
    for (let i = 0; i < opts.checks; i++) {
      const res = await fetch(`${stack.apiUrl}/domains`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ domain: `v${i}.verifier-bench.example.com` }),
      });
      if (res.status !== 201) throw new Error(`create answered ${res.status}: ${await res.text()}`);
      const created = ((await res.json()) as { data: { id: string; dns_records: DnsRecord[] } }).data;
      ids.push(created.id);
      // Every other domain has published its records: its check turns it verified (a status
      // change, with its history entry and event), the others stay pending.
      if (i % 2 === 0) {
        for (const r of created.dns_records)
          dns.set(r.name, r.type, [r.type === 'MX' ? { exchange: r.value, priority: r.priority ?? 10 } : r.value]);
      }
    }

    const sesLimit = opts.rate * opts.throttleFactor;
    stack.ses.throttle({ ratePerSecond: sesLimit });
    const { enqueueVerifications } = await import('../../src/adapters/verify-queue.js');
    void report('progress', `queuing ${opts.checks} checks at a budget of ${opts.rate} SES calls/s`);
    const t0 = Date.now();
    log.reset();
    // Background checks, queued as the scheduler queues them.
    const requestedAt = new Date(t0).toISOString();
    const refused = await enqueueVerifications(
      ids.map((domainId) => ({ teamId: TEAM, domainId, requestedAt, reason: 'schedule' as const })),
    );
    if (refused.length > 0) throw new Error(`the queue refused ${refused.length} checks`);
    const gets = () => stack.ses.calls().filter((c) => c.action === 'GetEmailIdentity' && c.at >= t0);
    const deadline = Date.now() + 30_000 + (3 * 1000 * opts.checks) / opts.rate;
    while (gets().filter((c) => c.status === 200).length < opts.checks) {
      if (Date.now() > deadline)
        throw new Error(
          `only ${gets().filter((c) => c.status === 200).length} of ${opts.checks} checks reached SES in time`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
    await Promise.race([stack.verifierIdle(), new Promise((r) => setTimeout(r, 15_000))]);
    const calls = gets();
    // Everything but the queuing above is the verifier's (the event source polls with a client of its own).
    const verifierCalls = log.take().filter((c) => c.service !== 'sqs');
    const ok = calls.filter((c) => c.status === 200);
    const span = (calls.at(-1)!.at - calls[0]!.at) / 1000;
    const okSpan = (ok.at(-1)!.at - ok[0]!.at) / 1000;
    const achieved = (calls.length - 1) / span;

    let checked = 0;
    let verified = 0;
    for (const id of ids) {
      const res = await fetch(`${stack.apiUrl}/domains/${id}`, { headers });
      const d = ((await res.json()) as { data: { status: string; last_checked_at?: string | null } }).data;
      if (d.status !== 'verifying' && d.last_checked_at) checked++;
      if (d.status === 'verified') verified++;
    }
    const counts = countCalls(verifierCalls);
    const per = (n: number) => round(n / opts.checks, 2);
    const result: VerifierResult = {
      rate_ratio: round(achieved / opts.rate, 3),
      allowed_per_s: opts.rate,
      achieved_per_s: round(achieved, 3),
      succeeded_per_s: round((ok.length - 1) / okSpan, 3),
      ses_limit_per_s: sesLimit,
      checks: opts.checks,
      ses_calls: calls.length,
      throttled: calls.length - ok.length,
      checked_domains: checked,
      verified_domains: verified,
      calls_per_check: {
        dynamodb: per(counts.dynamodb),
        ses: per(counts.ses),
        eventbridge: per(counts.eventbridge),
        sqs: per(counts.sqs),
      },
      ops: summarize(counts.ops, opts.checks),
      span_s: round(span, 2),
      peak_1s_calls: Math.max(...calls.map((c) => calls.filter((d) => d.at >= c.at && d.at < c.at + 1000).length)),
      clients: counts.clients,
    };
    return result;
  } finally {
    await stack.stop();
    await dns.close();
  }
});
