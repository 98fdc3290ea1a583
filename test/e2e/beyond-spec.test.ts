/**
 * Additions beyond the spec, over HTTP against the local stack: pagination of GET /domains,
 * Idempotency-Key on POST /domains and POST /domains/:id/verify, PATCH, region choice and DKIM
 * settings (key length, BYODKIM). Clients written against the spec see the spec's shapes.
 */

import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { DeleteEmailIdentityCommand, GetEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { pemBody, revealsKey, rsaKey } from '../support/dkim-keys.js';
import { type E2E, startE2E } from '../support/e2e.js';

let e2e: E2E;
let key: string;
let otherKey: string;

beforeAll(async () => {
  e2e = await startE2E({ env: { SES_REGIONS: 'eu-central-1,us-east-1' } });
  key = (await e2e.newKey('team-pages')).plaintext;
  otherKey = (await e2e.newKey('team-other')).plaintext;
}, 60_000);

afterAll(async () => {
  await e2e?.stop();
});

describe('pagination', () => {
  const names = Array.from({ length: 7 }, (_, i) => `page-${i}.example.org`);

  beforeAll(async () => {
    for (const domain of names)
      expect((await e2e.request('POST', '/domains', { key, body: { domain } })).status).toBe(201);
  });

  it('returns every domain, oldest first, in the spec’s shape without paging parameters', async () => {
    const res = await e2e.request('GET', '/domains', { key });
    expect(Object.keys(res.json)).toEqual(['data']);
    expect(res.json.data.map((d: { domain: string }) => d.domain)).toEqual(names);
  });

  it('pages with limit and an opaque cursor, one page at a time, until has_more is false', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const query: string = after ? `?limit=3&after=${encodeURIComponent(after)}` : '?limit=3';
      const res = await e2e.request('GET', `/domains${query}`, { key });
      expect(res.status).toBe(200);
      expect(res.json.data.length).toBeLessThanOrEqual(3);
      for (const d of res.json.data) expect(d).not.toHaveProperty('dns_records');
      seen.push(...res.json.data.map((d: { domain: string }) => d.domain));
      after = res.json.has_more ? res.json.next_cursor : null;
      if (!res.json.has_more) expect(res.json.next_cursor).toBeNull();
      pages++;
    } while (after);
    expect(pages).toBe(3);
    expect(seen).toEqual(names);
  });

  it('rejects a bad limit or cursor with 400 and never shows another team’s domains', async () => {
    for (const q of ['?limit=0', '?limit=101', '?limit=abc', '?after=not-a-cursor', '?sort=asc']) {
      const res = await e2e.request('GET', `/domains${q}`, { key });
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe('validation_error');
    }
    const own = await e2e.request('POST', '/domains', {
      key: otherKey,
      body: { domain: 'other-team-page.example.org' },
    });
    expect(own.status).toBe(201);
    const first = await e2e.request('GET', '/domains?limit=2', { key });
    const theirs = await e2e.request('GET', `/domains?limit=2&after=${first.json.next_cursor}`, { key: otherKey });
    expect(theirs.status).toBe(200);
    expect(theirs.json.data.map((d: { domain: string }) => d.domain)).toEqual(['other-team-page.example.org']);
  });
});

