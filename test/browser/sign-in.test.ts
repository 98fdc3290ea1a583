/**
 * Signing in to the console in Chromium: where the key is kept (the tab's sessionStorage only),
 * signing out, a bad key, a key revoked while the page is open, and keys without the scope a page
 * needs.
 */
import {
  alertShowing,
  type ConsoleHarness,
  seriousA11yViolations,
  shows,
  signIn,
  startConsole,
  submitKey,
} from './support.js';

const INVALID_KEY = 'The API key is malformed, unknown or revoked.';
const RATE_LIMIT = 20;

let h: ConsoleHarness;

beforeAll(async () => {
  // No key cache, so that a key revoked during a test stops working at once; a team limit that one
  // test runs into on purpose (each test uses a team of its own).
  h = await startConsole({ env: { API_KEY_CACHE_SECONDS: '0', RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT) } });
}, 90_000);

afterEach(async () => {
  const violations = h.takeCspViolations();
  await h.closePages();
  expect(violations).toEqual([]);
});

afterAll(async () => {
  await h?.close();
});

describe('the console in a browser: signing in', () => {
  it('keeps the key in sessionStorage only, and forgets it on sign-out', async () => {
    const { plaintext: key } = await h.e2e.newKey('team-signin');
    const page = await h.page();
    await signIn(page, h.consoleUrl, key);
    expect(await page.evaluate("sessionStorage.getItem('krafter.apiKey')")).toBe(key);
    expect(await page.evaluate('localStorage.length')).toBe(0);
    expect(await page.context().cookies()).toEqual([]);
    expect(page.url()).not.toContain(key);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key').waitFor();
    expect(await page.evaluate("sessionStorage.getItem('krafter.apiKey')")).toBeNull();
    await page.reload();
    await page.getByLabel('API key').waitFor();
  }, 90_000);

  it('answers a bad key with the reason, on the sign-in page', async () => {
    const page = await h.page();
    await submitKey(page, h.consoleUrl, 'kr_live_not-a-key-anyone-was-given');
    expect(await alertShowing(page, INVALID_KEY)).toContain(INVALID_KEY);
    await page.getByLabel('API key').waitFor();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await page.evaluate("sessionStorage.getItem('krafter.apiKey')")).toBeNull();
    expect(await seriousA11yViolations(page)).toEqual([]);
  }, 90_000);

  it('returns to sign-in with the reason when the key is revoked while the page is open', async () => {
    const { keyId, plaintext: key } = await h.e2e.newKey('team-revoked');
    const created = await h.e2e.request('POST', '/domains', { key, body: { domain: 'revoked.example.com' } });
    expect(created.status).toBe(201);
    const page = await h.page();
    await signIn(page, h.consoleUrl, key);
    expect(await h.e2e.revokeKey(keyId)).toBe(true);

    await page.getByRole('link', { name: 'revoked.example.com', exact: true }).click();
    await alertShowing(page, INVALID_KEY);
    await page.getByLabel('API key').waitFor();
    expect(await page.evaluate("sessionStorage.getItem('krafter.apiKey')")).toBeNull();
  }, 90_000);

  it('says which scope a key lacks, page by page', async () => {
    // Only webhooks:manage: the domains list names the missing scope, the webhooks page works.
    const webhooksOnly = (await h.e2e.newKey('team-scopes', ['webhooks:manage'])).plaintext;
    const page = await h.page();
    await submitKey(page, h.consoleUrl, webhooksOnly);
    await alertShowing(page, 'domains:manage');
    await page.getByRole('link', { name: 'Webhooks', exact: true }).click();
    await page.getByRole('heading', { name: 'Webhooks', exact: true }).waitFor();
    // The list has answered (the form shows before it does): only then can the scope message be absent.
    await page.getByText('No endpoints yet.').waitFor();
    expect(await page.getByText('webhooks:manage').count()).toBe(0);

    // Only domains:manage: the webhooks page names webhooks:manage instead of its table.
    const domainsOnly = (await h.e2e.newKey('team-scopes', ['domains:manage'])).plaintext;
    const other = await h.page();
    await signIn(other, h.consoleUrl, domainsOnly);
    await other.getByRole('link', { name: 'Webhooks', exact: true }).click();
    await other.getByRole('heading', { name: 'Webhooks', exact: true }).waitFor();
    expect(await shows(other.locator('body'), 'webhooks:manage')).toContain('webhooks:manage');
    expect(await other.getByRole('columnheader', { name: 'URL' }).count()).toBe(0);
  }, 90_000);

  it('says when to try again after a 429', async () => {
    const { plaintext: key } = await h.e2e.newKey('team-busy');
    // Use up the team's minute; a window about to end is waited out first, so the page meets the limit.
    let retryAfter = 0;
    while (retryAfter <= 5) {
      const res = await h.e2e.request('GET', '/domains?limit=1', { key });
      if (res.status === 429) {
        retryAfter = Number(res.headers.get('retry-after'));
        if (retryAfter <= 5) await new Promise((resolve) => setTimeout(resolve, (retryAfter + 1) * 1000));
      }
    }
    const page = await h.page();
    await submitKey(page, h.consoleUrl, key);
    const said = await alertShowing(page, /Try again in \d+ (s|min)\./);
    const seconds = Number(/Try again in (\d+) s/.exec(said)?.[1]);
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThanOrEqual(60);
  }, 90_000);
});
