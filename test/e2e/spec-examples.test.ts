/**
 * The spec's examples over real HTTP against the local stack: every endpoint, the exact response
 * shapes, keys and scopes, team isolation, and the error envelope.
 */
import { type E2E, startE2E } from '../support/e2e.js';

let e2e: E2E;
let key: string;
let otherTeamKey: string;

beforeAll(async () => {
  e2e = await startE2E();
  key = (await e2e.newKey('team-alpha')).plaintext;
  otherTeamKey = (await e2e.newKey('team-beta')).plaintext;
}, 60_000);

afterAll(async () => {
  await e2e?.stop();
});

const SPEC_RECORD_FIELDS = ['type', 'name', 'value', 'ttl', 'priority', 'purpose', 'required', 'category'];

describe('Add Domain', () => {
  it('answers 201 with the domain and its seven DNS records in the spec order', async () => {
    const res = await e2e.request('POST', '/domains', { key, body: { domain: 'example.com', return_path: 'send' } });
    expect(res.status).toBe(201);
    const d = res.json.data;
    expect(d).toMatchObject({ domain: 'example.com', status: 'pending', verified_at: null });
    expect(d.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[47][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(d.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const records = d.dns_records;
    expect(records).toHaveLength(7);
    for (const r of records) for (const f of SPEC_RECORD_FIELDS) expect(r).toHaveProperty(f);
    expect(records.map((r: { type: string }) => r.type)).toEqual([
      'TXT',
      'CNAME',
      'CNAME',
      'CNAME',
      'MX',
      'TXT',
      'TXT',
    ]);
    expect(records[0]).toMatchObject({
      name: '_amazonses.example.com',
      ttl: 'Auto',
      priority: null,
      required: true,
      category: 'verification',
      purpose: 'Domain verification — proves you own this domain',
    });
    expect(records[0].value).toMatch(/^[A-Za-z0-9+/=]{20,}$/);
    for (const r of records.slice(1, 4)) {
      const token = r.name.split('.')[0];
      expect(r).toMatchObject({
        name: `${token}._domainkey.example.com`,
        value: `${token}.dkim.amazonses.com`,
        required: true,
        category: 'delivery',
        purpose: 'DKIM — cryptographic email signature',
      });
    }
    expect(records[4]).toEqual({
      type: 'MX',
      name: 'send.example.com',
      value: 'feedback-smtp.eu-central-1.amazonses.com',
      ttl: 'Auto',
      priority: 10,
      purpose: 'Custom MAIL FROM — bounce handling',
      required: true,
      category: 'delivery',
      status: 'not_started',
    });
    expect(records[5]).toMatchObject({
      type: 'TXT',
      name: 'send.example.com',
      value: 'v=spf1 include:amazonses.com ~all',
      priority: null,
      required: true,
      category: 'delivery',
    });
    expect(records[6]).toMatchObject({
      type: 'TXT',
      name: '_dmarc.example.com',
      value: 'v=DMARC1; p=none;',
      priority: null,
      required: false,
      category: 'recommended',
    });
    expect(e2e.stack.ses.identities()).toContain('example.com');
  });

  it('defaults return_path to send and normalises the domain', async () => {
    const res = await e2e.request('POST', '/domains', { key, body: { domain: 'Bücher.DE.' } });
    expect(res.status).toBe(201);
    expect(res.json.data.domain).toBe('xn--bcher-kva.de');
    expect(res.json.data.dns_records[4].name).toBe('send.xn--bcher-kva.de');
  });

  it('answers 409 for a name already registered, by this team or another', async () => {
    const mine = await e2e.request('POST', '/domains', { key, body: { domain: 'EXAMPLE.com' } });
    expect(mine.status).toBe(409);
    expect(mine.json.error.code).toBe('domain_already_registered');
    const theirs = await e2e.request('POST', '/domains', { key: otherTeamKey, body: { domain: 'example.com' } });
    expect(theirs.status).toBe(409);
  });

  it.each([
    ['invalid JSON', '{"domain":', 400, 'invalid_json'],
    ['a non-object', '["example.org"]', 400, 'validation_error'],
    ['a missing domain', '{}', 400, 'validation_error'],
    ['a client-set status', '{"domain":"a.example.org","status":"verified"}', 400, 'validation_error'],
    ['an IP address', '{"domain":"192.0.2.1"}', 400, 'validation_error'],
    ['a public suffix', '{"domain":"co.uk"}', 400, 'validation_error'],
    ['a bad return_path', '{"domain":"b.example.org","return_path":"1send"}', 400, 'validation_error'],
  ])('rejects %s with %s %s and creates nothing', async (_label, body, status, code) => {
    const before = e2e.stack.ses.identities().length;
    const res = await e2e.request('POST', '/domains', { key, body, headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(status);
    expect(res.json).toEqual({ error: expect.objectContaining({ code, message: expect.any(String) }) });
    expect(e2e.stack.ses.identities().length).toBe(before);
  });

  it('answers 415 without a JSON content type and 413 for an oversized body', async () => {
    const noType = await e2e.request('POST', '/domains', {
      key,
      body: '{"domain":"c.example.org"}',
      headers: { 'content-type': 'text/plain' },
    });
    expect(noType.status).toBe(415);
    const huge = await e2e.request('POST', '/domains', {
      key,
      body: { domain: 'd.example.org', pad: 'x'.repeat(20_000) },
    });
    expect(huge.status).toBe(413);
    expect(huge.json.error.code).toBe('payload_too_large');
  });
});

describe('List, Get, Verify, Delete', () => {
  let id: string;

  beforeAll(async () => {
    const res = await e2e.request('POST', '/domains', { key, body: { domain: 'anotherdomain.com' } });
    id = res.json.data.id;
  });

  it('lists the team’s domains without dns_records', async () => {
    const res = await e2e.request('GET', '/domains', { key });
    expect(res.status).toBe(200);
    const names = res.json.data.map((d: { domain: string }) => d.domain);
    expect(names).toEqual(expect.arrayContaining(['example.com', 'anotherdomain.com']));
    for (const d of res.json.data) {
      expect(d).not.toHaveProperty('dns_records');
      expect(Object.keys(d)).toEqual(expect.arrayContaining(['id', 'domain', 'status', 'verified_at', 'created_at']));
    }
    const other = await e2e.request('GET', '/domains', { key: otherTeamKey });
    expect(other.json).toEqual({ data: [] });
  });

  it('gets one domain with its records', async () => {
    const res = await e2e.request('GET', `/domains/${id}`, { key });
    expect(res.status).toBe(200);
    expect(res.json.data).toMatchObject({ id, domain: 'anotherdomain.com' });
    expect(res.json.data.dns_records).toHaveLength(7);
  });

  it('answers another team’s id exactly like an unknown id', async () => {
    const theirs = await e2e.request('GET', `/domains/${id}`, { key: otherTeamKey });
    const unknown = await e2e.request('GET', '/domains/00000000-0000-4000-8000-000000000000', { key: otherTeamKey });
    expect(theirs.status).toBe(404);
    expect(theirs.json).toEqual(unknown.json);
    for (const [method, path] of [
      ['POST', `/domains/${id}/verify`],
      ['DELETE', `/domains/${id}`],
    ] as const) {
      const res = await e2e.request(method, path, { key: otherTeamKey });
      expect(res.status).toBe(404);
      expect(res.json).toEqual(unknown.json);
    }
    expect((await e2e.request('GET', `/domains/${id}`, { key })).status).toBe(200);
  });

  it('verify answers 200 with status verifying and no dns_records', async () => {
    const res = await e2e.request('POST', `/domains/${id}/verify`, { key });
    expect(res.status).toBe(200);
    expect(res.json.data).toMatchObject({ id, status: 'verifying', verified_at: null });
    expect(res.json.data).not.toHaveProperty('dns_records');
  });

  it('delete answers {"data":{"deleted":true}}, removes the SES identity, then 404', async () => {
    const res = await e2e.request('DELETE', `/domains/${id}`, { key });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ data: { deleted: true } });
    expect(e2e.stack.ses.identities()).not.toContain('anotherdomain.com');
    expect((await e2e.request('GET', `/domains/${id}`, { key })).status).toBe(404);
    expect((await e2e.request('DELETE', `/domains/${id}`, { key })).status).toBe(404);
    // The name is free again.
    expect(
      (await e2e.request('POST', '/domains', { key: otherTeamKey, body: { domain: 'anotherdomain.com' } })).status,
    ).toBe(201);
  });
});

describe('keys and scopes', () => {
  it('401 for a missing, malformed, unknown or revoked key; 403 without the scope', async () => {
    const missing = await e2e.request('GET', '/domains');
    expect(missing.status).toBe(401);
    expect(missing.json.error.code).toBe('missing_api_key');
    for (const authorization of [
      'Bearer nope',
      'Basic abc',
      `Bearer kr_live_${'A'.repeat(44)}`,
      'Bearer',
      `bearer ${key} extra`,
    ]) {
      const res = await e2e.request('GET', '/domains', { headers: { authorization } });
      expect(res.status).toBe(401);
      expect(res.json.error.code).toBe('invalid_api_key');
    }
    const revoked = await e2e.newKey('team-gamma');
    expect((await e2e.request('GET', '/domains', { key: revoked.plaintext })).status).toBe(200);
    await e2e.revokeKey(revoked.keyId);
    // Lookups are cached in the container for a short time; a fresh key id is never cached.
    const fresh = await e2e.newKey('team-gamma');
    await e2e.revokeKey(fresh.keyId);
    expect((await e2e.request('GET', '/domains', { key: fresh.plaintext })).status).toBe(401);

    const noScope = await e2e.newKey('team-alpha', ['emails:send']);
    const forbidden = await e2e.request('GET', '/domains', { key: noScope.plaintext });
    expect(forbidden.status).toBe(403);
    expect(forbidden.json.error.code).toBe('insufficient_scope');
  });
});

describe('every response', () => {
  it('carries security headers and the error envelope on unknown paths', async () => {
    const res = await e2e.request('GET', '/nowhere', { key });
    expect(res.status).toBe(404);
    expect(res.json.error.code).toBe('route_not_found');
    for (const r of [res, await e2e.request('GET', '/domains', { key })]) {
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      expect(r.headers.get('strict-transport-security')).toContain('max-age=');
      expect(r.headers.get('access-control-allow-origin')).toBeNull();
    }
  });
});
