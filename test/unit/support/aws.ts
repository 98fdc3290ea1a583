/**
 * aws-sdk-client-mock set-up shared by the handler, verifier and scheduler tests: one mock per SDK
 * client class (a class mock covers every instance, also those created at import), API keys and
 * domain items as the table stores them, and SDK exceptions built from the SDK's own classes (the
 * code under test tells them apart with `instanceof`).
 */
import { randomUUID } from 'node:crypto';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  type CancellationReason,
  ConditionalCheckFailedException,
  DynamoDBClient,
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { SESClient } from '@aws-sdk/client-ses';
import {
  AlreadyExistsException,
  NotFoundException,
  SESv2Client,
  TooManyRequestsException,
} from '@aws-sdk/client-sesv2';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { apiKeyKey, domainKey, KEY_PREFIX } from '../../../src/adapters/table-keys.js';
import { generateApiKey } from '../../../src/domain/api-key.js';
import { ownerTags } from '../../../src/domain/identity-owner.js';
import { TEST_REGION } from './env.js';

export const ddbMock = mockClient(DynamoDBDocumentClient);
export const ddbRawMock = mockClient(DynamoDBClient);
export const sesv2Mock = mockClient(SESv2Client);
export const sesv1Mock = mockClient(SESClient);
export const sqsMock = mockClient(SQSClient);
export const eventBridgeMock = mockClient(EventBridgeClient);

/** Resets every mock; unknown table reads find nothing, and no call reaches the network. */
export function resetAwsMocks(): void {
  for (const m of [ddbMock, ddbRawMock, sesv2Mock, sesv1Mock, sqsMock, eventBridgeMock]) m.reset();
  ddbMock.on(GetCommand).resolves({});
  eventBridgeMock.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'event-1' }] });
}

/** Text that only an AWS error carries; no response may ever contain it. */
export const AWS_ERROR_TEXT = 'arn:aws:ses:eu-central-1:123456789012:identity/internal-detail-7f3a';

const metadata = { httpStatusCode: 400, requestId: 'req-unit-test', attempts: 1, totalRetryDelay: 0 };

export const errors = {
  sesThrottled: () =>
    new TooManyRequestsException({
      message: `Maximum sending rate exceeded for ${AWS_ERROR_TEXT}`,
      $metadata: metadata,
    }),
  sesAlreadyExists: () =>
    new AlreadyExistsException({ message: `Identity already exists: ${AWS_ERROR_TEXT}`, $metadata: metadata }),
  sesNotFound: () =>
    new NotFoundException({
      message: `Identity not found: ${AWS_ERROR_TEXT}`,
      $metadata: { ...metadata, httpStatusCode: 404 },
    }),
  ddbThrottled: () =>
    new ProvisionedThroughputExceededException({
      message: `The level of configured provisioned throughput for the table was exceeded ${AWS_ERROR_TEXT}`,
      $metadata: metadata,
    }),
  conditionalCheckFailed: (item?: Record<string, unknown>) =>
    new ConditionalCheckFailedException({
      message: `The conditional request failed ${AWS_ERROR_TEXT}`,
      $metadata: metadata,
      // Exception payloads carry items in DynamoDB's wire format, also through the document client.
      ...(item ? { Item: marshall(item, { removeUndefinedValues: true }) } : {}),
    }),
  transactionCanceled: (reasons: Array<{ Code: string; item?: Record<string, unknown> }>) =>
    new TransactionCanceledException({
      message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${reasons.map((r) => r.Code).join(', ')}] ${AWS_ERROR_TEXT}`,
      $metadata: metadata,
      CancellationReasons: reasons.map(
        (r): CancellationReason => ({ Code: r.Code, ...(r.item ? { Item: marshall(r.item) } : {}) }),
      ),
    }),
  /** An error the code cannot have anticipated, with a stack and AWS-looking text. */
  unexpected: () =>
    Object.assign(new Error(`ValidationException: One or more parameter values were invalid: ${AWS_ERROR_TEXT}`), {
      name: 'ValidationException',
      $fault: 'client' as const,
    }),
};

export interface TestKey {
  readonly plaintext: string;
  readonly keyId: string;
  readonly teamId: string;
}

/** Stores a key (as the GetCommand answer for `APIKEY#<keyId>`) and returns its plaintext. */
export function givenApiKey(options: { teamId?: string; scopes?: string[]; revokedAt?: string | null } = {}): TestKey {
  const key = generateApiKey();
  const teamId = options.teamId ?? 'team-a';
  ddbMock.on(GetCommand, { Key: apiKeyKey(key.keyId) }).resolves({
    Item: {
      ...apiKeyKey(key.keyId),
      entity: 'ApiKey',
      keyId: key.keyId,
      teamId,
      hash: key.hash,
      scopes: options.scopes ?? ['domains:manage'],
      createdAt: '2026-01-01T00:00:00.000Z',
      ...(options.revokedAt ? { revokedAt: options.revokedAt } : {}),
    },
  });
  return { plaintext: key.plaintext, keyId: key.keyId, teamId };
}

export const DKIM_TOKENS = ['token1', 'token2', 'token3'] as const;
export const VERIFICATION_TOKEN = 'abc123...';

/** A domain item as the table holds it once provisioned (ready), with overrides. */
export function domainItem(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const id = (overrides.id as string | undefined) ?? randomUUID();
  const teamId = (overrides.teamId as string | undefined) ?? 'team-a';
  return {
    ...domainKey(teamId, id),
    entity: 'Domain',
    id,
    teamId,
    domain: 'example.com',
    returnPath: 'send',
    region: TEST_REGION,
    createdAt: '2026-01-15T10:00:00.000Z',
    status: 'pending',
    ready: true,
    verificationToken: VERIFICATION_TOKEN,
    dkimTokens: [...DKIM_TOKENS],
    ...overrides,
  };
}

/** The owner tags this stage ('test') puts on the identity of domain `domainId`. */
export function ownerTagsFor(domainId: string): { Key: string; Value: string }[] {
  return ownerTags({ stage: 'test', domainId });
}

/**
 * The id of the domain the handler works on: the one it created (claim transaction) or else the
 * last one it read. Lets a mocked SES identity carry the tags of a domain id generated at run time.
 */
export function currentDomainId(): string | undefined {
  const created = ddbMock
    .commandCalls(TransactWriteCommand)
    .map((c) => c.args[0].input.TransactItems?.[1]?.Put?.Item?.id as string | undefined)
    .find(Boolean);
  if (created) return created;
  const read = ddbMock
    .commandCalls(GetCommand)
    .map((c) => String(c.args[0].input.Key?.SK ?? ''))
    .filter((sk) => sk.startsWith(KEY_PREFIX.domain))
    .at(-1);
  return read?.slice(KEY_PREFIX.domain.length);
}

/** GetEmailIdentity answers `output` with this domain's owner tags: the identity is the API's own. */
export function ownIdentity(output: Record<string, unknown> = {}): () => Record<string, unknown> {
  return () => ({ IdentityType: 'DOMAIN', ...output, Tags: ownerTagsFor(currentDomainId() ?? 'unknown') });
}

/** Makes `GetCommand` for this domain's key return the item. */
export function givenDomain(item: Record<string, unknown>): void {
  ddbMock.on(GetCommand, { Key: { PK: item.PK, SK: item.SK } }).resolves({ Item: item });
}
