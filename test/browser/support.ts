/**
 * Browser harness: the local stack (test/support/e2e.ts, with its DNS server) and one Debian
 * Chromium driven by playwright-core per test file; a fresh browser context per test. Helpers wait
 * the way a person would (until something is shown), never for a fixed time.
 *
 * The console's Content-Security-Policy allows scripts from its own origin only, so axe-core cannot
 * be added as a <script> (playwright's addScriptTag inserts an inline script, which the policy
 * blocks). Its source is run with `page.evaluate` instead: that goes through the DevTools protocol
 * (Runtime.evaluate), which CSP does not govern, so the page is scanned exactly as served, without
 * `bypassCSP` loosening the policy for the whole context. (`page.waitForFunction` with a string, by
 * contrast, is evaluated by the page with eval, which the policy refuses: waits here use locators.)
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import type { LocalStackOptions } from '../../local/stack.js';
import { type E2E, startE2E } from '../support/e2e.js';

/** Generous for a 2-core machine running other suites: every wait ends as soon as its condition holds. */
export const WAIT_MS = 30_000;

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface ConsoleHarness {
  readonly e2e: E2E;
  readonly browser: Browser;
  /** `http://127.0.0.1:<port>/console`. */
  readonly consoleUrl: string;
  /** A page in a new context (clipboard allowed, downloads accepted), closed by `closePages`. */
  page(options?: { width?: number; height?: number }): Promise<Page>;
  /** The CSP violations the browser reported on this harness's pages since the last call. */
  takeCspViolations(): string[];
  /** Closes every page's context; each test's `afterEach`. */
  closePages(): Promise<void>;
  /** Closes the browser and stops the stack; the file's `afterAll`. */
  close(): Promise<void>;
}

export async function startConsole(options: Partial<LocalStackOptions> = {}): Promise<ConsoleHarness> {
  const e2e = await startE2E(options);
  let browser: Browser;
  try {
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  } catch (err) {
    await e2e.stop();
    throw err;
  }
  const consoleUrl = new URL('/console', e2e.stack.apiUrl).toString();
  const contexts = new Set<BrowserContext>();
  let violations: string[] = [];

  return {
    e2e,
    browser,
    consoleUrl,
    async page({ width = 1100, height = 800 } = {}) {
      const context = await browser.newContext({
        viewport: { width, height },
        acceptDownloads: true,
        permissions: ['clipboard-read', 'clipboard-write'],
      });
      contexts.add(context);
      context.setDefaultTimeout(WAIT_MS);
      const page = await context.newPage();
      page.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
      });
      return page;
    },
    takeCspViolations() {
      const out = violations;
      violations = [];
      return out;
    },
    async closePages() {
      for (const context of contexts) await context.close().catch(() => undefined);
      contexts.clear();
    },
    async close() {
      for (const context of contexts) await context.close().catch(() => undefined);
      await browser.close().catch(() => undefined);
      await e2e.stop();
    },
  };
}

/** Polls `probe` until it returns something other than undefined/false; fails naming `what`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = WAIT_MS,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `Timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Waits until `locator` shows `text` (a substring or a pattern) and returns its whole text. */
export async function shows(locator: Locator, text: string | RegExp, timeoutMs = WAIT_MS): Promise<string> {
  await locator.filter({ hasText: text }).first().waitFor({ state: 'visible', timeout: timeoutMs });
  return visibleText(locator.filter({ hasText: text }).first());
}

/** The text as rendered (cells apart, hidden parts left out), which is what a person reads. */
export async function visibleText(locator: Locator): Promise<string> {
  // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is the point (textContent runs cells together)
  return (await locator.innerText()).trim();
}

/** Opens the console and signs in with `key`, without waiting for what comes next. */
export async function submitKey(page: Page, consoleUrl: string, key: string, hash = ''): Promise<void> {
  const res = await page.goto(`${consoleUrl}${hash}`);
  if (!res?.ok()) throw new Error(`GET ${consoleUrl} answered ${res?.status()}`);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Signs in and waits for the domains list. */
export async function signIn(page: Page, consoleUrl: string, key: string): Promise<void> {
  await submitKey(page, consoleUrl, key);
  await page.getByRole('heading', { name: 'Domains', exact: true }).waitFor();
}

/** The page's one alert region, once it shows `text`. */
export const alertShowing = (page: Page, text: string | RegExp) => shows(page.getByRole('alert'), text);

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly targets: string[];
}

/** Runs axe-core on the page as it is now; returns the serious and critical violations. */
export async function seriousA11yViolations(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate('typeof window.axe === "object"'))) await page.evaluate(axeSource);
  const violations = (await page.evaluate(
    `axe.run(document, { resultTypes: ['violations'] }).then((r) => r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(' ')).slice(0, 5),
    })))`,
  )) as AxeViolation[];
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Presses Tab (at most `max` times) until `target` has the focus; the mouse is never used. */
export async function tabTo(page: Page, target: Locator, { max = 40, backwards = false } = {}): Promise<void> {
  for (let i = 0; i < max; i++) {
    if (await hasFocus(target)) return;
    await page.keyboard.press(backwards ? 'Shift+Tab' : 'Tab');
  }
  if (await hasFocus(target)) return;
  throw new Error(`${String(target)} never received the focus within ${max} presses of Tab`);
}

export const hasFocus = (target: Locator): Promise<boolean> =>
  target.evaluate((el) => el === el.ownerDocument.activeElement).catch(() => false);

/** Whether the focused element is drawn with a focus indicator (an outline or a box shadow). */
export async function focusIsVisible(target: Locator): Promise<boolean> {
  return target.evaluate((el) => {
    const style = el.ownerDocument.defaultView!.getComputedStyle(el);
    const outline = style.outlineStyle !== 'none' && Number.parseFloat(style.outlineWidth) > 0;
    return el.matches(':focus-visible') && (outline || style.boxShadow !== 'none');
  });
}

/**
 * What a copy put on the clipboard, read as another tab would paste it: the console's own
 * Permissions-Policy (the API's headers) forbids reading the clipboard, so the text is read in a
 * blank page of the same context and origin, served by the test (the context grants clipboard-read).
 */
export async function clipboardText(page: Page): Promise<string> {
  const reader = await page.context().newPage();
  try {
    const url = new URL('/clipboard-reader', page.url()).toString();
    await reader.route(url, (route) =>
      route.fulfill({ contentType: 'text/html; charset=utf-8', body: '<!doctype html><title>reader</title>' }),
    );
    await reader.goto(url);
    await reader.bringToFront();
    return (await reader.evaluate('navigator.clipboard.readText()')) as string;
  } finally {
    await reader.close();
    await page.bringToFront();
  }
}

/** Marks the document, to tell later that the page was not reloaded. */
export const markDocument = (page: Page): Promise<unknown> => page.evaluate('window.__notReloaded = true');
export const documentIsMarked = async (page: Page): Promise<boolean> =>
  (await page.evaluate('window.__notReloaded === true')) === true;
