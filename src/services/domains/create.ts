/**
 * Creating a domain: claim the name and write the (hidden) domain in one transaction, then set up
 * the SES identity, and only then show the domain. Only this use case needs both SES clients and
 * the host-name rules, so only the create function bundles them.
 */
import { v7 as uuidv7 } from 'uuid';
import { isTransient } from '../../adapters/aws-errors.js';
import { CellFullError, placedIn } from '../../adapters/cell-counters-table.js';
import * as table from '../../adapters/domains-table/index.js';
import { applyDkimSigning, createIdentity, deleteIdentity, setMailFrom } from '../../adapters/ses-identities.js';
import { verificationToken } from '../../adapters/ses-verification-token.js';
import { cellsConfig, claimsConfig, ownerStage, releaseGraceMs, sesRegions } from '../../config.js';
import { METRIC } from '../../deployment.js';
import { cellIdOf, placementOrder } from '../../domain/cells.js';
import { type DkimRequest, type DkimSigning, parseDkimRequest, sameDkimSetup } from '../../domain/dkim.js';
import { mailFromDomain } from '../../domain/dns-records.js';
import type { Domain } from '../../domain/domain.js';
import { normalizeDomainName } from '../../domain/names.js';
import { chooseRegion } from '../../domain/regions.js';
import { reservedBy } from '../../domain/reserved-names.js';
import { DEFAULT_RETURN_PATH, normalizeReturnPath } from '../../domain/return-path.js';
import { releaseAt } from '../../domain/schedule.js';
import {
  DomainAlreadyRegisteredError,
  DomainLimitReachedError,
  DomainNotAllowedError,
  IdentityInUseError,
  IdentityMissingError,
  IdentityQuotaExceededError,
  ServiceUnavailableError,
  ValidationError,
} from '../../errors.js';
import { count } from '../../observability.js';
import type { Caller } from '../auth.js';

/** The request's fields as sent (schema-checked); the domain rules are applied here. */
export interface CreateDomainRequest {
  readonly domain: string;
  readonly returnPath?: string | undefined;
  readonly region?: string | undefined;
  readonly dkim?: DkimRequest | undefined;
}

interface CreateDomainInput {
  /** Normalised (see domain/names.ts). */
  readonly domain: string;
  readonly returnPath: string;
  /** One of the configured SES regions (see domain/regions.ts). */
  readonly region: string;
  /** Checked DKIM settings (see domain/dkim.ts); a BYODKIM private key only travels on to SES. */
  readonly dkim: DkimSigning;
}

const claims = claimsConfig();
const cells = cellsConfig();
const stage = ownerStage();
const graceMs = releaseGraceMs();

export async function createDomain(caller: Caller, request: CreateDomainRequest): Promise<Domain> {
  const domain = normalizeDomainName(request.domain);
  if (reservedBy(domain, claims.RESERVED_DOMAINS) !== null) throw new DomainNotAllowedError(domain);
  const input: CreateDomainInput = {
    domain,
    returnPath: normalizeReturnPath(request.returnPath ?? DEFAULT_RETURN_PATH, domain),
    region: chooseRegion(request.region, sesRegions()),
    dkim: parseDkimRequest(request.dkim, domain),
  };
  const pending = await claim(caller, input);
  const ready = await provision(pending, input.dkim);
  count(METRIC.domainCreated);
  return ready;
}

/**
 * Claims the name. A same-team retry of a create that stopped halfway resumes that domain, once
 * its provisioning lease has lapsed: concurrent creates of one name get exactly one 201.
 */
async function claim(caller: Caller, input: CreateDomainInput): Promise<Domain> {
  const createdAt = new Date().toISOString();
  try {
    const fresh = {
      // Time-ordered (UUID v7): the table keeps a team's domains in creation order.
      id: uuidv7(),
      teamId: caller.teamId,
      domain: input.domain,
      returnPath: input.returnPath,
      region: input.region,
      dkim: input.dkim.setup,
      createdAt,
    };
    const options = {
      maxDomains: claims.MAX_DOMAINS_PER_TEAM,
      releaseAt: releaseAt({ createdAt, verifyRequestedAt: null }, graceMs),
    };
    // Without configured cells, nothing is counted: the domain is in the cell named after its region.
    if (!cells.counted) return await table.putNewDomain(fresh, options);
    return await placeInCell(fresh, options);
  } catch (err) {
    if (err instanceof table.DomainLimitError) throw new DomainLimitReachedError(claims.MAX_DOMAINS_PER_TEAM);
    if (!(err instanceof table.NameClaimedError)) throw err;
    if (err.claim?.teamId === caller.teamId) {
      const existing = await table.getDomain(caller.teamId, err.claim.domainId);
      const sameRequest =
        existing &&
        existing.returnPath === input.returnPath &&
        existing.region === input.region &&
        sameDkimSetup(existing.dkim, input.dkim.setup);
      if (existing && !existing.ready && sameRequest) {
        const resumed = await table.takeProvisioningLease(existing, Date.now());
        if (resumed) return resumed;
        // Another request of this team is still setting the domain up (or undoing it): its outcome
        // is not known yet, so the answer is "retry", not "already registered".
        throw new ServiceUnavailableError(
          'This domain is still being set up by an earlier request. Retry after the delay in Retry-After.',
          2,
        );
      }
    }
    throw new DomainAlreadyRegisteredError(input.domain);
  }
}

