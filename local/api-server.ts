/**
 * Serves the API over HTTP on 127.0.0.1 the way API Gateway (HTTP API, payload format 2.0) does:
 * matches the request against the one route table, builds the same event, invokes the same
 * handler module, and writes back its structured response. Unmatched requests go to the
 * `not-found` function, like the stack's `$default` route. The pages (the console) are matched
 * the same way, outside the API's base path.
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { API_BASE_PATH, NOT_FOUND_FUNCTION, pages, routes } from '../src/routes.js';
import { apiEvent, routeKey } from './api-event.js';
import { lambdaContext } from './lambda-context.js';
import { listen } from './listen.js';

type ApiHandler = (
  event: APIGatewayProxyEventV2,
  context: ReturnType<typeof lambdaContext>,
) => Promise<APIGatewayProxyStructuredResultV2>;

/** API Gateway's own payload limit (10 MB); the functions enforce their much smaller one. */
const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;
const TEXT_TYPES = /^(application\/(json|[\w.+-]*\+json|x-www-form-urlencoded|xml)|text\/)/i;

interface CompiledRoute {
  readonly routeKey: string;
  readonly method: string;
  readonly pattern: RegExp;
  readonly params: string[];
  readonly functionName: string;
}

/** A matcher for a full path with `{param}` placeholders. */
function pathPattern(path: string): { pattern: RegExp; params: string[] } {
  const params: string[] = [];
  const source = path
    .split('/')
    .map((segment) => {
      const m = /^\{(\w+)\}$/.exec(segment);
      if (!m?.[1]) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      params.push(m[1]);
      return '([^/]+)';
    })
    .join('/');
  return { pattern: new RegExp(`^${source}$`), params };
}

/** The API's routes below API_BASE_PATH, then the pages outside it, one entry per method. */
function compile(): CompiledRoute[] {
  const api = routes.map((r) => ({
    routeKey: routeKey(r.method, r.path),
    method: r.method,
    ...pathPattern(API_BASE_PATH + r.path),
    functionName: r.name,
  }));
  const pageRoutes = pages.flatMap((p) =>
    p.methods.map((method) => ({
      routeKey: `${method} ${p.path}`,
      method,
      ...pathPattern(p.path),
      functionName: p.name,
    })),
  );
  return [...api, ...pageRoutes];
}

export interface ApiServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/** `load(name)` returns the handler exported by `functions/<name>.ts`. */
export async function startApiServer(opts: {
  port?: number;
  load: (name: string) => Promise<ApiHandler>;
}): Promise<ApiServer> {
  const compiled = compile();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = (req.method ?? 'GET').toUpperCase();
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_PAYLOAD_BYTES) {
        res
          .writeHead(413, { 'Content-Type': 'application/json' })
          .end(JSON.stringify({ error: { code: 'payload_too_large', message: 'Request entity too large.' } }));
        req.destroy();
        return;
      }
      chunks.push(chunk as Buffer);
    }
    const raw = Buffer.concat(chunks);

    let matchedKey = '$default';
    let functionName: string = NOT_FOUND_FUNCTION;
    let pathParameters: Record<string, string> | undefined;
    for (const r of compiled) {
      const m = r.method === method ? r.pattern.exec(url.pathname) : null;
      if (!m) continue;
      matchedKey = r.routeKey;
      functionName = r.functionName;
      pathParameters = Object.fromEntries(r.params.map((p, i) => [p, safeDecode(m[i + 1] ?? '')]));
      break;
    }

    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v === undefined || k === 'cookie') continue;
      headers[k] = Array.isArray(v) ? v.join(',') : v;
    }
    const contentType = headers['content-type'] ?? '';
    const isText = raw.length === 0 || TEXT_TYPES.test(contentType);
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) query[k] = k in query ? `${query[k]},${v}` : v;

    const event = apiEvent(
      {
        method,
        routeKey: matchedKey,
        rawPath: url.pathname,
        rawQueryString: url.search.slice(1),
        ...(req.headers.cookie !== undefined && { cookies: req.headers.cookie.split(/;\s*/) }),
        headers,
        ...(url.search && { queryStringParameters: query }),
        ...(pathParameters && { pathParameters }),
        ...(raw.length > 0 && { body: isText ? raw.toString('utf8') : raw.toString('base64') }),
        isBase64Encoded: !isText,
      },
      {
        domainName: headers.host ?? '127.0.0.1',
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
      },
    );

    let result: APIGatewayProxyStructuredResultV2;
    try {
      const handler = await opts.load(functionName);
      result = await handler(event, lambdaContext(functionName));
    } catch (err) {
      // API Gateway answers an invocation failure with a bare 500; the envelope keeps clients uniform.
      console.error(`[api] ${functionName} failed:`, err);
      result = {
        statusCode: 500,
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ error: { code: 'internal_error', message: 'Internal server error.' } }),
      };
    }
    const outHeaders: Record<string, string | string[]> = { ...(result.headers as Record<string, string>) };
    if (result.cookies?.length) outHeaders['Set-Cookie'] = result.cookies;
    const body =
      result.body === undefined ? '' : result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body;
    res.writeHead(result.statusCode ?? 200, outHeaders).end(body);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      console.error('[api] request failed:', err);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  const port = await listen(server, opts.port);
  return {
    url: `http://127.0.0.1:${port}${API_BASE_PATH}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
