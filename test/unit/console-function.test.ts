/**
 * The console function over the assets the build really produces: index.html and the hashed
 * assets with their headers (CSP, caching, ETag, gzip), HEAD, and 404 in the API's error format for
 * every name the build did not write, however it is spelled or encoded.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { buildConsoleAssets, type ConsoleAssetsManifest } from '../../lib/console-assets.js';
import { apiEvent } from '../../local/api-event.js';
import { lambdaContext } from '../../local/lambda-context.js';

type Handler = (e: APIGatewayProxyEventV2, c: unknown) => Promise<APIGatewayProxyStructuredResultV2>;

const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

let dir: string;
let assets: ConsoleAssetsManifest;
let handler: Handler;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'krafter-console-test-'));
  assets = buildConsoleAssets(join(dir, 'assets'));
  process.env.CONSOLE_ASSETS_DIR = assets.dir;
  ({ handler } = (await import('../../functions/console.js')) as { handler: Handler });
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  delete process.env.CONSOLE_ASSETS_DIR;
});

/** A request as API Gateway passes it: `file` undefined for `/console` itself. */
async function get(file?: string, headers: Record<string, string> = {}, method = 'GET') {
  const event = apiEvent({
    method,
    routeKey: file === undefined ? `${method} /console` : `${method} /console/{file}`,
    rawPath: file === undefined ? '/console' : `/console/${file}`,
    headers,
    ...(file !== undefined && { pathParameters: { file } }),
  });
  const res = await handler(event, lambdaContext('console'));
  const headersOut = (res.headers ?? {}) as Record<string, string>;
  const raw = res.body === undefined ? Buffer.alloc(0) : Buffer.from(res.body, res.isBase64Encoded ? 'base64' : 'utf8');
  const body =
    headersOut['Content-Encoding'] === 'gzip' && raw.length > 0
      ? gunzipSync(raw).toString('utf8')
      : raw.toString('utf8');
  return { status: res.statusCode, headers: headersOut, body, raw };
}

describe('console function', () => {
  test('GET /console answers index.html, revalidated on every load, naming the hashed assets', async () => {
    const res = await get();
    expect(res.status).toBe(200);
    expect(res.headers['Content-Type']).toBe('text/html; charset=utf-8');
    expect(res.headers['Cache-Control']).toBe('no-cache');
    expect(res.body).toContain(`src="/console/${assets.script}"`);
    expect(res.body).toContain(`href="/console/${assets.stylesheet}"`);
    expect(assets.script).toMatch(/^app-[A-Z0-9]+\.js$/);
    expect(assets.stylesheet).toMatch(/^app-[A-Z0-9]+\.css$/);
  });

  test('the page has its strict CSP and the API security headers, and no CORS header', async () => {
    for (const res of [await get(), await get(assets.script), await get('nope.js')]) {
      expect(res.headers['Content-Security-Policy']).toBe(CSP);
      expect(res.headers['X-Frame-Options']).toBe('DENY');
      expect(res.headers['Referrer-Policy']).toBe('no-referrer');
      expect(res.headers['X-Content-Type-Options']).toBe('nosniff');
      expect(res.headers['Strict-Transport-Security']).toMatch(/^max-age=\d+/);
      expect(Object.keys(res.headers).filter((h) => /^access-control-/i.test(h))).toEqual([]);
    }
  });

  test('hashed assets are cached for a year, with their media types', async () => {
    const js = await get(assets.script);
    expect(js.status).toBe(200);
    expect(js.headers['Content-Type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['Cache-Control']).toBe('public, max-age=31536000, immutable');
    const css = await get(assets.stylesheet);
    expect(css.headers['Content-Type']).toBe('text/css; charset=utf-8');
    expect(css.headers['Cache-Control']).toBe('public, max-age=31536000, immutable');
  });

  test('gzip when the client accepts it, plain text otherwise; both vary by Accept-Encoding', async () => {
    const plain = await get(assets.script);
    expect(plain.headers['Content-Encoding']).toBeUndefined();
    const zipped = await get(assets.script, { 'accept-encoding': 'gzip, deflate, br' });
    expect(zipped.headers['Content-Encoding']).toBe('gzip');
    expect(zipped.raw.length).toBeLessThan(plain.raw.length);
    expect(zipped.body).toBe(plain.body);
    for (const res of [plain, zipped]) expect(res.headers.Vary).toBe('Accept-Encoding');
    // Refused explicitly, or only another coding offered.
    expect(
      (await get(assets.script, { 'accept-encoding': 'gzip;q=0, br' })).headers['Content-Encoding'],
    ).toBeUndefined();
    expect((await get(assets.script, { 'accept-encoding': 'br' })).headers['Content-Encoding']).toBeUndefined();
    expect((await get(assets.script, { 'accept-encoding': '*' })).headers['Content-Encoding']).toBe('gzip');
  });

  test('ETag and If-None-Match: 304 without a body, for either representation', async () => {
    const plain = await get();
    const zipped = await get(undefined, { 'accept-encoding': 'gzip' });
    expect(plain.headers.ETag).toMatch(/^"[\w-]+"$/);
    expect(zipped.headers.ETag).not.toBe(plain.headers.ETag);
    for (const tag of [
      plain.headers.ETag!,
      zipped.headers.ETag!,
      `W/${plain.headers.ETag}`,
      `"x", ${zipped.headers.ETag}`,
      '*',
    ]) {
      const res = await get(undefined, { 'if-none-match': tag, 'accept-encoding': 'gzip' });
      expect([tag, res.status, res.raw.length]).toEqual([tag, 304, 0]);
      expect(res.headers.ETag).toBe(zipped.headers.ETag);
      expect(res.headers['Cache-Control']).toBe('no-cache');
    }
    // Another file's tag is no match.
    const other = (await get(assets.script)).headers.ETag!;
    expect((await get(undefined, { 'if-none-match': other })).status).toBe(200);
  });

  test('HEAD answers the headers of GET without the body', async () => {
    const head = await get(assets.script, { 'accept-encoding': 'gzip' }, 'HEAD');
    const full = await get(assets.script, { 'accept-encoding': 'gzip' });
    expect(head.status).toBe(200);
    expect(head.raw.length).toBe(0);
    expect(head.headers).toEqual(full.headers);
  });

  test.each([
    'nope.js',
    'app.js',
    'INDEX.HTML',
    '.',
    '..',
    '',
    '../index.html',
    '../../etc/passwd',
    '..%2F..%2Fetc%2Fpasswd',
    '%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '..\\..\\etc\\passwd',
    '/etc/passwd',
    'index.html%00',
    'index.html\u0000',
    './index.html',
    'assets',
  ])('%j is not a file of the build: 404 in the API error format', async (file) => {
    const res = await get(file);
    expect(res.status).toBe(404);
    expect(res.headers['Content-Type']).toBe('application/json; charset=utf-8');
    expect(JSON.parse(res.body)).toEqual({ error: { code: 'route_not_found', message: expect.any(String) } });
  });

  test('an encoded spelling of a real name is not that name (the gateway decodes, the function does not again)', async () => {
    const encoded = assets.script.replace('.', '%2E');
    expect((await get(encoded)).status).toBe(404);
    expect((await get(assets.script)).status).toBe(200);
  });
});
