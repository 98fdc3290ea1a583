/**
 * Finds the domains due for a check through the due-time index (never a Scan: reads grow with the
 * number due, not with the table), leases each entry, and queues the checks in batches of ten.
 */
import { type DueDomain, leaseDue, queryDue } from '../adapters/domains-table/index.js';
import { DUE_SHARDS } from '../adapters/table-keys.js';
import { enqueueVerifications } from '../adapters/verify-queue.js';
import { VERIFYING_LEASE_MS } from '../domain/schedule.js';
import type { VerifyMessage } from '../domain/verify-message.js';

export interface SchedulerRun {
  readonly itemsRead: number;
  readonly enqueued: number;
  readonly failedToEnqueue: number;
}

const PAGE = 100;

export async function enqueueDueChecks(now: number = Date.now(), maxPerRun = 5_000): Promise<SchedulerRun> {
  let itemsRead = 0;
  let enqueued = 0;
  let failedToEnqueue = 0;
  for (let shard = 0; shard < DUE_SHARDS; shard++) {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await queryDue(shard, now, PAGE, startKey);
      itemsRead += page.itemsRead;
      startKey = page.next;
      const leased: DueDomain[] = [];
      for (const d of page.due) if (await leaseDue(d, now + VERIFYING_LEASE_MS)) leased.push(d);
      const messages: VerifyMessage[] = leased.map((d) => ({
        teamId: d.teamId,
        domainId: d.id,
        requestedAt: new Date(now).toISOString(),
        reason: 'schedule',
      }));
      // A message SQS refused stays leased and falls due again after the lease: never lost.
      const failed = await enqueueVerifications(messages);
      enqueued += messages.length - failed.length;
      failedToEnqueue += failed.length;
    } while (startKey && enqueued < maxPerRun);
  }
  return { itemsRead, enqueued, failedToEnqueue };
}
