/**
 * SES v2 clients, one per identity region of the stack's own account and one per cell of another
 * account (ses-cells.ts), created once per container (endpoint from `AWS_ENDPOINT_URL_SESV2` when
 * set). `sesv2` is the default region's.
 */
import { SESv2Client, type SESv2ClientConfig } from '@aws-sdk/client-sesv2';
import { sesRegion } from '../config.js';
import { REQUEST_HANDLER } from './request-timeouts.js';

export const identityRegion = sesRegion();
export const sesv2 = new SESv2Client({ region: identityRegion, requestHandler: REQUEST_HANDLER });

const clients = new Map<string, SESv2Client>([[identityRegion, sesv2]]);

/** The client kept under `key`, created with `config` the first time. */
export function clientFor(key: string, config: Pick<SESv2ClientConfig, 'region' | 'credentials'>): SESv2Client {
  let client = clients.get(key);
  if (!client) {
    client = new SESv2Client({ ...config, requestHandler: REQUEST_HANDLER });
    clients.set(key, client);
  }
  return client;
}

/** The client of `region` in the stack's own account. */
export function sesv2For(region: string): SESv2Client {
  return clientFor(region, { region });
}
