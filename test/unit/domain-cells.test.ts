/** The cells configuration (SES_CELLS) and where a new domain is placed (src/domain/cells.ts). */
import {
  type Cell,
  CellsConfigError,
  cellIdOf,
  fillPercent,
  parseCells,
  placementOrder,
  regionsOf,
} from '../../src/domain/cells.js';

const defaults = { defaultRegion: 'eu-central-1', regions: [] };
const ROLE = 'arn:aws:iam::111122223333:role/krafter/ses-cell';

describe('parseCells', () => {
  it('without SES_CELLS: one cell of the own account per region, named after it', () => {
    for (const unset of [undefined, null, '', '  ']) {
      expect(parseCells(unset, { defaultRegion: 'eu-central-1', regions: ['us-east-1', 'eu-central-1'] })).toEqual([
        { id: 'eu-central-1', region: 'eu-central-1', draining: false },
        { id: 'us-east-1', region: 'us-east-1', draining: false },
      ]);
    }
  });

  it('reads the cells, as JSON text or as a parsed list', () => {
    const json = [
      { id: 'c1', region: 'eu-central-1' },
      { id: 'c2', region: 'eu-central-1', roleArn: ROLE, draining: true },
    ];
    const expected = [
      { id: 'c1', region: 'eu-central-1', draining: false },
      { id: 'c2', region: 'eu-central-1', roleArn: ROLE, draining: true },
    ];
    expect(parseCells(JSON.stringify(json), defaults)).toEqual(expected);
    expect(parseCells(json, defaults)).toEqual(expected);
  });

  it.each([
    ['not JSON', '[{id:', /JSON array/],
    ['not a list', '{"id":"c1","region":"eu-central-1"}', /SES_CELLS/],
    ['an empty list', '[]', /at least one cell/],
    ['an id with capitals', '[{"id":"C1","region":"eu-central-1"}]', /SES_CELLS\[0\.id\]: an id/],
    ['an id too long', `[{"id":"${'c'.repeat(33)}","region":"eu-central-1"}]`, /an id/],
    ['a bad region', '[{"id":"c1","region":"Frankfurt"}]', /0\.region/],
    [
      'a role ARN of something else',
      '[{"id":"c1","region":"eu-central-1","roleArn":"arn:aws:iam::1:user/x"}]',
      /roleArn/,
    ],
    ['a misspelt key', '[{"id":"c1","region":"eu-central-1","draning":true}]', /draning/],
    ['draining as text', '[{"id":"c1","region":"eu-central-1","draining":"yes"}]', /draining/],
    [
      'an id twice',
      '[{"id":"c1","region":"eu-central-1"},{"id":"c1","region":"eu-central-1","roleArn":"arn:aws:iam::111122223333:role/r"}]',
      /"c1" is given twice/,
    ],
    [
      'two cells of one account and region (one quota counted twice)',
      '[{"id":"c1","region":"eu-central-1"},{"id":"c2","region":"eu-central-1"}]',
      /same account in eu-central-1/,
    ],
    ['no cell in the default region', '[{"id":"c1","region":"us-east-1"}]', /no cell in eu-central-1/],
  ])('refuses %s', (_what, json, message) => {
    expect(() => parseCells(json, defaults)).toThrow(CellsConfigError);
    expect(() => parseCells(json, defaults)).toThrow(message);
  });

  it('refuses cells that leave a listed region without one', () => {
    expect(() =>
      parseCells('[{"id":"c1","region":"eu-central-1"}]', { defaultRegion: 'eu-central-1', regions: ['us-east-1'] }),
    ).toThrow(/no cell in us-east-1/);
  });

  it('accepts the same account in two regions, and two accounts in one region', () => {
    const cells = parseCells(
      [
        { id: 'c1', region: 'eu-central-1' },
        { id: 'c2', region: 'us-east-1' },
        { id: 'c3', region: 'eu-central-1', roleArn: ROLE },
        { id: 'c4', region: 'us-east-1', roleArn: ROLE },
      ],
      defaults,
    );
    expect(cells.map((c) => c.id)).toEqual(['c1', 'c2', 'c3', 'c4']);
    expect(regionsOf(cells, 'eu-central-1')).toEqual(['eu-central-1', 'us-east-1']);
  });
});

describe('cellIdOf', () => {
  it('is the stored cell, or for a domain stored before cells, the cell named after its region', () => {
    expect(cellIdOf({ cell: 'c2', region: 'eu-central-1' })).toBe('c2');
    expect(cellIdOf({ region: 'eu-central-1' })).toBe('eu-central-1');
    expect(cellIdOf({ cell: null, region: 'us-east-1' })).toBe('us-east-1');
  });
});

describe('placementOrder', () => {
  const cell = (id: string, region = 'eu-central-1', draining = false): Cell => ({ id, region, draining });
  const cells = [cell('a'), cell('b'), cell('c'), cell('d', 'us-east-1'), cell('e', 'eu-central-1', true)];

  it('offers only cells of the region, not draining, with room', () => {
    const placed = new Map([
      ['a', 10],
      ['b', 3],
    ]);
    const order = placementOrder(cells, 'eu-central-1', placed, 10);
    expect(order.map((c) => c.id).sort()).toEqual(['b', 'c']);
    expect(placementOrder(cells, 'us-east-1', new Map([['d', 11]]), 10)).toEqual([]);
    expect(placementOrder(cells, 'ap-south-1', new Map(), 10)).toEqual([]);
  });

  it('draws by room: the first cell is chosen in proportion to its free places', () => {
    // Room: a 1, b 3, c 6 (of 10 in all). `random` picks a point on that line.
    const placed = new Map([
      ['a', 9],
      ['b', 7],
      ['c', 4],
    ]);
    const first = (r: number) => placementOrder(cells, 'eu-central-1', placed, 10, () => r)[0]?.id;
    expect(first(0)).toBe('a');
    expect(first(0.099)).toBe('a');
    expect(first(0.1)).toBe('b');
    expect(first(0.399)).toBe('b');
    expect(first(0.4)).toBe('c');
    expect(first(0.999)).toBe('c');
  });

  it('lists every open cell once, so a full one can be skipped for the next', () => {
    let n = 0;
    const random = () => [0.7, 0.2, 0.5][n++ % 3]!;
    const order = placementOrder(cells, 'eu-central-1', new Map(), 5, random);
    expect(order.map((c) => c.id)).toEqual(['c', 'a', 'b']);
  });

  it('spreads placements over empty cells', () => {
    const seen = new Map<string, number>();
    for (let i = 0; i < 3000; i++) {
      const id = placementOrder(cells, 'eu-central-1', new Map(), 100)[0]!.id;
      seen.set(id, (seen.get(id) ?? 0) + 1);
    }
    for (const id of ['a', 'b', 'c']) expect(seen.get(id)).toBeGreaterThan(800);
  });
});

describe('fillPercent', () => {
  it('is the share of the quota placed, to a tenth of a percent', () => {
    expect(fillPercent(0, 9900)).toBe(0);
    expect(fillPercent(7920, 9900)).toBe(80);
    expect(fillPercent(1, 3)).toBe(33.3);
    expect(fillPercent(-2, 10)).toBe(0);
  });
});
