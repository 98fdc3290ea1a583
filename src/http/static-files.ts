/**
 * Serving a folder of static files (the console's) from a function: each file is read once per
 * container with its gzip, ETag and media type; a request names a file by its exact name, never a
 * path, so nothing outside the folder can be reached; a matching If-None-Match answers 304, and a
 * client that accepts gzip gets the gzipped body. No AWS imports.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

export interface StaticFile {
  readonly name: string;
  readonly contentType: string;
  readonly body: Buffer;
  /** Null when gzip would not make the file smaller. */
  readonly gzip: Buffer | null;
  /** Strong validator of the content; the gzipped representation's has a `-gzip` suffix. */
  readonly etag: string;
}

export type StaticFiles = ReadonlyMap<string, StaticFile>;

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** The gzip the console function serves; the build's size budget counts the same bytes. */
export const gzipAsset = (bytes: Uint8Array): Buffer => gzipSync(bytes, { level: 9 });

/** Reads every regular file of `dir` (not its subfolders, not hidden files). */
export function loadStaticFiles(dir: string): StaticFiles {
  const files = new Map<string, StaticFile>();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isFile() || entry.name.startsWith('.')) continue;
    const body = readFileSync(join(dir, entry.name));
    const gzip = gzipAsset(body);
    const hash = createHash('sha256').update(body).digest('base64url').slice(0, 27);
    files.set(entry.name, {
      name: entry.name,
      contentType: CONTENT_TYPES[extname(entry.name).toLowerCase()] ?? 'application/octet-stream',
      body,
      gzip: gzip.length < body.length ? gzip : null,
      etag: `"${hash}"`,
    });
  }
  return files;
}

export interface StaticRequest {
  readonly method: string;
  /** Header names in lower case, as API Gateway passes them. */
  readonly headers: Readonly<Record<string, string | undefined>>;
}

/** The answer for one file: 200 (empty body for HEAD) or 304 when the client's copy is current. */
export function serveStaticFile(
  file: StaticFile,
  request: StaticRequest,
  cacheControl: string,
): APIGatewayProxyStructuredResultV2 {
  const gzip = file.gzip && acceptsGzip(request.headers['accept-encoding']) ? file.gzip : null;
  const etag = gzip ? `${file.etag.slice(0, -1)}-gzip"` : file.etag;
  const headers: Record<string, string> = {
    'Content-Type': file.contentType,
    'Cache-Control': cacheControl,
    ETag: etag,
    Vary: 'Accept-Encoding',
  };
  if (matches(request.headers['if-none-match'], file.etag)) return { statusCode: 304, headers };
  const body = gzip ?? file.body;
  if (gzip) headers['Content-Encoding'] = 'gzip';
  // No Content-Length: the gateway (or the local server) sets it from the body it sends.
  if (request.method === 'HEAD') return { statusCode: 200, headers };
  return { statusCode: 200, headers, body: body.toString('base64'), isBase64Encoded: true };
}

/** Whether Accept-Encoding lets us send gzip: `gzip` or `*` listed without `q=0`. */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  const weights = new Map<string, number>();
  for (const part of header.split(',')) {
    const [coding = '', ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => /^\s*q\s*=\s*([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    weights.set(coding.trim(), q === undefined ? 1 : Number(q));
  }
  const gzip = weights.get('gzip') ?? weights.get('x-gzip') ?? weights.get('*');
  return gzip !== undefined && gzip > 0;
}

/**
 * If-None-Match by weak comparison (RFC 9110 13.1.2): `*`, or any listed tag naming the same content,
 * whichever representation (plain or gzip) the client holds.
 */
function matches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const opaque = etag.slice(1, -1);
  return header.split(',').some((raw) => {
    const tag = raw.trim().replace(/^W\//, '');
    return tag === '*' || tag === `"${opaque}"` || tag === `"${opaque}-gzip"`;
  });
}
