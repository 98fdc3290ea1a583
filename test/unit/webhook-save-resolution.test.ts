/**
 * Saving an endpoint resolves its host name (through `DNS_SERVERS`, here a test DNS server) and
 * refuses the URL when any address is one webhooks may not reach, on create and on PATCH, before
 * any KMS call or write. A name without addresses, one whose server fails and one whose server never
 * answers are accepted: each attempt resolves and checks the name again.
 */
import './support/env.js';
import { EncryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { type DnsTestServer, startDnsServer } from '../support/dns-server.js';
import { ddbMock, resetAwsMocks } from './support/aws.js';

const kmsMock = mockClient(KMSClient);
const caller = { teamId: 'team-a', keyId: 'key-a' };
const ID = '7d2c4e1a-9b3f-4c8e-a1d5-2f6b8c0e4a97';

let dns: DnsTestServer;
let endpoints: typeof import('../../src/services/webhooks/endpoints.js');

beforeAll(async () => {
  dns = await startDnsServer();
  // Deployed settings: no local receivers.
  Object.assign(process.env, { DNS_SERVERS: dns.address, WEBHOOK_KMS_KEY_ID: 'unit-test-key' });
  delete process.env.WEBHOOKS_ALLOW_LOCAL_TARGETS;
  endpoints = await import('../../src/services/webhooks/endpoints.js');
});

afterAll(async () => {
  await dns.close();
});

beforeEach(() => {
  resetAwsMocks();
  kmsMock.reset();
  kmsMock.on(EncryptCommand).resolves({ CiphertextBlob: Buffer.from('sealed') });
  ddbMock.on(TransactWriteCommand).resolves({});
  dns.clear();
});

/** The error a save ends in, or null when it was stored. */
async function saving(url: string, how: 'create' | 'patch'): Promise<{ code: string; field: unknown } | null> {
  try {
    if (how === 'create') await endpoints.createWebhook(caller, { url });
    else await endpoints.updateWebhook(caller, ID, { url });
    return null;
  } catch (error) {
    const e = error as { code?: string; details?: { field?: unknown } };
    if (e.code === undefined) throw error;
    return { code: e.code, field: e.details?.field };
  }
}

describe.each(['create', 'patch'] as const)('%s', (how) => {
  it.each([
    ['a private IPv4 address', 'A', '10.0.0.5'],
    ['a loopback address', 'A', '127.0.0.1'],
    ['the metadata address', 'A', '169.254.169.254'],
    ['a CGNAT address', 'A', '100.64.0.9'],
    ['IPv6 loopback', 'AAAA', '::1'],
    ['a unique-local IPv6 address', 'AAAA', 'fc00::7'],
    ['an IPv4-mapped private address', 'AAAA', '::ffff:10.0.0.5'],
  ] as const)(
    'refuses a name resolving to %s: 400 validation_error on url, nothing written',
    async (_what, type, ip) => {
      dns.set('hooks.team-a.example', type, [ip]);
      expect(await saving('https://hooks.team-a.example/in', how)).toEqual({ code: 'validation_error', field: 'url' });
      expect(kmsMock.calls()).toHaveLength(0);
      expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(0);
      expect(ddbMock.commandCalls(UpdateCommand)).toHaveLength(0);
    },
  );

  it('refuses a name with one public and one private address, and names the refused one', async () => {
    dns.set('mixed.team-a.example', 'A', ['93.184.215.14', '10.1.2.3']);
    await expect(
      how === 'create'
        ? endpoints.createWebhook(caller, { url: 'https://mixed.team-a.example./' })
        : endpoints.updateWebhook(caller, ID, { url: 'https://mixed.team-a.example./' }),
    ).rejects.toThrow(/resolves to a refused address \(10\.1\.2\.3 is a private address\)/);
  });

  it('refuses a name whose CNAME leads to a private address', async () => {
    dns.set('alias.team-a.example', 'CNAME', ['inside.team-a.example']);
    dns.set('inside.team-a.example', 'A', ['192.168.7.7']);
    expect(await saving('https://alias.team-a.example/', how)).toEqual({ code: 'validation_error', field: 'url' });
  });
});

describe('accepted names', () => {
  it.each([
    ['a name with public addresses only', () => dns.set('hooks.team-a.example', 'A', ['93.184.215.14'])],
    [
      'a public IPv6 address',
      () => dns.set('hooks.team-a.example', 'AAAA', ['2606:2800:21f:cb07:6820:80da:af6b:8b2c']),
    ],
    ['a name that does not exist (yet)', () => undefined],
    ['a name whose server fails', () => dns.fail('hooks.team-a.example', 'servfail')],
  ])('stores %s', async (_what, given) => {
    given();
    ddbMock.on(UpdateCommand).resolves({ Attributes: undefined });
    expect(await saving('https://hooks.team-a.example/in', 'create')).toBeNull();
    expect(ddbMock.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });

  it('stores a name whose server never answers, after the lookup deadline', async () => {
    dns.fail('slow.team-a.example', 'timeout');
    const started = Date.now();
    expect(await saving('https://slow.team-a.example/in', 'create')).toBeNull();
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(endpoints.SAVE_LOOKUP_TIMEOUT_MS - 100);
    expect(waited).toBeLessThan(endpoints.SAVE_LOOKUP_TIMEOUT_MS + 1500);
  }, 10_000);

  it('does not resolve literal addresses: the URL rules judge them', async () => {
    expect(await saving('https://93.184.215.14/in', 'create')).toBeNull();
    expect(await saving('https://10.0.0.5/in', 'create')).toEqual({ code: 'validation_error', field: 'url' });
  });
});
