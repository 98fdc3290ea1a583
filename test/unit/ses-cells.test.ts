/**
 * The SES clients of each cell (src/adapters/ses-cells.ts): a cell of the own account uses the
 * shared per-region client and the function's credentials; a cell of another account uses STS
 * AssumeRole credentials, asked once and reused by both SES clients until shortly before they expire.
 */
import './support/env.js';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';

const ROLE = 'arn:aws:iam::111122223333:role/krafter-ses-cell';
process.env.SES_CELLS = JSON.stringify([
  { id: 'c1', region: 'eu-central-1' },
  { id: 'c2', region: 'us-east-1', roleArn: ROLE },
]);
process.env.SES_REGIONS = 'us-east-1';

const stsMock = mockClient(STSClient);
type Cells = typeof import('../../src/adapters/ses-cells.js');
type V1 = typeof import('../../src/adapters/sesv1-client.js');
type V2 = typeof import('../../src/adapters/sesv2-client.js');
let cells: Cells;
let v1: V1;
let v2: V2;

beforeAll(async () => {
  cells = await import('../../src/adapters/ses-cells.js');
  v1 = await import('../../src/adapters/sesv1-client.js');
  v2 = await import('../../src/adapters/sesv2-client.js');
});

let issued = 0;
/** STS answers with fresh credentials that expire `ttlMs` from now. */
function givenAssumeRole(ttlMs: number): void {
  stsMock.on(AssumeRoleCommand).callsFake(() => {
    issued++;
    return {
      Credentials: {
        AccessKeyId: `ASIA${issued}`,
        SecretAccessKey: 'secret',
        SessionToken: 'token',
        Expiration: new Date(Date.now() + ttlMs),
      },
    };
  });
}

beforeEach(() => {
  stsMock.reset();
  issued = 0;
});

describe('a cell of the own account', () => {
  it('uses the shared client of its region, with no role to assume', async () => {
    expect(cells.sesv2ForCell('c1')).toBe(v2.sesv2);
    expect(v1.sesv1ForCell('c1')).toBe(v1.sesv1);
    expect(cells.cellClientConfig('c1')).toEqual({ region: 'eu-central-1' });
    expect(stsMock.calls()).toHaveLength(0);
  });

  it('a domain stored before cells, in a region no cell is named after, stays in that region of the own account', async () => {
    expect(cells.cellById('ap-south-1')).toMatchObject({ id: 'ap-south-1', region: 'ap-south-1' });
    expect(cells.cellById('ap-south-1').roleArn).toBeUndefined();
    expect(await cells.sesv2ForCell('ap-south-1').config.region()).toBe('ap-south-1');
  });

  it('an unknown cell id is an error, never another cell', () => {
    expect(() => cells.sesv2ForCell('c9')).toThrow(cells.UnknownCellError);
    expect(() => v1.sesv1ForCell('c9')).toThrow(/No SES cell "c9"/);
  });
});

describe('a cell of another account', () => {
  it("calls SES in the cell's region with the role's credentials, from one AssumeRole for both clients", async () => {
    givenAssumeRole(3_600_000);
    const client2 = cells.sesv2ForCell('c2');
    const client1 = v1.sesv1ForCell('c2');
    expect(client2).not.toBe(v2.sesv2);
    expect(cells.sesv2ForCell('c2')).toBe(client2);
    expect(await client2.config.region()).toBe('us-east-1');
    expect(await client1.config.region()).toBe('us-east-1');
    const [a, b] = await Promise.all([client2.config.credentials(), client1.config.credentials()]);
    expect(a).toMatchObject({ accessKeyId: 'ASIA1', secretAccessKey: 'secret', sessionToken: 'token' });
    expect(b.accessKeyId).toBe('ASIA1');
    expect(stsMock).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);
    expect(stsMock).toHaveReceivedCommandWith(AssumeRoleCommand, {
      RoleArn: ROLE,
      RoleSessionName: 'krafter-test',
      DurationSeconds: 3600,
    });
  });

  it('asks STS again only within 5 minutes of expiry, and once for concurrent callers', async () => {
    const provider = cells.cellCredentials('arn:aws:iam::444455556666:role/other');
    givenAssumeRole(10 * 60_000);
    const first = await Promise.all([provider(), provider(), provider()]);
    expect(new Set(first.map((c) => c.accessKeyId)).size).toBe(1);
    expect(await provider()).toBe(first[0]);
    expect(stsMock).toHaveReceivedCommandTimes(AssumeRoleCommand, 1);

    const soon = await (async () => {
      givenAssumeRole(4 * 60_000);
      return cells.cellCredentials('arn:aws:iam::777788889999:role/short');
    })();
    const c1 = await soon();
    const c2 = await soon();
    expect(c2.accessKeyId).not.toBe(c1.accessKeyId);
  });

  it('a refused AssumeRole fails the call as a 503 (never a 500), and the next call asks again', async () => {
    const provider = cells.cellCredentials('arn:aws:iam::121212121212:role/denied');
    stsMock.on(AssumeRoleCommand).rejectsOnce(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }));
    await expect(provider()).rejects.toMatchObject({ code: 'service_unavailable', retryAfterSeconds: 30 });
    givenAssumeRole(3_600_000);
    await expect(provider()).resolves.toMatchObject({ sessionToken: 'token' });
  });

  it('a throttled AssumeRole is a throttled 503', async () => {
    const provider = cells.cellCredentials('arn:aws:iam::121212121212:role/throttled');
    stsMock.on(AssumeRoleCommand).rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));
    await expect(provider()).rejects.toMatchObject({ code: 'service_unavailable', reason: 'throttled' });
  });

  it('a pacer of its own per cell', () => {
    expect(cells.sesPacerName('c2')).toBe('ses#c2');
    // A cell named after its region keeps the pacer it had before cells.
    expect(cells.sesPacerName('eu-central-1')).toBe('ses#eu-central-1');
  });
});
