/**
 * Webhook endpoints over HTTP against the local stack (KMS stand-in behind it), as a team would use
 * them: create (the secret shown once), read, change, the URL rules (host names resolved on save),
 * the limit, another team's id, rotation, and a test event received by a receiver on 127.0.0.1 and
 * verified with the `standardwebhooks` package, with the new and the old secret while a rotation lasts.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { Webhook } from 'standardwebhooks';
import { type E2E, startE2E } from '../support/e2e.js';

interface Received {
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

let e2e: E2E;
let key: string;
let otherKey: string;
let receiver: Server;
let receiverUrl: string;
const received: Received[] = [];

beforeAll(async () => {
  // Local receivers are allowed as `npm start` allows them with WEBHOOKS_ALLOW_LOCAL_TARGETS=1.
  e2e = await startE2E({ env: { WEBHOOKS_ALLOW_LOCAL_TARGETS: '1', MAX_WEBHOOKS_PER_TEAM: '3' } });
  key = (await e2e.newKey('team-hooks', ['webhooks:manage'])).plaintext;
  otherKey = (await e2e.newKey('team-other', ['webhooks:manage'])).plaintext;
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/krafter`;
}, 60_000);

afterAll(async () => {
  await new Promise((resolve) => receiver?.close(resolve));
  await e2e?.stop();
});

const verify = (secret: string, r: Received) =>
  new Webhook(secret).verify(r.body, r.headers as Record<string, string>) as { type: string; data: unknown };

/** Every item the table holds, as stored: a secret must never be among them in plain text. */
async function tableDump(): Promise<string> {
  const out = await e2e.stack.ddb.send(new ScanCommand({ TableName: e2e.stack.tableName }));
  return JSON.stringify(out.Items ?? []);
}

describe('webhook endpoints over HTTP', () => {
  let id = '';
  let secret = '';

  it('creates an endpoint: 201 with the secret, shown this once and stored only sealed', async () => {
    const res = await e2e.request('POST', '/webhooks', {
      key,
      body: { url: receiverUrl, description: 'local receiver' },
    });
    expect(res.status).toBe(201);
    ({ id, secret } = res.json.data);
    expect(secret).toMatch(/^whsec_/);
    expect(res.json.data).toMatchObject({
      url: receiverUrl,
      events: ['domain.created', 'domain.updated', 'domain.status_changed', 'domain.deleted'],
      description: 'local receiver',
      enabled: true,
      disabled_reason: null,
    });
    expect(await tableDump()).not.toContain(secret);
    expect(e2e.stack.kms.calls().some((c) => c.action === 'Encrypt')).toBe(true);
  });

  it('lists and reads it without the secret', async () => {
    const list = await e2e.request('GET', '/webhooks', { key });
    const one = await e2e.request('GET', `/webhooks/${id}`, { key });
    expect(list.status).toBe(200);
    expect(list.json.data.map((w: { id: string }) => w.id)).toEqual([id]);
    expect(one.json.data).toEqual(list.json.data[0]);
    for (const res of [list, one]) {
      expect(res.text).not.toContain(secret);
      expect(res.text).not.toMatch(/secret/i);
    }
  });

  it('changes it with PATCH', async () => {
    const res = await e2e.request('PATCH', `/webhooks/${id}`, {
      key,
      body: { events: ['domain.status_changed'], description: null, enabled: false },
    });
    expect(res.status).toBe(200);
    expect(res.json.data).toMatchObject({ events: ['domain.status_changed'], description: null, enabled: false });
    const back = await e2e.request('PATCH', `/webhooks/${id}`, { key, body: { enabled: true } });
    expect(back.json.data).toMatchObject({ enabled: true, disabled_reason: null });
  });

  it.each([
    ['a private address', 'https://10.0.0.1/hook'],
    ['a private address in octal', 'https://012.0.0.1/hook'],
    ['a private address mapped into IPv6', 'https://[::ffff:a00:1]/hook'],
    ['the metadata address with a trailing dot', 'https://169.254.169.254./latest'],
    ['a CGNAT address', 'https://100.64.0.1/'],
    ['credentials in the URL', 'https://user:pw@hooks.example.com/'],
    ['another scheme', 'ftp://hooks.example.com/'],
  ])('refuses %s with 400 on field url, on create and on PATCH', async (_what, url) => {
    const created = await e2e.request('POST', '/webhooks', { key, body: { url } });
    expect(created.status).toBe(400);
    expect(created.json.error).toMatchObject({ code: 'validation_error', field: 'url' });
    const patched = await e2e.request('PATCH', `/webhooks/${id}`, { key, body: { url } });
    expect(patched.status).toBe(400);
    expect(patched.json.error).toMatchObject({ code: 'validation_error', field: 'url' });
  });

  it("answers another team's id exactly as an unknown one: 404 webhook_not_found", async () => {
    const other = await e2e.request('GET', `/webhooks/${id}`, { key: otherKey });
    const unknown = await e2e.request('GET', '/webhooks/00000000-0000-4000-8000-000000000000', { key: otherKey });
    expect(other.status).toBe(404);
    expect(other.json).toEqual(unknown.json);
    expect(other.json.error.code).toBe('webhook_not_found');
    for (const [method, path] of [
      ['PATCH', `/webhooks/${id}`],
      ['DELETE', `/webhooks/${id}`],
      ['POST', `/webhooks/${id}/rotate-secret`],
      ['POST', `/webhooks/${id}/test`],
    ] as const) {
      const res = await e2e.request(method, path, {
        key: otherKey,
        ...(method === 'PATCH' ? { body: { enabled: false } } : {}),
      });
      expect([method, path, res.status, res.json.error.code]).toEqual([method, path, 404, 'webhook_not_found']);
    }
    expect((await e2e.request('GET', '/webhooks', { key: otherKey })).json.data).toEqual([]);
  });

  it('needs the webhooks:manage scope', async () => {
    const domainsOnly = (await e2e.newKey('team-hooks', ['domains:manage'])).plaintext;
    const res = await e2e.request('GET', '/webhooks', { key: domainsOnly });
    expect(res.status).toBe(403);
    expect(res.json.error).toMatchObject({ code: 'insufficient_scope', required_scope: 'webhooks:manage' });
  });

  it('sends a signed webhook.test event at once to the receiver', async () => {
    received.length = 0;
    const res = await e2e.request('POST', `/webhooks/${id}/test`, { key });
    expect(res.status).toBe(200);
    expect(res.json.data).toEqual({ delivered: true, status_code: 200, duration_ms: expect.any(Number), error: null });
    expect(received).toHaveLength(1);
    const event = verify(secret, received[0]!);
    expect(event).toEqual({ type: 'webhook.test', timestamp: expect.any(String), data: { webhook_id: id } });
  });

  it('rotates the secret: both the new and the old one verify deliveries during the rotation', async () => {
    const res = await e2e.request('POST', `/webhooks/${id}/rotate-secret`, { key });
    expect(res.status).toBe(200);
    expect(Object.keys(res.json.data)).toEqual(['secret']);
    const newSecret = res.json.data.secret as string;
    expect(newSecret).not.toBe(secret);
    expect(await tableDump()).not.toContain(newSecret);

    received.length = 0;
    await e2e.request('POST', `/webhooks/${id}/test`, { key });
    expect(received).toHaveLength(1);
    expect(String(received[0]!.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verify(newSecret, received[0]!).type).toBe('webhook.test');
    expect(verify(secret, received[0]!).type).toBe('webhook.test');
    expect(() => verify('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', received[0]!)).toThrow();
    secret = newSecret;
  });

  it('holds the team to its limit: 403 webhook_limit_reached', async () => {
    for (const n of [2, 3]) {
      const res = await e2e.request('POST', '/webhooks', { key, body: { url: `https://hooks${n}.example.com/` } });
      expect(res.status).toBe(201);
    }
    const res = await e2e.request('POST', '/webhooks', { key, body: { url: 'https://hooks4.example.com/' } });
    expect(res.status).toBe(403);
    expect(res.json.error).toMatchObject({ code: 'webhook_limit_reached', limit: 3 });
  });

  it('deletes it: 404 afterwards, and the place it took is free again', async () => {
    const res = await e2e.request('DELETE', `/webhooks/${id}`, { key });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ data: { deleted: true } });
    expect((await e2e.request('GET', `/webhooks/${id}`, { key })).status).toBe(404);
    expect((await e2e.request('DELETE', `/webhooks/${id}`, { key })).status).toBe(404);
    expect((await e2e.request('POST', `/webhooks/${id}/test`, { key })).status).toBe(404);
    const again = await e2e.request('POST', '/webhooks', { key, body: { url: 'https://hooks4.example.com/' } });
    expect(again.status).toBe(201);
  });
});

