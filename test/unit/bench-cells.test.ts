/**
 * The cells bench's arithmetic: the cells a run configures, each cell's rate read off the SES
 * stand-in's call log (its own account's calls only, throttled ones apart), and the ratio of N
 * cells to N times one cell.
 */

import {
  accountOfCell,
  benchCells,
  type LoggedCall,
  perCellRates,
  scalingRatios,
} from '../../bench/lib/cells-bench.js';
import { LOCAL_ACCOUNT } from '../../local/access-keys.js';

describe('benchCells', () => {
  it('puts the first cell in the own account and the others each in an account of its own', () => {
    const cells = benchCells(4);
    expect(cells.map((c) => c.id)).toEqual(['c1', 'c2', 'c3', 'c4']);
    expect(cells[0]!.roleArn).toBeUndefined();
    const accounts = cells.map(accountOfCell);
    expect(accounts[0]).toBe(LOCAL_ACCOUNT);
    expect(new Set(accounts).size).toBe(4);
    for (const c of cells.slice(1)) expect(c.roleArn).toMatch(/^arn:aws:iam::\d{12}:role\/krafter-ses-cell$/);
  });
});

describe('perCellRates', () => {
  const [c1, c2] = benchCells(2);
  const a2 = accountOfCell(c2!);
  const call = (account: string, at: number, status = 200, action = 'GetEmailIdentity'): LoggedCall => ({
    account,
    at,
    status,
    action,
  });

  it("counts each cell's successful calls of the action within the window, against the budget", () => {
    const calls = [
      call(LOCAL_ACCOUNT, 0),
      call(LOCAL_ACCOUNT, 1000),
      call(LOCAL_ACCOUNT, 1500, 429),
      call(LOCAL_ACCOUNT, 2000),
      call(a2, 0),
      call(a2, 4000),
      call(a2, 500, 200, 'CreateEmailIdentity'),
      call(a2, 9000),
    ];
    const rates = perCellRates(calls, [c1!, c2!], { action: 'GetEmailIdentity', from: 0, to: 5000, budget: 0.5 });
    expect(rates).toEqual([
      { cell: 'c1', calls: 4, ok: 3, throttled: 1, ok_per_s: 1, budget_ratio: 2 },
      { cell: 'c2', calls: 2, ok: 2, throttled: 0, ok_per_s: 0.25, budget_ratio: 0.5 },
    ]);
  });

  it('gives a cell with fewer than two successful calls no rate', () => {
    const rates = perCellRates([call(a2, 10)], [c2!], { action: 'GetEmailIdentity', from: 0, to: 100, budget: 1 });
    expect(rates[0]).toMatchObject({ ok: 1, ok_per_s: 0, budget_ratio: 0 });
  });
});

describe('scalingRatios', () => {
  it('divides each figure of N cells by N times the figure of one', () => {
    expect(
      scalingRatios([
        { cells: 1, value: 2 },
        { cells: 2, value: 4 },
        { cells: 4, value: 6 },
      ]),
    ).toEqual({ '2': 1, '4': 0.75 });
  });

  it('has nothing to compare without a one-cell figure', () => {
    expect(scalingRatios([{ cells: 2, value: 4 }])).toEqual({});
  });
});
