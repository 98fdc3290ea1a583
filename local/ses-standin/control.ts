/**
 * The `/_standin/*` routes: the test controls over HTTP, so a stand-in started in another process
 * can be driven like one started in the test's own.
 */
import type { ServerResponse } from 'node:http';
import { sendJson } from './http.js';
import type { ThrottleOptions } from './throttle.js';

export interface Controls {
  identities(): string[];
  calls(): unknown[];
  reset(): void;
  /** Applies the options and returns the throttling now in force. */
  throttle(options: ThrottleOptions): unknown;
}

export function control(controls: Controls, method: string, path: string, text: string, res: ServerResponse) {
  if (method === 'GET' && path === '/_standin/identities')
    return sendJson(res, 200, { identities: controls.identities() });
  if (method === 'GET' && path === '/_standin/calls') return sendJson(res, 200, { calls: controls.calls() });
  if (method === 'POST' && path === '/_standin/reset') {
    controls.reset();
    return sendJson(res, 200, {});
  }
  if (method === 'POST' && path === '/_standin/throttle') {
    let state: unknown;
    try {
      state = controls.throttle(JSON.parse(text || '{}') as ThrottleOptions);
    } catch {
      return sendJson(res, 400, { message: 'Expected a JSON body.' });
    }
    return sendJson(res, 200, state);
  }
  sendJson(res, 404, { message: `No stand-in control at ${method} ${path}.` });
}