/** Conflicts with concurrent creates on a cell's count are retried this often before the client is asked to. */
const PLACEMENT_ATTEMPTS = 3;

/**
 * Claims the name in a cell of the domain's region with room (see domain/cells.ts, placementOrder):
 * the cell's count moves in the claim's own transaction, conditioned on the quota, so concurrent
 * creates never put more than the quota in a cell. Every cell full (or draining): 503
 * identity_quota_exceeded, and nothing was written.
 */
async function placeInCell(fresh: table.NewDomain, options: table.NewDomainOptions): Promise<Domain> {
  const { quota } = cells;
  const inRegion = cells.cells.filter((c) => c.region === fresh.region && !c.draining);
  // One open cell needs no reading of counts: the claim's own condition is the quota.
  const order =
    inRegion.length <= 1
      ? inRegion
      : placementOrder(inRegion, fresh.region, await placedIn(inRegion.map((c) => c.id)), quota);
  // With no room anywhere, one try still goes to the table: the claim's own condition tells a full
  // region from this team's create stopped halfway, which holds its place already and is resumed.
  for (const cell of order.length > 0 ? order : inRegion.slice(0, 1)) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await table.putNewDomain({ ...fresh, cell: cell.id }, { ...options, cellQuota: quota });
      } catch (err) {
        if (err instanceof CellFullError) break;
        // Every create of the region writes its cell's count: a conflict between two is worth a retry here.
        const conflict = err instanceof ServiceUnavailableError && err.reason !== 'throttled';
        if (!conflict || attempt >= PLACEMENT_ATTEMPTS) throw err;
        await new Promise((r) => setTimeout(r, 20 + Math.random() * 80 * attempt));
      }
    }
  }
  throw new IdentityQuotaExceededError();
}

/**
 * Creates (or adopts) the SES identity, sets MAIL FROM, fetches the v1 token, and marks the domain
 * ready. On failure everything is undone, SES first: if that undo fails too, the claim and the
 * unready item stay, so no identity is ever left without the domain that owns it, and the client's
 * retry resumes here.
 */
async function provision(d: Domain, dkim: DkimSigning): Promise<Domain> {
  const owner = { stage, domainId: d.id };
  let identityMayExist = true;
  const cell = cellIdOf(d);
  try {
    let made: Awaited<ReturnType<typeof createIdentity>>;
    try {
      made = await createIdentity(d.domain, cell, dkim, owner);
    } catch (err) {
      // A throttled, refused or over-quota create is a clean rejection: SES created nothing. Anything
      // else may have. An identity in use is someone else's: the undo must leave it alone.
      const clean =
        (err instanceof ServiceUnavailableError && err.reason === 'throttled') ||
        err instanceof ValidationError ||
        err instanceof IdentityQuotaExceededError ||
        err instanceof IdentityInUseError;
      if (clean) identityMayExist = false;
      throw err;
    }
    const dkimTokens = 'created' in made ? made.created : await applyDkimSigning(d.domain, cell, dkim, made.adopted);
    await setMailFrom(d.domain, mailFromDomain(d.domain, d.returnPath), cell);
    const token = await verificationToken(d.domain, cell);
    const ready = await table.markReady(d, { verificationToken: token, dkimTokens });
    if (!ready) throw new ServiceUnavailableError('The domain changed while it was being set up. Retry the request.');
    return ready;
  } catch (err) {
    await undoProvisioning(d, identityMayExist);
    // The identity vanished while this create set it up (removed outside the service): a retry starts afresh.
    throw err instanceof IdentityMissingError
      ? new ServiceUnavailableError('The domain could not be set up. Retry the request.', 1)
      : err;
  }
}

async function undoProvisioning(d: Domain, identityMayExist: boolean): Promise<void> {
  try {
    // Only while this create still holds the domain: a retry that took it over owns the identity.
    if (!(await table.setProvisioningLease(d, Date.now() + table.PROVISIONING_LEASE_MS))) return;
    if (identityMayExist) await deleteIdentity(d.domain, cellIdOf(d), { stage, domainId: d.id });
    await table.deleteDomainAndClaim(d, d.leaseId ?? undefined);
  } catch (err) {
    if (!isTransient(err) && !(err instanceof ServiceUnavailableError)) throw err;
    // Left for the client's retry, which may resume this domain at once; nothing is orphaned.
    await table.setProvisioningLease(d, 0).catch(() => undefined);
  }
}
