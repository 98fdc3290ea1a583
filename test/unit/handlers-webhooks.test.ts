/**
 * The webhook endpoint handlers (functions/*-webhook*.ts) over mocked DynamoDB and KMS: what each
 * answers, what it stores (a sealed secret, never the plain one), the URL and body rules, the limit,
 * another team's id, and the test event as a receiver on 127.0.0.1 gets it, checked with the
 * `standardwebhooks` package.
 */
import './support/env.js';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DecryptCommand, EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { jest } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { Webhook } from 'standardwebhooks';
import { webhookKey } from '../../src/adapters/table-keys.js';
import { toItem, type WebhookEndpoint } from '../../src/adapters/webhooks-table/item.js';
import { DOMAIN_EVENT_TYPES } from '../../src/domain/webhook-endpoint.js';
import { type DnsTestServer, startDnsServer } from '../support/dns-server.js';
import { validateResponse } from '../support/openapi-validate.js';
import { ddbMock, errors, givenApiKey, resetAwsMocks, type TestKey } from './support/aws.js';
import { httpEvent } from './support/events.js';
import { expectError, invoke, type Reply } from './support/responses.js';

const kmsMock = mockClient(KMSClient);
const KEY_ARN = 'arn:aws:kms:eu-central-1:123456789012:key/unit-test';
const ID = '7d2c4e1a-9b3f-4c8e-a1d5-2f6b8c0e4a97';
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const OLD_SECRET = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';

/** What the mocked KMS makes of a secret: reversible, and clearly not the secret itself. */
const seal = (secret: string) => Buffer.from(`sealed:${secret}`).toString('base64');

type Handler = unknown;
const handlers: Record<string, Handler> = {};
const NAMES = [
  'create-webhook',
  'list-webhooks',
  'get-webhook',
  'update-webhook',
  'delete-webhook',
  'rotate-webhook-secret',
  'test-webhook',
] as const;
const PATHS: Record<(typeof NAMES)[number], [string, string]> = {
  'create-webhook': ['POST', '/webhooks'],
  'list-webhooks': ['GET', '/webhooks'],
  'get-webhook': ['GET', '/webhooks/{id}'],
  'update-webhook': ['PATCH', '/webhooks/{id}'],
  'delete-webhook': ['DELETE', '/webhooks/{id}'],
  'rotate-webhook-secret': ['POST', '/webhooks/{id}/rotate-secret'],
  'test-webhook': ['POST', '/webhooks/{id}/test'],
};

let key: TestKey;
let receiver: Server;
let receiverUrl: string;
let received: { headers: IncomingMessage['headers']; body: string }[] = [];
let receiverStatus = 204;
const logged: string[] = [];
let dns: DnsTestServer;

beforeAll(async () => {
  // Read when the handlers are first imported (below): a local receiver, and logs on to be searched.
  Object.assign(process.env, {
    WEBHOOK_KMS_KEY_ID: KEY_ARN,
    WEBHOOKS_ALLOW_LOCAL_TARGETS: '1',
    MAX_WEBHOOKS_PER_TEAM: '3',
    POWERTOOLS_LOG_LEVEL: 'DEBUG',
  });
  // A save resolves the URL's host: an empty zone answers every name "no such name", never the network.
  dns = await startDnsServer();
  process.env.DNS_SERVERS = dns.address;
  for (const name of NAMES) handlers[name] = (await import(`../../functions/${name}.js`)).handler;
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(receiverStatus).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
});

afterAll(async () => {
  await new Promise((resolve) => receiver.close(resolve));
  await dns.close();
});

let writeSpy: ReturnType<typeof jest.spyOn>;
beforeEach(() => {
  resetAwsMocks();
  kmsMock.reset();
  kmsMock.on(EncryptCommand).callsFake((input: { Plaintext: Uint8Array }) => ({
    CiphertextBlob: Buffer.from(`sealed:${Buffer.from(input.Plaintext).toString('utf8')}`),
  }));
  kmsMock.on(DecryptCommand).callsFake((input: { CiphertextBlob: Uint8Array }) => ({
    Plaintext: Buffer.from(
      Buffer.from(input.CiphertextBlob)
        .toString('utf8')
        .replace(/^sealed:/, ''),
    ),
  }));
  ddbMock.on(TransactWriteCommand).resolves({});
  key = givenApiKey({ scopes: ['webhooks:manage'] });
  received = [];
  receiverStatus = 204;
  logged.length = 0;
  writeSpy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    logged.push(String(chunk));
    return true;
  });
});
afterEach(() => writeSpy.mockRestore());

