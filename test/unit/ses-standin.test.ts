/**
 * The SES stand-in, driven by the real SES v2 and v1 SDK clients, with statuses decided by the
 * records the dns2 test server publishes and time moved by a fake clock.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteIdentityCommand, SESClient, VerifyDomainIdentityCommand } from '@aws-sdk/client-ses';
import {
  CreateEmailIdentityCommand,
  DeleteEmailIdentityCommand,
  GetEmailIdentityCommand,
  type GetEmailIdentityCommandOutput,
  ListEmailIdentitiesCommand,
  PutEmailIdentityDkimSigningAttributesCommand,
  PutEmailIdentityMailFromAttributesCommand,
  SESv2Client,
} from '@aws-sdk/client-sesv2';
import { type SesStandIn, type SesStandInOptions, startSesStandIn } from '../../local/ses-standin/index.js';
import { rsaKey } from '../support/dkim-keys.js';
import { type DnsTestServer, startDnsServer } from '../support/dns-server.js';

const REGION = 'eu-central-1';
const HOUR = 3600 * 1000;
const START = Date.parse('2026-11-02T10:00:00Z');

let dns: DnsTestServer;
let ses: SesStandIn;
let clock = START;
let v2: SESv2Client;
let v1: SESClient;

const clients = (url: string, requestTimeout?: number) => {
  const config = {
    endpoint: url,
    region: REGION,
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
    maxAttempts: 1,
    ...(requestTimeout && { requestHandler: { requestTimeout, throwOnRequestTimeout: true } }),
  };
  return { v2: new SESv2Client(config), v1: new SESClient(config) };
};
const start = (options: SesStandInOptions = {}) =>
  startSesStandIn({ dnsServers: dns.address, region: REGION, now: () => clock, ...options });

beforeAll(async () => {
  dns = await startDnsServer();
  ses = await start();
  ({ v2, v1 } = clients(ses.url));
});
afterAll(async () => {
  v2.destroy();
  v1.destroy();
  await ses.close();
  await dns.close();
});
beforeEach(() => {
  ses.reset();
  dns.clear();
  clock = START;
});

interface SdkError {
  name: string;
  message: string;
  $metadata: { httpStatusCode?: number };
}
async function failure(promise: Promise<unknown>): Promise<SdkError> {
  try {
    await promise;
  } catch (error) {
    return error as SdkError;
  }
  throw new Error('expected the call to fail');
}

const create = async (domain: string) => {
  const out = await v2.send(new CreateEmailIdentityCommand({ EmailIdentity: domain }));
  return out.DkimAttributes?.Tokens ?? [];
};
const get = (domain: string): Promise<GetEmailIdentityCommandOutput> =>
  v2.send(new GetEmailIdentityCommand({ EmailIdentity: domain }));
const publishDkim = (domain: string, tokens: string[]) => {
  for (const token of tokens) dns.set(`${token}._domainkey.${domain}`, 'CNAME', [`${token}.dkim.amazonses.com`]);
};
const setMailFrom = (domain: string, mailFrom: string) =>
  v2.send(
    new PutEmailIdentityMailFromAttributesCommand({
      EmailIdentity: domain,
      MailFromDomain: mailFrom,
      BehaviorOnMxFailure: 'USE_DEFAULT_VALUE',
    }),
  );

describe('CreateEmailIdentity', () => {
  it('creates an Easy DKIM domain identity with three 32-character tokens', async () => {
    const out = await v2.send(new CreateEmailIdentityCommand({ EmailIdentity: 'example.com' }));
    expect(out.IdentityType).toBe('DOMAIN');
    expect(out.VerifiedForSendingStatus).toBe(false);
    expect(out.DkimAttributes).toMatchObject({
      SigningEnabled: true,
      Status: 'PENDING',
      SigningAttributesOrigin: 'AWS_SES',
    });
    const tokens = out.DkimAttributes?.Tokens ?? [];
    expect(tokens).toHaveLength(3);
    for (const token of tokens) expect(token).toMatch(/^[a-z0-9]{32}$/);
    expect(new Set(tokens).size).toBe(3);
    expect(ses.identities()).toEqual(['example.com']);
  });

  it('answers AlreadyExistsException (400) for an identity that exists, whatever its case', async () => {
    await create('example.com');
    const error = await failure(create('EXAMPLE.com'));
    expect(error.name).toBe('AlreadyExistsException');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toContain('example.com');
  });

  it('answers BadRequestException for a name that is not a domain', async () => {
    const error = await failure(create('not a domain'));
    expect(error.name).toBe('BadRequestException');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(ses.identities()).toEqual([]);
  });

  it('answers LimitExceededException past the identity quota', async () => {
    const small = await start({ maxIdentities: 1 });
    const c = clients(small.url);
    try {
      await c.v2.send(new CreateEmailIdentityCommand({ EmailIdentity: 'one.example' }));
      const error = await failure(c.v2.send(new CreateEmailIdentityCommand({ EmailIdentity: 'two.example' })));
      expect(error.name).toBe('LimitExceededException');
    } finally {
      c.v2.destroy();
      c.v1.destroy();
      await small.close();
    }
  });
});

describe('GetEmailIdentity and DeleteEmailIdentity', () => {
  it('answers NotFoundException (404) for an unknown identity', async () => {
    const error = await failure(get('unknown.example'));
    expect(error.name).toBe('NotFoundException');
    expect(error.$metadata.httpStatusCode).toBe(404);
  });

  it('deletes an identity, and answers NotFoundException when it is gone', async () => {
    await create('example.com');
    await create('other.example');
    await v2.send(new DeleteEmailIdentityCommand({ EmailIdentity: 'example.com' }));
    expect(ses.identities()).toEqual(['other.example']);
    expect((await failure(get('example.com'))).name).toBe('NotFoundException');
    const again = await failure(v2.send(new DeleteEmailIdentityCommand({ EmailIdentity: 'example.com' })));
    expect(again.name).toBe('NotFoundException');
  });

  it('lists identities with their last known status, page by page', async () => {
    const tokens = await create('b.example');
    await create('a.example');
    publishDkim('b.example', tokens);
    await get('b.example');
    const first = await v2.send(new ListEmailIdentitiesCommand({ PageSize: 1 }));
    expect(first.EmailIdentities).toEqual([
      { IdentityType: 'DOMAIN', IdentityName: 'a.example', SendingEnabled: false, VerificationStatus: 'PENDING' },
    ]);
    const second = await v2.send(new ListEmailIdentitiesCommand({ PageSize: 1, NextToken: first.NextToken }));
    expect(second.EmailIdentities).toEqual([
      { IdentityType: 'DOMAIN', IdentityName: 'b.example', SendingEnabled: true, VerificationStatus: 'SUCCESS' },
    ]);
    expect(second.NextToken).toBeUndefined();
  });
});

describe('statuses from DNS', () => {
  it('is PENDING with HOST_NOT_FOUND while no record is published', async () => {
    await create('example.com');
    clock += HOUR;
    const out = await get('example.com');
    expect(out.VerificationStatus).toBe('PENDING');
    expect(out.VerifiedForSendingStatus).toBe(false);
    expect(out.DkimAttributes?.Status).toBe('PENDING');
    expect(out.VerificationInfo?.ErrorType).toBe('HOST_NOT_FOUND');
    expect(out.VerificationInfo?.LastCheckedTimestamp).toEqual(new Date(START + HOUR));
    expect(out.MailFromAttributes).toEqual({ BehaviorOnMxFailure: 'USE_DEFAULT_VALUE' });
  });

  it('is SUCCESS once the three DKIM CNAMEs point at dkim.amazonses.com', async () => {
    const tokens = await create('example.com');
    publishDkim('example.com', tokens);
    clock += HOUR;
    const out = await get('example.com');
    expect(out.VerificationStatus).toBe('SUCCESS');
    expect(out.VerifiedForSendingStatus).toBe(true);
    expect(out.DkimAttributes?.Status).toBe('SUCCESS');
    expect(out.VerificationInfo?.ErrorType).toBeUndefined();
    expect(out.VerificationInfo?.LastSuccessTimestamp).toEqual(new Date(START + HOUR));
  });

  it('stays PENDING while only two of the three CNAMEs are published', async () => {
    const tokens = await create('example.com');
    publishDkim('example.com', tokens.slice(0, 2));
    expect((await get('example.com')).VerificationStatus).toBe('PENDING');
  });

  it('reports INVALID_VALUE for a CNAME pointing elsewhere', async () => {
    const tokens = await create('example.com');
    publishDkim('example.com', tokens);
    dns.set(`${tokens[0]}._domainkey.example.com`, 'CNAME', ['somewhere.else.example']);
    const out = await get('example.com');
    expect(out.DkimAttributes?.Status).toBe('PENDING');
    expect(out.VerificationInfo?.ErrorType).toBe('INVALID_VALUE');
  });

  it('reports TYPE_NOT_FOUND when the DKIM name holds another record type', async () => {
    const tokens = await create('example.com');
    publishDkim('example.com', tokens);
    dns.remove(`${tokens[1]}._domainkey.example.com`);
    dns.set(`${tokens[1]}._domainkey.example.com`, 'TXT', ['v=DKIM1; p=abc']);
    expect((await get('example.com')).VerificationInfo?.ErrorType).toBe('TYPE_NOT_FOUND');
  });

  it('reports TEMPORARY_FAILURE with DNS_SERVER_ERROR when DNS fails', async () => {
    const tokens = await create('example.com');
    publishDkim('example.com', tokens);
    dns.fail(`${tokens[2]}._domainkey.example.com`, 'servfail');
    const out = await get('example.com');
    expect(out.VerificationStatus).toBe('TEMPORARY_FAILURE');
    expect(out.VerificationInfo?.ErrorType).toBe('DNS_SERVER_ERROR');
  });

  it('is still PENDING just before 72 hours, FAILED at 72 hours, and stays FAILED', async () => {
    const tokens = await create('example.com');
    clock = START + 72 * HOUR - 1000;
    expect((await get('example.com')).VerificationStatus).toBe('PENDING');
    clock = START + 72 * HOUR;
    const failed = await get('example.com');
    expect(failed.VerificationStatus).toBe('FAILED');
    expect(failed.DkimAttributes?.Status).toBe('FAILED');
    expect(failed.VerifiedForSendingStatus).toBe(false);
    publishDkim('example.com', tokens);
    clock += HOUR;
    expect((await get('example.com')).VerificationStatus).toBe('FAILED');
  });

  it('counts records first seen after the 72 hours as too late', async () => {
    const tokens = await create('example.com');
    publishDkim('example.com', tokens);
    clock = START + 80 * HOUR;
    expect((await get('example.com')).VerificationStatus).toBe('FAILED');
  });

  it('goes back to PENDING when a verified record disappears, then FAILED 72 hours after the loss', async () => {
    const tokens = await create('example.com');
    publishDkim('example.com', tokens);
    expect((await get('example.com')).VerificationStatus).toBe('SUCCESS');
    clock = START + 100 * HOUR;
    dns.remove(`${tokens[0]}._domainkey.example.com`);
    const lost = await get('example.com');
    expect(lost.VerificationStatus).toBe('PENDING');
    expect(lost.VerifiedForSendingStatus).toBe(false);
    clock = START + 171 * HOUR;
    expect((await get('example.com')).VerificationStatus).toBe('PENDING');
    clock = START + 172 * HOUR;
    expect((await get('example.com')).VerificationStatus).toBe('FAILED');
  });
});

describe('custom MAIL FROM', () => {
  const feedback = { exchange: `feedback-smtp.${REGION}.amazonses.com`, priority: 10 };

  it("is PENDING until the MX to this region's feedback endpoint is published, then SUCCESS", async () => {
    await create('example.com');
    await setMailFrom('example.com', 'bounce.example.com');
    expect((await get('example.com')).MailFromAttributes).toEqual({
      MailFromDomain: 'bounce.example.com',
      MailFromDomainStatus: 'PENDING',
      BehaviorOnMxFailure: 'USE_DEFAULT_VALUE',
    });
    dns.set('bounce.example.com', 'MX', [{ exchange: 'feedback-smtp.us-east-1.amazonses.com', priority: 10 }]);
    expect((await get('example.com')).MailFromAttributes?.MailFromDomainStatus).toBe('PENDING');
    dns.set('bounce.example.com', 'MX', [feedback]);
    expect((await get('example.com')).MailFromAttributes?.MailFromDomainStatus).toBe('SUCCESS');
  });

  it('does not see an MX shadowed by a CNAME on the MAIL FROM name', async () => {
    await create('example.com');
    await setMailFrom('example.com', 'bounce.example.com');
    dns.set('bounce.example.com', 'MX', [feedback]);
    dns.set('bounce.example.com', 'CNAME', ['elsewhere.example.net']);
    expect((await get('example.com')).MailFromAttributes?.MailFromDomainStatus).toBe('PENDING');
  });

  it('is FAILED 72 hours after it was set, TEMPORARY_FAILURE on a DNS error', async () => {
    await create('example.com');
    clock += 10 * HOUR;
    await setMailFrom('example.com', 'bounce.example.com');
    dns.fail('bounce.example.com', 'servfail');
    expect((await get('example.com')).MailFromAttributes?.MailFromDomainStatus).toBe('TEMPORARY_FAILURE');
    dns.remove('bounce.example.com');
    clock = START + 81 * HOUR;
    expect((await get('example.com')).MailFromAttributes?.MailFromDomainStatus).toBe('PENDING');
    clock = START + 82 * HOUR;
    expect((await get('example.com')).MailFromAttributes?.MailFromDomainStatus).toBe('FAILED');
  });

  it('rejects a MAIL FROM domain outside the identity, and an unknown identity, with BadRequestException', async () => {
    await create('example.com');
    expect((await failure(setMailFrom('example.com', 'bounce.other.example'))).name).toBe('BadRequestException');
    expect((await failure(setMailFrom('unknown.example', 'bounce.unknown.example'))).name).toBe('BadRequestException');
  });
});

describe('DKIM signing attributes', () => {
  const key = rsaKey(2048);
  const BYODKIM = { DomainSigningSelector: 'krafter1', DomainSigningPrivateKey: key.pkcs1Base64 };

  it('creates Easy DKIM with the key length asked for', async () => {
    await v2.send(
      new CreateEmailIdentityCommand({
        EmailIdentity: 'example.com',
        DkimSigningAttributes: { NextSigningKeyLength: 'RSA_1024_BIT' },
      }),
    );
    expect((await get('example.com')).DkimAttributes).toMatchObject({
      SigningAttributesOrigin: 'AWS_SES',
      NextSigningKeyLength: 'RSA_1024_BIT',
      CurrentSigningKeyLength: 'RSA_1024_BIT',
    });
  });

  it('creates BYODKIM: no tokens, EXTERNAL, SUCCESS once the TXT at the selector carries the public key', async () => {
    const out = await v2.send(
      new CreateEmailIdentityCommand({ EmailIdentity: 'example.com', DkimSigningAttributes: BYODKIM }),
    );
    expect(out.DkimAttributes).toMatchObject({ SigningAttributesOrigin: 'EXTERNAL', Tokens: [], Status: 'PENDING' });
    expect((await get('example.com')).DkimAttributes?.Status).toBe('PENDING');

    dns.set('krafter1._domainkey.example.com', 'TXT', [`v=DKIM1; k=rsa; p=${rsaKey(1024).publicKey}`]);
    expect((await get('example.com')).VerificationInfo?.ErrorType).toBe('INVALID_VALUE');

    // Longer than 255 bytes: the DNS server publishes it as several strings, which count as one value.
    dns.set('krafter1._domainkey.example.com', 'TXT', [`v=DKIM1; k=rsa; p=${key.publicKey}`]);
    const verified = await get('example.com');
    expect(verified.DkimAttributes?.Status).toBe('SUCCESS');
    expect(verified.VerifiedForSendingStatus).toBe(true);
  });

  it('accepts a PKCS#8 key, as SES does, but its DKIM never verifies (SES signs with PKCS#1 keys only)', async () => {
    const pkcs8 = key.privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
    await v2.send(
      new CreateEmailIdentityCommand({
        EmailIdentity: 'example.com',
        DkimSigningAttributes: { DomainSigningSelector: 'krafter1', DomainSigningPrivateKey: pkcs8 },
      }),
    );
    dns.set('krafter1._domainkey.example.com', 'TXT', [`v=DKIM1; k=rsa; p=${key.publicKey}`]);
    expect((await get('example.com')).DkimAttributes?.Status).toBe('PENDING');
    clock += 72 * HOUR;
    expect((await get('example.com')).DkimAttributes?.Status).toBe('FAILED');
  });

  it.each([
    ['a key that is not base64', { DomainSigningSelector: 'k1', DomainSigningPrivateKey: 'not base64!' }],
    ['a 512-bit key', { DomainSigningSelector: 'k1', DomainSigningPrivateKey: rsaKey(512).pkcs1Base64 }],
    ['a bad selector', { DomainSigningSelector: 'k.1', DomainSigningPrivateKey: key.pkcs1Base64 }],
  ])('refuses %s with BadRequestException and creates nothing', async (_what, attributes) => {
    const error = await failure(
      v2.send(new CreateEmailIdentityCommand({ EmailIdentity: 'example.com', DkimSigningAttributes: attributes })),
    );
    expect(error.name).toBe('BadRequestException');
    expect(ses.identities()).toEqual([]);
  });

  it('switches an identity between Easy DKIM and BYODKIM, restarting the DKIM search', async () => {
    await create('example.com');
    const toByo = await v2.send(
      new PutEmailIdentityDkimSigningAttributesCommand({
        EmailIdentity: 'example.com',
        SigningAttributesOrigin: 'EXTERNAL',
        SigningAttributes: BYODKIM,
      }),
    );
    expect(toByo.DkimTokens).toEqual([]);
    expect((await get('example.com')).DkimAttributes).toMatchObject({
      SigningAttributesOrigin: 'EXTERNAL',
      Status: 'PENDING',
    });

    const back = await v2.send(
      new PutEmailIdentityDkimSigningAttributesCommand({
        EmailIdentity: 'example.com',
        SigningAttributesOrigin: 'AWS_SES',
        SigningAttributes: { NextSigningKeyLength: 'RSA_2048_BIT' },
      }),
    );
    expect(back.DkimTokens).toHaveLength(3);
    expect((await get('example.com')).DkimAttributes).toMatchObject({
      SigningAttributesOrigin: 'AWS_SES',
      Tokens: back.DkimTokens,
    });
  });

  it('refuses to set Easy DKIM to the key length it already has', async () => {
    await create('example.com');
    const error = await failure(
      v2.send(
        new PutEmailIdentityDkimSigningAttributesCommand({
          EmailIdentity: 'example.com',
          SigningAttributesOrigin: 'AWS_SES',
          SigningAttributes: { NextSigningKeyLength: 'RSA_2048_BIT' },
        }),
      ),
    );
    expect(error.name).toBe('BadRequestException');
  });
});

describe('SES v1', () => {
  it('returns a stable 44-character verification token per domain', async () => {
    await create('example.com');
    const first = await v1.send(new VerifyDomainIdentityCommand({ Domain: 'example.com' }));
    const second = await v1.send(new VerifyDomainIdentityCommand({ Domain: 'example.com' }));
    const other = await v1.send(new VerifyDomainIdentityCommand({ Domain: 'other.example' }));
    expect(first.VerificationToken).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(second.VerificationToken).toBe(first.VerificationToken);
    expect(other.VerificationToken).not.toBe(first.VerificationToken);
  });

  it('shares identities with v2: VerifyDomainIdentity first makes CreateEmailIdentity answer AlreadyExists', async () => {
    await v1.send(new VerifyDomainIdentityCommand({ Domain: 'example.com' }));
    expect(ses.identities()).toEqual(['example.com']);
    expect((await failure(create('example.com'))).name).toBe('AlreadyExistsException');
  });

  it('verifies a v1-only identity through its _amazonses TXT record', async () => {
    const { VerificationToken } = await v1.send(new VerifyDomainIdentityCommand({ Domain: 'example.com' }));
    expect((await get('example.com')).VerificationStatus).toBe('PENDING');
    dns.set('_amazonses.example.com', 'TXT', [VerificationToken ?? '']);
    const out = await get('example.com');
    expect(out.VerificationStatus).toBe('SUCCESS');
    expect(out.DkimAttributes?.Status).toBe('NOT_STARTED');
  });

  it('answers InvalidParameterValue for a bad domain, and deletes idempotently', async () => {
    const error = await failure(v1.send(new VerifyDomainIdentityCommand({ Domain: 'bad domain' })));
    expect(error.name).toBe('InvalidParameterValue');
    await create('example.com');
    await v1.send(new DeleteIdentityCommand({ Identity: 'example.com' }));
    await v1.send(new DeleteIdentityCommand({ Identity: 'example.com' }));
    expect(ses.identities()).toEqual([]);
  });
});

describe('throttling and injected failures', () => {
  it('throttles over the rate with TooManyRequestsException (429), and refills with time', async () => {
    ses.throttle({ ratePerSecond: 1 });
    await create('example.com');
    const error = await failure(get('example.com'));
    expect(error.name).toBe('TooManyRequestsException');
    expect(error.$metadata.httpStatusCode).toBe(429);
    clock += 1000;
    await get('example.com');
    expect(ses.calls().map((c) => [c.action, c.status])).toEqual([
      ['CreateEmailIdentity', 200],
      ['GetEmailIdentity', 429],
      ['GetEmailIdentity', 200],
    ]);
  });

  it('throttles v1 calls with the v1 Throttling error', async () => {
    ses.throttle({ ratePerSecond: 1 });
    await v1.send(new VerifyDomainIdentityCommand({ Domain: 'example.com' }));
    const error = await failure(v1.send(new VerifyDomainIdentityCommand({ Domain: 'example.com' })));
    expect(error.name).toBe('Throttling');
    expect(error.$metadata.httpStatusCode).toBe(400);
  });

  it('fails the next N calls (throttle by default, or a server error), then answers again', async () => {
    ses.throttle({ failNext: 1 });
    expect((await failure(create('example.com'))).name).toBe('TooManyRequestsException');
    ses.throttle({ failNext: 2, failWith: 'server_error' });
    const error = await failure(create('example.com'));
    expect(error.$metadata.httpStatusCode).toBe(500);
    expect((await failure(create('example.com'))).$metadata.httpStatusCode).toBe(500);
    await create('example.com');
    expect(ses.identities()).toEqual(['example.com']);
  });

  it('leaves a call unanswered with failWith timeout', async () => {
    const slow = clients(ses.url, 200);
    try {
      ses.throttle({ failNext: 1, failWith: 'timeout' });
      expect((await failure(slow.v2.send(new GetEmailIdentityCommand({ EmailIdentity: 'x.example' })))).name).toBe(
        'TimeoutError',
      );
      expect(ses.calls().at(-1)).toMatchObject({ action: 'GetEmailIdentity', status: 0 });
    } finally {
      slow.v2.destroy();
      slow.v1.destroy();
    }
  });

  it('can be driven over HTTP by another process', async () => {
    const post = (path: string, body?: unknown) =>
      fetch(`${ses.url}${path}`, { method: 'POST', body: body === undefined ? undefined : JSON.stringify(body) });
    expect((await post('/_standin/throttle', { failNext: 1 })).status).toBe(200);
    expect((await failure(create('example.com'))).name).toBe('TooManyRequestsException');
    await create('example.com');
    expect(await (await fetch(`${ses.url}/_standin/identities`)).json()).toEqual({ identities: ['example.com'] });
    await post('/_standin/reset');
    expect(ses.identities()).toEqual([]);
    expect(ses.calls()).toEqual([]);
  });
});

describe('persistence', () => {
  it('keeps identities, tokens and statuses in dataFile across a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ses-standin-'));
    const dataFile = join(dir, 'ses.json');
    try {
      const first = await start({ dataFile });
      let c = clients(first.url);
      const created = await c.v2.send(new CreateEmailIdentityCommand({ EmailIdentity: 'example.com' }));
      const { VerificationToken } = await c.v1.send(new VerifyDomainIdentityCommand({ Domain: 'example.com' }));
      c.v2.destroy();
      c.v1.destroy();
      await first.close();

      const second = await start({ dataFile });
      c = clients(second.url);
      try {
        expect(second.identities()).toEqual(['example.com']);
        const out = await c.v2.send(new GetEmailIdentityCommand({ EmailIdentity: 'example.com' }));
        expect(out.DkimAttributes?.Tokens).toEqual(created.DkimAttributes?.Tokens);
        const again = await c.v1.send(new VerifyDomainIdentityCommand({ Domain: 'example.com' }));
        expect(again.VerificationToken).toBe(VerificationToken);
      } finally {
        c.v2.destroy();
        c.v1.destroy();
        await second.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
