/**
 * GET /console and /console/{file}: the console's static files, public (the page asks for the API
 * key, and every call it makes is an ordinary API call with it). The files are those
 * lib/console-assets.ts built: in `CONSOLE_ASSETS_DIR` when set (the local stack), else in
 * `console/` beside this bundle, where the stack copies them.
 */
import { fileURLToPath } from 'node:url';
import middy from '@middy/core';
import httpSecurityHeaders from '@middy/http-security-headers';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { InternalError, RouteNotFoundError } from '../src/errors.js';
import { errorResponse } from '../src/http/envelope.js';
import { loadStaticFiles, type StaticFiles, serveStaticFile } from '../src/http/static-files.js';

/** The page loads its script, style and data from this origin only, and no one may frame it. */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const INDEX = 'index.html';
/** index.html is checked on every load, so a deployment shows at once; its assets' names change with them. */
const REVALIDATE = 'no-cache';
const IMMUTABLE = 'public, max-age=31536000, immutable';

const dir = process.env.CONSOLE_ASSETS_DIR || fileURLToPath(new URL('./console/', import.meta.url));
let files: StaticFiles | undefined;

async function serve(event: APIGatewayProxyEventV2, context: Context): Promise<APIGatewayProxyStructuredResultV2> {
  try {
    files ??= loadStaticFiles(dir);
  } catch (err) {
    // A stack deployed without its assets: loud in the log, the envelope's bare 500 for the client.
    console.error(
      JSON.stringify({
        message: 'console assets missing',
        dir,
        error: String(err),
        awsRequestId: context.awsRequestId,
      }),
    );
    return errorResponse(new InternalError());
  }
  const name = event.pathParameters?.file ?? INDEX;
  const file = files.get(name);
  if (!file) return errorResponse(new RouteNotFoundError());
  const request = { method: event.requestContext.http.method, headers: event.headers ?? {} };
  return serveStaticFile(file, request, name === INDEX ? REVALIDATE : IMMUTABLE);
}

export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
  // The page's own Content-Security-Policy in place of the default one (a sandboxed document could
  // run no script), set after the API's security headers (middy runs `after` hooks last registered first).
  .use({
    after: ({ response }) => {
      if (response) response.headers = { ...response.headers, 'Content-Security-Policy': CONSOLE_CSP };
    },
  })
  // The API's security headers; the Copy buttons may write to the clipboard (the API denies it).
  .use(httpSecurityHeaders({ contentSecurityPolicy: false, permissionsPolicy: { 'clipboard-write': 'self' } }))
  .handler(serve);