describe('host names are resolved when an endpoint is saved, through the stack DNS_SERVERS', () => {
  let teamKey: string;

  beforeAll(async () => {
    teamKey = (await e2e.newKey('team-names', ['webhooks:manage'])).plaintext;
  });

  it('refuses a name resolving to a private address with 400 on field url, on create and on PATCH', async () => {
    e2e.dns.set('inside.hooks-e2e.example', 'A', ['10.0.0.5']);
    const url = 'https://inside.hooks-e2e.example/krafter';
    const created = await e2e.request('POST', '/webhooks', { key: teamKey, body: { url } });
    expect(created.status).toBe(400);
    expect(created.json.error).toMatchObject({ code: 'validation_error', field: 'url' });
    expect(created.json.error.message).toContain('10.0.0.5');

    const kept = await e2e.request('POST', '/webhooks', {
      key: teamKey,
      body: { url: 'https://nowhere.hooks-e2e.example/' },
    });
    expect(kept.status).toBe(201);
    const patched = await e2e.request('PATCH', `/webhooks/${kept.json.data.id}`, { key: teamKey, body: { url } });
    expect(patched.status).toBe(400);
    expect(patched.json.error).toMatchObject({ code: 'validation_error', field: 'url' });
    const after = await e2e.request('GET', `/webhooks/${kept.json.data.id}`, { key: teamKey });
    expect(after.json.data.url).toBe('https://nowhere.hooks-e2e.example/');
    expect((await e2e.request('DELETE', `/webhooks/${kept.json.data.id}`, { key: teamKey })).status).toBe(200);
  });

  it('accepts a name resolving to 127.0.0.1 with local targets allowed, and the test event reaches it', async () => {
    e2e.dns.set('receiver.hooks-e2e.example', 'A', ['127.0.0.1']);
    const url = receiverUrl.replace('127.0.0.1', 'receiver.hooks-e2e.example');
    const created = await e2e.request('POST', '/webhooks', { key: teamKey, body: { url } });
    expect(created.status).toBe(201);
    received.length = 0;
    const res = await e2e.request('POST', `/webhooks/${created.json.data.id}/test`, { key: teamKey });
    expect(res.json.data).toMatchObject({ delivered: true, status_code: 200, error: null });
    expect(received).toHaveLength(1);
    expect(received[0]!.headers.host).toBe(new URL(url).host);
    expect(verify(created.json.data.secret, received[0]!).type).toBe('webhook.test');
  });
});
