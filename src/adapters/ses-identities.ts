/**
 * SES v2 identity calls, each in the domain's cell (`cell`: its id, see ses-cells.ts): create (Easy DKIM with a key length, or BYODKIM) with owner tags, adopt one
 * an earlier attempt of the same domain left, DKIM signing, MAIL FROM, read status, delete. An
 * identity whose tags do not name the domain is never adopted or deleted (see domain/identity-owner.ts).
 */
import {
  AlreadyExistsException,
  CreateEmailIdentityCommand,
  DeleteEmailIdentityCommand,
  type DkimSigningAttributes,
  GetEmailIdentityCommand,
  type GetEmailIdentityCommandOutput,
  LimitExceededException,
  NotFoundException,
  PutEmailIdentityDkimSigningAttributesCommand,
  PutEmailIdentityMailFromAttributesCommand,
} from '@aws-sdk/client-sesv2';
import { METRIC } from '../deployment.js';
import type { DkimSigning } from '../domain/dkim.js';
import { type IdentityOwner, ownershipOf, ownerTags } from '../domain/identity-owner.js';
import {
  IdentityInUseError,
  IdentityMissingError,
  IdentityQuotaExceededError,
  ServiceUnavailableError,
  ValidationError,
} from '../errors.js';
import { count, logger } from '../observability.js';
import { toServiceError } from './aws-errors.js';
import { sesv2ForCell } from './ses-cells.js';

/** A call on an identity that must exist: one SES does not have is IdentityMissingError. */
async function call<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof NotFoundException) throw new IdentityMissingError();
    throw toServiceError(err, 'Amazon SES');
  }
}

const sesKeyLength = (bits: number) => (bits === 1024 ? 'RSA_1024_BIT' : 'RSA_2048_BIT');

function signingAttributes(signing: DkimSigning): DkimSigningAttributes {
  return signing.setup.type === 'byodkim' && 'privateKey' in signing
    ? { DomainSigningSelector: signing.setup.selector, DomainSigningPrivateKey: signing.privateKey }
    : { NextSigningKeyLength: sesKeyLength(signing.setup.keyLength) };
}

/**
 * SES refused the signing settings (a key it does not accept, or a second key length change within
 * a day): the client's mistake, a 400. SES's own text is not passed on (it may name the account).
 */
function rejectedSigning(err: unknown): ValidationError | null {
  if ((err as { name?: string })?.name !== 'BadRequestException') return null;
  return new ValidationError(
    'SES rejected the DKIM settings: a key it cannot use, or an Easy DKIM key length changed more than once in 24 hours.',
    'dkim',
  );
}

type Identity = GetEmailIdentityCommandOutput;

/**
 * Creates the identity, tagged with its owner, with the requested DKIM signing: `created` with its
 * Easy DKIM tokens (none with BYODKIM), or `adopted` with its state when it already exists with this
 * domain's tags (left by an earlier attempt that failed after creating it: pass it on to
 * `applyDkimSigning`). An identity that exists without them is someone else's: IdentityInUseError,
 * and nothing was changed.
 */