describe('Idempotency-Key', () => {
  it('replays the first response to a retried create, and creates once', async () => {
    const headers = { 'idempotency-key': 'create-retry-1' };
    const first = await e2e.request('POST', '/domains', { key, body: { domain: 'idem.example.org' }, headers });
    const retry = await e2e.request('POST', '/domains', { key, body: { domain: 'idem.example.org' }, headers });
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.json).toEqual(first.json);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const again = await e2e.request('POST', '/domains', { key, body: { domain: 'idem.example.org' } });
    expect(again.status).toBe(409);
  });

  it('answers 409 idempotency_key_reused for the same key with another body', async () => {
    const headers = { 'idempotency-key': 'create-retry-2' };
    expect(
      (await e2e.request('POST', '/domains', { key, body: { domain: 'idem2.example.org' }, headers })).status,
    ).toBe(201);
    const other = await e2e.request('POST', '/domains', { key, body: { domain: 'idem3.example.org' }, headers });
    expect(other.status).toBe(409);
    expect(other.json.error.code).toBe('idempotency_key_reused');
    expect(e2e.stack.ses.identities()).not.toContain('idem3.example.org');
  });

  it('keeps keys apart per team, and does not store failed requests', async () => {
    const headers = { 'idempotency-key': 'shared-key' };
    const bad = await e2e.request('POST', '/domains', { key, body: { domain: 'not a domain' }, headers });
    expect(bad.status).toBe(400);
    const good = await e2e.request('POST', '/domains', { key, body: { domain: 'idem4.example.org' }, headers });
    expect(good.status).toBe(201);
    const theirs = await e2e.request('POST', '/domains', {
      key: otherKey,
      body: { domain: 'idem5.example.org' },
      headers,
    });
    expect(theirs.status).toBe(201);
    expect(theirs.json.data.domain).toBe('idem5.example.org');
  });

  it('replays verify and rejects malformed keys', async () => {
    const created = await e2e.request('POST', '/domains', { key, body: { domain: 'idem-verify.example.org' } });
    const id = created.json.data.id;
    const headers = { 'idempotency-key': 'verify-1' };
    const first = await e2e.request('POST', `/domains/${id}/verify`, { key, headers });
    await e2e.drain();
    const retry = await e2e.request('POST', `/domains/${id}/verify`, { key, headers });
    expect(retry.json).toEqual(first.json);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    for (const bad of ['', 'x'.repeat(257), 'has space']) {
      const res = await e2e.request('POST', `/domains/${id}/verify`, { key, headers: { 'idempotency-key': bad } });
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe('invalid_idempotency_key');
    }
  });
});

describe('PATCH /domains/:id', () => {
  it('moves the MAIL FROM records to the new return_path and verifies them again', async () => {
    const created = await e2e.request('POST', '/domains', { key, body: { domain: 'patch.example.org' } });
    const id = created.json.data.id;
    e2e.publish(created.json.data.dns_records);
    await e2e.request('POST', `/domains/${id}/verify`, { key });
    await e2e.drain();
    expect((await e2e.request('GET', `/domains/${id}`, { key })).json.data.status).toBe('verified');

    const res = await e2e.request('PATCH', `/domains/${id}`, { key, body: { return_path: 'Bounces' } });
    expect(res.status).toBe(200);
    const records = res.json.data.dns_records;
    expect(records[4]).toMatchObject({ type: 'MX', name: 'bounces.patch.example.org', status: 'not_started' });
    expect(records[5]).toMatchObject({ type: 'TXT', name: 'bounces.patch.example.org', status: 'not_started' });
    expect(records[1].status).toBe('verified');
    expect(res.json.data.status).toBe('verifying');

    // Until the new records are published the domain is not verified; then it is again.
    await e2e.drain();
    let d = (await e2e.request('GET', `/domains/${id}`, { key })).json.data;
    expect(d.status).toBe('pending');
    expect(d.verified_at).toBeNull();
    expect(d.dns_records[4].diagnostic.reason).toContain('No MX record found at bounces.patch.example.org');
    e2e.publish(d.dns_records);
    await e2e.request('POST', `/domains/${id}/verify`, { key });
    await e2e.drain();
    d = (await e2e.request('GET', `/domains/${id}`, { key })).json.data;
    expect(d.status).toBe('verified');
  });

  it('rejects bad input and other teams’ ids without changing anything', async () => {
    const created = await e2e.request('POST', '/domains', { key, body: { domain: 'patch2.example.org' } });
    const id = created.json.data.id;
    for (const body of [{ return_path: '1bad' }, { return_path: 'bad-' }, { domain: 'other.example.org' }, {}]) {
      const res = await e2e.request('PATCH', `/domains/${id}`, { key, body });
      expect(res.status).toBe(400);
    }
    const theirs = await e2e.request('PATCH', `/domains/${id}`, { key: otherKey, body: { return_path: 'mail' } });
    expect(theirs.status).toBe(404);
    expect((await e2e.request('GET', `/domains/${id}`, { key })).json.data).toEqual(created.json.data);
    const same = await e2e.request('PATCH', `/domains/${id}`, { key, body: { return_path: 'send' } });
    expect(same.status).toBe(200);
    expect(same.json.data).toEqual(created.json.data);
  });
});

