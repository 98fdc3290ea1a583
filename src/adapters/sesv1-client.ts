/**
 * SES v1 clients, used only for `VerifyDomainIdentity`: the one call that returns the `_amazonses`
 * TXT token the spec's first record carries. Kept apart so functions that do not call it do not
 * bundle it. One per identity region of the stack's own account and one per cell of another account
 * (ses-cells.ts); `sesv1` is the default region's.
 */
import { SESClient } from '@aws-sdk/client-ses';
import { sesRegion } from '../config.js';
import { REQUEST_HANDLER } from './request-timeouts.js';
import { cellById, cellClientConfig } from './ses-cells.js';

export const sesv1 = new SESClient({ region: sesRegion(), requestHandler: REQUEST_HANDLER });

const clients = new Map<string, SESClient>([[sesRegion(), sesv1]]);

function clientFor(key: string, config: () => ReturnType<typeof cellClientConfig>): SESClient {
  let client = clients.get(key);
  if (!client) {
    client = new SESClient({ ...config(), requestHandler: REQUEST_HANDLER });
    clients.set(key, client);
  }
  return client;
}

export function sesv1For(region: string): SESClient {
  return clientFor(region, () => ({ region }));
}

/** The SES v1 client of the cell `cellId`. */
export function sesv1ForCell(cellId: string): SESClient {
  const cell = cellById(cellId);
  if (cell.roleArn === undefined) return sesv1For(cell.region);
  return clientFor(`cell:${cell.id}`, () => cellClientConfig(cellId));
}
