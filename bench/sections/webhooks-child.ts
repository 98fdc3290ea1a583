/**
 * Child process for the webhooks section: the local stack with the webhook pipeline (DynamoDB
 * stream → fan-out → delivery queue → worker), loopback receivers allowed, counting the AWS calls
 * the fan-out and the worker make. The parent holds the receivers and makes the changes over HTTP,
 * so neither shares an event loop with the stack. The parent's `ask` is `calls` (wait until the
 * pipeline is idle, answer the calls since the last such answer, by step) or `stop`.
 */
import { startLocalStack } from '../../local/stack.js';
import { startDnsServer } from '../../test/support/dns-server.js';
import { type CallCounts, CallLog, countCalls, instrumentClients } from '../lib/calls.js';
import { childMain, receive, report } from '../lib/child.js';
import { BENCH_FUNCTION_ENV } from '../lib/settings.js';
import { type PipelineStep, pipelineStep } from '../lib/webhook-bench.js';

export interface WebhooksTarget {
  /** Base URL of the API, `/api/v1` included. */
  readonly apiUrl: string;
  /** One key per team, with domains:manage and webhooks:manage. */
  readonly keys: Record<string, string>;
}

export type StepCalls = Record<PipelineStep, CallCounts>;

/** Teams of the section: latency (one endpoint), throughput (20), isolation (healthy ones and a hanging one). */
export const TEAMS = ['wh-latency', 'wh-burst', 'wh-isolation'] as const;

await childMain(async () => {
  // Async frames reach from the SDK's middleware down to the service module that made the call.
  Error.stackTraceLimit = 200;
  const dns = await startDnsServer();
  const stack = await startLocalStack({
    inMemory: true,
    scheduleIntervalMs: null,
    dnsServers: dns.address,
    env: {
      ...BENCH_FUNCTION_ENV,
      WEBHOOKS_ALLOW_LOCAL_TARGETS: '1',
      MAX_WEBHOOKS_PER_TEAM: '25',
      // One retry, well after the section ends: only first attempts are measured, and the hanging
      // endpoint's failed attempts queue nothing that comes due during the run.
      WEBHOOK_RETRY_SCHEDULE_SECONDS: '900',
    },
    eventLog: () => undefined,
  });
  try {
    const log = new CallLog({ origin: pipelineStep });
    await instrumentClients(log);
    const { createKey } = await import('../../src/services/api-keys.js');
    const keys: Record<string, string> = {};
    for (const team of TEAMS) keys[team] = (await createKey(team, ['domains:manage', 'webhooks:manage'])).plaintext;
    await report('ready', { apiUrl: stack.apiUrl, keys } satisfies WebhooksTarget);

    while ((await receive<'calls' | 'stop'>('ask')) === 'calls') {
      await stack.webhooksIdle();
      const calls = log.take();
      const by = (step: PipelineStep) => countCalls(calls.filter((c) => c.origin === step));
      await report('calls', { fanout: by('fanout'), deliver: by('deliver'), other: by('other') } satisfies StepCalls);
    }
    return {};
  } finally {
    await stack.stop();
    await dns.close();
  }
});