export async function createIdentity(
  domain: string,
  cell: string,
  signing: DkimSigning,
  owner: IdentityOwner,
): Promise<{ readonly created: string[] } | { readonly adopted: Identity }> {
  try {
    const out = await sesv2ForCell(cell).send(
      new CreateEmailIdentityCommand({
        EmailIdentity: domain,
        DkimSigningAttributes: signingAttributes(signing),
        Tags: ownerTags(owner),
      }),
    );
    return { created: out.DkimAttributes?.Tokens ?? [] };
  } catch (err) {
    if (err instanceof AlreadyExistsException) {
      // The identity exists: a failure to read it must not pass for a clean "SES created nothing"
      // (a throttled 503 would), or the create's undo would leave this domain's own leftover behind.
      const existing = await getIdentity(domain, cell).catch((readErr: unknown) => {
        if (readErr instanceof ServiceUnavailableError)
          throw new ServiceUnavailableError(readErr.message, readErr.retryAfterSeconds);
        throw readErr;
      });
      // Gone again already: whoever made it removed it; the client's retry may create it afresh.
      if (existing === null) throw new ServiceUnavailableError('The domain could not be set up. Retry the request.', 1);
      if (ownershipOf(existing.Tags, owner) === 'ours') return { adopted: existing };
      throw new IdentityInUseError(domain);
    }
    if (err instanceof LimitExceededException) {
      throw new IdentityQuotaExceededError();
    }
    const mapped = rejectedSigning(err) ?? toServiceError(err, 'Amazon SES');
    // "Throttled" means SES created nothing only if no earlier attempt of this call (one that timed out
    // or lost its answer) may have created it.
    if (
      mapped instanceof ServiceUnavailableError &&
      mapped.reason === 'throttled' &&
      ((err as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1) > 1
    ) {
      throw new ServiceUnavailableError(mapped.message, mapped.retryAfterSeconds);
    }
    throw mapped;
  }
}

/**
 * Makes an existing identity sign as requested, calling SES to change it only when it differs (SES
 * refuses to "change" Easy DKIM to the key length it has). Used to adopt an identity an earlier
 * create left behind, and by PATCH; `known` is the identity as just read (no second read of SES's
 * scarce budget). Returns the identity's Easy DKIM tokens (none with BYODKIM).
 */
export async function applyDkimSigning(
  domain: string,
  cell: string,
  signing: DkimSigning,
  known: Identity,
): Promise<string[]> {
  // A BYODKIM key is always sent (SES accepts the same one again, and cannot show which it has).
  if (signing.setup.type === 'byodkim') return putDkimSigning(domain, cell, signing);
  const keyLength = sesKeyLength(signing.setup.keyLength);
  const tokensIfSet = (dkim: Identity['DkimAttributes']) =>
    dkim?.SigningAttributesOrigin === 'AWS_SES' &&
    dkim.NextSigningKeyLength === keyLength &&
    (dkim.Tokens?.length ?? 0) > 0
      ? dkim.Tokens!
      : null;
  const current = async () =>
    tokensIfSet(
      (await call(() => sesv2ForCell(cell).send(new GetEmailIdentityCommand({ EmailIdentity: domain }))))
        .DkimAttributes,
    );
  const tokens = tokensIfSet(known.DkimAttributes);
  if (tokens) return tokens;
  try {
    return await putDkimSigning(domain, cell, signing);
  } catch (err) {
    // The SDK's retry of a change whose answer was lost is refused as "no change": it was made.
    if (err instanceof ValidationError) {
      const made = await current();
      if (made) return made;
    }
    throw err;
  }
}

/** Sets an identity's DKIM signing (Easy DKIM key length, or a BYODKIM key); returns the Easy DKIM tokens. */
async function putDkimSigning(domain: string, cell: string, signing: DkimSigning): Promise<string[]> {
  try {
    const out = await sesv2ForCell(cell).send(
      new PutEmailIdentityDkimSigningAttributesCommand({
        EmailIdentity: domain,
        SigningAttributesOrigin: signing.setup.type === 'byodkim' ? 'EXTERNAL' : 'AWS_SES',
        SigningAttributes: signingAttributes(signing),
      }),
    );
    return signing.setup.type === 'byodkim' ? [] : (out.DkimTokens ?? []);
  } catch (err) {
    if (err instanceof NotFoundException) throw new IdentityMissingError();
    throw rejectedSigning(err) ?? toServiceError(err, 'Amazon SES');
  }
}

export async function setMailFrom(domain: string, mailFromDomain: string, cell: string): Promise<void> {
  try {
    await call(() =>
      sesv2ForCell(cell).send(
        new PutEmailIdentityMailFromAttributesCommand({
          EmailIdentity: domain,
          MailFromDomain: mailFromDomain,
          // Keep sending from the SES default MAIL FROM while the MX is missing, rather than reject mail.
          BehaviorOnMxFailure: 'USE_DEFAULT_VALUE',
        }),
      ),
    );
  } catch (err) {
    // SES answers this call for an identity it lacks with a 400, not a 404; the MAIL FROM name itself was checked here.
    if ((err as { name?: string })?.name === 'BadRequestException' && (await getIdentity(domain, cell)) === null)
      throw new IdentityMissingError();
    throw err;
  }
}

/**
 * Before a change: the identity must be the domain's own (tagged for it). One that is gone, or that
 * someone else made under the same name since, is IdentityMissingError: nothing of it is changed.
 */
export async function requireOwnIdentity(domain: string, cell: string, owner: IdentityOwner): Promise<Identity> {
  const existing = await getIdentity(domain, cell);
  if (existing === null || ownershipOf(existing.Tags, owner) !== 'ours') throw new IdentityMissingError();
  return existing;
}

/** The identity's SES state, or null when SES has no such identity. */
export async function getIdentity(domain: string, cell: string): Promise<GetEmailIdentityCommandOutput | null> {
  try {
    const out = await sesv2ForCell(cell).send(new GetEmailIdentityCommand({ EmailIdentity: domain }));
    // The SDK retried a throttled or failed call before it succeeded.
    for (let i = 1; i < (out.$metadata?.attempts ?? 1); i++) count(METRIC.sesRetry);
    return out;
  } catch (err) {
    if (err instanceof NotFoundException) return null;
    throw toServiceError(err, 'Amazon SES');
  }
}

/**
 * Deletes the identity if it is this domain's; one that is already gone counts as deleted. One that
 * is not (made outside the API, or for another stage or domain) is left alone: the domain lets go of
 * the name without taking the identity with it.
 */
export async function deleteIdentity(domain: string, cell: string, owner: IdentityOwner): Promise<void> {
  const existing = await getIdentity(domain, cell);
  if (existing === null) return;
  const ownership = ownershipOf(existing.Tags, owner);
  if (ownership !== 'ours') {
    logger.warn('SES identity not deleted: its tags do not name this domain', {
      domain,
      cell,
      domainId: owner.domainId,
      ownership,
    });
    return;
  }
  try {
    await sesv2ForCell(cell).send(new DeleteEmailIdentityCommand({ EmailIdentity: domain }));
  } catch (err) {
    if (err instanceof NotFoundException) return;
    throw toServiceError(err, 'Amazon SES');
  }
}
