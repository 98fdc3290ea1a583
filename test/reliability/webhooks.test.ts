/**
 * Webhook targets, in a stack as deployed (no local targets): refused URL notations and names that
 * resolve to private addresses, each sent to create and to PATCH, answer 400 on `url` and change
 * nothing; a name rebound to loopback after it was saved is never called.
 */
import { PRIVATE_NAMES, runWebhooks } from '../../reliability/webhooks.js';
import type { World } from '../../reliability/world.js';
import { REFUSED_WEBHOOK_URLS } from '../support/webhook-bad-urls.js';
import { findings, startWorld } from './support.js';

let w: World;

beforeAll(async () => {
  w = await startWorld();
}, 60_000);

afterAll(async () => {
  await w?.stop();
});

test('refused URLs and private names: 400 on url, nothing stored or changed; a rebound name is never called', async () => {
  // Every other notation (`npm run reliability` sends them all), every private name.
  const urls = REFUSED_WEBHOOK_URLS.filter((_, i) => i % 2 === 0);
  expect(urls.length).toBeGreaterThanOrEqual(40);
  await runWebhooks(w, { urls });
  expect(findings(w, 'webhooks')).toEqual([]);
  const details = (w.tally.details.get('webhooks') ?? []).join('\n');
  expect(details).toContain(`${urls.length} refused URL notations`);
  expect(details).toContain(`${PRIVATE_NAMES.length + 1} names resolving to private addresses`);
  expect(details).toContain('the receiver on 127.0.0.1 got 0 connections');
}, 120_000);
