/** Child process for sections 2, 3 and 5: in process, against the bare stand-ins. */

import { startBareEnv } from '../lib/bare-env.js';
import { CallLog, instrumentClients } from '../lib/calls.js';
import { childMain, report } from '../lib/child.js';
import { benchScale, scaled } from '../lib/stats.js';

await childMain(async () => {
  const progress = (line: string) => void report('progress', line);
  progress('starting DynamoDB Local, SQS and the SES stand-in');
  const env = await startBareEnv();
  try {
    const log = new CallLog();
    await instrumentClients(log);
    const { measureEndpoints } = await import('./endpoints.js');
    const endpoints = await measureEndpoints(env, log, progress);
    const { measureScheduler } = await import('./scheduler.js');
    const scale = benchScale();
    const scheduler = await measureScheduler(
      env,
      log,
      { total: scaled(50_000, 1_000, scale), due: scaled(1_000, 50, scale), rounds: 4 },
      progress,
    );
    return { endpoints, scheduler };
  } finally {
    await env.stop();
  }
});