describe('region choice', () => {
  it('creates the identity in the region asked for, with the MX and checks following it', async () => {
    const res = await e2e.request('POST', '/domains', {
      key,
      body: { domain: 'regional.example.org', region: 'us-east-1' },
    });
    expect(res.status).toBe(201);
    expect(res.json.data.region).toBe('us-east-1');
    expect(res.json.data.dns_records[4].value).toBe('feedback-smtp.us-east-1.amazonses.com');
    e2e.publish(res.json.data.dns_records);
    await e2e.request('POST', `/domains/${res.json.data.id}/verify`, { key });
    await e2e.drain();
    expect((await e2e.request('GET', `/domains/${res.json.data.id}`, { key })).json.data.status).toBe('verified');

    const byDefault = await e2e.request('POST', '/domains', { key, body: { domain: 'default-region.example.org' } });
    expect(byDefault.json.data.region).toBe('eu-central-1');
    expect(byDefault.json.data.dns_records[4].value).toBe('feedback-smtp.eu-central-1.amazonses.com');
  });

  it('rejects a region the deployment does not offer', async () => {
    for (const region of ['ap-south-1', 'nowhere', 42]) {
      const res = await e2e.request('POST', '/domains', { key, body: { domain: 'elsewhere.example.org', region } });
      expect(res.status).toBe(400);
      expect(res.json.error.field).toBe('region');
    }
    expect(e2e.stack.ses.identities()).not.toContain('elsewhere.example.org');
  });

  it('an MX to another region’s endpoint is named as such', async () => {
    const res = await e2e.request('POST', '/domains', {
      key,
      body: { domain: 'wrongregion.example.org', region: 'us-east-1' },
    });
    const records = res.json.data.dns_records;
    e2e.publish(records);
    e2e.dns.set(records[4].name, 'MX', [{ exchange: 'feedback-smtp.eu-central-1.amazonses.com', priority: 10 }]);
    await e2e.request('POST', `/domains/${res.json.data.id}/verify`, { key });
    await e2e.drain();
    const d = (await e2e.request('GET', `/domains/${res.json.data.id}`, { key })).json.data;
    expect(d.status).toBe('failed');
    expect(d.dns_records[4].diagnostic.reason).toContain("another region's endpoint");
  });
});

