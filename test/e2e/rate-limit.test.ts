/** Per-team rate limits over HTTP: announced on every response, 429 with Retry-After past the limit. */
import { type E2E, startE2E } from '../support/e2e.js';

const LIMIT = 5;
let e2e: E2E;

beforeAll(async () => {
  e2e = await startE2E({ env: { RATE_LIMIT_PER_MINUTE: String(LIMIT) } });
}, 60_000);

afterAll(async () => {
  await e2e?.stop();
});

it('announces the limit, answers 429 past it, and counts each team apart', async () => {
  const a = (await e2e.newKey('team-busy')).plaintext;
  const b = (await e2e.newKey('team-calm')).plaintext;
  // Start at the beginning of a window so the test does not straddle two.
  const intoWindow = Date.now() % 60_000;
  if (intoWindow > 50_000) await new Promise((r) => setTimeout(r, 60_500 - intoWindow));

  // An answer that is an error carries the headers too.
  const missing = await e2e.request('GET', '/domains/00000000-0000-4000-8000-000000000000', { key: a });
  expect(missing.status).toBe(404);
  expect(missing.headers.get('ratelimit-remaining')).toBe(String(LIMIT - 1));

  const remaining: number[] = [];
  for (let i = 1; i < LIMIT; i++) {
    const res = await e2e.request('GET', '/domains', { key: a });
    expect(res.status).toBe(200);
    expect(res.headers.get('ratelimit-limit')).toBe(String(LIMIT));
    remaining.push(Number(res.headers.get('ratelimit-remaining')));
    const reset = Number(res.headers.get('ratelimit-reset'));
    expect(reset).toBeGreaterThanOrEqual(1);
    expect(reset).toBeLessThanOrEqual(60);
  }
  expect(remaining).toEqual([3, 2, 1, 0]);

  const limited = await e2e.request('POST', '/domains', { key: a, body: { domain: 'limited.example.org' } });
  expect(limited.status).toBe(429);
  expect(limited.json.error.code).toBe('rate_limited');
  expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  expect(limited.headers.get('ratelimit-remaining')).toBe('0');
  expect(e2e.stack.ses.identities()).not.toContain('limited.example.org');

  // Reads are counted too, and a limited read answers 429 as well.
  const read = await e2e.request('GET', '/domains/00000000-0000-4000-8000-000000000000', { key: a });
  expect(read.status).toBe(429);

  const other = await e2e.request('GET', '/domains', { key: b });
  expect(other.status).toBe(200);
  expect(other.headers.get('ratelimit-remaining')).toBe(String(LIMIT - 1));
}, 90_000);
