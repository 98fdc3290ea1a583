/**
 * A domain whose names answer with hundreds of values (some 60 KB each), end to end over HTTP: the
 * check completes and reads every value, the stored item stays small, and GET shows a few values
 * of each answer and how many there were. Kept whole, such answers made the item too large to
 * write, and the check was retried for ever.
 */
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { type E2E, startE2E } from '../support/e2e.js';

let e2e: E2E;
let key: string;

beforeAll(async () => {
  e2e = await startE2E();
  key = (await e2e.newKey('team-o')).plaintext;
}, 60_000);

afterAll(async () => {
  await e2e?.stop();
});

type Rec = {
  type: string;
  name: string;
  value: string;
  priority: number | null;
  status: string;
  diagnostic?: { found: string[]; reason: string };
};

/** 300 values of 190 characters: about 57 KB of TXT, below what one DNS message can carry. */
const hundreds = (make: (i: number) => string) => Array.from({ length: 300 }, (_, i) => make(i).padEnd(190, 'x'));

it('checks a domain whose names return hundreds of values, and shows a few of each', async () => {
  const domain = 'oversized.example.com';
  const created = await e2e.request('POST', '/domains', { key, body: { domain } });
  expect(created.status).toBe(201);
  const id = created.json.data.id as string;
  const records = created.json.data.dns_records as Rec[];
  e2e.publish(records);
  const value = (type: string, name: string) => records.find((r) => r.type === type && r.name === name)!.value;

  // The token is the last of 300 values; the MAIL FROM name adds a second SPF record to 300 others;
  // DMARC has 300 records; the root name answers 300 values too.
  e2e.dns.set(`_amazonses.${domain}`, 'TXT', [
    ...hundreds((i) => `site-verification-${i}=`),
    value('TXT', `_amazonses.${domain}`),
  ]);
  e2e.dns.set(`send.${domain}`, 'TXT', [
    ...hundreds((i) => `other-${i}=`),
    value('TXT', `send.${domain}`),
    'v=spf1 include:_spf.example.net ~all',
  ]);
  e2e.dns.set(
    `_dmarc.${domain}`,
    'TXT',
    hundreds((i) => `v=DMARC1; p=none; rua=mailto:reports-${i}@example.net; x=`),
  );
  e2e.dns.set(
    domain,
    'TXT',
    hundreds((i) => `root-${i}=`),
  );

  const started = Date.now();
  expect((await e2e.request('POST', `/domains/${id}/verify`, { key })).status).toBe(200);
  await e2e.drain();
  expect(Date.now() - started).toBeLessThan(15_000);

  const d = (await e2e.request('GET', `/domains/${id}`, { key })).json.data as {
    status: string;
    last_checked_at: string | null;
    dns_records: Rec[];
  };
  expect(d.status).toBe('failed');
  expect(d.last_checked_at).not.toBeNull();
  const record = (type: string, name: string) => d.dns_records.find((r) => r.type === type && r.name === name)!;

  // Read in full: the token among 300 values, and the second SPF record among 302.
  expect(record('TXT', `_amazonses.${domain}`).status).toBe('verified');
  const spf = record('TXT', `send.${domain}`);
  expect(spf.status).toBe('failed');
  expect(spf.diagnostic?.reason).toContain('has 2 SPF records');
  expect(spf.diagnostic?.found).toEqual([value('TXT', `send.${domain}`), 'v=spf1 include:_spf.example.net ~all']);

  // Shown in part: 5 of the 300 DMARC records, and how many there were.
  const dmarc = record('TXT', `_dmarc.${domain}`);
  expect(dmarc.status).toBe('failed');
  expect(dmarc.diagnostic?.found).toHaveLength(5);
  expect(dmarc.diagnostic?.reason).toContain('has 300 DMARC records');
  expect(dmarc.diagnostic?.reason).toContain('300 values were found; the first 5 are shown.');

  // Some 230 KB came from DNS; the stored item keeps a few KB of it.
  const { domainKey } = await import('../../src/adapters/table-keys.js');
  const item = await e2e.stack.ddb.send(
    new GetItemCommand({ TableName: e2e.stack.tableName, Key: marshall(domainKey('team-o', id)) }),
  );
  expect(JSON.stringify(unmarshall(item.Item!)).length).toBeLessThan(20_000);
}, 30_000);
