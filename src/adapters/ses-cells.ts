/**
 * Where a cell's SES calls go (see domain/cells.ts): its region, and the credentials of its account.
 * A cell of the stack's own account uses the function's own credentials (and the shared per-region
 * clients); a cell of another account is reached with STS AssumeRole on its `roleArn`, whose
 * temporary credentials are cached per cell and renewed shortly before they expire, so a warm
 * container asks STS about once an hour per cell, not once per call.
 */

import type { SESv2Client } from '@aws-sdk/client-sesv2';
import { AssumeRoleCommand, type AssumeRoleCommandOutput, STSClient } from '@aws-sdk/client-sts';
import { cellsConfig, ownerStage } from '../config.js';
import { REGION_PATTERN } from '../deployment.js';
import type { Cell } from '../domain/cells.js';
import { ServiceUnavailableError } from '../errors.js';
import { logger } from '../observability.js';
import { toServiceError } from './aws-errors.js';
import { REQUEST_HANDLER } from './request-timeouts.js';
import { clientFor, sesv2For } from './sesv2-client.js';

// Parsed at cold start: a bad SES_CELLS fails the first invoke, not a request later.
cellsConfig();

/** Credentials are renewed this long before they expire (the SDK's own margin is the same 5 minutes). */
export const CREDENTIALS_REFRESH_MS = 5 * 60_000;
/** How long an assumed role's credentials last; the role's maximum session must allow it (1 hour is the least). */
export const ASSUMED_ROLE_SECONDS = 3_600;

/** The session name of every AssumeRole: the cell account's CloudTrail shows which stage called. */
export const roleSessionName = (stage: string) => `krafter-${stage}`;

/** A cell id no configured cell has (the cell was removed from SES_CELLS while domains still live in it). */
export class UnknownCellError extends Error {
  override readonly name = 'UnknownCellError';
  constructor(id: string) {
    super(`No SES cell "${id}" is configured (SES_CELLS)`);
  }
}

/**
 * The cell of `id`. A domain stored before cells existed is in the cell named after its region; if
 * no such cell is configured, that is still the region of the stack's own account it was made in.
 */
export function cellById(id: string): Cell {
  const cell = cellsConfig().cells.find((c) => c.id === id);
  if (cell) return cell;
  if (REGION_PATTERN.test(id)) return { id, region: id, draining: true };
  throw new UnknownCellError(id);
}

/** What an SDK client accepts as `credentials` (the SDK's own type lives in a package we do not depend on). */
export interface CellCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: Date;
}
type AwsCredentialIdentity = CellCredentials;
export type AwsCredentialIdentityProvider = () => Promise<CellCredentials>;

/**
 * Whatever AssumeRole answered (throttled, denied, failing, no answer), the cell cannot be reached
 * now: a 503 the client retries, or a check the queue retries, never a 500. A refusal is the
 * operator's to fix (the role's trust or the stack's policy), so it is logged as an error.
 */
function unreachableCell(roleArn: string, err: unknown): ServiceUnavailableError {
  const mapped = toServiceError(err, 'Amazon SES');
  if (mapped instanceof ServiceUnavailableError) return mapped;
  logger.error('AssumeRole of an SES cell failed', { roleArn, error: err as Error });
  return new ServiceUnavailableError(
    'Amazon SES is temporarily unavailable. Retry after the delay in Retry-After.',
    30,
  );
}

let sts: STSClient | undefined;
const providers = new Map<string, AwsCredentialIdentityProvider>();

/** The cached credentials of the role of `cell` (one AssumeRole in flight at a time per role). */
export function cellCredentials(roleArn: string): AwsCredentialIdentityProvider {
  let provider = providers.get(roleArn);
  if (provider) return provider;
  let cached: AwsCredentialIdentity | undefined;
  let pending: Promise<AwsCredentialIdentity> | undefined;
  const assume = async (): Promise<AwsCredentialIdentity> => {
    // The endpoint comes from AWS_ENDPOINT_URL_STS when set, as for every other client.
    sts ??= new STSClient({ region: process.env.AWS_REGION, requestHandler: REQUEST_HANDLER });
    let out: AssumeRoleCommandOutput;
    try {
      out = await sts.send(
        new AssumeRoleCommand({
          RoleArn: roleArn,
          RoleSessionName: roleSessionName(ownerStage()),
          DurationSeconds: ASSUMED_ROLE_SECONDS,
        }),
      );
    } catch (err) {
      throw unreachableCell(roleArn, err);
    }
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration)
      throw unreachableCell(roleArn, new Error('AssumeRole returned no credentials'));
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
      expiration: new Date(c.Expiration),
    };
  };
  provider = async () => {
    if (cached && cached.expiration.getTime() - Date.now() > CREDENTIALS_REFRESH_MS) return cached;
    pending ??= assume()
      .then((c) => {
        cached = c;
        return c;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
  providers.set(roleArn, provider);
  return provider;
}

/** What an SES client of the cell is built with: its region, and its account's credentials if not ours. */
export function cellClientConfig(cellId: string): { region: string; credentials?: AwsCredentialIdentityProvider } {
  const cell = cellById(cellId);
  return { region: cell.region, ...(cell.roleArn !== undefined && { credentials: cellCredentials(cell.roleArn) }) };
}

/** The SES v2 client of the cell `cellId`, created once per container. */
export function sesv2ForCell(cellId: string): SESv2Client {
  const cell = cellById(cellId);
  if (cell.roleArn === undefined) return sesv2For(cell.region);
  return clientFor(`cell:${cell.id}`, cellClientConfig(cellId));
}

/** The name of a cell's shared SES pacer (rate-budget-table.ts): each cell has its own SES budget. */
export const sesPacerName = (cellId: string) => `ses#${cellId}`;
