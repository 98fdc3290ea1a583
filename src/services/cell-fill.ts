/**
 * How full each SES cell is: read from the cells' counters and published as the CellFill metric
 * (percent of SES_IDENTITY_QUOTA, dimension `cell`), which the stack alarms on well before a cell
 * is full. Run by the scheduler every few minutes; nothing to report without configured cells.
 */
import { placedIn } from '../adapters/cell-counters-table.js';
import { cellsConfig } from '../config.js';
import { CELL_METRIC } from '../deployment.js';
import { fillPercent } from '../domain/cells.js';
import { gauge } from '../observability.js';

export interface CellFill {
  readonly cell: string;
  readonly placed: number;
  readonly percent: number;
  readonly draining: boolean;
}

export async function reportCellFill(): Promise<CellFill[]> {
  const { cells, quota, counted } = cellsConfig();
  if (!counted) return [];
  const placed = await placedIn(cells.map((c) => c.id));
  return cells.map((c) => {
    const n = placed.get(c.id) ?? 0;
    const percent = fillPercent(n, quota);
    gauge(CELL_METRIC.cellFill, percent, { cell: c.id });
    return { cell: c.id, placed: n, percent, draining: c.draining };
  });
}
