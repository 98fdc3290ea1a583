/**
 * Section 4: throughput of the local stack over HTTP (autocannon, fixed concurrency and duration)
 * for list, get and create, against a floor server making the same AWS calls per request.
 */
import autocannon from 'autocannon';
import { Child } from '../lib/child.js';
import { ratio, round } from '../lib/stats.js';
import type { HttpTarget } from './http-child.js';

export interface HttpResult {
  readonly rps: number;
  readonly p50_ms: number;
  readonly p99_ms: number;
  readonly floor_rps: number;
  readonly floor_p50_ms: number;
  readonly floor_p99_ms: number;
  /** p50 latency over the floor's p50 at the same concurrency. */
  readonly p50_ratio: number;
  readonly requests: number;
  readonly non_2xx: number;
  readonly errors: number;
  readonly connections: number;
  readonly duration_s: number;
}

type Name = 'list' | 'get' | 'create';

export async function measureHttp(
  opts: { durationS: number; connections: number; warmupS: number },
  progress: (line: string) => void,
): Promise<Record<Name, HttpResult>> {
  const child = new Child(new URL('./http-child.ts', import.meta.url));
  try {
    progress('starting the local stack');
    const t = await child.next<HttpTarget>('ready');
    let serial = 0;
    const createBody = () => JSON.stringify({ domain: `h${++serial}-${process.pid}.http-bench.example.com` });
    const requests = (name: Name, floor: boolean): autocannon.Options => {
      const auth = { authorization: `Bearer ${name === 'create' ? t.writeKey : t.readKey}` };
      if (floor) {
        const path = `/${name}`;
        if (name !== 'create') return { url: t.floorUrl + path };
        return {
          url: t.floorUrl,
          requests: [
            {
              method: 'POST',
              path,
              headers: { 'content-type': 'application/json' },
              setupRequest: (req) => ({ ...req, body: createBody() }),
            },
          ],
        };
      }
      if (name === 'list') return { url: `${t.apiUrl}/domains`, headers: auth };
      if (name === 'get') return { url: `${t.apiUrl}/domains/${t.getId}`, headers: auth };
      return {
        url: t.apiUrl,
        requests: [
          {
            method: 'POST',
            path: `${new URL(t.apiUrl).pathname}/domains`,
            headers: { ...auth, 'content-type': 'application/json' },
            setupRequest: (req) => ({ ...req, body: createBody() }),
          },
        ],
      };
    };
    const run = async (name: Name, floor: boolean, duration: number) => {
      // Forget SES identities between create runs: the stand-in holds at most 10,000, as SES does.
      if (name === 'create') await fetch(`${t.sesUrl}/_standin/reset`, { method: 'POST' });
      return autocannon({ ...requests(name, floor), connections: opts.connections, duration, pipelining: 1 });
    };

    const results = {} as Record<Name, HttpResult>;
    for (const name of ['list', 'get', 'create'] as Name[]) {
      progress(`${name}: ${opts.durationS} s at ${opts.connections} connections, then its floor`);
      await run(name, false, opts.warmupS);
      await run(name, true, opts.warmupS);
      const real = await run(name, false, opts.durationS);
      const floor = await run(name, true, opts.durationS);
      if (floor.non2xx > 0 || floor.errors > 0)
        throw new Error(`floor ${name}: ${floor.non2xx} non-2xx answers, ${floor.errors} errors`);
      results[name] = {
        rps: round(real.requests.p50, 0),
        p50_ms: round(real.latency.p50, 1),
        p99_ms: round(real.latency.p99, 1),
        floor_rps: round(floor.requests.p50, 0),
        floor_p50_ms: round(floor.latency.p50, 1),
        floor_p99_ms: round(floor.latency.p99, 1),
        p50_ratio: ratio(real.latency.p50, floor.latency.p50),
        requests: real.requests.total,
        non_2xx: real.non2xx,
        errors: real.errors,
        connections: opts.connections,
        duration_s: opts.durationS,
      };
    }
    child.send('stop');
    await child.next('result');
    return results;
  } finally {
    child.kill();
    await child.done;
  }
}
