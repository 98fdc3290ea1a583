/**
 * The domain and key entities against real DynamoDB Local: conditional writes and transactions
 * behave as the service relies on (mocks cannot tell a wrong condition expression).
 */
import { randomUUID } from 'node:crypto';
import { DeleteItemCommand, type DynamoDBClient, ScanCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { v7 as uuidv7 } from 'uuid';
import { DUE_SHARDS, domainCountKey, domainKey, dueKey, INDEX, KEY_PREFIX } from '../../src/adapters/table-keys.js';
import { useFreshTable } from '../support/dynamo-env.js';

let client: DynamoDBClient;
let tableName: string;
let table: typeof import('../../src/adapters/domains-table/index.js');
let keys: typeof import('../../src/adapters/api-keys-table.js');
let history: typeof import('../../src/adapters/status-history-table.js');

beforeAll(async () => {
  ({ client, tableName } = await useFreshTable());
  table = await import('../../src/adapters/domains-table/index.js');
  keys = await import('../../src/adapters/api-keys-table.js');
  history = await import('../../src/adapters/status-history-table.js');
});

afterAll(() => client.destroy());

const newDomain = (teamId: string, domain: string) => ({
  // Time-ordered, as the service makes them: the table lists a team's domains in this order.
  id: uuidv7(),
  teamId,
  domain,
  returnPath: 'send',
  dkim: { type: 'easy_dkim' as const, keyLength: 2048 as const },
  region: 'eu-central-1',
  createdAt: new Date().toISOString(),
});

async function allItems(): Promise<Record<string, { S?: string }>[]> {
  const out = await client.send(new ScanCommand({ TableName: tableName, ConsistentRead: true }));
  return (out.Items ?? []) as Record<string, { S?: string }>[];
}

describe('domain claim and item', () => {
  it('writes the domain and its claim together, and refuses a second claim of the name', async () => {
    const a = newDomain('team-a', 'claim.example.com');
    await table.putNewDomain(a);
    const claim = await table.getClaim('claim.example.com');
    expect(claim).toEqual({ teamId: 'team-a', domainId: a.id });

    const b = newDomain('team-b', 'claim.example.com');
    await expect(table.putNewDomain(b)).rejects.toMatchObject({
      name: 'Error',
      claim: { teamId: 'team-a', domainId: a.id },
    });
    expect(await table.getDomain('team-b', b.id)).toBeNull();
  });

  it('lets exactly one of many concurrent claims of one name win', async () => {
    const attempts = Array.from({ length: 20 }, (_, i) => newDomain(`team-${i % 3}`, 'race.example.com'));
    const results = await Promise.allSettled(attempts.map((d) => table.putNewDomain(d)));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const items = (await allItems()).filter((i) => i.domain?.S === 'race.example.com');
    expect(items.filter((i) => i.SK?.S?.startsWith(KEY_PREFIX.domain))).toHaveLength(1);
  });

  it('keeps a domain hidden until ready, then stores the tokens', async () => {
    const d = newDomain('team-a', 'ready.example.com');
    const created = await table.putNewDomain(d);
    expect(created.ready).toBe(false);
    // Only the create holding the lease makes it ready; its own resend (a lost answer) still passes.
    expect(
      await table.markReady({ ...created, leaseId: 'someone-else' }, { verificationToken: 'x', dkimTokens: [] }),
    ).toBeNull();
    const ready = await table.markReady(created, { verificationToken: 'tok', dkimTokens: ['a', 'b', 'c'] });
    expect(ready).toMatchObject({ ready: true, verificationToken: 'tok', dkimTokens: ['a', 'b', 'c'] });
    expect(await table.markReady(created, { verificationToken: 'tok', dkimTokens: ['a', 'b', 'c'] })).toMatchObject({
      ready: true,
    });
    expect(
      await table.markReady({ ...created, id: randomUUID() }, { verificationToken: 'x', dkimTokens: [] }),
    ).toBeNull();
  });

  it('deletes the item with its own claim only', async () => {
    const d = await table.putNewDomain(newDomain('team-a', 'delete.example.com'));
    // A stale delete for another id must not release the name.
    expect(await table.deleteDomainAndClaim({ ...d, id: randomUUID() })).toBe(false);
    expect(await table.getClaim('delete.example.com')).not.toBeNull();
    expect(await table.deleteDomainAndClaim(d)).toBe(true);
    expect(await table.getClaim('delete.example.com')).toBeNull();
    expect(await table.getDomain('team-a', d.id)).toBeNull();
    expect(await table.deleteDomainAndClaim(d)).toBe(false);
  });

  it('lists only the team’s domains, oldest first', async () => {
    const team = `list-${randomUUID()}`;
    const first = newDomain(team, 'one.example.net');
    await table.putNewDomain(first);
    const second = { ...newDomain(team, 'two.example.net'), createdAt: new Date(Date.now() + 1000).toISOString() };
    await table.putNewDomain(second);
    await table.putNewDomain(newDomain('someone-else', 'three.example.net'));
    const list = await table.listDomains(team);
    expect(list.map((d) => d.domain)).toEqual(['one.example.net', 'two.example.net']);
  });
});

describe('provisioning lease', () => {
  it('lets one retry take over an unready domain only after the lease lapsed, and an old undo not delete it', async () => {
    const d = newDomain('team-l', 'lease.example.com');
    const first = await table.putNewDomain(d);
    // Within the lease: nobody takes over.
    expect(await table.takeProvisioningLease(first, Date.now())).toBeNull();
    const later = Date.now() + table.PROVISIONING_LEASE_MS + 1;
    const [a, b] = await Promise.all([
      table.takeProvisioningLease(first, later),
      table.takeProvisioningLease(first, later),
    ]);
    const taken = a ?? b;
    expect([a, b].filter(Boolean)).toHaveLength(1);
    expect(taken!.leaseId).not.toBe(first.leaseId);
    // The first create's undo no longer holds the domain: it can neither renew nor delete it.
    expect(await table.setProvisioningLease(first, Date.now() + 1000)).toBe(false);
    expect(await table.deleteDomainAndClaim(first, first.leaseId!)).toBe(false);
    expect(await table.getDomain('team-l', d.id)).not.toBeNull();
    // The taker's own undo may.
    expect(await table.setProvisioningLease(taken!, Date.now() + 1000)).toBe(true);
    expect(await table.deleteDomainAndClaim(taken!, taken!.leaseId!)).toBe(true);
    expect(await table.getClaim(d.domain)).toBeNull();
  });
});

describe('settings changes (update lease)', () => {
  it('lets one of many concurrent changes hold the lease, commits only under it, and keeps BYODKIM settings public', async () => {
    const d = newDomain('team-u', 'lease.example.com');
    const ready = (await table.markReady(await table.putNewDomain(d), {
      verificationToken: 't',
      dkimTokens: ['a', 'b', 'c'],
    }))!;

    const now = Date.now();
    const takers = await Promise.all(Array.from({ length: 8 }, () => table.takeUpdateLease(ready, now)));
    const held = takers.filter((t) => t !== null);
    expect(held).toHaveLength(1);
    const { leaseId } = held[0]!;
    expect(await table.commitUpdate(ready, 'someone-else', { returnPath: 'x' })).toBe(false);

    // A check written while the lease is held: its result for an unmoved record survives the commit.
    const checked = {
      status: 'pending' as const,
      checkedAt: new Date().toISOString(),
      recordChecks: {
        verification: { status: 'verified' as const },
        spf: { status: 'verified' as const },
        dkim1: { status: 'pending' as const },
      },
      nextCheckAt: null,
    };
    expect(await table.writeCheckResult(ready, checked)).toBe('written');
    const dkim = { type: 'byodkim' as const, keyLength: 2048, selector: 'k1', publicKey: 'MIIBIjAN' };
    expect(await table.commitUpdate(ready, leaseId, { returnPath: 'mail', dkim, dkimTokens: [] })).toBe(true);
    // The same write again (the SDK's retry after a lost answer) finds it made.
    expect(await table.commitUpdate(ready, leaseId, { returnPath: 'mail', dkim, dkimTokens: [] })).toBe(true);
    const after = (await table.getDomain('team-u', d.id))!;
    expect(after).toMatchObject({ returnPath: 'mail', dkim, dkimTokens: [], settingsRev: 1 });
    expect(after.recordChecks).toEqual({ verification: { status: 'verified' } });

    // A check decided on the settings before the change is not written; one on the new settings is.
    const result = {
      status: 'pending' as const,
      checkedAt: new Date().toISOString(),
      recordChecks: {},
      nextCheckAt: null,
    };
    expect(await table.writeCheckResult(ready, result)).toBe('changed');
    expect(await table.writeCheckResult(after, result)).toBe('written');

    // Released by the commit: the next change takes the lease at once; an expired lease is taken over.
    const next = (await table.takeUpdateLease(after, now))!;
    expect(next).not.toBeNull();
    expect(await table.takeUpdateLease(after, now)).toBeNull();
    expect(await table.takeUpdateLease(after, now + table.UPDATE_LEASE_MS + 1)).not.toBeNull();
    await table.releaseUpdateLease(after, next.leaseId); // no longer held: changes nothing, fails nothing
  });

  it('commits a domain stored without a recordChecks map (never checked, written before the map was)', async () => {
    const d = newDomain('team-u', 'legacy.example.com');
    const ready = (await table.markReady(await table.putNewDomain(d), {
      verificationToken: 't',
      dkimTokens: ['a', 'b', 'c'],
    }))!;
    await client.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: marshall(domainKey('team-u', d.id)),
        UpdateExpression: 'REMOVE recordChecks',
      }),
    );
    const { leaseId } = (await table.takeUpdateLease(ready, Date.now()))!;
    expect(await table.commitUpdate(ready, leaseId, { returnPath: 'bounce' })).toBe(true);
    expect(await table.getDomain('team-u', d.id)).toMatchObject({
      returnPath: 'bounce',
      recordChecks: {},
      settingsRev: 1,
    });
  });
});

