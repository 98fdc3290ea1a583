/**
 * Cells: one SES account in one region each, so that the service can hold more identities, and make
 * more identity calls a second, than one account and region allows (10,000 identities, about one call
 * a second). A domain lives in one cell for its whole life; the team only ever sees its region.
 *
 * The cells are configuration (SES_CELLS, context `sesCells`), checked here and nowhere else. When
 * none are configured, every configured region is one cell of the stack's own account whose id is
 * the region's name: domains stored before cells existed (no `cell` attribute) are in that cell.
 */
import * as v from 'valibot';
import { REGION_PATTERN } from '../deployment.js';

export interface Cell {
  /** Permanent: stored on every domain placed in the cell. */
  readonly id: string;
  readonly region: string;
  /** The role the stack assumes to reach the cell's account; absent: the stack's own account. */
  readonly roleArn?: string;
  /** Takes no new domains; its domains keep working. */
  readonly draining: boolean;
}

export const CELL_ID_PATTERN = /^[a-z0-9-]{1,32}$/;
/** A role of another account (partition aws, aws-cn, aws-us-gov), with an optional path. */
export const ROLE_ARN_PATTERN = /^arn:aws(-[a-z]+)*:iam::\d{12}:role\/([\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;

const CellSchema = v.strictObject({
  id: v.pipe(v.string(), v.regex(CELL_ID_PATTERN, 'an id of 1 to 32 characters a-z, 0-9 and -')),
  region: v.pipe(v.string(), v.regex(REGION_PATTERN, 'an AWS region such as eu-central-1')),
  roleArn: v.optional(
    v.pipe(v.string(), v.regex(ROLE_ARN_PATTERN, 'an IAM role ARN such as arn:aws:iam::123456789012:role/name')),
  ),
  draining: v.optional(v.boolean(), false),
});

const CellsSchema = v.pipe(v.array(CellSchema), v.minLength(1, 'at least one cell'));

/** A configuration the service cannot run with; the message names what is wrong. */
export class CellsConfigError extends Error {
  override readonly name = 'CellsConfigError';
}

export interface CellDefaults {
  /** The region of a domain created without one: it must have a cell. */
  readonly defaultRegion: string;
  /** Every region a domain may be created in (the default first); each must have a cell. */
  readonly regions: readonly string[];
}

/**
 * The cells of `json` (SES_CELLS as text, or context already parsed); unset or blank: one cell of
 * the stack's own account per region of `defaults`, id = region.
 */
export function parseCells(json: string | unknown[] | undefined | null, defaults: CellDefaults): Cell[] {
  const regions = [...new Set([defaults.defaultRegion, ...defaults.regions])];
  if (json === undefined || json === null || (typeof json === 'string' && json.trim() === '')) {
    return regions.map((region) => ({ id: region, region, draining: false }));
  }
  let raw: unknown = json;
  if (typeof json === 'string') {
    try {
      raw = JSON.parse(json);
    } catch {
      throw new CellsConfigError('SES_CELLS must be a JSON array of cells');
    }
  }
  const parsed = v.safeParse(CellsSchema, raw);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const where = v.getDotPath(issue);
    throw new CellsConfigError(`SES_CELLS${where ? `[${where}]` : ''}: ${issue.message}`);
  }
  const cells: Cell[] = parsed.output.map((c) => ({
    id: c.id,
    region: c.region,
    ...(c.roleArn !== undefined && { roleArn: c.roleArn }),
    draining: c.draining,
  }));
  const ids = new Set<string>();
  const accounts = new Set<string>();
  for (const c of cells) {
    if (ids.has(c.id)) throw new CellsConfigError(`SES_CELLS: the id "${c.id}" is given twice`);
    ids.add(c.id);
    // Two cells in one account and region would share SES's one quota and rate while each counts its own.
    const account = `${c.region} ${c.roleArn === undefined ? 'own account' : accountOf(c.roleArn)}`;
    if (accounts.has(account))
      throw new CellsConfigError(`SES_CELLS: two cells use the same account in ${c.region} ("${c.id}")`);
    accounts.add(account);
  }
  for (const region of regions) {
    if (!cells.some((c) => c.region === region))
      throw new CellsConfigError(`SES_CELLS has no cell in ${region}, a region domains may be created in`);
  }
  return cells;
}

/** The 12-digit account of a role ARN. */
export function accountOf(roleArn: string): string {
  return roleArn.split(':')[4] ?? '';
}

/** Every region the cells are in, `defaultRegion` first. */
export function regionsOf(cells: readonly Cell[], defaultRegion: string): string[] {
  return [...new Set([defaultRegion, ...cells.map((c) => c.region)])];
}

/** The cell a stored domain lives in: domains stored before cells existed are in the cell named after their region. */
export function cellIdOf(d: { readonly cell?: string | null; readonly region: string }): string {
  return d.cell ?? d.region;
}

/**
 * The cells a new domain of `region` may go to, in the order to try them: those not draining with
 * room left (`placed` below `quota`; a cell never counted has placed nothing), drawn at random
 * weighted by their room, so that concurrent creates spread over the cells (and over their SES
 * budgets) and the emptier cells fill faster. The table's conditional write is what enforces the
 * quota: this order only chooses where to try first.
 */
export function placementOrder(
  cells: readonly Cell[],
  region: string,
  placed: ReadonlyMap<string, number>,
  quota: number,
  random: () => number = Math.random,
): Cell[] {
  const open = cells
    .filter((c) => c.region === region && !c.draining)
    .map((cell) => ({ cell, room: quota - (placed.get(cell.id) ?? 0) }))
    .filter((c) => c.room > 0);
  const order: Cell[] = [];
  while (open.length > 0) {
    const total = open.reduce((sum, c) => sum + c.room, 0);
    let pick = random() * total;
    let i = 0;
    while (i < open.length - 1 && pick >= open[i]!.room) pick -= open[i++]!.room;
    order.push(open[i]!.cell);
    open.splice(i, 1);
  }
  return order;
}

/** How full a cell is, in percent of the quota (the fill metric and its alarm). */
export function fillPercent(placed: number, quota: number): number {
  return quota > 0 ? Math.round((Math.max(0, placed) / quota) * 1000) / 10 : 100;
}
