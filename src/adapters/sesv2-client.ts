/**
 * The SES v2 client for the identity region, created once per container (endpoint from
 * `AWS_ENDPOINT_URL_SESV2` when set).
 */
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { sesRegion } from '../config.js';

export const identityRegion = sesRegion();
export const sesv2 = new SESv2Client({ region: identityRegion });