describe('verification state', () => {
  async function readyDomain(name: string) {
    const d = newDomain('team-v', name);
    await table.markReady(await table.putNewDomain(d), { verificationToken: 't', dkimTokens: ['a', 'b', 'c'] });
    return d;
  }

  it('marks verifying once, remembers the status to go back to, and reverts', async () => {
    const d = await readyDomain('verify.example.com');
    const now = new Date().toISOString();
    const first = await table.markVerifying('team-v', d.id, now);
    expect(first).toMatchObject({ outcome: 'marked', previousStatus: 'pending', domain: { status: 'verifying' } });
    // Another request (another time) finds it marked; the same write sent again (a lost answer) is ours.
    const second = await table.markVerifying('team-v', d.id, new Date(Date.parse(now) + 1).toISOString());
    expect(second).toMatchObject({ outcome: 'already_verifying', domain: { status: 'verifying' } });
    expect(await table.markVerifying('team-v', d.id, now)).toMatchObject({
      outcome: 'marked',
      previousStatus: 'pending',
    });
    await table.revertVerifying('team-v', d.id, 'pending');
    expect((await table.getDomain('team-v', d.id))?.status).toBe('pending');
    expect(await table.markVerifying('team-v', randomUUID(), now)).toEqual({ outcome: 'not_found' });
  });

  it('does not mark a domain that is not ready', async () => {
    const d = newDomain('team-v', 'unready.example.com');
    await table.putNewDomain(d);
    expect(await table.markVerifying('team-v', d.id, new Date().toISOString())).toEqual({ outcome: 'not_found' });
  });

  it('writes a check result only from the status it read, records the change, and never resurrects', async () => {
    const d = await readyDomain('result.example.com');
    const t1 = '2026-01-15T12:30:00.000Z';
    const read = (await table.getDomain('team-v', d.id))!;
    const change = {
      teamId: 'team-v',
      domainId: d.id,
      domain: d.domain,
      from: 'pending' as const,
      to: 'verified' as const,
      at: t1,
      why: 'test',
      failingRecords: [],
    };
    expect(
      await table.writeCheckResult(read, {
        status: 'verified',
        checkedAt: t1,
        recordChecks: {},
        nextCheckAt: Date.parse(t1) + 86_400_000,
        change,
      }),
    ).toBe('written');
    // A second writer that read the old status loses: it must re-read and decide again.
    expect(
      await table.writeCheckResult(read, { status: 'failed', checkedAt: t1, recordChecks: {}, nextCheckAt: null }),
    ).toBe('changed');
    const after = (await table.getDomain('team-v', d.id))!;
    expect(after).toMatchObject({ status: 'verified', verifiedAt: t1, pendingEvent: { to: 'verified' } });
    expect(await history.listStatusChanges('team-v', d.id)).toEqual([
      expect.objectContaining({ from: 'pending', to: 'verified', at: t1 }),
    ]);
    await table.clearPendingEvent(after, t1);
    expect((await table.getDomain('team-v', d.id))!.pendingEvent).toBeNull();
    // Leaving verified clears verified_at.
    expect(
      await table.writeCheckResult(after, { status: 'pending', checkedAt: t1, recordChecks: {}, nextCheckAt: null }),
    ).toBe('written');
    expect((await table.getDomain('team-v', d.id))!.verifiedAt).toBeNull();

    await table.deleteDomainAndClaim(after);
    expect(
      await table.writeCheckResult(after, { status: 'verified', checkedAt: t1, recordChecks: {}, nextCheckAt: null }),
    ).toBe('deleted');
    expect(await table.getDomain('team-v', d.id)).toBeNull();
  });

  it('finds due domains through the index and leases each entry once', async () => {
    const d = await readyDomain('due.example.com');
    const now = Date.now();
    const read = (await table.getDomain('team-v', d.id))!;
    await table.writeCheckResult(read, {
      status: 'pending',
      checkedAt: new Date(now).toISOString(),
      recordChecks: {},
      nextCheckAt: now - 1000,
    });
    const due = [];
    for (let shard = 0; shard < DUE_SHARDS; shard++) due.push(...(await table.queryDue(shard, now, 100)).due);
    const mine = due.find((x) => x.id === d.id);
    expect(mine).toBeDefined();
    expect(await table.leaseDue(mine!, now + 60_000)).toBe(true);
    expect(await table.leaseDue(mine!, now + 60_000)).toBe(false);
  });
});

