/**
 * The STS stand-in and the SES stand-in together, driven by the real `@aws-sdk/client-sts`,
 * `@aws-sdk/client-sesv2` and `@aws-sdk/client-ses` clients: credentials from AssumeRole reach the
 * role's account, whose identities and throttle are its own; keys nobody issued, or expired, are
 * refused as AWS refuses them; AssumeRole faults come when and where a test asks.
 */
import { SESClient, VerifyDomainIdentityCommand } from '@aws-sdk/client-ses';
import { CreateEmailIdentityCommand, ListEmailIdentitiesCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { AccessKeys, LOCAL_ACCOUNT } from '../../local/access-keys.js';
import { type SesStandIn, startSesStandIn } from '../../local/ses-standin/index.js';
import { type StsStandIn, startStsStandIn } from '../../local/sts-standin.js';

const REGION = 'eu-central-1';
const START = Date.parse('2026-11-02T10:00:00Z');
const CELL = '111122223333';
const CELL_ROLE = `arn:aws:iam::${CELL}:role/krafter/ses-cell`;
const OTHER_ROLE = 'arn:aws:iam::444455556666:role/ses-cell';
const OWN = { accessKeyId: 'local', secretAccessKey: 'local' };

interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

let clock = START;
let ses: SesStandIn;
let sts: StsStandIn;
let stsClient: STSClient;
const clients: { destroy(): void }[] = [];

const sesv2 = (credentials: Credentials) => {
  const c = new SESv2Client({ endpoint: ses.url, region: REGION, credentials, maxAttempts: 1 });
  clients.push(c);
  return c;
};
const sesv1 = (credentials: Credentials) => {
  const c = new SESClient({ endpoint: ses.url, region: REGION, credentials, maxAttempts: 1 });
  clients.push(c);
  return c;
};
const stsAs = (credentials: Credentials, requestTimeout?: number) => {
  const c = new STSClient({
    endpoint: sts.url,
    region: REGION,
    credentials,
    maxAttempts: 1,
    ...(requestTimeout && { requestHandler: { requestTimeout, throwOnRequestTimeout: true } }),
  });
  clients.push(c);
  return c;
};

async function assume(roleArn: string, client = stsClient): Promise<Credentials & { expiration: Date }> {
  const out = await client.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'krafter-test' }));
  const c = out.Credentials!;
  return {
    accessKeyId: c.AccessKeyId!,
    secretAccessKey: c.SecretAccessKey!,
    sessionToken: c.SessionToken!,
    expiration: c.Expiration!,
  };
}

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

const create = (client: SESv2Client, domain: string) =>
  client.send(new CreateEmailIdentityCommand({ EmailIdentity: domain }));
const listed = async (client: SESv2Client) =>
  ((await client.send(new ListEmailIdentitiesCommand({}))).EmailIdentities ?? []).map((i) => i.IdentityName);

beforeAll(async () => {
  const keys = new AccessKeys(() => clock);
  sts = await startStsStandIn({ keys, now: () => clock });
  ses = await startSesStandIn({ keys, region: REGION, now: () => clock });
  stsClient = stsAs(OWN);
});
afterAll(async () => {
  for (const c of clients) c.destroy();
  await ses.close();
  await sts.close();
});
beforeEach(() => {
  clock = START;
  ses.reset();
  sts.reset();
});

