/**
 * The `/_standin/*` routes: the test controls over HTTP, so a stand-in started in another process
 * can be driven like one started in the test's own. `identities` takes `?account=&region=`; a
 * throttle body may name an `account` and `region` to aim at one of them.
 */
import type { ServerResponse } from 'node:http';
import type { Scope, ScopedThrottleOptions } from './accounts.js';
import { sendJson } from './http.js';

export interface Controls {
  identities(scope: Scope): string[];
  accounts(): unknown[];
  calls(): unknown[];
  reset(): void;
  /** Applies the options and returns the throttling now in force. */
  throttle(options: ScopedThrottleOptions): unknown;
}

const scopeOf = (url: URL): Scope => ({
  account: url.searchParams.get('account') ?? undefined,
  region: url.searchParams.get('region') ?? undefined,
});

export function control(controls: Controls, method: string, url: URL, text: string, res: ServerResponse) {
  const path = url.pathname;
  if (method === 'GET' && path === '/_standin/identities')
    return sendJson(res, 200, { identities: controls.identities(scopeOf(url)) });
  if (method === 'GET' && path === '/_standin/accounts') return sendJson(res, 200, { accounts: controls.accounts() });
  if (method === 'GET' && path === '/_standin/calls') return sendJson(res, 200, { calls: controls.calls() });
  if (method === 'POST' && path === '/_standin/reset') {
    controls.reset();
    return sendJson(res, 200, {});
  }
  if (method === 'POST' && path === '/_standin/throttle') {
    let state: unknown;
    try {
      state = controls.throttle(JSON.parse(text || '{}') as ScopedThrottleOptions);
    } catch {
      return sendJson(res, 400, { message: 'Expected a JSON body.' });
    }
    return sendJson(res, 200, state);
  }
  sendJson(res, 404, { message: `No stand-in control at ${method} ${path}.` });
}
