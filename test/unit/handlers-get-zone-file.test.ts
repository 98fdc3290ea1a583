/** GET /domains/{id}/zone-file (functions/get-zone-file.ts) with every AWS call mocked: text on success, JSON errors. */
import './support/env.js';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { domainKey, KEY_PREFIX } from '../../src/adapters/table-keys.js';
import { ddbMock, domainItem, errors, givenApiKey, givenDomain, resetAwsMocks, type TestKey } from './support/aws.js';
import { TEST_TABLE } from './support/env.js';
import { httpEvent, lambdaContext } from './support/events.js';
import { expectError, expectRetryable, invoke } from './support/responses.js';
import { SPEC_EXAMPLE } from './support/spec-example.js';

type Handler = (e: unknown, c: unknown) => Promise<APIGatewayProxyStructuredResultV2>;
let handler: Handler;
let key: TestKey;
const ID = '550e8400-e29b-41d4-a716-446655440000';

beforeAll(async () => {
  ({ handler } = (await import('../../functions/get-zone-file.js')) as unknown as { handler: Handler });
});

beforeEach(() => {
  resetAwsMocks();
  key = givenApiKey();
});

const event = (id: string, apiKey = key.plaintext) =>
  httpEvent('GET', '/domains/{id}/zone-file', {
    headers: { authorization: `Bearer ${apiKey}` },
    pathParameters: { id },
  });

describe('GET /domains/{id}/zone-file', () => {
  it("answers the domain's records as a text/plain attachment, with the API's headers", async () => {
    givenDomain(domainItem({ id: ID }));
    const res = await handler(event(ID), lambdaContext());
    const headers = res.headers as Record<string, string>;
    expect(res.statusCode).toBe(200);
    expect(headers['Content-Type']).toBe('text/plain; charset=utf-8');
    expect(headers['Content-Disposition']).toBe('attachment; filename="example.com.zone"');
    expect(headers['Cache-Control']).toBe('no-store');
    expect(headers['X-Content-Type-Options']).toBe('nosniff');
    expect(res.isBase64Encoded).toBeFalsy();
    const text = String(res.body);
    expect(text).toContain(`; Domain id: ${ID}`);
    // Every record of the domain, by its absolute name and its value.
    for (const record of SPEC_EXAMPLE) {
      const value = record.type === 'TXT' ? `"${record.value}"` : `${record.value}.`;
      const data = record.type === 'MX' ? `${record.priority} ${value}` : value;
      expect(text).toContain(`${record.name}.\t3600\tIN\t${record.type}\t${data}\n`);
    }
    const reads = ddbMock
      .commandCalls(GetCommand)
      .map((c) => c.args[0].input)
      .filter((i) => String(i.Key?.PK).startsWith(KEY_PREFIX.team));
    expect(reads).toEqual([{ TableName: TEST_TABLE, Key: domainKey('team-a', ID) }]);
  });

  it("answers 404 domain_not_found in JSON for another team's domain, an unknown id and a malformed one", async () => {
    givenDomain(domainItem({ id: ID, teamId: 'team-b' }));
    expectError(await invoke(handler, event(ID)), 404, 'domain_not_found');
    expectError(await invoke(handler, event('660e8400-e29b-41d4-a716-446655440001')), 404, 'domain_not_found');
    expectError(await invoke(handler, event('../domains')), 404, 'domain_not_found');
  });

  it('answers 404 for a domain still being set up', async () => {
    givenDomain(domainItem({ id: ID, ready: false }));
    expectError(await invoke(handler, event(ID)), 404, 'domain_not_found');
  });

  it('answers 503 with Retry-After when the table throttles the read', async () => {
    ddbMock.on(GetCommand, { Key: domainKey('team-a', ID) }).rejects(errors.ddbThrottled());
    expectRetryable(await invoke(handler, event(ID)));
  });
});
