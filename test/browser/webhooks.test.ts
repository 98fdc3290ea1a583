/**
 * The console's webhooks page in Chromium, end to end with a receiver on 127.0.0.1: add an
 * endpoint, read its signing secret once (and check the receiver's deliveries with it), send a test
 * event, watch a delivery fail with its response code, and replay it.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import {
  type ConsoleHarness,
  clipboardText,
  seriousA11yViolations,
  shows,
  signIn,
  startConsole,
  visibleText,
  waitFor,
} from './support.js';

interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

let h: ConsoleHarness;
let key: string;
let server: Server;
let receiverUrl: string;
const received: Received[] = [];
let answer = 200;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(answer).end(answer === 200 ? 'ok' : 'unavailable');
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  receiverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  // Loopback receivers allowed; one quick retry, so that a delivery fails within the test.
  h = await startConsole({ env: { WEBHOOKS_ALLOW_LOCAL_TARGETS: '1', WEBHOOK_RETRY_SCHEDULE_SECONDS: '1' } });
  key = (await h.e2e.newKey('team-hooks', ['domains:manage', 'webhooks:manage'])).plaintext;
}, 90_000);

afterEach(async () => {
  const violations = h.takeCspViolations();
  await h.closePages();
  expect(violations).toEqual([]);
});

afterAll(async () => {
  await h?.close();
  await new Promise<void>((done) => {
    server?.closeAllConnections();
    server ? server.close(() => done()) : done();
  });
});

const verifiedWith = (secret: string, r: Received) => {
  try {
    new Webhook(secret).verify(r.body, r.headers as Record<string, string>);
    return true;
  } catch {
    return false;
  }
};

describe('the console in a browser: webhooks', () => {
  it('adds an endpoint, shows its secret once, sends a test event, and replays a failed delivery', async () => {
    const page = await h.page();
    await signIn(page, h.consoleUrl, key);
    await page.getByRole('link', { name: 'Webhooks', exact: true }).click();
    await page.getByRole('heading', { name: 'Webhooks', exact: true }).waitFor();

    const url = page.getByLabel('URL', { exact: true });
    // The form may open from a button of the same name as its submit button.
    if (!(await url.isVisible())) await page.getByRole('button', { name: 'Add endpoint' }).first().click();
    await url.waitFor();
    await page.getByLabel('domain.status_changed', { exact: true }).waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await url.fill(receiverUrl);
    await page.getByLabel('domain.created', { exact: true }).check();
    await page.locator('form').getByRole('button', { name: 'Add endpoint' }).click();

    // The secret, once, with a button that copies it.
    const secretRegion = page.getByRole('region', { name: 'Signing secret' });
    await secretRegion.waitFor();
    const shown = (await visibleText(secretRegion)).match(/whsec_[A-Za-z0-9+/=]+/)?.[0];
    expect(shown).toBeDefined();
    await secretRegion.getByRole('button', { name: 'Copy secret' }).click();
    expect(await clipboardText(page)).toBe(shown);
    const row = page.getByRole('row').filter({ hasText: receiverUrl });
    await row.waitFor();
    expect(await visibleText(row)).toContain('domain.created');
    const [endpoint] = (await h.e2e.request('GET', '/webhooks', { key })).json.data as Array<{
      id: string;
      url: string;
      events: string[];
    }>;
    expect(endpoint).toMatchObject({ url: receiverUrl, events: ['domain.created'] });
    expect(await seriousA11yViolations(page)).toEqual([]);

    // A domain created now makes one delivery, which fails twice (first attempt and the retry).
    answer = 503;
    const created = await h.e2e.request('POST', '/domains', { key, body: { domain: 'hooked.example.com' } });
    expect(created.status).toBe(201);
    await h.e2e.webhooksIdle();
    expect(received.map((r) => JSON.parse(r.body).type)).toEqual(['domain.created', 'domain.created']);
    for (const r of received) expect(verifiedWith(shown!, r)).toBe(true);

    // The delivery log: the failed delivery with its response code.
    await openDeliveries(page, receiverUrl);
    for (const column of ['Event', 'Status', 'Response code', 'Attempts', 'Time'])
      await page.getByRole('columnheader', { name: column, exact: true }).waitFor();
    const delivery = page.getByRole('row').filter({ hasText: 'domain.created' });
    expect(await shows(delivery, 'failed')).toMatch(/\b503\b/);
    expect(await seriousA11yViolations(page)).toEqual([]);

    // The test event reaches the receiver, signed with the secret the page showed.
    answer = 200;
    await page.getByRole('button', { name: 'Send test event' }).click();
    await shows(page.locator('main'), 'Test event delivered');
    const test = await waitFor('the test event', () =>
      received.find((r) => JSON.parse(r.body).type === 'webhook.test'),
    );
    expect(verifiedWith(shown!, test)).toBe(true);

    // Replayed: delivered, answered 200, under the same webhook-id.
    await delivery.getByRole('button', { name: /Replay/ }).click();
    expect(await shows(page.getByRole('row').filter({ hasText: 'domain.created' }), 'delivered')).toMatch(/\b200\b/);
    const replayed = received.filter((r) => JSON.parse(r.body).type === 'domain.created');
    expect(replayed).toHaveLength(3);
    expect(replayed[2]!.headers['webhook-id']).toBe(replayed[0]!.headers['webhook-id']);
    const [logged] = (await h.e2e.request('GET', `/webhooks/${endpoint!.id}/deliveries`, { key })).json.data;
    expect(logged).toMatchObject({ status: 'delivered', attempts: 3, last_status_code: 200 });

    // Shown once: back on the page later, the secret is gone.
    await page.getByRole('link', { name: 'Domains', exact: true }).click();
    await page.getByRole('heading', { name: 'Domains', exact: true }).waitFor();
    await page.getByRole('link', { name: 'Webhooks', exact: true }).click();
    await page.getByRole('row').filter({ hasText: receiverUrl }).waitFor();
    expect(await page.getByRole('region', { name: 'Signing secret' }).count()).toBe(0);
    expect(await page.getByText(shown!).count()).toBe(0);
  }, 120_000);
});

/** The endpoint's delivery log, opened from its row (a link or a button). */
async function openDeliveries(page: import('playwright-core').Page, url: string): Promise<void> {
  const row = page.getByRole('row').filter({ hasText: url });
  await row
    .getByRole('link', { name: /deliveries/i })
    .or(row.getByRole('button', { name: /deliveries/i }))
    .first()
    .click();
  await page.getByRole('columnheader', { name: 'Response code', exact: true }).waitFor();
}
