/** GET /domains/{id} (functions/get-domain.ts) with every AWS call mocked. */
import './support/env.js';
import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { domainKey, INDEX, KEY_PREFIX, PK } from '../../src/adapters/table-keys.js';
import {
  ddbMock,
  domainItem,
  errors,
  givenApiKey,
  givenDomain,
  resetAwsMocks,
  sesv2Mock,
  type TestKey,
} from './support/aws.js';
import { TEST_TABLE } from './support/env.js';
import { httpEvent } from './support/events.js';
import { expectError, expectRetryable, expectSecurityHeaders, invoke, type Reply } from './support/responses.js';
import { SPEC_EXAMPLE } from './support/spec-example.js';

let handler: unknown;
let key: TestKey;

beforeAll(async () => {
  ({ handler } = await import('../../functions/get-domain.js'));
});

beforeEach(() => {
  resetAwsMocks();
  key = givenApiKey();
});

function get(id: string, apiKey: string = key.plaintext): Promise<Reply> {
  return invoke(
    handler,
    httpEvent('GET', '/domains/{id}', { headers: { authorization: `Bearer ${apiKey}` }, pathParameters: { id } }),
  );
}

const domainReads = () =>
  ddbMock
    .commandCalls(GetCommand)
    .map((c) => c.args[0].input)
    .filter((i) => String(i.Key?.PK).startsWith(KEY_PREFIX.team));

describe('GET /domains/{id}: success', () => {
  it('answers 200 with the domain and its seven records, as in the spec', async () => {
    const item = domainItem({
      id: '550e8400-e29b-41d4-a716-446655440000',
      status: 'verified',
      verifiedAt: '2026-01-15T12:30:00.000Z',
    });
    givenDomain(item);
    const reply = await get('550e8400-e29b-41d4-a716-446655440000');

    expect(reply.status).toBe(200);
    expectSecurityHeaders(reply);
    expect(reply.body).toEqual({
      data: {
        id: '550e8400-e29b-41d4-a716-446655440000',
        domain: 'example.com',
        status: 'verified',
        verified_at: '2026-01-15T12:30:00Z',
        created_at: '2026-01-15T10:00:00Z',
        region: 'eu-central-1',
        last_checked_at: null,
        dkim: { type: 'easy_dkim', key_length: 2048, selector: null },
        dns_records: SPEC_EXAMPLE.map((r) => ({ ...r, status: 'not_started' })),
      },
    });
    expect(domainReads()).toEqual([
      { TableName: TEST_TABLE, Key: domainKey('team-a', '550e8400-e29b-41d4-a716-446655440000') },
    ]);
    expect(sesv2Mock.calls()).toHaveLength(0);
  });

  it('shows the last check per record, with a diagnostic only where it is not verified', async () => {
    const item = domainItem({
      status: 'pending',
      lastCheckedAt: '2026-01-15T11:00:00.500Z',
      recordChecks: {
        verification: { status: 'verified' },
        dkim1: { status: 'pending', diagnostic: { found: [], reason: 'SES has not found the DKIM record yet.' } },
        dkim2: { status: 'pending', diagnostic: { found: [], reason: 'SES has not found the DKIM record yet.' } },
        dkim3: { status: 'pending', diagnostic: { found: [], reason: 'SES has not found the DKIM record yet.' } },
        mail_from_mx: { status: 'failed', diagnostic: { found: ['mx.other.net'], reason: 'wrong MX' } },
      },
    });
    givenDomain(item);
    const reply = await get(item.id as string);
    expect(reply.status).toBe(200);
    expect(reply.body.data.last_checked_at).toBe('2026-01-15T11:00:00Z');
    const records = reply.body.data.dns_records as Array<{ status: string; diagnostic?: unknown }>;
    expect(records.map((r) => r.status)).toEqual([
      'verified',
      'pending',
      'pending',
      'pending',
      'failed',
      'not_started',
      'not_started',
    ]);
    expect(records[0]).not.toHaveProperty('diagnostic');
    expect(records[1]?.diagnostic).toEqual({ found: [], reason: 'SES has not found the DKIM record yet.' });
    expect(records[4]?.diagnostic).toEqual({ found: ['mx.other.net'], reason: 'wrong MX' });
    expect(reply.raw).not.toMatch(new RegExp(`recordChecks|teamId|${INDEX.name}|${PK}`));
  });
});

describe('GET /domains/{id}: 404, all with the same body', () => {
  let unknownBody: unknown;

  beforeEach(async () => {
    const reply = await get(randomUUID());
    expectError(reply, 404, 'domain_not_found');
    unknownBody = reply.body;
  });

  it.each([
    'nope',
    '123',
    '550e8400-e29b-41d4-a716-44665544000',
    '550e8400-e29b-41d4-a716-4466554400000',
    '550E8400-E29B-41D4-A716-446655440000',
    '%00',
    '',
  ])('for the malformed id %j, without reading the table', async (id) => {
    const before = domainReads().length;
    const reply = await get(id);
    expectError(reply, 404, 'domain_not_found');
    expect(reply.body).toEqual(unknownBody);
    expect(domainReads()).toHaveLength(before);
  });

  it("for another team's domain", async () => {
    const theirs = domainItem({ teamId: 'team-b' });
    givenDomain(theirs);
    const reply = await get(theirs.id as string);
    expectError(reply, 404, 'domain_not_found');
    expect(reply.body).toEqual(unknownBody);
    expect(domainReads().at(-1)?.Key).toEqual(domainKey('team-a', theirs.id as string));
  });

  it('for a domain still being set up', async () => {
    const item = domainItem({ ready: false });
    givenDomain(item);
    const reply = await get(item.id as string);
    expectError(reply, 404, 'domain_not_found');
    expect(reply.body).toEqual(unknownBody);
  });
});

describe('GET /domains/{id}: faults', () => {
  it('answers 503 + Retry-After when DynamoDB throttles', async () => {
    const id = randomUUID();
    ddbMock.on(GetCommand, { Key: domainKey('team-a', id) }).rejects(errors.ddbThrottled());
    expectRetryable(await get(id));
  });

  it('answers 500 internal_error without detail for an unexpected error', async () => {
    const id = randomUUID();
    ddbMock.on(GetCommand, { Key: domainKey('team-a', id) }).rejects(errors.unexpected());
    expectError(await get(id), 500, 'internal_error');
  });
});