function endpoint(overrides: Partial<WebhookEndpoint> = {}): WebhookEndpoint {
  return {
    id: ID,
    teamId: 'team-a',
    url: receiverUrl,
    events: [...DOMAIN_EVENT_TYPES],
    description: null,
    enabled: true,
    disabledReason: null,
    failingSince: null,
    createdAt: '2026-01-15T10:00:00.000Z',
    updatedAt: '2026-01-15T10:00:00.000Z',
    secretSealed: seal(SECRET),
    previousSecretSealed: null,
    previousSecretUntil: null,
    ...overrides,
  };
}

function givenWebhook(e: WebhookEndpoint): void {
  ddbMock.on(GetCommand, { Key: webhookKey(e.teamId, e.id) }).resolves({ Item: toItem(e) });
}

async function call(name: (typeof NAMES)[number], body?: unknown, id = ID): Promise<Reply> {
  const [method, path] = PATHS[name];
  const reply = await invoke(
    handlers[name],
    httpEvent(method, path, {
      headers: { authorization: `Bearer ${key.plaintext}`, 'content-type': 'application/json' },
      ...(path.includes('{id}') ? { pathParameters: { id } } : {}),
      ...(body === undefined ? {} : { body }),
    }),
  );
  // Every answer is one docs/openapi.json documents.
  validateResponse(method, path.replace('{id}', ID), reply.status, reply.body);
  return reply;
}

/** No log line and no table write may carry a plain secret. */
function expectSecretNowhere(...secrets: string[]): void {
  const writes = JSON.stringify(ddbMock.calls().map((c) => c.args[0].input));
  for (const secret of secrets) {
    expect(writes).not.toContain(secret);
    expect(logged.join('')).not.toContain(secret);
  }
}

describe('POST /webhooks', () => {
  it('201 with the secret once; stores it sealed for this team and endpoint, every domain event by default', async () => {
    const reply = await call('create-webhook', { url: 'https://hooks.example.com/krafter', description: 'prod' });
    expect(reply.status).toBe(201);
    const { secret, ...shown } = reply.body.data;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(secret.slice('whsec_'.length), 'base64')).toHaveLength(32);
    expect(shown).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      url: 'https://hooks.example.com/krafter',
      events: [...DOMAIN_EVENT_TYPES],
      description: 'prod',
      enabled: true,
      disabled_reason: null,
      failing_since: null,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
    });
    expect(kmsMock).toHaveReceivedCommandWith(EncryptCommand, {
      KeyId: KEY_ARN,
      EncryptionContext: { team: 'team-a', webhook: shown.id },
    });
    const put = ddbMock.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems![0]!.Put!.Item!;
    expect(put.secretSealed).toBe(seal(secret));
    // The access log line was written (and searched): the secret is not in it.
    expect(logged.join('')).toContain('"message":"request"');
    expectSecretNowhere(secret);
  });

  it.each([
    ['a private address', 'https://10.0.0.7/hook'],
    ['the metadata address', 'https://169.254.169.254/latest'],
    ['a private address in hex', 'https://0x0a000001/'],
    ['an IPv4-mapped IPv6 address', 'https://[::ffff:10.0.0.1]/'],
    ['a unique-local IPv6 address', 'https://[fd00::1]/'],
    ['credentials in the URL', 'https://user:pass@hooks.example.com/'],
    ['ftp', 'ftp://hooks.example.com/'],
    ['not a URL', 'hooks'],
  ])('400 on url for %s, before any KMS call or write (even with local receivers allowed)', async (_what, url) => {
    const reply = await call('create-webhook', { url });
    expectError(reply, 400, 'validation_error', { field: 'url' });
    expect(kmsMock.calls()).toHaveLength(0);
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it.each([
    ['no url', { url: undefined }, 'url'],
    ['no event types', { events: [] }, 'events'],
    ['an unknown event type', { events: ['domain.created', 'domain.exploded'] }, 'events.1'],
    ['the test event', { events: ['webhook.test'] }, 'events.0'],
    ['a type twice', { events: ['domain.created', 'domain.created'] }, 'events'],
    ['a description over 256 characters', { description: 'x'.repeat(257) }, 'description'],
    ['an unknown field', { secret: SECRET }, 'secret'],
  ])('400 for %s', async (_what, fields, field) => {
    const reply = await call('create-webhook', { url: 'https://hooks.example.com/', ...fields });
    expectError(reply, 400, 'validation_error', { field });
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(0);
  });

  it("403 webhook_limit_reached past the team's limit", async () => {
    ddbMock
      .on(TransactWriteCommand)
      .rejects(errors.transactionCanceled([{ Code: 'None' }, { Code: 'ConditionalCheckFailed' }]));
    const reply = await call('create-webhook', { url: 'https://hooks.example.com/' });
    expectError(reply, 403, 'webhook_limit_reached', { limit: 3 });
  });
});

