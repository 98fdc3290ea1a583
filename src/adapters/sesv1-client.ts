/**
 * SES v1 clients, used only for `VerifyDomainIdentity`: the one call that returns the `_amazonses`
 * TXT token the spec's first record carries. Kept apart so functions that do not call it do not
 * bundle it. One per identity region; `sesv1` is the default region's.
 */
import { SESClient } from '@aws-sdk/client-ses';
import { sesRegion } from '../config.js';
import { REQUEST_HANDLER } from './request-timeouts.js';

export const sesv1 = new SESClient({ region: sesRegion(), requestHandler: REQUEST_HANDLER });

const byRegion = new Map<string, SESClient>([[sesRegion(), sesv1]]);

export function sesv1For(region: string): SESClient {
  let client = byRegion.get(region);
  if (!client) {
    client = new SESClient({ region, requestHandler: REQUEST_HANDLER });
    byRegion.set(region, client);
  }
  return client;
}
