/**
 * One webhook attempt against real receivers on 127.0.0.1: how each answer is judged, the deadline,
 * the 1 KiB cut, no redirects, and the address checks (through the dns2 test server for names),
 * including that the address checked is the one connected to.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RESPONSE_BODY_LIMIT, sendWebhook } from '../../src/adapters/webhook-sender.js';
import { type DnsTestServer, startDnsServer } from '../support/dns-server.js';

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

interface Receiver {
  port: number;
  url: string;
  received: Received[];
  connections: number;
  close(): Promise<void>;
}

const open: Receiver[] = [];

async function receiver(answer: (req: IncomingMessage, res: ServerResponse) => void): Promise<Receiver> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      answer(req, res);
    });
  });
  const r: Receiver = {
    port: 0,
    url: '',
    received,
    connections: 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  server.on('connection', () => r.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  r.port = (server.address() as AddressInfo).port;
  r.url = `http://127.0.0.1:${r.port}/hook`;
  open.push(r);
  return r;
}

const status =
  (code: number, body = '', headers: Record<string, string> = {}) =>
  (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(code, headers);
    res.end(body);
  };

const body = JSON.stringify({ type: 'webhook.test', timestamp: '2025-01-01T00:00:00.000Z', data: {} });
const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': '1735689600', 'webhook-signature': 'v1,c2lnbmF0dXJl' };
const local = { headers, body, allowLocal: true };

let dns: DnsTestServer;
const savedDnsServers = process.env.DNS_SERVERS;
const savedRuntimeApi = process.env.AWS_LAMBDA_RUNTIME_API;

beforeAll(async () => {
  dns = await startDnsServer();
  process.env.DNS_SERVERS = dns.address;
});
afterAll(async () => {
  await dns.close();
  if (savedDnsServers === undefined) delete process.env.DNS_SERVERS;
  else process.env.DNS_SERVERS = savedDnsServers;
});
beforeEach(() => dns.clear());
afterEach(async () => {
  if (savedRuntimeApi === undefined) delete process.env.AWS_LAMBDA_RUNTIME_API;
  else process.env.AWS_LAMBDA_RUNTIME_API = savedRuntimeApi;
  await Promise.all(open.splice(0).map((r) => r.close()));
});

describe('how an answer is judged', () => {
  it('delivers on 2xx: one POST with the body, the signature headers and JSON content type', async () => {
    const r = await receiver(status(200, 'thanks'));
    const result = await sendWebhook({ ...local, url: `${r.url}?x=1` });
    expect(result).toEqual({
      delivered: true,
      statusCode: 200,
      durationMs: expect.any(Number),
      error: null,
      responseBody: 'thanks',
      gone: false,
    });
    expect(r.received).toHaveLength(1);
    const [req] = r.received;
    expect(req).toMatchObject({ method: 'POST', url: '/hook?x=1', body });
    expect(req?.headers).toMatchObject({
      ...headers,
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      host: `127.0.0.1:${r.port}`,
    });
    expect(req?.headers['user-agent']).toMatch(/^Krafter-Webhooks\//);
  });

  it('delivers on 204 with no body', async () => {
    const r = await receiver(status(204));
    expect(await sendWebhook({ ...local, url: r.url })).toMatchObject({
      delivered: true,
      statusCode: 204,
      responseBody: '',
    });
  });

  it('does not deliver on 500, and keeps the status and answer', async () => {
    const r = await receiver(status(500, 'boom'));
    expect(await sendWebhook({ ...local, url: r.url })).toMatchObject({
      delivered: false,
      statusCode: 500,
      error: 'HTTP 500',
      responseBody: 'boom',
      gone: false,
    });
    expect(r.received).toHaveLength(1);
  });

  it('follows no redirect: a 3xx is a failure and its target never gets the request', async () => {
    const second = await receiver(status(200));
    for (const code of [301, 302, 307, 308]) {
      const first = await receiver(status(code, '', { location: second.url }));
      expect(await sendWebhook({ ...local, url: first.url })).toMatchObject({
        delivered: false,
        statusCode: code,
        error: `HTTP ${code}: redirects are not followed`,
      });
      expect(first.received).toHaveLength(1);
    }
    expect(second.connections).toBe(0);
  });

  it('reports 410 as gone', async () => {
    const r = await receiver(status(410, 'unsubscribed'));
    expect(await sendWebhook({ ...local, url: r.url })).toMatchObject({
      delivered: false,
      statusCode: 410,
      gone: true,
    });
  });

  it('reads Retry-After on 429 and 503 (seconds or a date), and only there', async () => {
    const tooMany = await receiver(status(429, '', { 'retry-after': '120' }));
    expect(await sendWebhook({ ...local, url: tooMany.url })).toMatchObject({
      statusCode: 429,
      retryAfterSeconds: 120,
    });

    const at = new Date(Date.now() + 600_000).toUTCString();
    const unavailable = await receiver(status(503, '', { 'retry-after': at }));
    const result = await sendWebhook({ ...local, url: unavailable.url });
    expect(result.retryAfterSeconds).toBeGreaterThanOrEqual(598);
    expect(result.retryAfterSeconds).toBeLessThanOrEqual(601);

    const other = await receiver(status(500, '', { 'retry-after': '120' }));
    expect(await sendWebhook({ ...local, url: other.url })).not.toHaveProperty('retryAfterSeconds');
    const unreadable = await receiver(status(429, '', { 'retry-after': 'later' }));
    expect(await sendWebhook({ ...local, url: unreadable.url })).not.toHaveProperty('retryAfterSeconds');
  });

  it('keeps the first 1 KiB of the answer', async () => {
    const r = await receiver(status(500, 'x'.repeat(5000)));
    const result = await sendWebhook({ ...local, url: r.url });
    expect(result.responseBody).toBe('x'.repeat(RESPONSE_BODY_LIMIT));
    expect(RESPONSE_BODY_LIMIT).toBe(1024);
  });

  it('does not wait for the rest of an endless answer', async () => {
    const r = await receiver((_req, res) => {
      res.writeHead(200);
      const chunk = 'y'.repeat(512);
      const timer = setInterval(() => res.write(chunk), 5);
      res.on('close', () => clearInterval(timer));
    });
    const result = await sendWebhook({ ...local, url: r.url, timeoutMs: 5000 });
    expect(result).toMatchObject({ delivered: true, statusCode: 200, error: null });
    expect(result.responseBody).toHaveLength(RESPONSE_BODY_LIMIT);
    expect(result.durationMs).toBeLessThan(2000);
  });
});

describe('the deadline', () => {
  it('gives up on a receiver that never answers', async () => {
    const r = await receiver(() => undefined);
    const started = Date.now();
    const result = await sendWebhook({ ...local, url: r.url, timeoutMs: 300 });
    expect(result).toMatchObject({ delivered: false, statusCode: null, error: 'timed out after 300 ms' });
    expect(result.durationMs).toBeGreaterThanOrEqual(290);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(r.received).toHaveLength(1);
  });

  it('judges by the status when the answer stalls after it', async () => {
    const r = await receiver((_req, res) => {
      res.writeHead(200);
      res.write('partial');
    });
    const result = await sendWebhook({ ...local, url: r.url, timeoutMs: 300 });
    expect(result).toMatchObject({ delivered: true, statusCode: 200, responseBody: 'partial' });
  });

  it('counts the name lookup in the deadline', async () => {
    dns.fail('slow.example', 'timeout');
    const result = await sendWebhook({ ...local, url: 'http://slow.example/hook', timeoutMs: 300 });
    expect(result).toMatchObject({ delivered: false, error: 'timed out after 300 ms' });
    expect(result.durationMs).toBeLessThan(1500);
  });
});

describe('failures without an answer', () => {
  it('reports a refused connection', async () => {
    const r = await receiver(status(200));
    const url = r.url;
    await r.close();
    open.splice(0);
    expect(await sendWebhook({ ...local, url })).toMatchObject({
      delivered: false,
      statusCode: null,
      error: 'connection refused',
    });
  });

  it('reports a name without address, and a DNS failure', async () => {
    expect(await sendWebhook({ ...local, url: 'https://nowhere.example/hook' })).toMatchObject({
      delivered: false,
      error: 'host nowhere.example has no address',
    });
    dns.fail('broken.example', 'servfail');
    expect((await sendWebhook({ ...local, url: 'https://broken.example/hook' })).error).toBe(
      'DNS lookup for broken.example failed: ESERVFAIL',
    );
  });

  it('never throws, and its errors carry nothing of the request', async () => {
    for (const url of ['not a url', '', 'https://[::1', `https://example.com/${'a'.repeat(3000)}`]) {
      const result = await sendWebhook({ ...local, url });
      expect(result.delivered).toBe(false);
      expect(result.error).toEqual(expect.any(String));
    }
    const r = await receiver(() => undefined);
    const result = await sendWebhook({ ...local, url: r.url, timeoutMs: 100 });
    expect(result.error).not.toContain(headers['webhook-signature']);
    expect(result.error).not.toContain(body);
  });
});

describe('where an attempt may connect', () => {
  it('refuses a name resolving to 127.0.0.1 before any connection when local targets are not allowed', async () => {
    const r = await receiver(status(200));
    dns.set('evil.example', 'A', ['127.0.0.1']);
    const result = await sendWebhook({ url: `https://evil.example:${r.port}/hook`, headers, body, allowLocal: false });
    expect(result).toMatchObject({ delivered: false, statusCode: null });
    expect(result.error).toBe(
      'host evil.example resolves to a refused address (127.0.0.1 is a loopback address); not sent',
    );
    expect(r.connections).toBe(0);
  });

  it.each([
    ['10.0.0.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['0.0.0.0', 'unspecified'],
  ])('refuses a name resolving to %s even with local targets allowed', async (address, because) => {
    dns.set('inside.example', 'A', [address]);
    const result = await sendWebhook({ ...local, url: 'http://inside.example/hook', timeoutMs: 2000 });
    expect(result.error).toContain(because);
    expect(result.statusCode).toBeNull();
  });

  it('refuses a name when any of its addresses is forbidden', async () => {
    const r = await receiver(status(200));
    dns.set('mixed.example', 'A', ['127.0.0.1', '10.1.2.3']);
    const result = await sendWebhook({ ...local, url: `http://mixed.example:${r.port}/hook` });
    expect(result.error).toContain('10.1.2.3 is a private address');
    expect(r.connections).toBe(0);
  });

  it('connects to the address it checked, with the URL host as Host (no second lookup)', async () => {
    const r = await receiver(status(200));
    // The system resolver has never heard of this name: only the checked address can be reached.
    dns.set('pinned.example', 'A', ['127.0.0.1']);
    const result = await sendWebhook({ ...local, url: `http://pinned.example:${r.port}/hook` });
    expect(result).toMatchObject({ delivered: true, statusCode: 200 });
    expect(r.received[0]?.headers.host).toBe(`pinned.example:${r.port}`);
  });

  it('does not look the name up again: a rebinding answer is never used', async () => {
    const r = await receiver(status(200));
    const answers = [['127.0.0.1'], ['10.0.0.1']];
    const lookups: string[] = [];
    const resolve = async (hostname: string) => {
      lookups.push(hostname);
      return answers[lookups.length - 1] ?? ['10.0.0.1'];
    };
    const result = await sendWebhook({ ...local, url: `http://rebind.example.:${r.port}/hook` }, resolve);
    expect(result).toMatchObject({ delivered: true, statusCode: 200 });
    expect(lookups).toEqual(['rebind.example']);
    expect(r.received).toHaveLength(1);
  });

  it('never reaches the Lambda runtime API on 127.0.0.1:9001 when local targets are not allowed', async () => {
    dns.set('runtime.example', 'A', ['127.0.0.1']);
    for (const url of [
      'http://127.0.0.1:9001/2018-06-01/runtime/invocation/next',
      'https://127.0.0.1:9001/2018-06-01/runtime/invocation/next',
      'https://2130706433:9001/',
      'https://[::ffff:127.0.0.1]:9001/',
      'https://localhost:9001/',
      'https://runtime.example:9001/2018-06-01/runtime/invocation/next',
    ]) {
      const result = await sendWebhook({ url, headers, body, allowLocal: false });
      expect(result).toMatchObject({ delivered: false, statusCode: null });
      expect(result.error).toMatch(/loopback|local name|https/);
    }
  });

  it('never reaches the runtime API named in AWS_LAMBDA_RUNTIME_API, whatever the settings', async () => {
    const r = await receiver(status(200));
    process.env.AWS_LAMBDA_RUNTIME_API = `127.0.0.1:${r.port}`;
    for (const url of [r.url, `http://localhost:${r.port}/`, `http://[::ffff:127.0.0.1]:${r.port}/`]) {
      const result = await sendWebhook({ ...local, url });
      expect(result.error).toBe('the Lambda runtime API is never a webhook target');
    }
    expect(r.connections).toBe(0);
  });

  it('reaches loopback by name and literal when local targets are allowed', async () => {
    const r = await receiver(status(200));
    for (const url of [r.url, `http://localhost:${r.port}/hook`, `http://2130706433:${r.port}/hook`]) {
      expect(await sendWebhook({ ...local, url })).toMatchObject({ delivered: true });
    }
    expect(r.received).toHaveLength(3);
  });
});

/** A self-signed certificate for `name`, made with the openssl command; null where it is not installed. */
function selfSigned(name: string): { key: Buffer; cert: Buffer } | null {
  const dir = mkdtempSync(join(tmpdir(), 'webhook-tls-'));
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${name}`].concat([
        '-addext',
        `subjectAltName=DNS:${name}`,
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ]),
      { stdio: 'ignore' },
    );
    return { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
  } catch {
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('https', () => {
  const tls = selfSigned('secure.example');
  const maybe = tls ? it : it.skip;

  maybe('sends the URL host as TLS server name to the pinned address, and checks the certificate', async () => {
    const names: string[] = [];
    let requests = 0;
    const server = createTlsServer(
      {
        ...tls!,
        SNICallback: (servername, callback) => {
          names.push(servername);
          callback(null, undefined);
        },
      },
      (_req, res) => {
        requests++;
        res.end();
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    try {
      const port = (server.address() as AddressInfo).port;
      dns.set('secure.example', 'A', ['127.0.0.1']);
      const result = await sendWebhook({ ...local, url: `https://secure.example.:${port}/hook` });
      // Reached over TLS under its name; refused because nobody vouches for a self-signed certificate.
      expect(names).toEqual(['secure.example']);
      expect(result).toMatchObject({
        delivered: false,
        statusCode: null,
        error: 'TLS error: DEPTH_ZERO_SELF_SIGNED_CERT',
      });
      expect(requests).toBe(0);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
