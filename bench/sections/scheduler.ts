/**
 * Section 5: the scheduler over a table of M domains of which N are due. Domains are written
 * directly (BatchWriteItem), in the shape the domain entity has after a check: most carry a due
 * key in the future (verified domains are re-checked daily, pending ones on a back-off), a few
 * none (failed). The real scheduler function runs against the floor of the same calls made
 * directly, alternately; each run leases what it queued by 15 minutes, so the next run, 16
 * minutes later on the event clock, finds the same N due again.
 */
import { randomUUID } from 'node:crypto';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { domainKey, dueKey } from '../../src/adapters/table-keys.js';
import type { BareEnv } from '../lib/bare-env.js';
import { type CallCounts, type CallLog, countCalls, summarize } from '../lib/calls.js';
import { floorScheduler } from '../lib/scheduler-floor.js';
import { median, round } from '../lib/stats.js';

export interface SchedulerResult {
  readonly total: number;
  readonly due: number;
  readonly items_read: number;
  readonly enqueued: number;
  readonly failed_to_enqueue: number;
  readonly ms: number;
  readonly floor_ms: number;
  readonly time_ratio: number;
  readonly calls: CallCounts;
  /** The floor made the same calls as the scheduler function. */
  readonly floor_same_calls: boolean;
  readonly runs: number;
  readonly seed_s: number;
}

type Run = { itemsRead: number; enqueued: number; failedToEnqueue: number };
type SchedulerHandler = (event: { time: string }) => Promise<Run>;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

export async function measureScheduler(
  env: BareEnv,
  log: CallLog,
  opts: { total: number; due: number; rounds: number },
  progress: (line: string) => void,
): Promise<SchedulerResult> {
  const { handler } = (await import('../../functions/scheduler.js')) as unknown as { handler: SchedulerHandler };
  const base = Date.now();
  const seedStart = performance.now();
  progress(`seeding ${opts.total} domains, ${opts.due} due`);
  await seed(env, base, opts.total, opts.due);
  const seedS = (performance.now() - seedStart) / 1000;

  const times: number[] = [];
  const floorTimes: number[] = [];
  const runs: Run[] = [];
  let calls: CallCounts | undefined;
  let floorCalls: CallCounts | undefined;
  // Runs alternate: scheduler at base, floor at base+16 min, scheduler at base+32 min, ...
  let clock = base;
  const next = () => {
    const at = clock;
    clock += 16 * MINUTE;
    return at;
  };
  for (let r = 0; r < opts.rounds; r++) {
    progress(`scheduler round ${r + 1}/${opts.rounds}`);
    await env.purgeQueue();
    log.reset();
    let t0 = performance.now();
    const run = await handler({ time: new Date(next()).toISOString() });
    times.push(performance.now() - t0);
    calls ??= countCalls(log.peek());
    runs.push(run);
    if (run.enqueued !== opts.due) throw new Error(`scheduler queued ${run.enqueued} of ${opts.due} due domains`);

    await env.purgeQueue();
    log.reset();
    t0 = performance.now();
    const floor = await floorScheduler(next());
    floorTimes.push(performance.now() - t0);
    floorCalls ??= countCalls(log.peek());
    if (floor.enqueued !== opts.due) throw new Error(`floor queued ${floor.enqueued} of ${opts.due} due domains`);
  }
  log.reset();
  const ms = median(times);
  const floorMs = median(floorTimes);
  // Each run is paired with the floor run right after it: the machine's load drifts less within a pair.
  const pairedRatio = round(median(times.map((t, k) => t / floorTimes[k]!)), 2);
  const first = runs[0]!;
  return {
    total: opts.total,
    due: opts.due,
    items_read: Math.max(...runs.map((r) => r.itemsRead)),
    enqueued: first.enqueued,
    failed_to_enqueue: first.failedToEnqueue,
    ms: round(ms, 1),
    floor_ms: round(floorMs, 1),
    time_ratio: pairedRatio,
    calls: { ...calls!, ops: summarize(calls!.ops) },
    floor_same_calls: JSON.stringify(summarize(calls!.ops)) === JSON.stringify(summarize(floorCalls!.ops)),
    runs: opts.rounds,
    seed_s: round(seedS, 1),
  };
}

async function seed(env: BareEnv, now: number, total: number, due: number): Promise<void> {
  const items = function* () {
    for (let i = 0; i < total; i++) {
      const id = randomUUID();
      const teamId = `team-${i % 997}`;
      const domain = `d${i}.team-${i % 997}.example.com`;
      const createdAt = new Date(now - 30 * 24 * HOUR + i).toISOString();
      const common = {
        ...domainKey(teamId, id),
        entity: 'Domain',
        id,
        teamId,
        domain,
        returnPath: 'send',
        region: process.env.SES_REGION,
        createdAt,
        ready: true,
        verificationToken: 'dG9rZW4tZm9yLWJlbmNoLXNlZWRpbmctb25seQ==',
        dkimTokens: ['a'.repeat(32), 'b'.repeat(32), 'c'.repeat(32)],
      };
      if (i < due) {
        // Pending, asked to verify earlier, due at some point in the last hour.
        yield {
          ...common,
          status: 'pending',
          verifyRequestedAt: new Date(now - 2 * HOUR).toISOString(),
          ...dueKey(id, now - 1000 - (i % 3600) * 1000),
        };
      } else if (i % 20 === 0) {
        // Failed: out of the schedule until the user asks again.
        yield { ...common, status: 'failed', lastCheckedAt: new Date(now - 5 * HOUR).toISOString() };
      } else if (i % 20 < 4) {
        // Pending, next check on its back-off, a few hours out.
        yield {
          ...common,
          status: 'pending',
          verifyRequestedAt: new Date(now - 20 * HOUR).toISOString(),
          ...dueKey(id, now + 3 * HOUR + (i % 3600) * 1000),
        };
      } else {
        // Verified: the daily drift check, spread over the next day.
        yield {
          ...common,
          status: 'verified',
          verifiedAt: createdAt,
          lastCheckedAt: new Date(now - 2 * HOUR).toISOString(),
          ...dueKey(id, now + 3 * HOUR + (i % 72_000) * 1000),
        };
      }
    }
  };
  const source = items();
  const writer = async () => {
    for (;;) {
      const batch: Record<string, unknown>[] = [];
      for (let n = 0; n < 25; n++) {
        const next = source.next();
        if (next.done) break;
        batch.push(next.value);
      }
      if (batch.length === 0) return;
      let requests = batch.map((Item) => ({ PutRequest: { Item } }));
      for (let attempt = 0; requests.length > 0; attempt++) {
        if (attempt > 20) throw new Error('BatchWriteItem kept leaving items unprocessed');
        const out = await env.setup.send(new BatchWriteCommand({ RequestItems: { [env.tableName]: requests } }));
        requests = (out.UnprocessedItems?.[env.tableName] ?? []) as typeof requests;
        if (requests.length > 0) await new Promise((r) => setTimeout(r, 50 * attempt));
      }
    }
  };
  await Promise.all(Array.from({ length: 6 }, writer));
}