describe('DKIM settings', () => {
  const rsa = rsaKey(2048);
  let ses: SESv2Client;
  beforeAll(() => {
    ses = new SESv2Client({
      endpoint: e2e.stack.ses.url,
      region: 'eu-central-1',
      credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
  });
  afterAll(() => ses.destroy());
  const identity = (domain: string) => ses.send(new GetEmailIdentityCommand({ EmailIdentity: domain }));

  it('BYODKIM: one TXT record with the public key, SES signing with the key, verified once the TXT is published', async () => {
    const res = await e2e.request('POST', '/domains', {
      key,
      body: {
        domain: 'byodkim.example.org',
        dkim: { type: 'byodkim', selector: 'Krafter2026', private_key: rsa.pkcs8Pem },
      },
    });
    expect(res.status).toBe(201);
    const d = res.json.data;
    expect(d.dkim).toEqual({ type: 'byodkim', key_length: 2048, selector: 'krafter2026' });
    expect(d.dns_records.map((r: { type: string; name: string }) => `${r.type} ${r.name}`)).toEqual([
      'TXT _amazonses.byodkim.example.org',
      'TXT krafter2026._domainkey.byodkim.example.org',
      'MX send.byodkim.example.org',
      'TXT send.byodkim.example.org',
      'TXT _dmarc.byodkim.example.org',
    ]);
    expect(d.dns_records[1].value).toBe(`v=DKIM1; k=rsa; p=${rsa.publicKey}`);
    expect((await identity('byodkim.example.org')).DkimAttributes).toMatchObject({
      SigningAttributesOrigin: 'EXTERNAL',
      Tokens: [],
    });
    expect((await e2e.request('GET', `/domains/${d.id}`, { key })).json.data).toEqual(d);

    // The 392-character key goes out as several TXT strings, as DNS requires; resolvers join them.
    e2e.publish(d.dns_records);
    await e2e.request('POST', `/domains/${d.id}/verify`, { key });
    await e2e.drain();
    const checked = (await e2e.request('GET', `/domains/${d.id}`, { key })).json.data;
    expect(checked.status).toBe('verified');
    expect(checked.dns_records.map((r: { status: string }) => r.status)).toEqual(Array(5).fill('verified'));
  });

  it('BYODKIM: a key cut to 255 characters by the DNS provider fails with a diagnostic that says so', async () => {
    const res = await e2e.request('POST', '/domains', {
      key,
      body: {
        domain: 'byodkim-cut.example.org',
        dkim: { type: 'byodkim', selector: 'k1', private_key: pemBody(rsa.pkcs1Pem) },
      },
    });
    expect(res.status).toBe(201);
    const records = res.json.data.dns_records;
    e2e.publish(records);
    e2e.dns.set(records[1].name, 'TXT', [records[1].value.slice(0, 255)]);
    await e2e.request('POST', `/domains/${res.json.data.id}/verify`, { key });
    await e2e.drain();
    const d = (await e2e.request('GET', `/domains/${res.json.data.id}`, { key })).json.data;
    expect(d.status).toBe('failed');
    expect(d.dns_records[1]).toMatchObject({
      status: 'failed',
      diagnostic: { reason: expect.stringContaining('cut short (237 of 392 characters)') },
    });
  });

  it('Easy DKIM with 1024-bit keys: three CNAMEs, and SES asked for 1024 bits', async () => {
    const res = await e2e.request('POST', '/domains', {
      key,
      body: { domain: 'dkim1024.example.org', dkim: { type: 'easy_dkim', key_length: 1024 } },
    });
    expect(res.status).toBe(201);
    expect(res.json.data.dkim).toEqual({ type: 'easy_dkim', key_length: 1024, selector: null });
    expect(res.json.data.dns_records.filter((r: { type: string }) => r.type === 'CNAME')).toHaveLength(3);
    expect((await identity('dkim1024.example.org')).DkimAttributes).toMatchObject({
      SigningAttributesOrigin: 'AWS_SES',
      NextSigningKeyLength: 'RSA_1024_BIT',
    });
  });

  it('refuses a bad key or selector with 400 naming the field, creating nothing', async () => {
    const cases: [unknown, string][] = [
      [{ type: 'byodkim', selector: 'k1', private_key: rsaKey(512).pkcs8Pem }, 'dkim.private_key'],
      [{ type: 'byodkim', selector: 'k1', private_key: rsa.publicKey }, 'dkim.private_key'],
      [{ type: 'byodkim', selector: 'k_1', private_key: rsa.pkcs8Pem }, 'dkim.selector'],
      [{ type: 'easy_dkim', key_length: 4096 }, 'dkim.key_length'],
    ];
    for (const [dkim, field] of cases) {
      const res = await e2e.request('POST', '/domains', { key, body: { domain: 'badkey.example.org', dkim } });
      expect(res.status).toBe(400);
      expect(res.json.error).toMatchObject({ code: 'validation_error', field });
    }
    expect(e2e.stack.ses.identities()).not.toContain('badkey.example.org');
    expect((await e2e.request('POST', '/domains', { key, body: { domain: 'badkey.example.org' } })).status).toBe(201);
  });

  it('PATCH rotates a BYODKIM key: new TXT record, SES signs with the new key, verified again once published', async () => {
    const created = await e2e.request('POST', '/domains', {
      key,
      body: { domain: 'rotate.example.org', dkim: { type: 'byodkim', selector: 'k2026', private_key: rsa.pkcs8Pem } },
    });
    const id = created.json.data.id;
    e2e.publish(created.json.data.dns_records);
    await e2e.request('POST', `/domains/${id}/verify`, { key });
    await e2e.drain();
    expect((await e2e.request('GET', `/domains/${id}`, { key })).json.data.status).toBe('verified');

    const next = rsaKey(2048);
    const res = await e2e.request('PATCH', `/domains/${id}`, {
      key,
      body: { dkim: { type: 'byodkim', selector: 'k2027', private_key: next.pkcs1Pem } },
    });
    expect(res.status).toBe(200);
    expect(res.json.data.dkim).toEqual({ type: 'byodkim', key_length: 2048, selector: 'k2027' });
    expect(res.json.data.dns_records[1]).toMatchObject({
      type: 'TXT',
      name: 'k2027._domainkey.rotate.example.org',
      value: `v=DKIM1; k=rsa; p=${next.publicKey}`,
      status: 'not_started',
    });
    expect(res.json.data.dns_records[4].status).toBe('verified');
    expect(res.json.data.status).toBe('verifying');
    await e2e.drain();
    expect((await e2e.request('GET', `/domains/${id}`, { key })).json.data.status).toBe('pending');

    e2e.publish(res.json.data.dns_records);
    await e2e.request('POST', `/domains/${id}/verify`, { key });
    await e2e.drain();
    expect((await e2e.request('GET', `/domains/${id}`, { key })).json.data.status).toBe('verified');
    // Neither key is anywhere in the table, in any form.
    const table = JSON.stringify((await e2e.stack.ddb.send(new ScanCommand({ TableName: e2e.stack.tableName }))).Items);
    expect(revealsKey(table, [...rsa.secretPieces, ...next.secretPieces])).toBe(false);
    expect(table).toContain(next.publicKey);
    // The same PATCH again changes nothing.
    const again = await e2e.request('PATCH', `/domains/${id}`, {
      key,
      body: { dkim: { type: 'byodkim', selector: 'k2027', private_key: next.pkcs8Pem } },
    });
    expect(again.json.data.status).toBe('verified');
  });

  it('PATCH switches BYODKIM to Easy DKIM: three CNAMEs from SES come back', async () => {
    const created = await e2e.request('POST', '/domains', {
      key,
      body: { domain: 'switch.example.org', dkim: { type: 'byodkim', selector: 'k1', private_key: rsa.pkcs8Pem } },
    });
    const res = await e2e.request('PATCH', `/domains/${created.json.data.id}`, {
      key,
      body: { dkim: { type: 'easy_dkim', key_length: 1024 }, return_path: 'mail' },
    });
    expect(res.status).toBe(200);
    expect(res.json.data.dkim).toEqual({ type: 'easy_dkim', key_length: 1024, selector: null });
    const types = res.json.data.dns_records.map((r: { type: string; name: string }) => `${r.type} ${r.name}`);
    expect(types.filter((t: string) => t.startsWith('CNAME'))).toHaveLength(3);
    expect(types).toContain('MX mail.switch.example.org');
    const tokens = (await identity('switch.example.org')).DkimAttributes;
    expect(tokens).toMatchObject({ SigningAttributesOrigin: 'AWS_SES', NextSigningKeyLength: 'RSA_1024_BIT' });
    expect(res.json.data.dns_records[1].value).toBe(`${tokens?.Tokens?.[0]}.dkim.amazonses.com`);
  });

  it('PATCH of a domain whose SES identity was removed outside the API answers 409 identity_missing', async () => {
    const created = await e2e.request('POST', '/domains', { key, body: { domain: 'gone.example.org' } });
    await ses.send(new DeleteEmailIdentityCommand({ EmailIdentity: 'gone.example.org' }));
    for (const body of [{ return_path: 'mail' }, { dkim: { type: 'easy_dkim', key_length: 1024 } }]) {
      const res = await e2e.request('PATCH', `/domains/${created.json.data.id}`, { key, body });
      expect(res.status).toBe(409);
      expect(res.json.error.code).toBe('identity_missing');
    }
    expect((await e2e.request('DELETE', `/domains/${created.json.data.id}`, { key })).status).toBe(200);
  });

  it('PATCH refuses bad DKIM settings with 400 and changes nothing', async () => {
    const created = await e2e.request('POST', '/domains', { key, body: { domain: 'patchbad.example.org' } });
    const id = created.json.data.id;
    for (const [dkim, field] of [
      [{ type: 'byodkim', selector: 'k1', private_key: rsaKey(512).pkcs8Pem }, 'dkim.private_key'],
      [{ type: 'easy_dkim', key_length: 512 }, 'dkim.key_length'],
    ] as const) {
      const res = await e2e.request('PATCH', `/domains/${id}`, { key, body: { dkim, return_path: 'other' } });
      expect(res.status).toBe(400);
      expect(res.json.error.field).toBe(field);
    }
    expect((await e2e.request('GET', `/domains/${id}`, { key })).json.data).toEqual(created.json.data);
    expect((await identity('patchbad.example.org')).MailFromAttributes?.MailFromDomain).toBe(
      'send.patchbad.example.org',
    );
  });
});
