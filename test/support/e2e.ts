/**
 * End-to-end harness: the local stack (same handlers, stand-ins behind them) started in this test
 * file's process on free ports, a DNS server on 127.0.0.1 that the SES stand-in and the verifier
 * ask, and a small client that speaks HTTP to the API.
 */
import { randomUUID } from 'node:crypto';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { type LocalStack, type LocalStackOptions, startLocalStack } from '../../local/stack.js';
import { type DnsTestServer, startDnsServer } from './dns-server.js';

export interface ApiResponse {
  readonly status: number;
  readonly headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: a parsed answer body; each test reads the fields it asserts
  readonly json: any;
  readonly text: string;
}

export interface E2E {
  readonly stack: LocalStack;
  readonly dns: DnsTestServer;
  /** Sends a request; `body` objects are sent as JSON, strings as they are. */
  request(
    method: string,
    path: string,
    opts?: { key?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<ApiResponse>;
  newKey(teamId: string, scopes?: string[]): Promise<{ keyId: string; plaintext: string }>;
  revokeKey(keyId: string): Promise<boolean>;
  /** Serves every record of a domain (as GET /domains/:id returned them) from the DNS server. */
  publish(records: Array<{ type: string; name: string; value: string; priority: number | null }>): void;
  /** Runs the verifier until the queue is drained. */
  drain(): Promise<void>;
  /** Waits until every webhook event is fanned out and every delivery attempt due has been made. */
  webhooksIdle(): Promise<void>;
  stop(): Promise<void>;
}

export async function startE2E(options: Partial<LocalStackOptions> = {}): Promise<E2E> {
  const dns = await startDnsServer();
  const stack = await startLocalStack({
    inMemory: true,
    dynamoEndpoint: process.env.TEST_DYNAMODB_ENDPOINT,
    tableName: `e2e-${randomUUID()}`,
    dnsServers: dns.address,
    scheduleIntervalMs: null,
    visibilityTimeoutSeconds: 2,
    eventLog: () => undefined,
    ...options,
    // Quiet by default; a test that reads the logs sets its own level.
    env: {
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      POWERTOOLS_METRICS_DISABLED: 'true',
      SES_BACKGROUND_RATE: '1000',
      ...options.env,
    },
  });
  const keys = await import('../../src/services/api-keys.js');

  return {
    stack,
    dns,
    async request(method, path, opts = {}) {
      const headers: Record<string, string> = { ...opts.headers };
      if (opts.key) headers.authorization = `Bearer ${opts.key}`;
      let body: string | undefined;
      if (typeof opts.body === 'string') body = opts.body;
      else if (opts.body !== undefined) {
        body = JSON.stringify(opts.body);
        headers['content-type'] ??= 'application/json';
      }
      const res = await fetch(`${stack.apiUrl}${path}`, { method, headers, body });
      const text = await res.text();
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      // Every JSON answer of the API must be what docs/openapi.json documents (throws otherwise).
      const { validateResponse } = await import('./openapi-validate.js');
      const answeredPath = new URL(res.url).pathname;
      if (
        answeredPath.startsWith(`${new URL(stack.apiUrl).pathname}/`) &&
        /\bjson\b/i.test(res.headers.get('content-type') ?? '')
      ) {
        validateResponse(method, answeredPath, res.status, json, res.headers);
      }
      return { status: res.status, headers: res.headers, json, text };
    },
    newKey: (teamId, scopes = ['domains:manage']) => keys.createKey(teamId, scopes),
    revokeKey: (keyId) => keys.revokeKey(keyId),
    publish(records) {
      const txt = new Map<string, string[]>();
      for (const r of records) {
        if (r.type === 'TXT') txt.set(r.name, [...(txt.get(r.name) ?? []), r.value]);
        else if (r.type === 'CNAME') dns.set(r.name, 'CNAME', [r.value]);
        else if (r.type === 'MX') dns.set(r.name, 'MX', [{ exchange: r.value, priority: r.priority ?? 10 }]);
      }
      for (const [name, values] of txt) dns.set(name, 'TXT', values);
    },
    async drain() {
      // Idle poller and an empty queue (nothing visible, nothing in flight) mean every check ran.
      for (;;) {
        await stack.verifierIdle();
        const out = await stack.sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: stack.queues.queueUrl,
            AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
          }),
        );
        if (
          Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) +
            Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0) ===
          0
        )
          return;
      }
    },
    webhooksIdle: () => stack.webhooksIdle(),
    async stop() {
      await stack.stop();
      await dns.close();
    },
  };
}
