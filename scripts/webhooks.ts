/**
 * Webhooks on your own machine:
 *
 *   npm run webhooks -- listen --port 4000 --secret whsec_... [--status 200]
 *
 * starts a receiver on 127.0.0.1 that prints every event it gets and whether its signature holds,
 * checked with the `standardwebhooks` package as a customer's receiver would. Point an endpoint at
 * it with `http://127.0.0.1:4000/` on a local stack started with `WEBHOOKS_ALLOW_LOCAL_TARGETS=1`.
 * `--status` sets the answer to signed events (e.g. 500 to watch the retries, 410 to be disabled);
 * an event whose signature does not hold is answered 401.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { Webhook } from 'standardwebhooks';

const USAGE = `usage:
  npm run webhooks -- listen --port 4000 --secret whsec_... [--status 200]`;

export interface ListenOptions {
  port: number;
  /** The endpoint's signing secret; without it events are printed unchecked. */
  secret?: string;
  /** The answer to an event whose signature holds (or to every event without a secret). */
  status?: number;
  log?: (line: string) => void;
}

export interface Listener {
  port: number;
  url: string;
  close(): Promise<void>;
}

export async function listen(options: ListenOptions): Promise<Listener> {
  const log = options.log ?? ((line: string) => console.log(line));
  const webhook = options.secret ? new Webhook(options.secret) : null;
  const answer = options.status ?? 200;
  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    const [verdict, ok] = check(webhook, body, req);
    log(
      `${new Date().toISOString()}  ${req.method} ${req.url}  ${header(req, 'webhook-id') ?? '-'}  ${eventType(body)}`,
    );
    log(`  ${verdict}`);
    log(indent(pretty(body)));
    res.writeHead(ok ? answer : 401, { 'content-type': 'text/plain' });
    res.end(ok ? 'ok\n' : 'signature invalid\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function check(webhook: Webhook | null, body: string, req: IncomingMessage): [string, boolean] {
  if (!webhook) return ['signature not checked (no --secret)', true];
  try {
    webhook.verify(body, {
      'webhook-id': header(req, 'webhook-id') ?? '',
      'webhook-timestamp': header(req, 'webhook-timestamp') ?? '',
      'webhook-signature': header(req, 'webhook-signature') ?? '',
    });
    return ['signature ok', true];
  } catch (error) {
    return [`signature INVALID (${error instanceof Error ? error.message : String(error)})`, false];
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(' ') : value;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function eventType(body: string): string {
  try {
    const type = (JSON.parse(body) as { type?: unknown }).type;
    return typeof type === 'string' ? type : '(no type)';
  } catch {
    return '(not JSON)';
  }
}

function pretty(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}

const indent = (text: string) =>
  text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { port: { type: 'string' }, secret: { type: 'string' }, status: { type: 'string' } },
  });
  if (positionals[0] !== 'listen') fail(USAGE);
  const port = Number(values.port ?? 4000);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) fail(`--port must be a port number.\n${USAGE}`);
  const status = Number(values.status ?? 200);
  if (!Number.isInteger(status) || status < 200 || status > 599) fail(`--status must be an HTTP status.\n${USAGE}`);
  const secret = values.secret;
  if (secret === undefined) console.log('No --secret given: events are printed without checking their signature.');
  else {
    if (!secret.startsWith('whsec_')) fail(`--secret must be the endpoint's whsec_ secret.\n${USAGE}`);
    try {
      new Webhook(secret);
    } catch (error) {
      fail(`--secret is not a valid secret: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  const listener = await listen({ port, status, ...(secret === undefined ? {} : { secret }) });
  console.log(`Listening for webhooks on ${listener.url} (answering ${status} to signed events). Ctrl-C stops.`);
  process.once('SIGINT', () => void listener.close().then(() => process.exit(0)));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
