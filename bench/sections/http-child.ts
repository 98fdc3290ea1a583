/**
 * Child process for section 4: the local stack over HTTP, plus a floor server answering the same
 * three requests with only the AWS calls the functions make: the commands one request through the
 * API sent, captured and sent again through the same clients (a create with the new name and a
 * fresh id). The parent runs the load generator, so it does not share this process's event loop.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import { startLocalStack } from '../../local/stack.js';
import { CallLog, type Captured, instrumentClients, replay } from '../lib/calls.js';
import { childMain, receive, report } from '../lib/child.js';
import { BENCH_FUNCTION_ENV, LIST_SIZE } from '../lib/settings.js';

export interface HttpTarget {
  /** Base URL of the API, `/api/v1` included. */
  readonly apiUrl: string;
  readonly floorUrl: string;
  readonly sesUrl: string;
  readonly readKey: string;
  readonly writeKey: string;
  readonly getId: string;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

await childMain(async () => {
  // Without the webhook pipeline: on Lambda the fan-out has CPUs of its own, and its reads of the
  // endpoints would land among the calls a request is captured with.
  const stack = await startLocalStack({
    inMemory: true,
    scheduleIntervalMs: null,
    env: BENCH_FUNCTION_ENV,
    webhookDelivery: false,
  });
  try {
    const log = new CallLog();
    await instrumentClients(log);
    const { createKey } = await import('../../src/services/api-keys.js');
    const readKey = (await createKey('http-read', ['domains:manage'])).plaintext;
    const writeKey = (await createKey('http-write', ['domains:manage'])).plaintext;
    const api = async (method: string, path: string, key: string, body?: unknown) => {
      const res = await fetch(`${stack.apiUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (res.status > 299) throw new Error(`${method} ${path} answered ${res.status}: ${await res.text()}`);
      return (await res.json()) as { data: { id: string } };
    };
    const ids: string[] = [];
    for (let i = 0; i < LIST_SIZE; i++)
      ids.push((await api('POST', '/domains', readKey, { domain: `seed${i}.http-bench.example.com` })).data.id);
    await api('GET', '/domains', writeKey);

    // Templates: one warm request of each (nothing else runs meanwhile: the verify queue is empty).
    const list = (await log.capture(() => api('GET', '/domains', readKey))).commands;
    const get = (await log.capture(() => api('GET', `/domains/${ids[0]!}`, readKey))).commands;
    const templateDomain = 'template.http-bench.example.com';
    const created = await log.capture(() => api('POST', '/domains', writeKey, { domain: templateDomain }));
    const create = { commands: created.commands as Captured[], domain: templateDomain, id: created.result.data.id };

    const floor = createServer((req, res) => {
      const answer = async () => {
        const path = new URL(req.url ?? '/', 'http://floor').pathname;
        if (req.method === 'GET' && path === '/list') await replay(list);
        else if (req.method === 'GET' && path === '/get') await replay(get);
        else if (req.method === 'POST' && path === '/create') {
          const { domain } = JSON.parse(await readBody(req)) as { domain: string };
          await replay(create.commands, [
            [create.domain, domain],
            [create.id, randomUUID()],
          ]);
        } else return void res.writeHead(404).end();
        res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/json' }).end('{"data":null}');
      };
      answer().catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500).end(String(err));
      });
    });
    await new Promise<void>((resolve) => floor.listen(0, '127.0.0.1', resolve));
    const address = floor.address();
    if (address === null || typeof address === 'string') throw new Error('floor server has no address');

    const target: HttpTarget = {
      apiUrl: stack.apiUrl,
      floorUrl: `http://127.0.0.1:${address.port}`,
      sesUrl: stack.ses.url,
      readKey,
      writeKey,
      getId: ids[0]!,
    };
    await report('ready', target);
    await receive('stop');
    floor.closeAllConnections();
    await new Promise<void>((resolve) => floor.close(() => resolve()));
    return {};
  } finally {
    await stack.stop();
  }
});