describe('domains per team', () => {
  const countOf = async (teamId: string) =>
    (await allItems()).find((i) => i.PK?.S === domainCountKey(teamId).PK && i.SK?.S === domainCountKey(teamId).SK) as
      | { domains?: { N?: string } }
      | undefined;

  it('lets exactly the limit of many concurrent creates in, and a delete frees a place', async () => {
    const attempts = Array.from({ length: 12 }, (_, i) => newDomain('team-limit', `n${i}.limit.example.com`));
    const results = await Promise.allSettled(attempts.map((d) => table.putNewDomain(d, { maxDomains: 5 })));
    const won = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    expect(won).toHaveLength(5);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(table.DomainLimitError);
    expect((await countOf('team-limit'))?.domains?.N).toBe('5');
    // Refused creates left no claim behind.
    expect(
      (await allItems()).filter(
        (i) => i.PK?.S?.startsWith(KEY_PREFIX.domainName) && i.PK.S.endsWith('.limit.example.com'),
      ),
    ).toHaveLength(5);

    await expect(
      table.putNewDomain(newDomain('team-limit', 'more.limit.example.com'), { maxDomains: 5 }),
    ).rejects.toBeInstanceOf(table.DomainLimitError);
    expect(await table.deleteDomainAndClaim(won[0]!)).toBe(true);
    expect((await countOf('team-limit'))?.domains?.N).toBe('4');
    await table.putNewDomain(newDomain('team-limit', 'more.limit.example.com'), { maxDomains: 5 });
    // Another team is not affected.
    await table.putNewDomain(newDomain('team-other', 'other.limit.example.com'), { maxDomains: 1 });
  });

  it('never counts below zero for a team whose domains predate the count', async () => {
    const d = await table.putNewDomain(newDomain('team-legacy', 'predates-count.example.com'));
    await client.send(new DeleteItemCommand({ TableName: tableName, Key: marshall(domainCountKey('team-legacy')) }));
    expect(await table.deleteDomainAndClaim(d)).toBe(true);
    expect((await countOf('team-legacy'))?.domains?.N).toBe('0');
  });
});