describe('AssumeRole', () => {
  it('issues temporary credentials of the role’s account that expire after the session', async () => {
    const out = await stsClient.send(
      new AssumeRoleCommand({ RoleArn: CELL_ROLE, RoleSessionName: 'krafter-test', DurationSeconds: 900 }),
    );
    expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(out.Credentials?.SecretAccessKey).toBeTruthy();
    expect(out.Credentials?.SessionToken).toBeTruthy();
    expect(out.Credentials?.Expiration).toEqual(new Date(START + 900_000));
    expect(out.AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${CELL}:assumed-role/ses-cell/krafter-test`);
    const c = await assume(CELL_ROLE);
    const who = await stsAs(c).send(new GetCallerIdentityCommand({}));
    expect(who.Account).toBe(CELL);
    expect((await stsClient.send(new GetCallerIdentityCommand({}))).Account).toBe(LOCAL_ACCOUNT);
    expect(sts.calls().map((x) => [x.action, x.status])).toEqual([
      ['AssumeRole', 200],
      ['AssumeRole', 200],
      ['GetCallerIdentity', 200],
      ['GetCallerIdentity', 200],
    ]);
  });

  it('refuses a malformed role ARN or session with ValidationError', async () => {
    const error = await failure(
      stsClient.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::123:role/x', RoleSessionName: 'krafter-test' })),
    );
    expect(error.name).toBe('ValidationError');
    expect(error.$metadata.httpStatusCode).toBe(400);
    const session = await failure(
      stsClient.send(new AssumeRoleCommand({ RoleArn: CELL_ROLE, RoleSessionName: 'a b' })),
    );
    expect(session.name).toBe('ValidationError');
  });

  it('refuses a caller whose key nobody issued with InvalidClientTokenId', async () => {
    const forged = stsAs({ accessKeyId: 'ASIAFORGEDFORGEDFORG', secretAccessKey: 'x', sessionToken: 'y' });
    const error = await failure(forged.send(new AssumeRoleCommand({ RoleArn: CELL_ROLE, RoleSessionName: 'x1' })));
    expect(error.name).toBe('InvalidClientTokenId');
    expect(error.$metadata.httpStatusCode).toBe(403);
  });

  it('fails the next calls of one role (or any) as asked: AccessDenied, Throttling, a server error', async () => {
    sts.faults({ roleArn: CELL_ROLE, failNext: 2, failWith: 'access_denied' });
    const denied = await failure(assume(CELL_ROLE));
    expect(denied.name).toBe('AccessDenied');
    expect(denied.$metadata.httpStatusCode).toBe(403);
    await assume(OTHER_ROLE);
    expect((await failure(assume(CELL_ROLE))).name).toBe('AccessDenied');
    await assume(CELL_ROLE);

    sts.faults({ failNext: 1 });
    const throttled = await failure(assume(OTHER_ROLE));
    expect(throttled.name).toBe('Throttling');
    expect(throttled.$metadata.httpStatusCode).toBe(400);
    sts.faults({ failNext: 1, failWith: 'server_error' });
    expect((await failure(assume(CELL_ROLE))).$metadata.httpStatusCode).toBe(500);
    await assume(CELL_ROLE);
    expect(sts.calls().map((c) => c.error ?? c.status)).toEqual([
      'AccessDenied',
      200,
      'AccessDenied',
      200,
      'Throttling',
      'InternalFailure',
      200,
    ]);
  });

  it('leaves a call unanswered with failWith timeout, and takes faults over HTTP', async () => {
    const res = await fetch(`${sts.url}/_standin/faults`, {
      method: 'POST',
      body: JSON.stringify({ failNext: 1, failWith: 'timeout', roleArn: CELL_ROLE }),
    });
    expect(res.status).toBe(200);
    const slow = stsAs(OWN, 200);
    expect((await failure(assume(CELL_ROLE, slow))).name).toBe('TimeoutError');
    expect(sts.calls().at(-1)).toMatchObject({ action: 'AssumeRole', status: 0, roleArn: CELL_ROLE });
    const { accessKeyId } = await assume(CELL_ROLE);
    const issued = (await (await fetch(`${sts.url}/_standin/credentials`)).json()) as { credentials: unknown[] };
    expect(issued.credentials).toContainEqual(
      expect.objectContaining({ accessKeyId, account: CELL, roleArn: CELL_ROLE, expiresAt: START + 3_600_000 }),
    );
    expect(JSON.stringify(issued)).not.toMatch(/secretAccessKey|sessionToken/);
  });

  it('issues short sessions when asked, whatever the caller asked for', async () => {
    sts.faults({ sessionSeconds: 60 });
    expect((await assume(CELL_ROLE)).expiration).toEqual(new Date(START + 60_000));
    sts.reset();
    expect((await assume(CELL_ROLE)).expiration).toEqual(new Date(START + 3_600_000));
  });

  it('limits the rate of STS calls when asked', async () => {
    sts.faults({ ratePerSecond: 1 });
    await assume(CELL_ROLE);
    expect((await failure(assume(CELL_ROLE))).name).toBe('Throttling');
    clock += 1000;
    await assume(CELL_ROLE);
  });
});

describe('SES through assumed roles', () => {
  it('keeps two accounts’ identities apart, and gives each its own throttle', async () => {
    const own = sesv2(OWN);
    const cell = sesv2(await assume(CELL_ROLE));

    // The same name in both accounts: SES knows nothing of the other account's identity.
    await create(own, 'shared.example');
    await create(cell, 'shared.example');
    await create(cell, 'cell-only.example');
    expect(await listed(own)).toEqual(['shared.example']);
    expect(await listed(cell)).toEqual(['cell-only.example', 'shared.example']);
    expect(ses.identities({ account: LOCAL_ACCOUNT })).toEqual(['shared.example']);
    expect(ses.identities({ account: CELL, region: REGION })).toEqual(['cell-only.example', 'shared.example']);
    expect(ses.accounts()).toEqual([
      { account: LOCAL_ACCOUNT, region: REGION, identities: ['shared.example'] },
      { account: CELL, region: REGION, identities: ['cell-only.example', 'shared.example'] },
    ]);

    // One call a second for each account: the own account spends its token, the cell still has its own.
    ses.throttle({ ratePerSecond: 1 });
    await create(own, 'own-2.example');
    const throttled = await failure(create(own, 'own-3.example'));
    expect(throttled.name).toBe('TooManyRequestsException');
    await create(cell, 'cell-2.example');
    expect((await failure(create(cell, 'cell-3.example'))).name).toBe('TooManyRequestsException');
    clock += 1000;
    await create(own, 'own-3.example');
    await create(cell, 'cell-3.example');
    expect(
      ses
        .calls()
        .slice(-6)
        .map((c) => [c.account, c.status]),
    ).toEqual([
      [LOCAL_ACCOUNT, 200],
      [LOCAL_ACCOUNT, 429],
      [CELL, 200],
      [CELL, 429],
      [LOCAL_ACCOUNT, 200],
      [CELL, 200],
    ]);
  });

  it('aims a fault at one account’s SES only', async () => {
    const own = sesv2(OWN);
    const cell = sesv2(await assume(CELL_ROLE));
    ses.throttle({ account: CELL, region: REGION, failNext: 1, failWith: 'server_error' });
    await create(own, 'a.example');
    expect((await failure(create(cell, 'a.example'))).$metadata.httpStatusCode).toBe(500);
    await create(cell, 'a.example');
  });

  it('refuses a key nobody issued, a stolen key without its token, and an expired one, as SES does', async () => {
    const c = await assume(CELL_ROLE);
    for (const creds of [
      { accessKeyId: 'ASIAFORGEDFORGEDFORG', secretAccessKey: 'x', sessionToken: 'y' },
      { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey },
    ]) {
      const v2Error = await failure(create(sesv2(creds), 'x.example'));
      expect([v2Error.name, v2Error.$metadata.httpStatusCode]).toEqual(['UnrecognizedClientException', 403]);
      const v1Error = await failure(sesv1(creds).send(new VerifyDomainIdentityCommand({ Domain: 'x.example' })));
      expect([v1Error.name, v1Error.$metadata.httpStatusCode]).toEqual(['InvalidClientTokenId', 403]);
    }
    expect(ses.identities()).toEqual([]);

    clock = c.expiration.getTime();
    const expired = await failure(create(sesv2(c), 'x.example'));
    expect([expired.name, expired.$metadata.httpStatusCode]).toEqual(['ExpiredTokenException', 403]);
    expect(ses.calls().every((call) => call.account === '' && call.status === 403)).toBe(true);
  });
});
