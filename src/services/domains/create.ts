/**
 * Creating a domain: claim the name and write the (hidden) domain in one transaction, then set up
 * the SES identity, and only then show the domain. Only this use case needs both SES clients and
 * the host-name rules, so only the create function bundles them.
 */
import { v7 as uuidv7 } from 'uuid';
import * as table from '../../adapters/domains-table.js';
import { createOrAdoptIdentity, deleteIdentity, setMailFrom } from '../../adapters/ses-identities.js';
import { verificationToken } from '../../adapters/ses-verification-token.js';
import { isTransient } from '../../adapters/aws-errors.js';
import { mailFromDomain } from '../../domain/dns-records.js';
import type { Domain } from '../../domain/domain.js';
import { DomainAlreadyRegisteredError, ServiceUnavailableError } from '../../errors.js';
import type { Caller } from '../auth.js';
import { count, METRIC } from '../../observability.js';

export interface CreateDomainInput {
  /** Already normalised (see domain/names.ts). */
  readonly domain: string;
  readonly returnPath: string;
  /** One of the configured SES regions (see domain/regions.ts). */
  readonly region: string;
}

export async function createDomain(caller: Caller, input: CreateDomainInput): Promise<Domain> {
  const pending = await claim(caller, input);
  const ready = await provision(pending);
  count(METRIC.domainCreated);
  return ready;
}

/** Claims the name. A same-team retry of a create that stopped halfway resumes that domain. */
async function claim(caller: Caller, input: CreateDomainInput): Promise<Domain> {
  try {
    return await table.putNewDomain({
      // Time-ordered (UUID v7): the table keeps a team's domains in creation order.
      id: uuidv7(),
      teamId: caller.teamId,
      domain: input.domain,
      returnPath: input.returnPath,
      region: input.region,
      createdAt: new Date().toISOString(),
    });
  } catch (err) {
    if (!(err instanceof table.NameClaimedError)) throw err;
    if (err.claim?.teamId === caller.teamId) {
      const existing = await table.getDomain(caller.teamId, err.claim.domainId);
      if (existing && !existing.ready && existing.returnPath === input.returnPath && existing.region === input.region) return existing;
    }
    throw new DomainAlreadyRegisteredError(input.domain);
  }
}

/**
 * Creates (or adopts) the SES identity, sets MAIL FROM, fetches the v1 token, and marks the domain
 * ready. On failure everything is undone, SES first: if that undo fails too, the claim and the
 * unready item stay, so no identity is ever left without the domain that owns it, and the client's
 * retry resumes here.
 */
async function provision(d: Domain): Promise<Domain> {
  let identityMayExist = true;
  try {
    const identity = await createOrAdoptIdentity(d.domain, d.region).catch((err: unknown) => {
      // A throttle or validation error is a clean rejection: SES created nothing.
      if (err instanceof ServiceUnavailableError && err.reason === 'throttled') identityMayExist = false;
      throw err;
    });
    await setMailFrom(d.domain, mailFromDomain(d.domain, d.returnPath), d.region);
    const token = await verificationToken(d.domain, d.region);
    const ready = await table.markReady(d.teamId, d.id, { verificationToken: token, dkimTokens: identity.dkimTokens });
    if (!ready) throw new ServiceUnavailableError('The domain changed while it was being set up. Retry the request.');
    return ready;
  } catch (err) {
    await undoProvisioning(d, identityMayExist);
    throw err;
  }
}

async function undoProvisioning(d: Domain, identityMayExist: boolean): Promise<void> {
  try {
    if (identityMayExist) await deleteIdentity(d.domain, d.region);
    await table.deleteDomainAndClaim(d.teamId, d.id, d.domain);
  } catch (err) {
    if (!isTransient(err) && !(err instanceof ServiceUnavailableError)) throw err;
    // Left for the client's retry (which resumes this domain); nothing is orphaned.
  }
}
