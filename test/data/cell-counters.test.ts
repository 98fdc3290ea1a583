/**
 * The SES cells' counters against real DynamoDB Local: concurrent placements never put more than the
 * quota in a cell, and every removal of a counted domain (delete, undo of a failed create, release)
 * gives its place back, exactly once.
 */
import { type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { v7 as uuidv7 } from 'uuid';
import { cellCounterKey } from '../../src/adapters/table-keys.js';
import { useFreshTable } from '../support/dynamo-env.js';

let client: DynamoDBClient;
let tableName: string;
let table: typeof import('../../src/adapters/domains-table/index.js');
let counters: typeof import('../../src/adapters/cell-counters-table.js');
let errors: typeof import('../../src/errors.js');

beforeAll(async () => {
  ({ client, tableName } = await useFreshTable());
  table = await import('../../src/adapters/domains-table/index.js');
  counters = await import('../../src/adapters/cell-counters-table.js');
  errors = await import('../../src/errors.js');
});

afterAll(() => client.destroy());

const newDomain = (cell: string, name = `${uuidv7()}.example.com`) => ({
  id: uuidv7(),
  // One team per domain: the team's own count is not what these tests race on.
  teamId: `team-${uuidv7()}`,
  domain: name,
  returnPath: 'send',
  dkim: { type: 'easy_dkim' as const, keyLength: 2048 as const },
  region: 'eu-central-1',
  cell,
  createdAt: new Date().toISOString(),
});

async function placed(cell: string): Promise<number | undefined> {
  const out = await client.send(
    new GetItemCommand({ TableName: tableName, Key: marshall(cellCounterKey(cell)), ConsistentRead: true }),
  );
  return out.Item ? (unmarshall(out.Item).placed as number) : undefined;
}

/**
 * Places `d` as the create does: a write that lost a conflict with a concurrent one (503) is tried
 * again; 'full' when the cell's condition refused it.
 */
async function place(d: ReturnType<typeof newDomain>, quota: number) {
  for (;;) {
    try {
      return await table.putNewDomain(d, { cellQuota: quota });
    } catch (err) {
      if (err instanceof counters.CellFullError) return 'full' as const;
      if (!(err instanceof errors.ServiceUnavailableError)) throw err;
      await new Promise((r) => setTimeout(r, Math.random() * 30));
    }
  }
}

describe('placing domains in a cell', () => {
  it('quota 3, 10 concurrent placements: exactly 3 placed, the others refused, the count 3', async () => {
    const attempts = Array.from({ length: 10 }, () => newDomain('race'));
    const outcomes = await Promise.all(attempts.map((d) => place(d, 3)));
    const won = outcomes.filter((o) => o !== 'full');
    expect(won).toHaveLength(3);
    expect(outcomes.filter((o) => o === 'full')).toHaveLength(7);
    expect(await placed('race')).toBe(3);
    for (const d of won) expect(d).toMatchObject({ cell: 'race', cellCounted: true });
    // The refused ones wrote nothing: no item, no claim.
    for (const d of attempts.filter((_, i) => outcomes[i] === 'full')) {
      expect(await table.getDomain(d.teamId, d.id)).toBeNull();
      expect(await table.getClaim(d.domain)).toBeNull();
    }
    expect(await counters.placedIn(['race', 'never-used'])).toEqual(
      new Map([
        ['race', 3],
        ['never-used', 0],
      ]),
    );
  });

  it('a domain refused for its name takes no place', async () => {
    const first = newDomain('names', 'taken.example.com');
    await table.putNewDomain(first, { cellQuota: 5 });
    await expect(table.putNewDomain(newDomain('names', 'taken.example.com'), { cellQuota: 5 })).rejects.toBeInstanceOf(
      table.NameClaimedError,
    );
    expect(await placed('names')).toBe(1);
  });

  it('without a quota nothing is counted (no cells configured)', async () => {
    const d = await table.putNewDomain(newDomain('uncounted'));
    expect(d.cellCounted).toBeUndefined();
    expect(await placed('uncounted')).toBeUndefined();
    expect(await table.deleteDomainAndClaim(d)).toBe(true);
    expect(await placed('uncounted')).toBeUndefined();
  });
});

describe('giving places back', () => {
  it('a delete gives its place back once; a second delete of the same domain does not', async () => {
    const a = await table.putNewDomain(newDomain('del'), { cellQuota: 2 });
    const b = await table.putNewDomain(newDomain('del'), { cellQuota: 2 });
    expect(await place(newDomain('del'), 2)).toBe('full');
    expect(await table.deleteDomainAndClaim(a)).toBe(true);
    expect(await placed('del')).toBe(1);
    expect(await table.deleteDomainAndClaim(a)).toBe(false);
    expect(await placed('del')).toBe(1);
    // The room is there again.
    expect(await place(newDomain('del'), 2)).not.toBe('full');
    expect(await placed('del')).toBe(2);
    expect(await table.deleteDomainAndClaim(b)).toBe(true);
    expect(await placed('del')).toBe(1);
  });

  it('the undo of a create that failed halfway gives its place back', async () => {
    const d = await table.putNewDomain(newDomain('undo'), { cellQuota: 1 });
    expect(d.ready).toBe(false);
    expect(await place(newDomain('undo'), 1)).toBe('full');
    expect(await table.deleteDomainAndClaim(d, d.leaseId ?? undefined)).toBe(true);
    expect(await placed('undo')).toBe(0);
    expect(await place(newDomain('undo'), 1)).not.toBe('full');
  });

  it('a release gives its place back', async () => {
    const created = await table.putNewDomain(newDomain('rel'), { cellQuota: 1 });
    const d = (await table.markReady(created, { verificationToken: 't', dkimTokens: ['a', 'b', 'c'] }))!;
    const now = Date.now();
    expect(await table.markReleasing(d, now)).toBe(true);
    const releasing = (await table.getDomain(d.teamId, d.id))!;
    const change = {
      teamId: d.teamId,
      domainId: d.id,
      domain: d.domain,
      from: 'pending' as const,
      to: 'released' as const,
      at: new Date(now).toISOString(),
      why: 'never verified',
      failingRecords: [],
    };
    expect(await table.deleteReleasedDomain(releasing, change)).toBe(true);
    expect(await placed('rel')).toBe(0);
  });

  it('concurrent deletes and placements keep the count equal to the domains in the cell, never above the quota', async () => {
    const quota = 4;
    const held = [];
    for (let i = 0; i < quota; i++) held.push(await table.putNewDomain(newDomain('churn'), { cellQuota: quota }));
    const deletes = held.slice(0, 2).map((d) => table.deleteDomainAndClaim(d));
    const placements = Array.from({ length: 6 }, () => place(newDomain('churn'), quota));
    const [, outcomes] = await Promise.all([Promise.all(deletes), Promise.all(placements)]);
    const won = outcomes.filter((o) => o !== 'full').length;
    const count = (await placed('churn')) ?? 0;
    expect(count).toBe(2 + won);
    expect(count).toBeLessThanOrEqual(quota);
  });
});

describe('counting domains stored before cells were counted (npm run cells -- count)', () => {
  it('counts each uncounted domain once, in its cell or the cell named after its region', async () => {
    const legacy = await table.putNewDomain({ ...newDomain('x'), cell: undefined, region: 'sa-east-1' });
    const stored = await table.putNewDomain(newDomain('legacy-cell'));
    const counted = await table.putNewDomain(newDomain('legacy-cell'), { cellQuota: 10 });
    const gone = await table.putNewDomain({ ...newDomain('x'), cell: undefined, region: 'sa-east-1' });
    await table.deleteDomainAndClaim(gone);

    const added = await counters.countUncountedDomains();
    expect(added.get('sa-east-1')).toBe(1);
    expect(added.get('legacy-cell')).toBe(1);
    expect(await placed('sa-east-1')).toBe(1);
    expect(await placed('legacy-cell')).toBe(2);
    expect(await table.getDomain(legacy.teamId, legacy.id)).toMatchObject({ cell: 'sa-east-1', cellCounted: true });
    expect(await table.getDomain(stored.teamId, stored.id)).toMatchObject({ cell: 'legacy-cell', cellCounted: true });
    expect(counted.cellCounted).toBe(true);

    // A second run changes nothing; a counted legacy domain's delete gives its place back.
    expect((await counters.countUncountedDomains()).size).toBe(0);
    expect(await placed('legacy-cell')).toBe(2);
    expect(await table.deleteDomainAndClaim((await table.getDomain(legacy.teamId, legacy.id))!)).toBe(true);
    expect(await placed('sa-east-1')).toBe(0);
  });
});
