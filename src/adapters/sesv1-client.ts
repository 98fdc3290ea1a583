/**
 * The SES v1 client, used only for `VerifyDomainIdentity`: the one call that returns the
 * `_amazonses` TXT token the spec's first record carries. Kept apart so functions that do not call
 * it do not bundle it.
 */
import { SESClient } from '@aws-sdk/client-ses';
import { sesRegion } from '../config.js';

export const sesv1 = new SESClient({ region: sesRegion() });
