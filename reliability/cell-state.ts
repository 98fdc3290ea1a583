/**
 * The cells as the reliability checks see them: the cells the run configures (SES_CELLS, a small
 * SES_IDENTITY_QUOTA), which account and region each one is in the stand-ins, and the invariants
 * that must hold between the table's domains, its cell counters and each account's SES identities,
 * whatever failed on the way. Reads go straight to DynamoDB and the SES stand-in, never through a
 * fault proxy.
 */
import { LOCAL_ACCOUNT } from '../local/access-keys.js';
import { KEY_PREFIX, SORT_KEY } from '../src/adapters/table-keys.js';
import { type Item, isDomainItem, scanTable } from './state.js';
import type { World, WorldOptions } from './world.js';

export const CELLS_REGION = 'eu-central-1';
/** Places per cell: small, so that a run fills every cell and proves exactly that many fit. */
export const CELLS_QUOTA = 3;

const role = (account: string) => `arn:aws:iam::${account}:role/krafter-ses-cell`;

/** The stack's own account, two accounts reached through a role, and a draining one that must get nothing. */
export const CELLS = [
  { id: 'own', region: CELLS_REGION },
  { id: 'c2', region: CELLS_REGION, roleArn: role('111111111111') },
  { id: 'c3', region: CELLS_REGION, roleArn: role('222222222222') },
  { id: 'old', region: CELLS_REGION, roleArn: role('333333333333'), draining: true },
] as const;

export type CellId = (typeof CELLS)[number]['id'];
export const OPEN_CELLS = CELLS.filter((c) => !('draining' in c)).map((c) => c.id);

/** The functions' environment for a run with cells. */
export const CELLS_WORLD: Pick<WorldOptions, 'env'> = {
  env: {
    SES_REGION: CELLS_REGION,
    SES_CELLS: JSON.stringify(CELLS),
    SES_IDENTITY_QUOTA: String(CELLS_QUOTA),
  },
};

/** The account a cell's identities live in: the role's, or the stand-ins' own. */
export function accountOf(id: string): string {
  const cell = CELLS.find((c) => c.id === id);
  return cell && 'roleArn' in cell ? cell.roleArn.split(':')[4]! : LOCAL_ACCOUNT;
}

export interface CellSnapshot {
  readonly domains: readonly Item[];
  /** `placed` of each cell counter in the table (0 when it has none). */
  readonly placed: ReadonlyMap<string, number>;
  /** Identity names per `account/region`. */
  readonly identities: ReadonlyMap<string, readonly string[]>;
}

const where = (account: string, region: string) => `${account}/${region}`;

export async function cellSnapshot(w: World): Promise<CellSnapshot> {
  const items = await scanTable(w.stack.ddb, w.stack.tableName);
  const placed = new Map<string, number>(CELLS.map((c) => [c.id, 0]));
  for (const i of items)
    if (typeof i.PK === 'string' && i.PK.startsWith(KEY_PREFIX.cell) && i.SK === SORT_KEY.cellCounter)
      placed.set(i.PK.slice(KEY_PREFIX.cell.length), Number(i.placed ?? 0));
  const identities = new Map(w.stack.ses.accounts().map((a) => [where(a.account, a.region), a.identities]));
  return { domains: items.filter(isDomainItem), placed, identities };
}

export interface CellCheckOptions {
  /** Every ready domain has its identity in its cell (once clients have retried their failed calls). */
  readonly settled?: boolean;
  /** Places the harness took in a counter itself (a cell made to look full): counted beside the domains. */
  readonly offsets?: ReadonlyMap<string, number>;
}

/**
 * The invariants of cells, one line per violation:
 *  - no cell's counter above the quota, nor below zero;
 *  - each counter equals the counted domain items placed in its cell (plus the harness's offset):
 *    no room lost, none given twice;
 *  - every domain item is in a configured cell of its region, never a draining one;
 *  - every SES identity of every account and region belongs to a domain item placed in that cell
 *    (none stranded, none in the wrong account);
 *  - settled: every ready domain has its identity in its own cell's account.
 */
export function cellViolations(s: CellSnapshot, o: CellCheckOptions = {}): string[] {
  const out: string[] = [];
  for (const [id, placed] of s.placed) {
    const counted = s.domains.filter((d) => d.cell === id && d.cellCounted === true).length;
    const expected = counted + (o.offsets?.get(id) ?? 0);
    if (placed > CELLS_QUOTA) out.push(`cell ${id} holds ${placed} places, above its quota of ${CELLS_QUOTA}`);
    if (placed < 0) out.push(`cell ${id}'s counter is ${placed}`);
    if (placed !== expected)
      out.push(
        `cell ${id}'s counter is ${placed}, but ${expected} domains are placed in it (room lost or given twice)`,
      );
  }
  const cellOf = new Map<string, Item>();
  for (const d of s.domains) {
    const cell = CELLS.find((c) => c.id === d.cell);
    const name = String(d.domain);
    cellOf.set(name, d);
    if (!cell) out.push(`domain ${String(d.id)} (${name}) is in cell ${String(d.cell)}, which is not configured`);
    else if ('draining' in cell)
      out.push(`domain ${String(d.id)} (${name}) was placed in the draining cell ${cell.id}`);
    else if (cell.region !== d.region)
      out.push(`domain ${String(d.id)} (${name}) of ${String(d.region)} is in cell ${cell.id} of ${cell.region}`);
  }
  for (const [at, names] of s.identities)
    for (const name of names) {
      const d = cellOf.get(name);
      const cell = d ? CELLS.find((c) => c.id === d.cell) : undefined;
      if (!d || !cell) out.push(`SES identity ${name} in ${at} belongs to no domain item`);
      else if (where(accountOf(cell.id), cell.region) !== at)
        out.push(`SES identity ${name} is in ${at}, but its domain is placed in cell ${cell.id}`);
    }
  if (o.settled)
    for (const d of s.domains) {
      if (d.ready !== true) continue;
      const at = where(accountOf(String(d.cell)), String(d.region));
      if (!(s.identities.get(at) ?? []).includes(String(d.domain)))
        out.push(`ready domain ${String(d.id)} (${String(d.domain)}) has no SES identity in ${at}`);
    }
  return out;
}

/** Identities per cell, e.g. `own 3, c2 3, c3 3, old 0`. */
export function identitiesPerCell(s: CellSnapshot): string {
  return CELLS.map((c) => `${c.id} ${(s.identities.get(where(accountOf(c.id), c.region)) ?? []).length}`).join(', ');
}
