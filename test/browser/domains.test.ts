/**
 * The console's domain flows in Chromium against the local stack: add a domain, read its seven
 * records, copy a value, verify it with records served by the tests' DNS server (the page follows
 * the check by itself), see a failing record's reason, download the zone file, change the return
 * path, delete through the dialog, and add a domain with the keyboard alone. axe-core scans each
 * page. `UPDATE_SCREENSHOTS=1` rewrites docs/console-domain.png from this run.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import {
  alertShowing,
  type ConsoleHarness,
  clipboardText,
  documentIsMarked,
  focusIsVisible,
  markDocument,
  seriousA11yViolations,
  shows,
  signIn,
  startConsole,
  tabTo,
  visibleText,
  WAIT_MS,
} from './support.js';

const SCREENSHOT = fileURLToPath(new URL('../../docs/console-domain.png', import.meta.url));

interface ApiRecord {
  type: string;
  name: string;
  value: string;
  priority: number | null;
}

let h: ConsoleHarness;
let key: string;

beforeAll(async () => {
  h = await startConsole();
  key = (await h.e2e.newKey('team-console')).plaintext;
}, 90_000);

afterEach(async () => {
  const violations = h.takeCspViolations();
  await h.closePages();
  expect(violations).toEqual([]);
});

afterAll(async () => {
  await h?.close();
});

async function createDomain(domain: string): Promise<{ id: string; records: ApiRecord[] }> {
  const res = await h.e2e.request('POST', '/domains', { key, body: { domain } });
  expect(res.status).toBe(201);
  return { id: res.json.data.id, records: res.json.data.dns_records };
}

async function apiDomain(id: string) {
  return (await h.e2e.request('GET', `/domains/${id}`, { key })).json.data as {
    status: string;
    return_path?: string;
    dns_records: ApiRecord[];
  };
}

/** From wherever the page is after a create or on the list, to the domain's own page. */
async function openDomain(page: Page, domain: string): Promise<void> {
  const heading = page.getByRole('heading', { level: 1, name: domain, exact: true });
  const link = page.getByRole('link', { name: domain, exact: true });
  await heading.or(link).first().waitFor();
  if (!(await heading.isVisible())) await link.click();
  await heading.waitFor();
  await page
    .getByRole('button', { name: /^Copy value of / })
    .first()
    .waitFor();
}

/**
 * The page polls 1 s, 2 s, 4 s … 15 s apart while a check runs: on a loaded machine a check that ends
 * just after a poll is seen up to 15 s later, so a status is waited for longer than other things.
 */
const STATUS_WAIT_MS = 60_000;
const statusShown = (page: Page, status: string) =>
  shows(page.getByText(/Status:/), new RegExp(`Status:\\s*${status}`), STATUS_WAIT_MS);

async function expectAccessible(page: Page): Promise<void> {
  expect(await seriousA11yViolations(page)).toEqual([]);
}

