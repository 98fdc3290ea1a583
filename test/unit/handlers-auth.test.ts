/**
 * API-key authentication and scope, the same on every endpoint (functions/*.ts through
 * src/http/api-handler.ts and src/services/auth.ts), and the catch-all route.
 */
import './support/env.js';
import { randomUUID } from 'node:crypto';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { apiKeyKey, KEY_PREFIX, teamPartition } from '../../src/adapters/table-keys.js';
import { generateApiKey } from '../../src/domain/api-key.js';
import { type AuthenticatedRouteName, routes, SCOPE_DOMAINS_MANAGE, SCOPE_WEBHOOKS_MANAGE } from '../../src/routes.js';
import {
  ddbMock,
  domainItem,
  errors,
  givenApiKey,
  givenDomain,
  resetAwsMocks,
  sesv1Mock,
  sesv2Mock,
  sqsMock,
} from './support/aws.js';
import { type HttpEventOptions, httpEvent } from './support/events.js';
import { expectError, expectRetryable, expectSecurityHeaders, invoke, type Reply } from './support/responses.js';

interface Endpoint {
  readonly name: AuthenticatedRouteName;
  readonly method: string;
  readonly path: string;
  readonly scope: string;
  handler?: unknown;
}

/** A valid body of each route that needs a key: a new route is a compiler error here until it has one. */
const BODIES: Readonly<Record<AuthenticatedRouteName, HttpEventOptions['body'] | undefined>> = {
  'create-domain': { domain: 'example.com' },
  'list-domains': undefined,
  'get-domain': undefined,
  'get-zone-file': undefined,
  'verify-domain': undefined,
  'update-domain': { return_path: 'mail' },
  'delete-domain': undefined,
  'create-webhook': { url: 'https://hooks.example.com/krafter' },
  'list-webhooks': undefined,
  'get-webhook': undefined,
  'update-webhook': { enabled: false },
  'delete-webhook': undefined,
  'rotate-webhook-secret': undefined,
  'test-webhook': undefined,
  'list-webhook-deliveries': undefined,
  'replay-webhook-delivery': undefined,
};

type KeyedRoute = Extract<(typeof routes)[number], { readonly scope: string }>;
const needsKey = (route: (typeof routes)[number]): route is KeyedRoute => route.scope !== null;
const ENDPOINTS: Endpoint[] = routes
  .filter(needsKey)
  .map(({ name, method, path, scope }) => ({ name, method, path, scope }));
const endpoint = (name: AuthenticatedRouteName) => ENDPOINTS.find((e) => e.name === name) as Endpoint;

const ID = '550e8400-e29b-41d4-a716-446655440000';

beforeAll(async () => {
  for (const e of ENDPOINTS) e.handler = (await import(`../../functions/${e.name}.js`)).handler;
});

beforeEach(() => resetAwsMocks());

function call(e: Endpoint, authorization: string | undefined, headerName = 'authorization'): Promise<Reply> {
  const options: HttpEventOptions = {
    headers: { [headerName]: authorization, 'content-type': 'application/json' },
    ...(e.path.includes('{id}') ? { pathParameters: { id: ID } } : {}),
    ...(BODIES[e.name] === undefined ? {} : { body: BODIES[e.name] }),
  };
  return invoke(e.handler, httpEvent(e.method, e.path, options));
}

/** Nothing but the key lookup may have happened. */
function expectNoWork(): void {
  for (const c of ddbMock.calls())
    expect(String((c.args[0].input as { Key?: { PK?: string } }).Key?.PK)).toMatch(new RegExp(`^${KEY_PREFIX.apiKey}`));
  expect(sesv2Mock.calls()).toHaveLength(0);
  expect(sesv1Mock.calls()).toHaveLength(0);
  expect(sqsMock.calls()).toHaveLength(0);
}

