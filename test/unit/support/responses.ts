/** Invokes an API handler and checks what every response must carry. */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { AWS_ERROR_TEXT } from './aws.js';
import { lambdaContext } from './events.js';

export type ApiLambda = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2 | undefined>;

export interface Reply {
  readonly status: number;
  readonly headers: Record<string, string>;
  /** The body, parsed from JSON. */
  // biome-ignore lint/suspicious/noExplicitAny: a parsed answer body; each test reads the fields it asserts
  readonly body: any;
  readonly raw: string;
}

/** Calls the handler as Lambda would (any typed middy handler is accepted). */
export async function invoke(handler: unknown, event: APIGatewayProxyEventV2): Promise<Reply> {
  const result = (await (handler as ApiLambda)(event, lambdaContext())) as APIGatewayProxyStructuredResultV2;
  const raw = typeof result.body === 'string' ? result.body : '';
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name.toLowerCase()] = String(value);
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    throw new Error(`response body is not JSON: ${raw}`);
  }
  return { status: result.statusCode ?? 200, headers, body, raw };
}

/** Headers every response carries, success or error. */
export function expectSecurityHeaders(reply: Reply): void {
  expect(reply.headers['x-content-type-options']).toBe('nosniff');
  expect(reply.headers['x-frame-options']).toBe('DENY');
  expect(reply.headers['strict-transport-security']).toMatch(/^max-age=\d+/);
  expect(reply.headers['referrer-policy']).toBe('no-referrer');
  expect(reply.headers['content-type']).toMatch(/^application\/json/);
  expect(reply.headers['x-powered-by']).toBeUndefined();
}

/**
 * The one error envelope: exactly `{error:{code,message,...}}`, with security headers and nothing
 * an attacker could learn from (no stack trace, no AWS error text).
 */
export function expectError(reply: Reply, status: number, code: string, extra: Record<string, unknown> = {}): void {
  expect({ status: reply.status, code: reply.body?.error?.code }).toEqual({ status, code });
  expect(Object.keys(reply.body)).toEqual(['error']);
  expect(reply.body.error).toEqual({ code, message: expect.any(String), ...extra });
  expect(reply.body.error.message.length).toBeGreaterThan(0);
  expectNoLeak(reply);
  expectSecurityHeaders(reply);
  if (status !== 503 && status !== 429) expect(reply.headers['retry-after']).toBeUndefined();
}

export function expectNoLeak(reply: Reply): void {
  expect(reply.raw).not.toContain(AWS_ERROR_TEXT);
  expect(reply.raw).not.toMatch(/\n\s+at |\bat .*\.(?:ts|js):\d+/);
  expect(reply.raw).not.toMatch(/Exception|stack/i);
}

/** A 503 (or 429) that tells the client when to come back. */
export function expectRetryable(reply: Reply): void {
  // Shows the status and body received when it is neither 429 nor 503.
  expect({
    retryable: reply.status === 429 || reply.status === 503,
    status: reply.status,
    body: reply.body,
  }).toMatchObject({ retryable: true });
  expectError(reply, reply.status, reply.status === 429 ? reply.body.error.code : 'service_unavailable');
  expect(reply.headers['retry-after']).toMatch(/^[1-9]\d*$/);
}
