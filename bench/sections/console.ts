/**
 * The console in Chromium (playwright-core, Debian's build) against the local stack: the bytes a
 * first view transfers (every response of /console and its assets, body bytes as sent: gzip when
 * served gzipped), and the time from clicking Sign in to a domain's records table, clicking the
 * domain's link in the list on the way. The floor is a bare page on the same origin, served by the
 * bench, with the same two steps: it makes the API calls the console made in each step (recorded in
 * a warm-up run), one after the other with fetch, and writes the answers into plain tables.
 */
import { type Browser, chromium, type Page } from 'playwright-core';
import { Child } from '../lib/child.js';
import { median, ratio, round } from '../lib/stats.js';
import type { ConsoleTarget } from './console-child.js';

export interface ConsoleOptions {
  /** Timed runs of each page, interleaved. */
  readonly runs: number;
}

export interface ConsoleFile {
  readonly path: string;
  readonly body_bytes: number;
  readonly content_encoding: string | null;
}

export interface ConsoleResult {
  readonly first_view: {
    readonly requests: number;
    /** Response bodies as transferred (compressed when served so). */
    readonly body_bytes: number;
    readonly body_kb: number;
    readonly header_bytes: number;
    readonly files: ConsoleFile[];
  };
  readonly runs: number;
  /** The API calls of each step, as the console made them (the bare page makes the same). */
  readonly api_calls: { readonly sign_in: string[]; readonly open_domain: string[] };
  readonly signin_to_records_p50_ms: number;
  readonly bare_p50_ms: number;
  /** The console's median ÷ the bare page's. */
  readonly time_ratio: number;
}

const BARE_PATH = '/bench-bare-page';

export async function measureConsole(opts: ConsoleOptions, progress: (line: string) => void): Promise<ConsoleResult> {
  const child = new Child(new URL('./console-child.ts', import.meta.url));
  let browser: Browser | undefined;
  try {
    progress('starting the local stack');
    const target = await child.next<ConsoleTarget>('ready');
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });

    progress('first view');
    const firstView = await measureFirstView(browser, target);

    progress('warm-up: recording the console’s API calls');
    const calls = { sign_in: [] as string[], open_domain: [] as string[] };
    await timeRun(browser, target, 'console', calls);
    await timeRun(browser, target, 'console', calls);
    await timeRun(browser, target, 'bare', calls);

    progress(`${opts.runs} runs each of the console and the bare page, interleaved`);
    const consoleMs: number[] = [];
    const bareMs: number[] = [];
    for (let i = 0; i < opts.runs; i++) {
      consoleMs.push(await timeRun(browser, target, 'console', calls));
      bareMs.push(await timeRun(browser, target, 'bare', calls));
    }
    const p50 = median(consoleMs);
    const bare = median(bareMs);
    return {
      first_view: firstView,
      runs: opts.runs,
      api_calls: calls,
      signin_to_records_p50_ms: round(p50, 1),
      bare_p50_ms: round(bare, 1),
      time_ratio: ratio(p50, bare),
    };
  } finally {
    await browser?.close().catch(() => undefined);
    child.send('stop');
    await Promise.race([child.done, new Promise((r) => setTimeout(r, 20_000).unref())]);
    child.kill();
    await child.done;
  }
}

async function measureFirstView(browser: Browser, target: ConsoleTarget): Promise<ConsoleResult['first_view']> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const origin = new URL(target.consoleUrl).origin;
    const sizes: Array<Promise<ConsoleFile & { header_bytes: number }>> = [];
    page.on('requestfinished', (request) => {
      if (!request.url().startsWith(origin)) return;
      sizes.push(
        (async () => {
          const [s, response] = await Promise.all([request.sizes(), request.response()]);
          return {
            path: new URL(request.url()).pathname,
            body_bytes: s.responseBodySize,
            header_bytes: s.responseHeadersSize,
            content_encoding: (await response?.headerValue('content-encoding')) ?? null,
          };
        })(),
      );
    });
    await page.goto(target.consoleUrl, { waitUntil: 'networkidle' });
    await page.getByLabel('API key').waitFor();
    const files = (await Promise.all(sizes)).sort((a, b) => a.path.localeCompare(b.path));
    const body = files.reduce((n, f) => n + f.body_bytes, 0);
    return {
      requests: files.length,
      body_bytes: body,
      body_kb: round(body / 1024, 1),
      header_bytes: files.reduce((n, f) => n + f.header_bytes, 0),
      files: files.map(({ path, body_bytes, content_encoding }) => ({ path, body_bytes, content_encoding })),
    };
  } finally {
    await context.close();
  }
}

/**
 * One timed run in a fresh context: the page loaded and the key typed (not timed), then from the
 * click on Sign in, through the click on the domain's link, until its first record's value is in a
 * table and the next frame is drawn. The console's first run (the warm-up) is driven from here and
 * records its API calls, step by step, into `calls`; the timed runs happen inside the page.
 */