describe('reading, changing and deleting', () => {
  it('GET one and the list show no secret, sealed or not', async () => {
    const e = endpoint({ previousSecretSealed: seal(OLD_SECRET), previousSecretUntil: '2999-01-01T00:00:00.000Z' });
    givenWebhook(e);
    ddbMock.on(QueryCommand).resolves({ Items: [toItem(e)] });
    const one = await call('get-webhook');
    const list = await call('list-webhooks');
    expect(one.body.data).toEqual(list.body.data[0]);
    for (const raw of [one.raw, list.raw]) {
      expect(raw).not.toMatch(/secret|sealed/i);
      expect(raw).not.toContain(SECRET);
    }
  });

  it("404 webhook_not_found for another team's endpoint, an unknown id and a malformed one", async () => {
    givenWebhook(endpoint({ teamId: 'team-b' }));
    expectError(await call('get-webhook'), 404, 'webhook_not_found');
    expectError(await call('get-webhook', undefined, 'not-an-id'), 404, 'webhook_not_found');
    ddbMock.on(UpdateCommand).rejects(errors.conditionalCheckFailed());
    ddbMock.on(TransactWriteCommand).rejects(errors.transactionCanceled([{ Code: 'ConditionalCheckFailed' }]));
    expectError(await call('update-webhook', { enabled: false }), 404, 'webhook_not_found');
    expectError(await call('delete-webhook'), 404, 'webhook_not_found');
    expectError(await call('rotate-webhook-secret'), 404, 'webhook_not_found');
    expectError(await call('test-webhook'), 404, 'webhook_not_found');
    expect(kmsMock.calls()).toHaveLength(0);
    expect(received).toHaveLength(0);
  });

  it('PATCH checks a new URL like the create, and needs at least one field', async () => {
    expectError(await call('update-webhook', { url: 'https://192.168.1.1/' }), 400, 'validation_error', {
      field: 'url',
    });
    expectError(await call('update-webhook', {}), 400, 'validation_error');
    expect(ddbMock.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('PATCH enabling again answers the endpoint without its disabled reason', async () => {
    ddbMock.on(UpdateCommand).resolves({ Attributes: toItem(endpoint()) });
    const reply = await call('update-webhook', { enabled: true, description: null });
    expect(reply.status).toBe(200);
    expect(reply.body.data).toMatchObject({ enabled: true, disabled_reason: null, description: null });
    // null removes the description; nothing else is written in its place.
    const update = ddbMock.commandCalls(UpdateCommand)[0]!.args[0].input;
    expect(update.UpdateExpression).toMatch(/REMOVE .*#description/);
    expect(update.ExpressionAttributeValues).not.toHaveProperty(':description');
  });

  it('DELETE answers deleted', async () => {
    const reply = await call('delete-webhook');
    expect(reply.body).toEqual({ data: { deleted: true } });
  });
});

describe('POST /webhooks/{id}/rotate-secret', () => {
  it('answers a new secret, sealed for the endpoint; the old one stays valid for 24 hours', async () => {
    givenWebhook(endpoint());
    ddbMock.on(UpdateCommand).resolves({ Attributes: toItem(endpoint()) });
    const before = Date.now();
    const reply = await call('rotate-webhook-secret');
    expect(Object.keys(reply.body.data)).toEqual(['secret']);
    const secret = reply.body.data.secret as string;
    expect(secret).toMatch(/^whsec_/);
    expect(secret).not.toBe(SECRET);
    const update = ddbMock.commandCalls(UpdateCommand)[0]!.args[0].input;
    const values = Object.values(update.ExpressionAttributeValues ?? {});
    expect(values).toContain(seal(secret));
    const until = values.find((x) => typeof x === 'string' && /^\d{4}-/.test(x) && Date.parse(x) > before + 3_600_000);
    expect(Date.parse(until as string) - before).toBeGreaterThanOrEqual(24 * 3_600_000 - 1000);
    expect(Date.parse(until as string) - before).toBeLessThanOrEqual(24 * 3_600_000 + 5000);
    expect(update.UpdateExpression).toContain('#previousSecretSealed = #secretSealed');
    expectSecretNowhere(secret);
  });
});

describe('POST /webhooks/{id}/test', () => {
  const verify = (secret: string, r: { headers: IncomingMessage['headers']; body: string }) =>
    new Webhook(secret).verify(r.body, r.headers as Record<string, string>);

  it('sends a signed webhook.test event at once and answers what happened', async () => {
    givenWebhook(endpoint());
    const reply = await call('test-webhook');
    expect(reply.body.data).toEqual({
      delivered: true,
      status_code: 204,
      duration_ms: expect.any(Number),
      error: null,
    });
    expect(received).toHaveLength(1);
    const event = verify(SECRET, received[0]!);
    expect(event).toEqual({
      type: 'webhook.test',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      data: { webhook_id: ID },
    });
    expect(received[0]!.headers['webhook-id']).toMatch(/^msg_/);
    expect(received[0]!.headers['content-type']).toMatch(/^application\/json/);
    expect(kmsMock).toHaveReceivedCommandWith(DecryptCommand, {
      EncryptionContext: { team: 'team-a', webhook: ID },
    });
    expectSecretNowhere(SECRET);
  });

  it('signs with the previous secret too while it is valid, and not after', async () => {
    givenWebhook(endpoint({ previousSecretSealed: seal(OLD_SECRET), previousSecretUntil: '2999-01-01T00:00:00.000Z' }));
    await call('test-webhook');
    expect(String(received[0]!.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verify(SECRET, received[0]!)).toMatchObject({ type: 'webhook.test' });
    expect(verify(OLD_SECRET, received[0]!)).toMatchObject({ type: 'webhook.test' });

    givenWebhook(endpoint({ previousSecretSealed: seal(OLD_SECRET), previousSecretUntil: '2026-01-01T00:00:00.000Z' }));
    await call('test-webhook');
    expect(String(received[1]!.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(() => verify(OLD_SECRET, received[1]!)).toThrow();
  });

  it('sends to a disabled endpoint too, and reports a failing receiver without retrying', async () => {
    givenWebhook(endpoint({ enabled: false, disabledReason: 'gone' }));
    receiverStatus = 500;
    const reply = await call('test-webhook');
    expect(reply.status).toBe(200);
    expect(reply.body.data).toMatchObject({ delivered: false, status_code: 500, error: expect.any(String) });
    expect(received).toHaveLength(1);
  });

  it('reports a refused address as not delivered, without connecting', async () => {
    givenWebhook(endpoint({ url: 'http://10.0.0.7/hook' }));
    const reply = await call('test-webhook');
    expect(reply.body.data).toMatchObject({ delivered: false, status_code: null, error: expect.any(String) });
    expect(received).toHaveLength(0);
  });
});
