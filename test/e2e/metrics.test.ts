/**
 * The application's metrics, with metrics on (every other test run turns them off): the code paths
 * that emit each name in METRIC run through the local stack, and the CloudWatch EMF lines they print
 * must carry every metric the synthesized stack's alarms and dashboard read, with the same
 * namespace and exactly the same dimensions (a metric emitted with one dimension more or less is a
 * different series, and its alarm would never fire).
 */

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { marshall } from '@aws-sdk/util-dynamodb';
import { jest } from '@jest/globals';
import { domainKey, webhookKey } from '../../src/adapters/table-keys.js';
import { METRIC } from '../../src/deployment.js';
import { build, flatten } from '../infra/helpers.js';
import { type E2E, startE2E } from '../support/e2e.js';

/** One metric series: namespace, name and dimensions (sorted `name=value`). */
interface Series {
  readonly namespace: string;
  readonly name: string;
  readonly dimensions: string;
}
const seriesKey = (s: Series) => `${s.namespace}/${s.name} {${s.dimensions}}`;
const dims = (pairs: Array<[string, unknown]>) =>
  pairs
    .map(([k, v]) => `${k}=${String(v)}`)
    .sort()
    .join(' ');

const emitted: Series[] = [];
let e2e: E2E;
let key: string;

beforeAll(async () => {
  // Powertools prints EMF through its own console on process.stdout: read every line it writes.
  const write = process.stdout.write.bind(process.stdout);
  jest.spyOn(process.stdout, 'write').mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
    const lines = String(chunk).split('\n');
    for (const line of lines) {
      if (!line.includes('"_aws"')) continue;
      const emf = JSON.parse(line) as Record<string, unknown> & {
        _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] };
      };
      for (const directive of emf._aws.CloudWatchMetrics)
        for (const names of directive.Dimensions)
          for (const metric of directive.Metrics)
            emitted.push({
              namespace: directive.Namespace,
              name: metric.Name,
              dimensions: dims(names.map((n) => [n, emf[n]])),
            });
    }
    // EMF lines are read here, not printed: the rest of the output still reaches the console.
    const others = lines.filter((line) => !line.includes('"_aws"')).join('\n');
    if (others.trim() === '') return true;
    return (write as (...a: unknown[]) => boolean)(others, ...rest);
  }) as typeof process.stdout.write);
  e2e = await startE2E({
    env: {
      POWERTOOLS_METRICS_DISABLED: 'false',
      // Receivers listen on 127.0.0.1; a failing delivery is tried twice, a second apart.
      WEBHOOKS_ALLOW_LOCAL_TARGETS: '1',
      WEBHOOK_RETRY_SCHEDULE_SECONDS: '1',
    },
  });
  key = (await e2e.newKey('team-m', ['domains:manage', 'webhooks:manage'])).plaintext;
}, 60_000);

afterAll(async () => {
  await e2e?.stop();
  jest.restoreAllMocks();
});

/** Every application metric the stack's alarms and dashboard read, from the synthesized template. */
function readByTheStack(names: readonly string[]): Series[] {
  const { template } = build({ stage: 'prod' });
  const out: Series[] = [];
  for (const { Properties: p } of Object.values(template.findResources('AWS::CloudWatch::Alarm')) as {
    Properties: Record<string, unknown>;
  }[]) {
    const stats = [
      ...(((p.Metrics as { MetricStat?: { Metric: unknown } }[] | undefined) ?? []).flatMap((m) =>
        m.MetricStat ? [m.MetricStat.Metric] : [],
      ) as { Namespace: string; MetricName: string; Dimensions?: { Name: string; Value: unknown }[] }[]),
      ...(p.MetricName ? [p as { Namespace: string; MetricName: string; Dimensions?: [] }] : []),
    ];
    for (const m of stats)
      out.push({
        namespace: m.Namespace,
        name: m.MetricName,
        dimensions: dims((m.Dimensions ?? []).map((d) => [d.Name, flatten(d.Value)])),
      });
  }
  for (const { Properties: p } of Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as {
    Properties: { DashboardBody: unknown };
  }[]) {
    const body = JSON.parse(flatten(p.DashboardBody)) as { widgets: { properties: { metrics?: unknown[][] } }[] };
    for (const widget of body.widgets)
      for (const metric of widget.properties.metrics ?? []) {
        const [namespace, name, ...rest] = metric.filter((part) => typeof part === 'string') as string[];
        const pairs: Array<[string, string]> = [];
        for (let i = 0; i + 1 < rest.length; i += 2) pairs.push([rest[i]!, rest[i + 1]!]);
        out.push({ namespace: namespace!, name: name!, dimensions: dims(pairs) });
      }
  }
  return out.filter((s) => names.includes(s.name));
}

async function create(
  domain: string,
): Promise<{ id: string; records: { type: string; name: string; value: string; priority: number | null }[] }> {
  const res = await e2e.request('POST', '/domains', { key, body: { domain } });
  expect(res.status).toBe(201);
  return { id: res.json.data.id, records: res.json.data.dns_records };
}

