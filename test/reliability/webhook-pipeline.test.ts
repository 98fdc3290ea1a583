/**
 * The webhook pipeline under a few faults (the fast subset of reliability/webhook-pipeline.ts): every
 * event reaches every subscribed endpoint, signed, or ends failed; nothing reaches an endpoint that
 * did not ask for it; and a hanging endpoint beside healthy ones. A file of its own: the functions
 * read the pipeline's settings (local targets, retry schedule) once per module graph.
 */
import { PIPELINE_WORLD, runWebhookPipeline } from '../../reliability/webhook-pipeline.js';
import type { World } from '../../reliability/world.js';
import { findings, startWorld } from './support.js';

let w: World;

beforeAll(async () => {
  w = await startWorld(PIPELINE_WORLD);
}, 60_000);

afterAll(async () => {
  await w?.stop();
});

test('every event delivered or failed under faults; a hanging endpoint delays no other', async () => {
  await runWebhookPipeline(w, { quick: true, hangingEvents: 4 });
  expect(findings(w, 'webhooks')).toEqual([]);
  const details = (w.tally.details.get('webhooks') ?? []).join('\n');
  expect(details).toMatch(/pipeline: \d+ fault scenarios/);
  expect(details).toMatch(/3 healthy endpoints got all 8 events/);
}, 120_000);
