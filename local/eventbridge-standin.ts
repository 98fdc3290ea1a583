/**
 * A stand-in for EventBridge `PutEvents` (the only call the project makes): accepts the events,
 * writes each to the log as one JSON line, and keeps them for tests to read.
 */

import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { listen } from './listen.js';

export interface PutEvent {
  readonly Source: string;
  readonly DetailType: string;
  readonly Detail: unknown;
  readonly EventBusName?: string;
}

export interface EventBridgeStandIn {
  readonly url: string;
  events(): PutEvent[];
  close(): Promise<void>;
}

export async function startEventBridgeStandIn(
  opts: { log?: (line: string) => void } = {},
): Promise<EventBridgeStandIn> {
  const received: PutEvent[] = [];
  const log = opts.log ?? ((line: string) => console.log(line));
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = req.headers['x-amz-target'];
      if (target !== 'AWSEvents.PutEvents') {
        res
          .writeHead(400, { 'Content-Type': 'application/x-amz-json-1.1' })
          .end(
            JSON.stringify({ __type: 'UnknownOperationException', message: `${String(target)} is not supported here` }),
          );
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as {
        Entries?: Array<PutEvent & { Detail: string }>;
      };
      const entries = body.Entries ?? [];
      for (const e of entries) {
        const event = {
          Source: e.Source,
          DetailType: e.DetailType,
          Detail: JSON.parse(e.Detail) as unknown,
          EventBusName: e.EventBusName,
        };
        received.push(event);
        log(JSON.stringify({ level: 'INFO', message: 'event', service: 'eventbridge-local', ...event }));
      }
      res
        .writeHead(200, { 'Content-Type': 'application/x-amz-json-1.1' })
        .end(JSON.stringify({ FailedEntryCount: 0, Entries: entries.map(() => ({ EventId: randomUUID() })) }));
    });
  });
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}`,
    events: () => [...received],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