describe('the console in a browser: domains', () => {
  it('adds a domain, shows its seven records, copies a value, and follows a check to verified', async () => {
    const domain = 'acme.example.com';
    const page = await h.page();
    await page.goto(h.consoleUrl);
    await page.getByLabel('API key').waitFor();
    await expectAccessible(page);

    await signIn(page, h.consoleUrl, key);
    await expectAccessible(page);

    await page.getByRole('button', { name: 'Add domain' }).click();
    await page.getByRole('heading', { name: 'Add domain' }).waitFor();
    await expectAccessible(page);
    await page.getByRole('textbox', { name: 'Domain', exact: true }).fill(domain);
    await page.getByRole('button', { name: 'Create' }).click();
    await openDomain(page, domain);

    // The seven records the API issued, each with a copy button for its name and its value.
    const list = (await h.e2e.request('GET', '/domains', { key })).json.data as Array<{ id: string; domain: string }>;
    const id = list.find((d) => d.domain === domain)!.id;
    const records = (await apiDomain(id)).dns_records;
    expect(records).toHaveLength(7);
    for (const column of ['Type', 'Name', 'Value', 'Priority', 'Status'])
      await page.getByRole('columnheader', { name: column, exact: true }).waitFor();
    expect(await page.getByRole('button', { name: /^Copy value of / }).count()).toBe(7);
    expect(await page.getByRole('button', { name: /^Copy name of / }).count()).toBe(7);
    for (const r of records) {
      await page.getByRole('button', { name: `Copy name of ${r.type} record ${r.name}`, exact: true }).waitFor();
      await page.getByRole('button', { name: `Copy value of ${r.type} record ${r.name}`, exact: true }).waitFor();
      await page.getByRole('row').filter({ hasText: r.value }).first().waitFor();
    }
    await statusShown(page, 'pending');
    await expectAccessible(page);

    // A check with one DKIM CNAME pointing elsewhere: the page follows it and shows why.
    await markDocument(page);
    const wrong = records.filter((r) => r.type === 'CNAME')[1]!;
    h.e2e.publish(records);
    h.e2e.dns.set(wrong.name, 'CNAME', ['elsewhere.example.net']);
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await statusShown(page, 'failed');
    // The reason, in the row under the record it is about.
    const reasonRow = page.getByRole('row').filter({ hasText: 'points to elsewhere.example.net instead of' });
    expect(await shows(reasonRow, wrong.value)).toContain('points to elsewhere.example.net instead of');
    expect(await reasonRow.evaluate((row) => row.previousElementSibling?.textContent ?? '')).toContain(wrong.name);
    await page.getByText(/Last checked/).waitFor();
    await expectAccessible(page);
    await screenshot(page);

    // Copy: what lands on the clipboard is the record's value, and the page says so.
    const ownership = records.find((r) => r.name.startsWith('_amazonses.'))!;
    await page.getByRole('button', { name: `Copy value of TXT record ${ownership.name}`, exact: true }).click();
    await page.getByText('Copied', { exact: true }).waitFor();
    expect(await clipboardText(page)).toBe(ownership.value);

    // Fixed in DNS, checked again: verified, every record too, still the same document.
    h.e2e.publish(records);
    await page.getByRole('button', { name: 'Verify', exact: true }).click();
    await statusShown(page, 'verified');
    expect(await page.getByText('points to elsewhere.example.net').count()).toBe(0);
    const rowsVerified = async () => {
      for (const r of records.filter((x) => !x.name.startsWith('_dmarc.'))) {
        const row = page.getByRole('row').filter({ hasText: r.value });
        if (!/\bverified\b/.test(await visibleText(row.first()))) return false;
      }
      return true;
    };
    expect(await rowsVerified()).toBe(true);
    expect(await documentIsMarked(page)).toBe(true);
    expect((await apiDomain(id)).status).toBe('verified');

    // The list shows it, with its status in words.
    await page.getByRole('link', { name: 'Domains', exact: true }).first().click();
    for (const column of ['Domain', 'Status', 'Region', 'Created'])
      await page.getByRole('columnheader', { name: column, exact: true }).waitFor();
    expect(await shows(page.getByRole('row').filter({ hasText: domain }), 'verified')).toContain('eu-central-1');
    await expectAccessible(page);
  }, 240_000);

  it('downloads the zone file, changes the return path and deletes through the dialog, at phone width', async () => {
    const domain = 'zone.example.com';
    const { id } = await createDomain(domain);
    const page = await h.page({ width: 375, height: 740 });
    const fitsTheWidth = () => page.evaluate('document.documentElement.scrollWidth <= window.innerWidth');
    await signIn(page, h.consoleUrl, key);
    await page.getByRole('link', { name: domain, exact: true }).waitFor();
    expect(await fitsTheWidth()).toBe(true);
    await openDomain(page, domain);
    expect(await fitsTheWidth()).toBe(true);

    // The zone file: what the API's endpoint gives, saved under the domain's name.
    const downloaded = page.waitForEvent('download', { timeout: WAIT_MS });
    await page.getByRole('button', { name: 'Download zone file' }).click();
    // An error from the API ends the wait at once, with the page's own words.
    const refused = page
      .getByRole('alert')
      .filter({ hasText: /\S/ })
      .waitFor({ timeout: WAIT_MS })
      .then(async () => {
        throw new Error(`the page said: ${await visibleText(page.getByRole('alert'))}`);
      });
    const download = await Promise.race([downloaded, refused]);
    refused.catch(() => undefined);
    expect(download.suggestedFilename()).toBe(`${domain}.zone`);
    const saved = readFileSync(await download.path(), 'utf8');
    expect(saved).toContain(id);
    const served = await h.e2e.request('GET', `/domains/${id}/zone-file`, { key });
    expect(served.status).toBe(200);
    const withoutComments = (zone: string) => zone.split('\n').filter((l) => !l.trimStart().startsWith(';'));
    expect(withoutComments(saved)).toEqual(withoutComments(served.text));
    for (const r of (await apiDomain(id)).dns_records) {
      const line = saved
        .split('\n')
        .find((l) => l.startsWith(`${r.name}.`) && new RegExp(`\\sIN\\s+${r.type}\\s`).test(l));
      expect(line).toBeDefined();
      if (r.type === 'MX') expect(line).toContain(`${r.priority} ${r.value}.`);
      else if (r.type === 'CNAME') expect(line).toContain(`${r.value}.`);
      else expect(line).toContain(`"${r.value}"`);
    }

    // The return path: saved with PATCH, and the MX and SPF records move to the new name.
    await page.getByRole('textbox', { name: 'Return path', exact: true }).fill('bounce');
    await page.getByRole('button', { name: 'Save return path' }).click();
    await page.getByRole('button', { name: `Copy value of MX record bounce.${domain}`, exact: true }).waitFor();
    await page.getByRole('button', { name: `Copy value of TXT record bounce.${domain}`, exact: true }).waitFor();
    const after = await apiDomain(id);
    expect(after.dns_records.filter((r) => r.name === `bounce.${domain}`).map((r) => r.type)).toEqual(['MX', 'TXT']);

    // Delete asks first; Cancel keeps the domain.
    await page.getByRole('button', { name: 'Delete domain' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('heading', { name: `Delete ${domain}?` }).waitFor();
    await expectAccessible(page);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect((await h.e2e.request('GET', `/domains/${id}`, { key })).status).toBe(200);

    await page.getByRole('button', { name: 'Delete domain' }).click();
    await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByRole('heading', { name: 'Domains', exact: true }).waitFor();
    await page.getByRole('link', { name: domain, exact: true }).waitFor({ state: 'detached' });
    expect((await h.e2e.request('GET', `/domains/${id}`, { key })).status).toBe(404);
  }, 120_000);

  it('lists the team’s domains newest first, 20 a page', async () => {
    const { plaintext: pagesKey } = await h.e2e.newKey('team-pages');
    const names = Array.from({ length: 21 }, (_, i) => `p${String(i + 1).padStart(2, '0')}.pages.example.com`);
    for (const domain of names)
      expect((await h.e2e.request('POST', '/domains', { key: pagesKey, body: { domain } })).status).toBe(201);
    const page = await h.page();
    await signIn(page, h.consoleUrl, pagesKey);
    const shown = async () => {
      const links = page.getByRole('table').getByRole('link');
      await links.first().waitFor();
      return links.allTextContents();
    };
    expect(await shown()).toEqual(names.slice(1).reverse());
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.getByRole('link', { name: names[0], exact: true }).waitFor();
    expect(await shown()).toEqual([names[0]]);
    await page.getByRole('button', { name: 'Previous page' }).click();
    await page.getByRole('link', { name: names[20], exact: true }).waitFor();
    expect(await page.getByRole('button', { name: 'Next page' }).isVisible()).toBe(true);
  }, 90_000);

  it('adds a domain with the keyboard alone, and shows a validation error beside its field', async () => {
    const domain = 'keys.example.com';
    const page = await h.page();
    await page.goto(h.consoleUrl);
    const keyField = page.getByLabel('API key');
    await tabTo(page, keyField);
    await page.keyboard.type(key);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Domains', exact: true }).waitFor();

    const add = page.getByRole('button', { name: 'Add domain' });
    await tabTo(page, add);
    expect(await focusIsVisible(add)).toBe(true);
    await page.keyboard.press('Enter');
    const field = page.getByRole('textbox', { name: 'Domain', exact: true });
    await field.waitFor();
    await tabTo(page, field);
    await page.keyboard.type('not a domain');
    await tabTo(page, page.getByRole('button', { name: 'Create' }));
    await page.keyboard.press('Enter');

    // The API's message, in the alert and beside the field it names.
    const message = await alertShowing(page, /domain/i);
    await waitForAttribute(page, 'aria-invalid', 'true');
    const described = ((await field.getAttribute('aria-describedby')) ?? '').split(/\s+/).filter(Boolean);
    const beside = await Promise.all(described.map((id) => visibleText(page.locator(`[id="${id}"]`))));
    expect(beside.some((text) => text.length > 0 && message.includes(text))).toBe(true);

    await tabTo(page, field, { backwards: true });
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type(domain);
    await page.keyboard.press('Enter');
    await page
      .getByRole('heading', { level: 1, name: domain, exact: true })
      .or(page.getByRole('link', { name: domain }))
      .first()
      .waitFor();
    const list = (await h.e2e.request('GET', '/domains', { key })).json.data as Array<{ domain: string }>;
    expect(list.map((d) => d.domain)).toContain(domain);
  }, 90_000);
});

async function waitForAttribute(page: Page, name: string, value: string): Promise<void> {
  await page
    .getByLabel('Domain', { exact: true })
    .and(page.locator(`[${name}="${value}"]`))
    .waitFor();
}

/** The README's picture of a domain's page; rewritten only on request, so a test run leaves the clone clean. */
async function screenshot(page: Page): Promise<void> {
  const update = process.env.UPDATE_SCREENSHOTS === '1';
  // For the picture, the passing status message (e.g. "Added …") is let go first: it floats over the table.
  if (update) await page.getByRole('status').filter({ hasText: /\S/ }).waitFor({ state: 'detached' });
  const png = await page.screenshot({ fullPage: true });
  expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
  if (update) writeFileSync(SCREENSHOT, png);
}
