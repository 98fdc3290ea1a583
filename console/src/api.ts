/**
 * The one way the console talks to the API: same origin, `Authorization: Bearer <key>`, the key read
 * from sessionStorage on each call. Error answers become ApiProblem; a 401 also signs the person out.
 */
import { errorText, retryAfterSeconds } from './format.js';

const KEY_NAME = 'krafter.apiKey';
const BASE = '/api/v1';

/** The API key lives in this tab's sessionStorage only: never a URL, a cookie or localStorage. */
export const session = {
  key: (): string | null => sessionStorage.getItem(KEY_NAME),
  signIn: (key: string): void => sessionStorage.setItem(KEY_NAME, key),
  signOut: (): void => sessionStorage.removeItem(KEY_NAME),
};

/** An error answer in the API's format (`{"error": {"code", "message", "field"?, "required_scope"?}}`). */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly retryAfter?: number,
  ) {
    super(message);
  }

  /** The alert's wording: the API's message, and when to retry if it said so. */
  get text(): string {
    return errorText(this.message, this.retryAfter);
  }
}

let onUnauthorized: (message: string) => void = () => {};

/** Who hears of a 401 (the app: back to sign-in with the reason). */
export function whenUnauthorized(handler: (message: string) => void): void {
  onUnauthorized = handler;
}

async function problemOf(response: Response): Promise<ApiProblem> {
  const retryAfter = retryAfterSeconds(response.headers.get('Retry-After'), Date.now());
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    body = undefined;
  }
  const error = (body as { error?: Record<string, unknown> } | undefined)?.error;
  if (typeof error?.code === 'string' && typeof error.message === 'string') {
    const field = typeof error.field === 'string' ? error.field : undefined;
    return new ApiProblem(response.status, error.code, error.message, field, retryAfter);
  }
  const message = `The API answered ${response.status} ${response.statusText}`.trim();
  return new ApiProblem(response.status, 'unexpected_answer', `${message}.`, undefined, retryAfter);
}

/** Sends one request; resolves with the response if it is 2xx, else throws ApiProblem. */
async function send(method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { Authorization: `Bearer ${session.key() ?? ''}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(`${BASE}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch {
    throw new ApiProblem(0, 'network_error', 'The API could not be reached. Check the connection and try again.');
  }
  if (response.ok) return response;
  const problem = await problemOf(response);
  if (response.status === 401) {
    session.signOut();
    onUnauthorized(problem.text);
  }
  throw problem;
}

/** A JSON call; resolves with the answer's `data`. */
export async function call<T>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const response = await send(method, path, body);
  const json = (await response.json()) as { data: T };
  return json.data;
}

/** A JSON call that keeps the whole answer (lists: `data`, `has_more`, `next_cursor`). */
export async function callPage<T>(path: string): Promise<T> {
  return (await send('GET', path)).json() as Promise<T>;
}

/** A text answer (the zone file) with its Content-Disposition header. */
export async function callText(path: string): Promise<{ text: string; disposition: string | null }> {
  const response = await send('GET', path);
  return { text: await response.text(), disposition: response.headers.get('Content-Disposition') };
}

/** Path segment from an id taken from the URL. */
export const seg = encodeURIComponent;
