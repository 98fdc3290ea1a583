/**
 * Ownership and abuse over HTTP against the local stack: an SES identity made outside the API is
 * never taken over, infrastructure names are refused, and a team holds at most its limit of domains.
 */
import { CreateEmailIdentityCommand, GetEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { rsaKey } from '../support/dkim-keys.js';
import { type E2E, startE2E } from '../support/e2e.js';

let e2e: E2E;
let key: string;
let ses: SESv2Client;

beforeAll(async () => {
  e2e = await startE2E({ env: { MAX_DOMAINS_PER_TEAM: '2', RESERVED_DOMAINS: 'krafter-platform.com' } });
  key = (await e2e.newKey('team-own')).plaintext;
  // Another application of the same AWS account, calling SES directly.
  ses = new SESv2Client({
    endpoint: e2e.stack.ses.url,
    region: 'eu-central-1',
    credentials: { accessKeyId: 'other-app', secretAccessKey: 'other-app' },
  });
}, 60_000);

afterAll(async () => {
  ses?.destroy();
  await e2e?.stop();
});

describe('an SES identity made outside the API', () => {
  it('is not taken over: 409 identity_in_use, its DKIM and MAIL FROM untouched, nothing to verify or delete', async () => {
    await ses.send(new CreateEmailIdentityCommand({ EmailIdentity: 'otherapp-mail.com' }));
    const before = await ses.send(new GetEmailIdentityCommand({ EmailIdentity: 'otherapp-mail.com' }));

    const byodkim = { type: 'byodkim', selector: 'taken', private_key: rsaKey(2048).pkcs1Pem };
    const res = await e2e.request('POST', '/domains', {
      key,
      body: { domain: 'otherapp-mail.com', return_path: 'bounce', dkim: byodkim },
    });
    expect(res.status).toBe(409);
    expect(res.json.error.code).toBe('identity_in_use');

    const after = await ses.send(new GetEmailIdentityCommand({ EmailIdentity: 'otherapp-mail.com' }));
    expect(after.DkimAttributes?.SigningAttributesOrigin).toBe('AWS_SES');
    expect(after.DkimAttributes?.Tokens).toEqual(before.DkimAttributes?.Tokens);
    expect(after.MailFromAttributes?.MailFromDomain).toBeUndefined();
    expect(after.Tags ?? []).toEqual([]);
    expect((await e2e.request('GET', '/domains', { key })).json.data).toEqual([]);
    // The claim was given back: the same request meets the same identity, not a name held by the team.
    expect(
      (await e2e.request('POST', '/domains', { key, body: { domain: 'otherapp-mail.com' } })).json.error.code,
    ).toBe('identity_in_use');
    expect(e2e.stack.ses.identities()).toContain('otherapp-mail.com');
  });

  it('tags the identities the API makes with the stage and the domain id', async () => {
    const res = await e2e.request('POST', '/domains', { key, body: { domain: 'tagged.example.org' } });
    expect(res.status).toBe(201);
    const identity = await ses.send(new GetEmailIdentityCommand({ EmailIdentity: 'tagged.example.org' }));
    expect(identity.Tags).toEqual([
      { Key: 'krafter:stage', Value: 'local' },
      { Key: 'krafter:domain-id', Value: res.json.data.id },
    ]);
    expect((await e2e.request('DELETE', `/domains/${res.json.data.id}`, { key })).status).toBe(200);
    expect(e2e.stack.ses.identities()).not.toContain('tagged.example.org');
  });
});

describe('names that are infrastructure', () => {
  it.each([
    'amazonses.com',
    'abc123.execute-api.eu-central-1.amazonaws.com',
    'mail.krafter-platform.com',
    'krafter-platform.com',
  ])('refuses %s with 400 domain_not_allowed', async (domain) => {
    const res = await e2e.request('POST', '/domains', { key, body: { domain } });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ code: 'domain_not_allowed', field: 'domain' });
    expect(e2e.stack.ses.identities()).not.toContain(domain);
  });
});

describe('domains per team', () => {
  it('answers 403 domain_limit_reached past MAX_DOMAINS_PER_TEAM, and a delete frees a place', async () => {
    const limited = (await e2e.newKey('team-limited')).plaintext;
    const ids: string[] = [];
    for (const domain of ['one.limit.example.org', 'two.limit.example.org']) {
      const res = await e2e.request('POST', '/domains', { key: limited, body: { domain } });
      expect(res.status).toBe(201);
      ids.push(res.json.data.id);
    }
    const refused = await e2e.request('POST', '/domains', {
      key: limited,
      body: { domain: 'three.limit.example.org' },
    });
    expect(refused.status).toBe(403);
    expect(refused.json.error).toMatchObject({ code: 'domain_limit_reached', limit: 2 });
    expect(e2e.stack.ses.identities()).not.toContain('three.limit.example.org');

    expect((await e2e.request('DELETE', `/domains/${ids[0]}`, { key: limited })).status).toBe(200);
    expect(
      (await e2e.request('POST', '/domains', { key: limited, body: { domain: 'three.limit.example.org' } })).status,
    ).toBe(201);
  });
});