describe('releasing a never-verified domain', () => {
  async function readyDomain(teamId: string, name: string) {
    const d = newDomain(teamId, name);
    return (await table.markReady(await table.putNewDomain(d), {
      verificationToken: 't',
      dkimTokens: ['a', 'b', 'c'],
    }))!;
  }
  const change = (d: { teamId: string; id: string; domain: string }) => ({
    teamId: d.teamId,
    domainId: d.id,
    domain: d.domain,
    from: 'pending' as const,
    to: 'released' as const,
    at: new Date().toISOString(),
    why: 'test',
    failingRecords: [],
  });

  it('puts a new domain in the due index at its release time', async () => {
    const d = newDomain('team-r', 'due-release.example.com');
    await table.putNewDomain(d, { releaseAt: Date.parse(d.createdAt) + 1000 });
    const item = (await allItems()).find((i) => i.SK?.S === domainKey(d.teamId, d.id).SK);
    expect(item?.[INDEX.sk]?.S).toBe(dueKey(d.id, Date.parse(d.createdAt) + 1000)[INDEX.sk]);
  });

  it('marks, then removes the domain, its claim and its count together, with the history entry; verify, PATCH and retries stay out', async () => {
    const d = await readyDomain('team-r', 'release.example.com');
    const now = Date.now();
    expect(await table.markReleasing(d, now)).toBe(true);
    expect((await table.getDomain('team-r', d.id))?.releasing).toBe(true);
    expect(await table.markVerifying('team-r', d.id, new Date().toISOString())).toEqual({ outcome: 'not_found' });
    expect(await table.takeUpdateLease(d, now)).toBeNull();

    expect(await table.deleteReleasedDomain(d, change(d))).toBe(true);
    expect(await table.getDomain('team-r', d.id)).toBeNull();
    expect(await table.getClaim('release.example.com')).toBeNull();
    expect(await history.listStatusChanges('team-r', d.id)).toEqual([
      expect.objectContaining({ from: 'pending', to: 'released' }),
    ]);
    // Gone already: a retry changes nothing.
    expect(await table.deleteReleasedDomain(d, change(d))).toBe(false);
    // The name is free again.
    await table.putNewDomain(newDomain('team-s', 'release.example.com'));
  });

  it('does not mark a domain that was verified, asked again, or changed since it was read', async () => {
    const d = await readyDomain('team-r', 'keep.example.com');
    const t = new Date().toISOString();
    expect(await table.markVerifying('team-r', d.id, t)).toMatchObject({ outcome: 'marked' });
    // Read before the verify request: stale.
    expect(await table.markReleasing(d, Date.now())).toBe(false);
    const asked = (await table.getDomain('team-r', d.id))!;
    expect(
      await table.writeCheckResult(asked, { status: 'verified', checkedAt: t, recordChecks: {}, nextCheckAt: null }),
    ).toBe('written');
    const verified = (await table.getDomain('team-r', d.id))!;
    expect(
      await table.writeCheckResult(verified, { status: 'failed', checkedAt: t, recordChecks: {}, nextCheckAt: null }),
    ).toBe('written');
    const failed = (await table.getDomain('team-r', d.id))!;
    expect(failed).toMatchObject({ status: 'failed', everVerified: true });
    expect(await table.markReleasing(failed, Date.now())).toBe(false);
    // Without the mark, the delete transaction refuses.
    expect(await table.deleteReleasedDomain(failed, change(failed))).toBe(false);
    expect(await table.getDomain('team-r', d.id)).not.toBeNull();
  });
});