describe.each(ENDPOINTS)('$method $path', (e) => {
  it('401 missing_api_key without an Authorization header, or with an empty one', async () => {
    expectError(await call(e, undefined), 401, 'missing_api_key');
    expectError(await call(e, ''), 401, 'missing_api_key');
    expectError(await call(e, '   '), 401, 'missing_api_key');
    expectNoWork();
    expect(ddbMock.calls()).toHaveLength(0);
  });

  it.each([
    ['another scheme', () => `Basic ${Buffer.from('user:pass').toString('base64')}`],
    ['Bearer without a key', () => 'Bearer'],
    ['Bearer and spaces', () => 'Bearer    '],
    ['the key without "Bearer"', () => generateApiKey().plaintext],
    ['the spec example key (too short)', () => 'Bearer kr_live_abc123def456'],
    ['a test-mode prefix', () => `Bearer ${generateApiKey().plaintext.replace('kr_live_', 'kr_test_')}`],
    ['two keys', () => `Bearer ${generateApiKey().plaintext} ${generateApiKey().plaintext}`],
    ['a truncated key', () => `Bearer ${generateApiKey().plaintext.slice(0, -1)}`],
    ['an injected character', () => `Bearer ${generateApiKey().plaintext.slice(0, -1)}'`],
  ])('401 invalid_api_key for a malformed key: %s, without a lookup', async (_what, header) => {
    expectError(await call(e, header()), 401, 'invalid_api_key');
    expect(ddbMock.calls()).toHaveLength(0);
    expectNoWork();
  });

  it('401 invalid_api_key, with one and the same body, for an unknown, a revoked, and a wrong-secret key', async () => {
    const unknown = generateApiKey();
    const unknownReply = await call(e, `Bearer ${unknown.plaintext}`);
    expectError(unknownReply, 401, 'invalid_api_key');
    expect(ddbMock).toHaveReceivedCommandWith(GetCommand, { Key: apiKeyKey(unknown.keyId) });

    const revoked = givenApiKey({ revokedAt: '2026-01-10T00:00:00.000Z' });
    const revokedReply = await call(e, `Bearer ${revoked.plaintext}`);
    expectError(revokedReply, 401, 'invalid_api_key');

    const real = givenApiKey();
    const forged = `${real.plaintext.slice(0, -4)}${real.plaintext.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    const forgedReply = await call(e, `Bearer ${forged}`);
    expectError(forgedReply, 401, 'invalid_api_key');

    expect(revokedReply.body).toEqual(unknownReply.body);
    expect(forgedReply.body).toEqual(unknownReply.body);
    expectNoWork();
  });

  it("403 insufficient_scope for a valid key without the route's scope", async () => {
    const otherScope = e.scope === SCOPE_DOMAINS_MANAGE ? SCOPE_WEBHOOKS_MANAGE : SCOPE_DOMAINS_MANAGE;
    for (const scopes of [[], ['domains:read'], ['emails:send', `${e.scope}_all`], [otherScope]]) {
      const k = givenApiKey({ scopes });
      expectError(await call(e, `Bearer ${k.plaintext}`), 403, 'insufficient_scope', {
        required_scope: e.scope,
      });
    }
    expectNoWork();
  });

  it('503 + Retry-After when DynamoDB throttles the key lookup', async () => {
    const k = generateApiKey();
    ddbMock.on(GetCommand, { Key: apiKeyKey(k.keyId) }).rejects(errors.ddbThrottled());
    expectRetryable(await call(e, `Bearer ${k.plaintext}`));
    expectNoWork();
  });

  it('accepts the scheme in any case and the header name in any case', async () => {
    const k = givenApiKey({ scopes: [] });
    // 403 (not 401) shows the key was recognised.
    expectError(await call(e, `bearer ${k.plaintext}`), 403, 'insufficient_scope', { required_scope: e.scope });
    expectError(await call(e, `BEARER ${k.plaintext}`), 403, 'insufficient_scope', { required_scope: e.scope });
    expectError(await call(e, `Bearer ${k.plaintext}`, 'Authorization'), 403, 'insufficient_scope', {
      required_scope: e.scope,
    });
  });

  it('never echoes the key it was sent', async () => {
    const k = generateApiKey();
    const reply = await call(e, `Bearer ${k.plaintext}`);
    expect(reply.raw).not.toContain(k.plaintext);
    expect(reply.raw).not.toContain(k.keyId);
  });
});

describe('a key of one team never reaches another team', () => {
  it("lists and reads only the key's own team", async () => {
    const teamB = givenApiKey({ teamId: 'team-b' });
    // Team A's domain is there to be found by any read that asked for team A.
    const teamADomain = domainItem({ id: ID, teamId: 'team-a' });
    givenDomain(teamADomain);
    ddbMock.on(QueryCommand).resolves({ Items: [] });
    ddbMock
      .on(QueryCommand, { ExpressionAttributeValues: { ':pk': teamADomain.PK } })
      .resolves({ Items: [teamADomain] });

    expect((await call(endpoint('list-domains'), `Bearer ${teamB.plaintext}`)).body).toEqual({ data: [] });
    expectError(await call(endpoint('get-domain'), `Bearer ${teamB.plaintext}`), 404, 'domain_not_found');
    expectError(await call(endpoint('get-zone-file'), `Bearer ${teamB.plaintext}`), 404, 'domain_not_found');

    // The key was looked up by its own id, and the list and the read asked for team B's items.
    expect(ddbMock).toHaveReceivedCommandWith(GetCommand, { Key: apiKeyKey(teamB.keyId) });
    expect(ddbMock).toHaveReceivedCommandWith(QueryCommand, {
      ExpressionAttributeValues: expect.objectContaining({ ':pk': teamPartition('team-b') }),
    });
    const own = domainItem({ id: ID, teamId: 'team-b' });
    expect(ddbMock).toHaveReceivedCommandWith(GetCommand, { Key: { PK: own.PK, SK: own.SK } });
    // Nothing of team A was asked for, whatever the code did with the answer afterwards.
    const requests = ddbMock.calls().map((c) => JSON.stringify(c.args[0].input));
    expect(requests.filter((r) => r.includes('team-a'))).toEqual([]);
  });
});

describe('the catch-all route', () => {
  it('answers 404 route_not_found in the error envelope, with security headers', async () => {
    const { handler } = await import('../../functions/not-found.js');
    for (const [method, path] of [
      ['GET', '/nope'],
      ['PUT', '/domains'],
      ['PUT', `/domains/${randomUUID()}`],
    ] as const) {
      const reply = await invoke(handler, httpEvent(method, path, { headers: {} }));
      expectError(reply, 404, 'route_not_found');
      expectSecurityHeaders(reply);
    }
    expect(ddbMock.calls()).toHaveLength(0);
  });
});
