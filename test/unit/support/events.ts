/** Builders for the events Lambda receives: API Gateway HTTP API (payload v2) and SQS. */
import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { type ApiGateway, routeEvent } from '../../../local/api-event.js';

export interface HttpEventOptions {
  /** Header names as API Gateway sends them (lower case); values as given, undefined left out. */
  headers?: Record<string, string | undefined>;
  pathParameters?: Record<string, string>;
  /** A string is sent as is; anything else is JSON-encoded. */
  body?: unknown;
  isBase64Encoded?: boolean;
}

const UNIT_GATEWAY: ApiGateway = {
  accountId: '123456789012',
  apiId: 'unittest',
  domainName: 'unittest.execute-api.eu-central-1.amazonaws.com',
  domainPrefix: 'unittest',
  protocol: 'HTTP/1.1',
  sourceIp: '203.0.113.7',
  userAgent: 'jest',
};

/** An HTTP API v2 event for `METHOD /api/v1<routePath>` with `{param}` placeholders filled from pathParameters. */
export function httpEvent(method: string, routePath: string, options: HttpEventOptions = {}): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.headers ?? {})) if (value !== undefined) headers[name] = value;
  return routeEvent(method, routePath, { ...options, headers }, UNIT_GATEWAY);
}

/** Headers of an authenticated JSON request. */
export function jsonHeaders(apiKey: string, extra: Record<string, string> = {}): Record<string, string> {
  return { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', ...extra };
}

export function sqsRecord(body: unknown, messageId: string = randomUUID()): SQSRecord {
  return {
    messageId,
    receiptHandle: `receipt-${messageId}`,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: String(Date.now()),
      SenderId: 'AIDAUNITTEST',
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-central-1:123456789012:verify-queue',
    awsRegion: 'eu-central-1',
  };
}

export function sqsEvent(records: SQSRecord[]): SQSEvent {
  return { Records: records };
}

export function lambdaContext(functionName = 'unit-test'): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-central-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'unit',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
