/**
 * One run of the cells category (reliability/cells.ts): its world, clients that follow the contract
 * (retrying each 503 after Retry-After, a full region's 503 being final), the invariant checks of
 * reliability/cell-state.ts, and the places the harness itself takes in a counter to make cells
 * look full, so that every create lands in the one cell a fault is aimed at.
 */
import { randomUUID } from 'node:crypto';
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { cellCounterKey } from '../src/adapters/table-keys.js';
import { CELLS_QUOTA, cellSnapshot, cellViolations, OPEN_CELLS } from './cell-state.js';
import { isAnswer, type Outcome } from './client.js';
import type { Category } from './tally.js';
import { sleep, type World } from './world.js';

export const CATEGORY: Category = 'cells';

export const fresh = (tag: string) => `${tag}-${randomUUID().slice(0, 8)}.example.com`;

const codeOf = (o: Outcome) => (isAnswer(o) ? (o.json?.error?.code as string | undefined) : undefined);
/** A create may wait out the SDK's retries of several throttled SES calls, on a busy machine too. */
const CREATE_TIMEOUT_MS = 60_000;

export const isQuotaFull = (o: Outcome) => o.status === 503 && codeOf(o) === 'identity_quota_exceeded';

/** One run of the category: its world, the places the harness holds in counters, and what was reported. */
export class CellRun {
  /** Places taken in a counter by the harness itself, to make a cell look full (see `focus`). */
  readonly offsets = new Map<string, number>();
  private readonly reported = new Set<string>();

  constructor(readonly w: World) {
    // Credentials that expire within the functions' renewal margin (5 minutes): every use of a cell
    // reached through a role assumes it again, so AssumeRole faults meet the calls they are aimed at.
    w.stack.sts.faults({ sessionSeconds: 60 });
  }

  /**
   * A create as a client following the contract sends it: a 503 `service_unavailable` is retried
   * after Retry-After (with jitter), `attempts` times in all; a full region's 503 is final.
   */
  async create(key: string, domain: string, label: string, attempts = 10): Promise<Outcome> {
    let last: Outcome | undefined;
    for (let i = 0; i < attempts; i++) {
      last = await this.w.call(
        CATEGORY,
        'POST',
        '/domains',
        key,
        { domain },
        { allow503: true, allowQuota503: true, label: `${label}: create ${domain}`, timeoutMs: CREATE_TIMEOUT_MS },
      );
      if (last.status !== 503 || isQuotaFull(last)) return last;
      await this.backOff(last);
    }
    return last!;
  }

  /** A delete, retried after each 503 like `create`. */
  async remove(key: string, id: string, label: string, attempts = 10): Promise<Outcome> {
    let last: Outcome | undefined;
    for (let i = 0; i < attempts; i++) {
      last = await this.w.call(CATEGORY, 'DELETE', `/domains/${id}`, key, undefined, {
        allow503: true,
        label: `${label}: delete`,
      });
      if (last.status !== 503) {
        if (last.status === 200) this.w.deleted.add(id);
        return last;
      }
      await this.backOff(last);
    }
    return last!;
  }

  private async backOff(o: Outcome): Promise<void> {
    const after = isAnswer(o) ? Number(o.headers['retry-after'] ?? 1) : 1;
    await sleep(after * 1000 * (0.5 + Math.random()));
  }

  /** Both sets of invariants (names and claims; cells, counters and accounts), each violation reported once. */
  async check(label: string, settled = false): Promise<string[]> {
    const base = await this.w.checkInvariants(CATEGORY, label, { settled });
    const found = cellViolations(await cellSnapshot(this.w), { settled, offsets: this.offsets });
    const fresh = found.filter((v) => !this.reported.has(v));
    for (const v of fresh) {
      this.reported.add(v);
      this.w.tally.violation(CATEGORY, `${label}: ${v}`);
      const stranded = /^SES identity (\S+) .*belongs to no domain item/.exec(v)?.[1];
      if (stranded) this.w.tally.detail(CATEGORY, `SES calls for ${stranded}: ${this.sesCallsFor(stranded)}`);
    }
    return [...base, ...fresh];
  }

  /** The functions' SES calls that named `domain`, with their answers: how an identity came to be stranded. */
  private sesCallsFor(domain: string): string {
    return this.w.faults.ses
      .calls()
      .filter((c) => c.path.includes(domain) || c.body.includes(domain))
      .map((c) => `${c.operation} ${c.status}${c.fault ? ` (${c.fault})` : ''}`)
      .join(', ');
  }

  /** Makes every open cell but `id` look full, so that every create lands in `id`. */
  async focus(id: string): Promise<void> {
    const s = await cellSnapshot(this.w);
    for (const other of OPEN_CELLS.filter((c) => c !== id)) {
      const room = CELLS_QUOTA - (s.placed.get(other) ?? 0);
      if (room > 0) await this.addPlaces(other, room);
    }
  }

  /** Gives back every place `focus` took. */
  async unfocus(): Promise<void> {
    for (const [id, n] of [...this.offsets]) if (n !== 0) await this.addPlaces(id, -n);
  }

  private async addPlaces(id: string, n: number): Promise<void> {
    await this.w.stack.ddb.send(
      new UpdateItemCommand({
        TableName: this.w.stack.tableName,
        Key: marshall(cellCounterKey(id)),
        UpdateExpression: 'ADD placed :n',
        ExpressionAttributeValues: { ':n': { N: String(n) } },
      }),
    );
    this.offsets.set(id, (this.offsets.get(id) ?? 0) + n);
  }

  /** The domains the table holds: id, name, team and cell. */
  async domains(): Promise<{ id: string; domain: string; teamId: string; cell: string }[]> {
    return (await cellSnapshot(this.w)).domains.map((d) => ({
      id: String(d.id),
      domain: String(d.domain),
      teamId: String(d.teamId),
      cell: String(d.cell),
    }));
  }
}