async function verify(id: string): Promise<string> {
  expect((await e2e.request('POST', `/domains/${id}/verify`, { key })).status).toBe(200);
  await e2e.drain();
  return (await e2e.request('GET', `/domains/${id}`, { key })).json.data.status;
}

async function queueCheck(id: string, reason: 'user' | 'schedule') {
  await e2e.stack.sqs.send(
    new SendMessageCommand({
      QueueUrl: e2e.stack.queues.queueUrl,
      MessageBody: JSON.stringify({ teamId: 'team-m', domainId: id, requestedAt: new Date().toISOString(), reason }),
    }),
  );
  await e2e.drain();
}

it('emits every metric the alarms and dashboard read, with their namespace and dimensions', async () => {
  // Created, then verified after one throttled SES call the SDK retried: VerificationCheck verified,
  // StatusTransition to verified, SesRetry.
  const good = await create('good.metrics.example.com');
  e2e.publish(good.records);
  e2e.stack.ses.throttle({ failNext: 1 });
  expect(await verify(good.id)).toBe('verified');

  // It loses a DKIM record: pending, StatusTransition to pending.
  e2e.dns.remove(good.records[1]!.name);
  expect(await verify(good.id)).toBe('pending');

  // A CNAME to the wrong target: failed, StatusTransition to failed.
  const wrong = await create('wrong.metrics.example.com');
  e2e.publish(wrong.records);
  e2e.dns.set(wrong.records[2]!.name, 'CNAME', ['elsewhere.example.net']);
  expect(await verify(wrong.id)).toBe('failed');

  // SES throttles every attempt of a check: SesThrottled (the queue then retries it). Enough
  // failures that at least one delivery exhausts the SDK's attempts, well within the DLQ's receives.
  const throttled = await create('throttled.metrics.example.com');
  e2e.stack.ses.throttle({ failNext: 8 });
  await verify(throttled.id);

  // Deleted, then its check arrives: DomainDeleted, VerificationCheck skipped.
  expect((await e2e.request('DELETE', `/domains/${throttled.id}`, { key })).status).toBe(200);
  await queueCheck(throttled.id, 'user');

  // Never verified and long past its window: the scheduled check releases it (DomainReleased).
  const stale = await create('stale.metrics.example.com');
  const longAgo = new Date(Date.now() - 60 * 24 * 3_600_000).toISOString();
  await e2e.stack.ddb.send(
    new UpdateItemCommand({
      TableName: e2e.stack.tableName,
      Key: marshall(domainKey('team-m', stale.id)),
      UpdateExpression: 'SET createdAt = :t, verifyRequestedAt = :t',
      ExpressionAttributeValues: { ':t': { S: longAgo } },
    }),
  );
  await queueCheck(stale.id, 'schedule');
  expect((await e2e.request('GET', `/domains/${stale.id}`, { key })).status).toBe(404);

  // Webhooks: an endpoint that answers 200 (WebhookDelivered), one that fails every time
  // (WebhookRetried, then WebhookFailed), one gone (WebhookDisabled, reason gone) and one that has
  // been failing for six days (WebhookDisabled, reason failing_for_5_days); then one event for all.
  const answers: Record<string, number> = { '/ok': 200, '/fail': 500, '/gone': 410, '/stale': 500 };
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(answers[req.url ?? ''] ?? 404).end());
  });
  await new Promise<void>((done) => receiver.listen(0, '127.0.0.1', done));
  const base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  const hook = async (path: string): Promise<string> => {
    const res = await e2e.request('POST', '/webhooks', { key, body: { url: `${base}${path}` } });
    expect(res.status).toBe(201);
    return res.json.data.id;
  };
  for (const path of ['/ok', '/fail', '/gone']) await hook(path);
  const failing = await hook('/stale');
  await e2e.stack.ddb.send(
    new UpdateItemCommand({
      TableName: e2e.stack.tableName,
      Key: marshall(webhookKey('team-m', failing)),
      UpdateExpression: 'SET failingSince = :t',
      ExpressionAttributeValues: { ':t': { S: new Date(Date.now() - 6 * 24 * 3_600_000).toISOString() } },
    }),
  );
  await create('hooks.metrics.example.com');
  await e2e.webhooksIdle();
  await new Promise<void>((done) => receiver.close(() => done()));

  const names = Object.values(METRIC);
  const wanted = readByTheStack(names);
  // The stack reads every application metric but DomainReleased (counted, not graphed).
  expect(new Set(wanted.map((s) => s.name))).toEqual(new Set(names.filter((n) => n !== METRIC.domainReleased)));
  const got = new Set(emitted.map(seriesKey));
  expect(wanted.map(seriesKey).filter((s) => !got.has(s))).toEqual([]);

  // A name the stack does not read is still emitted in the stack's namespace, with its service.
  const service = wanted.find((s) => s.name === METRIC.domainCreated)!;
  expect(got).toContain(seriesKey({ ...service, name: METRIC.domainReleased }));
}, 120_000);
