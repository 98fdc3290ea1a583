/**
 * Webhook receivers on 127.0.0.1 for the bench: one HTTP server, one path per endpoint, answering
 * 204 at once, or never for the paths marked hanging (the sender gives up after its 10 seconds).
 * Each arrival is timed at the first byte of its connection: the sender opens a connection per
 * attempt, so that is the first byte of the delivery.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface Arrival {
  /** The endpoint's path, e.g. `/hook/3`. */
  readonly path: string;
  /** `performance.now()` at the first byte of the request. */
  readonly firstByteAt: number;
  /** The event, parsed. */
  readonly body: unknown;
}

export interface Receivers {
  /** The URL of one endpoint: `http://127.0.0.1:<port>/hook/<name>`. */
  url(name: string): string;
  /** Requests to this endpoint are never answered. */
  hang(name: string): void;
  readonly arrivals: Arrival[];
  /** Called on every arrival, after it is recorded. */
  onArrival: (a: Arrival) => void;
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startReceivers(): Promise<Receivers> {
  const firstByte = new WeakMap<Socket, number>();
  const hanging = new Set<string>();
  const r: Receivers = {
    url: () => '',
    hang: (name) => hanging.add(`/hook/${name}`),
    arrivals: [],
    onArrival: () => undefined,
    close: async () => undefined,
  };
  const server: Server = createServer((req, res) => {
    const at = firstByte.get(req.socket) ?? performance.now();
    firstByte.delete(req.socket);
    const path = req.url ?? '/';
    readBody(req)
      .then((text) => {
        const a: Arrival = { path, firstByteAt: at, body: JSON.parse(text) as unknown };
        r.arrivals.push(a);
        r.onArrival(a);
        if (!hanging.has(path)) res.writeHead(204).end();
      })
      .catch(() => {
        if (!res.headersSent) res.writeHead(400).end();
      });
  });
  server.on('connection', (socket: Socket) => {
    socket.once('data', () => firstByte.set(socket, performance.now()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  r.url = (name) => `http://127.0.0.1:${port}/hook/${name}`;
  r.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return r;
}
