/**
 * Two SES cells in one region end to end: the second is another account, reached through the STS
 * stand-in's AssumeRole, and its identities land in that account of the SES stand-in. Placement fills
 * both up to SES_IDENTITY_QUOTA and then answers 503; create, verify, PATCH and DELETE of a domain all
 * go to its cell; a delete gives the place back; and the team never sees a cell.
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { LOCAL_ACCOUNT } from '../../local/access-keys.js';
import { domainKey } from '../../src/adapters/table-keys.js';
import { type E2E, startE2E } from '../support/e2e.js';

const OTHER_ACCOUNT = '222233334444';
const ROLE = `arn:aws:iam::${OTHER_ACCOUNT}:role/krafter-domains-local-ses-cell`;
const REGION = 'eu-central-1';
const QUOTA = 2;

let e2e: E2E;
let key: string;
const TEAM = 'team-cells';

beforeAll(async () => {
  e2e = await startE2E({
    env: {
      SES_CELLS: JSON.stringify([
        { id: 'own', region: REGION },
        { id: 'other', region: REGION, roleArn: ROLE },
      ]),
      SES_IDENTITY_QUOTA: String(QUOTA),
    },
  });
  key = (await e2e.newKey(TEAM)).plaintext;
}, 60_000);

afterAll(async () => {
  await e2e?.stop();
});

const identitiesOf = (account: string) => e2e.stack.ses.identities({ account, region: REGION });

async function cellOf(id: string): Promise<string | undefined> {
  const out = await e2e.stack.ddb.send(
    new GetItemCommand({ TableName: e2e.stack.tableName, Key: marshall(domainKey(TEAM, id)), ConsistentRead: true }),
  );
  return out.Item ? (unmarshall(out.Item).cell as string) : undefined;
}

const created: { id: string; domain: string; records: never[] }[] = [];

describe('two cells, one of another account', () => {
  it('fills both cells up to the quota, each identity in its cell’s account, then answers 503', async () => {
    for (let i = 0; i < 2 * QUOTA; i++) {
      const domain = `c${i}.multi.example.com`;
      const res = await e2e.request('POST', '/domains', { key, body: { domain } });
      expect(res.status).toBe(201);
      expect(res.json.data.region).toBe(REGION);
      expect(res.text).not.toMatch(/cell|222233334444|000000000000/);
      created.push({ id: res.json.data.id, domain, records: res.json.data.dns_records });
    }
    expect(identitiesOf(LOCAL_ACCOUNT)).toHaveLength(QUOTA);
    expect(identitiesOf(OTHER_ACCOUNT)).toHaveLength(QUOTA);
    for (const d of created) {
      const cell = await cellOf(d.id);
      expect(identitiesOf(cell === 'other' ? OTHER_ACCOUNT : LOCAL_ACCOUNT)).toContain(d.domain);
    }

    const full = await e2e.request('POST', '/domains', { key, body: { domain: 'one-too-many.multi.example.com' } });
    expect(full.status).toBe(503);
    expect(full.json.error.code).toBe('identity_quota_exceeded');
    expect([...identitiesOf(LOCAL_ACCOUNT), ...identitiesOf(OTHER_ACCOUNT)]).not.toContain(
      'one-too-many.multi.example.com',
    );
  });

  it('assumed the cell’s role once, and reused its credentials for every call since', () => {
    const assumed = e2e.stack.sts.calls().filter((c) => c.action === 'AssumeRole');
    expect(assumed).toEqual([expect.objectContaining({ status: 200, roleArn: ROLE })]);
    expect(e2e.stack.ses.calls().filter((c) => c.account === OTHER_ACCOUNT).length).toBeGreaterThanOrEqual(QUOTA * 3);
  });

  it('verifies a domain of the other account against that account’s identity', async () => {
    const other = await pick('other');
    e2e.publish(other.records);
    expect((await e2e.request('POST', `/domains/${other.id}/verify`, { key })).status).toBe(200);
    await e2e.drain();
    const got = await e2e.request('GET', `/domains/${other.id}`, { key });
    expect(got.json.data.status).toBe('verified');
    const checks = e2e.stack.ses.calls().filter((c) => c.action === 'GetEmailIdentity' && c.status === 200);
    expect(checks.some((c) => c.account === OTHER_ACCOUNT)).toBe(true);
  });

  it('changes the MAIL FROM of a domain in its own cell’s account', async () => {
    const other = await pick('other');
    const before = e2e.stack.ses.calls().length;
    const res = await e2e.request('PATCH', `/domains/${other.id}`, { key, body: { return_path: 'bounces' } });
    expect(res.status).toBe(200);
    const puts = e2e.stack.ses
      .calls()
      .slice(before)
      .filter((c) => c.action === 'PutEmailIdentityMailFromAttributes');
    expect(puts.length).toBeGreaterThan(0);
    for (const c of puts) expect(c.account).toBe(OTHER_ACCOUNT);
  });

  it('a delete removes the identity from its cell’s account and gives the place back', async () => {
    const other = await pick('other');
    expect((await e2e.request('DELETE', `/domains/${other.id}`, { key })).status).toBe(200);
    expect(identitiesOf(OTHER_ACCOUNT)).not.toContain(other.domain);
    expect(identitiesOf(LOCAL_ACCOUNT)).toHaveLength(QUOTA);

    const again = await e2e.request('POST', '/domains', { key, body: { domain: 'room-again.multi.example.com' } });
    expect(again.status).toBe(201);
    expect(await cellOf(again.json.data.id)).toBe('other');
    expect(identitiesOf(OTHER_ACCOUNT)).toContain('room-again.multi.example.com');
  });
});

/** A created domain that lives in `cell`. */
async function pick(cell: string) {
  for (const d of created) if ((await cellOf(d.id)) === cell) return d;
  throw new Error(`no domain in cell ${cell}`);
}
