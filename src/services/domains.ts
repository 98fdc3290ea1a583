/**
 * The domain use cases behind the five endpoints. Handlers call these; these call the table, SES
 * and queue modules. A domain becomes visible (`ready`) only once its SES identity and tokens exist,
 * so a client never sees a domain without its DNS records.
 */
import { v7 as uuidv7 } from 'uuid';
import * as table from '../adapters/domains-table.js';
import { createOrAdoptIdentity, deleteIdentity, setMailFrom } from '../adapters/ses-identities.js';
import { verificationToken } from '../adapters/ses-verification-token.js';
import { enqueueVerification } from '../adapters/verify-queue.js';
import { isTransient } from '../adapters/aws-errors.js';
import { mailFromDomain } from '../domain/dns-records.js';
import { normalizeReturnPath } from '../domain/names.js';
import type { Domain } from '../domain/domain.js';
import { DomainAlreadyRegisteredError, DomainNotFoundError, ServiceUnavailableError, ValidationError } from '../errors.js';
import { decodeCursor, encodeCursor } from '../domain/cursor.js';
import type { Caller } from './auth.js';
import { count, METRIC } from '../observability.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

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

/** A ready domain of the caller's team; anything else (other team, unknown, malformed id) is 404. */
export async function getDomain(caller: Caller, id: string): Promise<Domain> {
  if (!UUID.test(id)) throw new DomainNotFoundError();
  const d = await table.getDomain(caller.teamId, id);
  if (!d || !d.ready) throw new DomainNotFoundError();
  return d;
}

export interface DomainPage {
  readonly domains: Domain[];
  readonly hasMore: boolean;
  readonly nextCursor: string | null;
}

/** Every domain (no page asked for, as the spec promises), or one page of `limit` after a cursor. */
export async function listDomains(caller: Caller, page: { limit?: number; after?: string } = {}): Promise<DomainPage> {
  if (page.limit === undefined && page.after === undefined) {
    return { domains: (await table.listDomains(caller.teamId)).filter((d) => d.ready), hasMore: false, nextCursor: null };
  }
  const afterId = page.after === undefined ? undefined : decodeCursor(page.after);
  if (afterId === null) throw new ValidationError('after is not a valid cursor: pass the next_cursor of the previous page.', 'after');
  const result = await table.listDomainsPage(caller.teamId, page.limit ?? DEFAULT_PAGE_SIZE, afterId);
  const last = result.domains.at(-1);
  return {
    // A domain still being set up is hidden; it can make a page shorter than `limit`.
    domains: result.domains.filter((d) => d.ready),
    hasMore: result.hasMore,
    nextCursor: result.hasMore && last ? encodeCursor(last.id) : null,
  };
}

export const DEFAULT_PAGE_SIZE = 20;

/**
 * Sets `verifying` and queues a check. A domain already `verifying` has a check queued: answer the
 * same way without queuing another. If the queue refuses, the status goes back and the client gets 503.
 */
export async function requestVerification(caller: Caller, id: string): Promise<Domain> {
  if (!UUID.test(id)) throw new DomainNotFoundError();
  const now = new Date().toISOString();
  const result = await table.markVerifying(caller.teamId, id, now);
  if (result.outcome === 'not_found') throw new DomainNotFoundError();
  if (result.outcome === 'already_verifying') return result.domain;
  try {
    await enqueueVerification({ teamId: caller.teamId, domainId: id, requestedAt: now, reason: 'user' });
  } catch (err) {
    await table.revertVerifying(caller.teamId, id, result.previousStatus);
    throw err instanceof ServiceUnavailableError ? err : new ServiceUnavailableError('The verification could not be queued. Retry the request.');
  }
  return result.domain;
}

/**
 * Changes the MAIL FROM prefix: SES first (so the records shown are the ones SES looks for), then
 * the table; the MAIL FROM records are checked again, like after POST /verify. If the table write
 * loses to a concurrent change, SES is set back and the client gets a retryable 503.
 */
export async function updateReturnPath(caller: Caller, id: string, requested: string): Promise<Domain> {
  const d = await getDomain(caller, id);
  const returnPath = normalizeReturnPath(requested, d.domain);
  if (returnPath === d.returnPath) return d;
  await setMailFrom(d.domain, mailFromDomain(d.domain, returnPath), d.region);
  if (!(await table.changeReturnPath(d, returnPath))) {
    await setMailFrom(d.domain, mailFromDomain(d.domain, d.returnPath), d.region).catch(() => undefined);
    throw new ServiceUnavailableError('The domain changed during the update. Retry the request.', 1);
  }
  const now = new Date().toISOString();
  const marked = await table.markVerifying(caller.teamId, id, now);
  if (marked.outcome === 'marked') {
    await enqueueVerification({ teamId: caller.teamId, domainId: id, requestedAt: now, reason: 'user' }).catch(async () => {
      // The due-time lease set by markVerifying brings the check back within 15 minutes.
      await table.revertVerifying(caller.teamId, id, marked.previousStatus);
    });
  }
  return getDomain(caller, id);
}

/** Removes the SES identity (already gone is fine), then the domain and its name claim together. */
export async function deleteDomain(caller: Caller, id: string): Promise<void> {
  const d = await getDomain(caller, id);
  await deleteIdentity(d.domain, d.region);
  const deleted = await table.deleteDomainAndClaim(caller.teamId, id, d.domain);
  if (!deleted) throw new DomainNotFoundError();
  count(METRIC.domainDeleted);
}
