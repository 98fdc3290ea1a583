/**
 * SES v2 clients, one per identity region, created once per container (endpoint from
 * `AWS_ENDPOINT_URL_SESV2` when set). `sesv2` is the default region's.
 */
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { sesRegion } from '../config.js';
import { REQUEST_HANDLER } from './request-timeouts.js';

export const identityRegion = sesRegion();
export const sesv2 = new SESv2Client({ region: identityRegion, requestHandler: REQUEST_HANDLER });

const byRegion = new Map<string, SESv2Client>([[identityRegion, sesv2]]);

export function sesv2For(region: string): SESv2Client {
  let client = byRegion.get(region);
  if (!client) {
    client = new SESv2Client({ region, requestHandler: REQUEST_HANDLER });
    byRegion.set(region, client);
  }
  return client;
}
