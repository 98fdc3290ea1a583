/**
 * The KMS client, created once per container. Its endpoint comes from the standard
 * `AWS_ENDPOINT_URL_KMS` variable when set (the local stack's KMS stand-in), as for the other clients.
 */
import { KMSClient } from '@aws-sdk/client-kms';
import { REQUEST_HANDLER } from './request-timeouts.js';

export const kms = new KMSClient({ requestHandler: REQUEST_HANDLER });