describe('rate budget', () => {
  it('hands out slots just over 1000/rate ms apart, even to concurrent callers', async () => {
    const budget = await import('../../src/adapters/rate-budget-table.js');
    const now = Date.now();
    const slots = await Promise.all(Array.from({ length: 10 }, () => budget.reserveSlot('test', 5, now)));
    slots.sort((a, b) => a - b);
    expect(slots[0]).toBe(now);
    for (let i = 1; i < slots.length; i++) expect(slots[i]! - slots[i - 1]!).toBe(204); // 1000 / 5, 2% under the rate
  });
});

describe('api keys', () => {
  it('stores, lists by team, and revokes', async () => {
    const createdAt = new Date().toISOString();
    await keys.putApiKey({
      keyId: 'key_aaaaaaaaaaaa',
      teamId: 'team-k',
      hash: 'h1',
      scopes: ['domains:manage'],
      createdAt,
    });
    await keys.putApiKey({ keyId: 'key_bbbbbbbbbbbb', teamId: 'team-k', hash: 'h2', scopes: [], createdAt });
    await expect(
      keys.putApiKey({ keyId: 'key_aaaaaaaaaaaa', teamId: 'team-x', hash: 'h3', scopes: [], createdAt }),
    ).rejects.toThrow();
    expect((await keys.listApiKeys('team-k')).map((k) => k.keyId).sort()).toEqual([
      'key_aaaaaaaaaaaa',
      'key_bbbbbbbbbbbb',
    ]);
    expect(await keys.revokeApiKey('key_aaaaaaaaaaaa', createdAt)).toBe(true);
    expect((await keys.getApiKey('key_aaaaaaaaaaaa'))?.revokedAt).toBe(createdAt);
    expect(await keys.revokeApiKey('key_nonexistent0', createdAt)).toBe(false);
  });
});
