/** The SQS client, created once per container (endpoint from `AWS_ENDPOINT_URL_SQS` when set). */
import { SQSClient } from '@aws-sdk/client-sqs';

export const sqs = new SQSClient({});
