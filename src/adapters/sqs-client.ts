/** The SQS client, created once per container (endpoint from `AWS_ENDPOINT_URL_SQS` when set), with time limits. */
import { SQSClient } from '@aws-sdk/client-sqs';
import { REQUEST_HANDLER } from './request-timeouts.js';

export const sqs = new SQSClient({ requestHandler: REQUEST_HANDLER });
