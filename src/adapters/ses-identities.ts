/**
 * SES v2 identity calls: create (Easy DKIM), adopt an existing one, MAIL FROM, read status, delete.
 */
import {
  AlreadyExistsException,
  CreateEmailIdentityCommand,
  DeleteEmailIdentityCommand,
  GetEmailIdentityCommand,
  LimitExceededException,
  NotFoundException,
  PutEmailIdentityMailFromAttributesCommand,
  type GetEmailIdentityCommandOutput,
} from '@aws-sdk/client-sesv2';
import { sesv2For } from './sesv2-client.js';
import { toServiceError } from './aws-errors.js';
import { ApiError } from '../errors.js';
import { count, METRIC } from '../observability.js';

async function call<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw toServiceError(err, 'Amazon SES');
  }
}

/**
 * Creates the identity with Easy DKIM and returns its three DKIM tokens, or null when it already
 * exists (left by an earlier attempt that failed after creating it: see `existingIdentityTokens`).
 */
export async function createIdentity(domain: string, region: string): Promise<string[] | null> {
  try {
    const out = await sesv2For(region).send(new CreateEmailIdentityCommand({ EmailIdentity: domain }));
    return out.DkimAttributes?.Tokens ?? [];
  } catch (err) {
    if (err instanceof AlreadyExistsException) return null;
    if (err instanceof LimitExceededException) {
      // SES holds at most 10,000 identities per account and region: retrying does not help.
      throw new ApiError(503, 'identity_quota_exceeded', 'This Krafter region has reached its limit of sending domains. Contact support.');
    }
    throw toServiceError(err, 'Amazon SES');
  }
}

/** The DKIM tokens of an identity that exists already; the caller holds the name claim, so it owns it. */
export async function existingIdentityTokens(domain: string, region: string): Promise<string[]> {
  const existing = await call(() => sesv2For(region).send(new GetEmailIdentityCommand({ EmailIdentity: domain })));
  return existing.DkimAttributes?.Tokens ?? [];
}

export async function setMailFrom(domain: string, mailFromDomain: string, region: string): Promise<void> {
  await call(() =>
    sesv2For(region).send(
      new PutEmailIdentityMailFromAttributesCommand({
        EmailIdentity: domain,
        MailFromDomain: mailFromDomain,
        // Keep sending from the SES default MAIL FROM while the MX is missing, rather than reject mail.
        BehaviorOnMxFailure: 'USE_DEFAULT_VALUE',
      }),
    ),
  );
}

/** The identity's SES state, or null when SES has no such identity. */
export async function getIdentity(domain: string, region: string): Promise<GetEmailIdentityCommandOutput | null> {
  try {
    const out = await sesv2For(region).send(new GetEmailIdentityCommand({ EmailIdentity: domain }));
    // The SDK retried a throttled or failed call before it succeeded.
    for (let i = 1; i < (out.$metadata?.attempts ?? 1); i++) count(METRIC.sesRetry);
    return out;
  } catch (err) {
    if (err instanceof NotFoundException) return null;
    throw toServiceError(err, 'Amazon SES');
  }
}

/** Deletes the identity; one that is already gone counts as deleted. */
export async function deleteIdentity(domain: string, region: string): Promise<void> {
  try {
    await sesv2For(region).send(new DeleteEmailIdentityCommand({ EmailIdentity: domain }));
  } catch (err) {
    if (err instanceof NotFoundException) return;
    throw toServiceError(err, 'Amazon SES');
  }
}
