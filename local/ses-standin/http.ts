/** Reading requests and writing answers with the headers the AWS SDK reads. */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of req) parts.push(chunk as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

export function send(res: ServerResponse, status: number, type: 'json' | 'xml', body: string, errorType?: string) {
  // SES v2 names the error in x-amzn-ErrorType; the SDK reads it before the body.
  const headers = {
    'content-type': type === 'json' ? 'application/json' : 'text/xml',
    'x-amzn-requestid': randomUUID(),
  };
  res.writeHead(status, errorType ? { ...headers, 'x-amzn-errortype': errorType } : headers);
  res.end(body);
}

export const sendJson = (res: ServerResponse, status: number, body: unknown, errorType?: string) =>
  send(res, status, 'json', JSON.stringify(body), errorType);
