/**
 * Child process for the console section: the local stack (serving /console) with one team holding
 * a list's worth of domains. The parent drives Chromium, so the browser's work and the stack's do
 * not share an event loop. It answers `ready` with what the parent needs and stops on `stop`.
 */
import { startLocalStack } from '../../local/stack.js';
import { childMain, receive, report } from '../lib/child.js';
import { BENCH_FUNCTION_ENV, LIST_SIZE } from '../lib/settings.js';

export interface ConsoleTarget {
  /** Base URL of the API, `/api/v1` included. */
  readonly apiUrl: string;
  readonly consoleUrl: string;
  readonly key: string;
  /** The domain whose page is opened: the newest, so first in the list. */
  readonly domain: { readonly id: string; readonly name: string; readonly firstValue: string };
}

await childMain(async () => {
  // No webhook pipeline: nothing in the section makes events worth delivering.
  const stack = await startLocalStack({
    inMemory: true,
    scheduleIntervalMs: null,
    env: BENCH_FUNCTION_ENV,
    webhookDelivery: false,
    eventLog: () => undefined,
  });
  try {
    const { createKey } = await import('../../src/services/api-keys.js');
    const key = (await createKey('console-bench', ['domains:manage'])).plaintext;
    const create = async (name: string) => {
      const res = await fetch(`${stack.apiUrl}/domains`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ domain: name }),
      });
      if (res.status !== 201) throw new Error(`POST /domains answered ${res.status}: ${await res.text()}`);
      return ((await res.json()) as { data: { id: string; dns_records: Array<{ value: string }> } }).data;
    };
    for (let i = 1; i < LIST_SIZE; i++) await create(`d${i}.console-bench.example.com`);
    const name = 'shown.console-bench.example.com';
    const shown = await create(name);
    await report('ready', {
      apiUrl: stack.apiUrl,
      consoleUrl: new URL('/console', stack.apiUrl).toString(),
      key,
      domain: { id: shown.id, name, firstValue: shown.dns_records[0]!.value },
    } satisfies ConsoleTarget);
    await receive('stop');
    return {};
  } finally {
    await stack.stop();
  }
});
