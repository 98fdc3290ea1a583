/**
 * Webhook targets in a stack with local targets allowed (WEBHOOKS_ALLOW_LOCAL_TARGETS=1, as
 * `npm start` may run): only loopback is let through; a receiver on 127.0.0.1 that redirects, to
 * loopback or inside, is not followed; a name rebound to a private address is never called. A file
 * of its own: the functions read the setting once per module graph.
 */
import { PRIVATE_NAMES, runWebhooksLocal } from '../../reliability/webhooks.js';
import type { World } from '../../reliability/world.js';
import { findings, startWorld } from './support.js';

let w: World;

beforeAll(async () => {
  w = await startWorld({ allowLocalTargets: true });
}, 60_000);

afterAll(async () => {
  await w?.stop();
});

test('still refused but loopback; redirects not followed; a rebound name never called', async () => {
  await runWebhooksLocal(w);
  expect(findings(w, 'webhooks')).toEqual([]);
  const details = (w.tally.details.get('webhooks') ?? []).join('\n');
  expect(details).toContain(`${PRIVATE_NAMES.filter((n) => n.loopback).length} loopback-only names accepted`);
  expect(details).toContain('the redirect target got 0 connections');
}, 120_000);