async function timeRun(
  browser: Browser,
  target: ConsoleTarget,
  kind: 'console' | 'bare',
  calls: { sign_in: string[]; open_domain: string[] },
): Promise<number> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    if (kind === 'console') await page.goto(target.consoleUrl);
    else await openBarePage(page, target, calls);
    await page.getByLabel('API key').fill(target.key);
    if (kind === 'console' && calls.sign_in.length === 0) {
      await recordCalls(page, target, calls);
      return Number.NaN;
    }
    return (await page.evaluate(inPageRun(target))) as number;
  } finally {
    await context.close();
  }
}

/** The console's API calls in each step, with the steps driven from here. */
async function recordCalls(
  page: Page,
  target: ConsoleTarget,
  calls: { sign_in: string[]; open_domain: string[] },
): Promise<void> {
  const apiPath = new URL(target.apiUrl).pathname;
  let step = calls.sign_in;
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.pathname.startsWith(`${apiPath}/`)) step.push(`${request.method()} ${url.pathname}${url.search}`);
  });
  await page.getByRole('button', { name: 'Sign in' }).click();
  const link = page.getByRole('link', { name: target.domain.name, exact: true });
  await link.waitFor();
  step = calls.open_domain;
  await link.click();
  await page.getByRole('table').getByText(target.domain.firstValue).first().waitFor();
}

/**
 * The timed run as a script evaluated in the page (through the DevTools protocol, which the
 * console's CSP does not govern): a MutationObserver sees each awaited element the moment it is
 * rendered, where playwright's waits poll up to 500 ms apart and would time their own polling.
 */
function inPageRun(target: ConsoleTarget): string {
  const args = JSON.stringify({ domain: target.domain.name, value: target.domain.firstValue });
  return `(async ({ domain, value }) => {
  const appears = (find) => new Promise((resolve) => {
    const observer = new MutationObserver(() => {
      const found = find();
      if (found) { observer.disconnect(); resolve(found); }
    });
    const now = find();
    if (now) resolve(now);
    else observer.observe(document.body, { childList: true, subtree: true, characterData: true });
  });
  const text = (el) => el.textContent.trim();
  const button = [...document.querySelectorAll('button')].find((b) => text(b) === 'Sign in');
  const started = performance.now();
  button.click();
  const link = await appears(() => [...document.querySelectorAll('a')].find((a) => text(a) === domain));
  link.click();
  await appears(() => [...document.querySelectorAll('table')].find((t) => t.textContent.includes(value)));
  await new Promise((resolve) => requestAnimationFrame(() => resolve()));
  return performance.now() - started;
})(${args})`;
}

/** The bare page, served by the bench on the stack's origin (so its fetches are same-origin). */
async function openBarePage(
  page: Page,
  target: ConsoleTarget,
  calls: { sign_in: string[]; open_domain: string[] },
): Promise<void> {
  const url = new URL(BARE_PATH, target.consoleUrl).toString();
  await page.route(url, (route) =>
    route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: barePage(calls) }),
  );
  await page.goto(url);
  // With no route left, requests are no longer intercepted: the timed fetches go straight out.
  await page.unrouteAll();
}

/** Only GETs are replayed (the two steps read); the paths come from the console's own run. */
function barePage(calls: { sign_in: string[]; open_domain: string[] }): string {
  const paths = (step: string[]) => step.filter((c) => c.startsWith('GET ')).map((c) => c.slice(4));
  const config = JSON.stringify({ signIn: paths(calls.sign_in), open: paths(calls.open_domain) }).replace(
    /</g,
    '\\u003c',
  );
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>bare</title></head><body>
<label>API key <input id="key" type="password"></label> <button id="signin">Sign in</button>
<div id="out"></div>
<script>
const cfg = ${config};
const out = document.getElementById('out');
let key = '';
const call = async (path) => (await fetch(path, { headers: { authorization: 'Bearer ' + key } })).json();
const table = (head, rows) => {
  const t = document.createElement('table');
  const h = t.createTHead().insertRow();
  for (const name of head) { const th = document.createElement('th'); th.textContent = name; h.append(th); }
  const body = t.createTBody();
  for (const row of rows) { const tr = body.insertRow(); for (const cell of row) tr.insertCell().append(cell); }
  return t;
};
document.getElementById('signin').addEventListener('click', async () => {
  key = document.getElementById('key').value;
  let list = [];
  for (const p of cfg.signIn) { const j = await call(p); if (Array.isArray(j.data)) list = j.data; }
  out.replaceChildren(table(['Domain', 'Status'], list.map((d) => {
    const a = document.createElement('a');
    a.href = '#/domains/' + d.id;
    a.textContent = d.domain;
    return [a, d.status];
  })));
});
out.addEventListener('click', async (e) => {
  const a = e.target.closest('a');
  if (!a) return;
  e.preventDefault();
  let d;
  for (const p of cfg.open) { const j = await call(p); if (j.data && j.data.dns_records) d = j.data; }
  const h1 = document.createElement('h1');
  h1.textContent = d.domain;
  out.replaceChildren(h1, table(['Type', 'Name', 'Value', 'Priority', 'Status'],
    d.dns_records.map((r) => [r.type, r.name, r.value, String(r.priority ?? ''), r.status ?? ''])));
});
</script></body></html>`;
}
