/**
 * Webhook delivery end to end over HTTP: domain changes → event items → the table's stream →
 * fan-out → delivery queue → worker → receivers on 127.0.0.1, verified with `standardwebhooks` as a
 * customer would. Retries run on a one-second schedule. Every request received is checked against
 * the OpenAPI document's `webhooks` section.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { type E2E, startE2E } from '../support/e2e.js';
import { validateWebhook } from '../support/openapi-validate.js';

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
  // biome-ignore lint/suspicious/noExplicitAny: a parsed event body; each test reads the fields it asserts
  json: any;
}

interface Receiver {
  url: string;
  received: Received[];
  /** What the next requests get; by default 200. */
  answer: (req: IncomingMessage, res: ServerResponse) => void;
  close(): Promise<void>;
}

const receivers: Receiver[] = [];

async function receiver(): Promise<Receiver> {
  const r: Receiver = {
    url: '',
    received: [],
    answer: (_req, res) => res.writeHead(200).end('ok'),
    close: async () => undefined,
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      r.received.push({ headers: req.headers, body, json: JSON.parse(body) });
      r.answer(req, res);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  r.close = () =>
    new Promise<void>((done) => {
      server.closeAllConnections();
      server.close(() => done());
    });
  receivers.push(r);
  return r;
}

let e2e: E2E;
let key: string;
let otherKey: string;

beforeAll(async () => {
  e2e = await startE2E({
    env: { WEBHOOKS_ALLOW_LOCAL_TARGETS: '1', WEBHOOK_RETRY_SCHEDULE_SECONDS: '1,1,1' },
  });
  key = (await e2e.newKey('team-w', ['domains:manage', 'webhooks:manage'])).plaintext;
  otherKey = (await e2e.newKey('team-x', ['domains:manage', 'webhooks:manage'])).plaintext;
}, 60_000);

// What the service really sends is what the document says it sends.
const documented = new WeakSet<Received>();
afterEach(() => {
  for (const r of receivers) {
    for (const x of r.received) {
      if (documented.has(x)) continue;
      validateWebhook(x.json, x.headers);
      documented.add(x);
    }
  }
});

afterAll(async () => {
  for (const r of receivers) await r.close();
  await e2e?.stop();
});

async function endpoint(r: Receiver, opts: { key?: string; events?: string[] } = {}) {
  const res = await e2e.request('POST', '/webhooks', {
    key: opts.key ?? key,
    body: { url: r.url, ...(opts.events && { events: opts.events }) },
  });
  expect(res.status).toBe(201);
  return { id: res.json.data.id as string, secret: res.json.data.secret as string };
}

const verified = (r: Received, secret: string) => {
  try {
    new Webhook(secret).verify(r.body, r.headers as Record<string, string>);
    return true;
  } catch {
    return false;
  }
};

async function deliveries(webhookId: string, query = '') {
  const res = await e2e.request('GET', `/webhooks/${webhookId}/deliveries${query}`, { key });
  expect(res.status).toBe(200);
  return res.json;
}

async function createDomain(domain: string, withKey = key) {
  const res = await e2e.request('POST', '/domains', { key: withKey, body: { domain } });
  expect(res.status).toBe(201);
  return res.json.data as {
    id: string;
    dns_records: Array<{ type: string; name: string; value: string; priority: number | null }>;
  };
}

describe('webhook delivery', () => {
  it('sends every domain event type, signed, with a sequence that grows per domain', async () => {
    const r = await receiver();
    const { id: webhookId, secret } = await endpoint(r);
    const other = await receiver();
    await endpoint(other, { key: otherKey });

    const d = await createDomain('hooks.example.com');
    expect((await e2e.request('PATCH', `/domains/${d.id}`, { key, body: { return_path: 'bounce' } })).status).toBe(200);
    const changed = (await e2e.request('GET', `/domains/${d.id}`, { key })).json.data;
    e2e.publish(changed.dns_records);
    expect((await e2e.request('POST', `/domains/${d.id}/verify`, { key })).status).toBe(200);
    await e2e.drain();
    // A second verify ends where it began (verified): no event.
    expect((await e2e.request('POST', `/domains/${d.id}/verify`, { key })).status).toBe(200);
    await e2e.drain();
    expect((await e2e.request('DELETE', `/domains/${d.id}`, { key })).status).toBe(200);
    await e2e.webhooksIdle();

    // Deliveries may arrive out of order (an endpoint takes two attempts at a time, and one waiting for
    // its turn is queued again): the sequence is what orders them, as the README tells receivers.
    const events = r.received
      .filter((x) => x.json.data?.id === d.id)
      .sort((a, b) => a.json.data.sequence - b.json.data.sequence);
    expect(events.map((x) => x.json.type)).toEqual([
      'domain.created',
      'domain.updated',
      'domain.status_changed',
      'domain.deleted',
    ]);
    expect(events.map((x) => x.json.data.sequence)).toEqual([1, 2, 3, 4]);
    expect(events[2]!.json.data).toMatchObject({ status: 'verified', previous_status: 'pending' });
    for (const x of events) {
      expect(verified(x, secret)).toBe(true);
      expect(x.headers['webhook-id']).toMatch(/^msg_/);
      expect(x.json.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    }
    expect(new Set(events.map((x) => x.headers['webhook-id'])).size).toBe(4);
    // Another team's endpoint never hears of this team's domains.
    expect(other.received.filter((x) => x.json.data?.id === d.id)).toEqual([]);

    const log = await deliveries(webhookId);
    expect(log.data.filter((x: { status: string }) => x.status === 'delivered')).toHaveLength(r.received.length);
    expect(log.data[0]).toMatchObject({
      type: 'domain.deleted',
      status: 'delivered',
      attempts: 1,
      last_status_code: 200,
    });
    expect(log.data.map((x: { type: string }) => x.type).slice(0, 4)).toEqual([
      'domain.deleted',
      'domain.status_changed',
      'domain.updated',
      'domain.created',
    ]);
    await e2e.request('DELETE', `/webhooks/${webhookId}`, { key });
  }, 60_000);

  it('retries after 500s under the same webhook-id, and logs each attempt', async () => {
    const r = await receiver();
    let calls = 0;
    r.answer = (_req, res) => res.writeHead(++calls <= 2 ? 500 : 200).end(calls <= 2 ? 'broken' : 'ok');
    const { id: webhookId, secret } = await endpoint(r, { events: ['domain.created'] });
    await createDomain('retry.example.com');
    await e2e.webhooksIdle();

    expect(r.received).toHaveLength(3);
    expect(new Set(r.received.map((x) => x.headers['webhook-id'])).size).toBe(1);
    for (const x of r.received) expect(verified(x, secret)).toBe(true);
    const [delivery] = (await deliveries(webhookId)).data;
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 3, last_status_code: 200, last_error: null });
    expect((await e2e.request('GET', `/webhooks/${webhookId}`, { key })).json.data.failing_since).toBeNull();
    await e2e.request('DELETE', `/webhooks/${webhookId}`, { key });
  }, 60_000);

  it('marks a delivery failed after the schedule, and replays it on request', async () => {
    const r = await receiver();
    r.answer = (_req, res) => res.writeHead(503).end('down');
    const { id: webhookId, secret } = await endpoint(r, { events: ['domain.created'] });
    await createDomain('replay.example.com');
    await e2e.webhooksIdle();
    // The first attempt and three retries.
    expect(r.received).toHaveLength(4);
    const [failed] = (await deliveries(webhookId, '?status=failed')).data;
    expect(failed).toMatchObject({ status: 'failed', attempts: 4, last_status_code: 503, next_attempt_at: null });
    expect((await deliveries(webhookId, '?status=delivered')).data).toEqual([]);
    expect((await e2e.request('GET', `/webhooks/${webhookId}`, { key })).json.data.failing_since).not.toBeNull();

    r.answer = (_req, res) => res.writeHead(200).end('ok');
    const replay = await e2e.request('POST', `/webhooks/${webhookId}/deliveries/${failed.id}/replay`, { key });
    expect(replay.status).toBe(200);
    expect(replay.json.data).toMatchObject({ delivered: true, status_code: 200, error: null });
    expect(r.received).toHaveLength(5);
    expect(r.received[4]!.headers['webhook-id']).toBe(r.received[0]!.headers['webhook-id']);
    expect(verified(r.received[4]!, secret)).toBe(true);
    const [after] = (await deliveries(webhookId)).data;
    expect(after).toMatchObject({ id: failed.id, status: 'delivered', attempts: 5, last_status_code: 200 });

    const unknown = await e2e.request(
      'POST',
      `/webhooks/${webhookId}/deliveries/01940c3a-7b10-7e2a-9c4d-8a1f2b3c4d5e/replay`,
      { key },
    );
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.code).toBe('delivery_not_found');
    const otherTeams = await e2e.request('GET', `/webhooks/${webhookId}/deliveries`, { key: otherKey });
    expect(otherTeams.status).toBe(404);
    expect(otherTeams.json.error.code).toBe('webhook_not_found');
    await e2e.request('DELETE', `/webhooks/${webhookId}`, { key });
  }, 60_000);

  it('disables an endpoint that answers 410, and sends it nothing more', async () => {
    const r = await receiver();
    r.answer = (_req, res) => res.writeHead(410).end('gone');
    const { id: webhookId } = await endpoint(r, { events: ['domain.created'] });
    await createDomain('gone-1.example.com');
    await e2e.webhooksIdle();
    expect(r.received).toHaveLength(1);
    const shown = (await e2e.request('GET', `/webhooks/${webhookId}`, { key })).json.data;
    expect(shown).toMatchObject({ enabled: false, disabled_reason: 'gone' });
    await createDomain('gone-2.example.com');
    await e2e.webhooksIdle();
    expect(r.received).toHaveLength(1);
    await e2e.request('DELETE', `/webhooks/${webhookId}`, { key });
  }, 60_000);

  it('signs with both secrets after a rotation', async () => {
    const r = await receiver();
    const { id: webhookId, secret: oldSecret } = await endpoint(r, { events: ['domain.created'] });
    const rotated = await e2e.request('POST', `/webhooks/${webhookId}/rotate-secret`, { key });
    const newSecret = rotated.json.data.secret as string;
    await createDomain('rotate.example.com');
    await e2e.webhooksIdle();
    expect(r.received).toHaveLength(1);
    expect(String(r.received[0]!.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verified(r.received[0]!, oldSecret)).toBe(true);
    expect(verified(r.received[0]!, newSecret)).toBe(true);
    await e2e.request('DELETE', `/webhooks/${webhookId}`, { key });
  }, 60_000);

  it('stops delivering to a deleted endpoint, even a retry already queued', async () => {
    const r = await receiver();
    r.answer = (_req, res) => res.writeHead(500).end('no');
    const { id: webhookId } = await endpoint(r, { events: ['domain.created'] });
    await createDomain('deleted-hook.example.com');
    // The first attempt fails; the endpoint is deleted before the retry.
    for (let i = 0; i < 100 && r.received.length === 0; i++) await new Promise((done) => setTimeout(done, 50));
    expect((await e2e.request('DELETE', `/webhooks/${webhookId}`, { key })).status).toBe(200);
    await e2e.webhooksIdle();
    expect(r.received).toHaveLength(1);
  }, 60_000);

  it('sends the test event as documented', async () => {
    const r = await receiver();
    const { id: webhookId, secret } = await endpoint(r, { events: ['domain.created'] });
    const res = await e2e.request('POST', `/webhooks/${webhookId}/test`, { key });
    expect(res.json.data).toMatchObject({ delivered: true, status_code: 200 });
    expect(r.received).toHaveLength(1);
    expect(verified(r.received[0]!, secret)).toBe(true);
    expect(() => validateWebhook(r.received[0]!.json, r.received[0]!.headers)).not.toThrow();
    await e2e.request('DELETE', `/webhooks/${webhookId}`, { key });
  }, 60_000);

  it('retries after a receiver that does not answer within 10 seconds', async () => {
    const r = await receiver();
    let calls = 0;
    r.answer = (_req, res) => {
      if (++calls > 1) res.writeHead(200).end('ok');
      // The first request is left hanging until the sender gives up.
    };
    const { id: webhookId } = await endpoint(r, { events: ['domain.created'] });
    await createDomain('slow.example.com');
    await e2e.webhooksIdle();
    expect(r.received).toHaveLength(2);
    const [delivery] = (await deliveries(webhookId)).data;
    expect(delivery).toMatchObject({ status: 'delivered', attempts: 2 });
    await e2e.request('DELETE', `/webhooks/${webhookId}`, { key });
  }, 60_000);
});
