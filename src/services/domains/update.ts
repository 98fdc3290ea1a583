/**
 * Changing a domain's settings after creation: the MAIL FROM prefix (`return_path`) and the DKIM
 * signing (Easy DKIM key length, or a BYODKIM selector and key, e.g. to rotate the key).
 */
import * as table from '../../adapters/domains-table/index.js';
import { applyDkimSigning, requireOwnIdentity, setMailFrom } from '../../adapters/ses-identities.js';
import { ownerStage } from '../../config.js';
import { cellIdOf } from '../../domain/cells.js';
import { type DkimRequest, type DkimSigning, parseDkimRequest, sameDkimSetup } from '../../domain/dkim.js';
import { mailFromDomain } from '../../domain/dns-records.js';
import type { Domain } from '../../domain/domain.js';
import { normalizeReturnPath } from '../../domain/return-path.js';
import { DomainNotFoundError, ServiceUnavailableError } from '../../errors.js';
import type { Caller } from '../auth.js';
import { getDomain } from './queries.js';
import { requestVerification } from './verify.js';

const stage = ownerStage();

export interface UpdateRequest {
  /** As sent: normalised against the domain here. */
  readonly returnPath?: string | undefined;
  /** As sent: checked against the domain here (see domain/dkim.ts). */
  readonly dkim?: DkimRequest | undefined;
}

interface Changes {
  readonly returnPath?: string;
  readonly dkim?: DkimSigning;
}

/** What the request changes on `d`: settings equal to the current ones are no change. */
function changesOf(d: Domain, returnPath: string | undefined, dkim: DkimSigning | undefined): Changes {
  return {
    ...(returnPath !== undefined && returnPath !== d.returnPath && { returnPath }),
    ...(dkim !== undefined && !sameDkimSetup(dkim.setup, d.dkim) && { dkim }),
  };
}

/**
 * Applies the changes: one change per domain at a time (an update lease in the table), SES first
 * (so the records shown are the ones SES looks for), then the table; the records that changed are
 * checked again, like after POST /verify. Nothing to change answers the domain as it is.
 *
 * If SES or the table fails partway, the MAIL FROM goes back to what the table shows and the client
 * gets an error to retry: the same PATCH again is safe. DKIM cannot be set back (a BYODKIM private
 * key is not kept), so until that retry SES may already sign with the new settings.
 */
export async function updateDomain(caller: Caller, id: string, request: UpdateRequest): Promise<Domain> {
  const current = await getDomain(caller, id);
  const returnPath =
    request.returnPath === undefined ? undefined : normalizeReturnPath(request.returnPath, current.domain);
  const dkim = request.dkim === undefined ? undefined : parseDkimRequest(request.dkim, current.domain);
  if (Object.keys(changesOf(current, returnPath, dkim)).length === 0) return current;

  const held = await table.takeUpdateLease(current, Date.now());
  if (!held) {
    await getDomain(caller, id); // 404 once it is gone
    throw new ServiceUnavailableError(
      'Another change to this domain is in progress. Retry after the delay in Retry-After.',
      2,
    );
  }
  const { domain: d, leaseId } = held;
  const changes = changesOf(d, returnPath, dkim);
  if (Object.keys(changes).length === 0) {
    // A change made meanwhile already gave the domain these settings.
    await table.releaseUpdateLease(d, leaseId);
    return d;
  }
  let identity: Awaited<ReturnType<typeof requireOwnIdentity>>;
  try {
    identity = await requireOwnIdentity(d.domain, cellIdOf(d), { stage, domainId: d.id });
  } catch (err) {
    await table.releaseUpdateLease(d, leaseId).catch(() => undefined);
    throw err;
  }
  let committed: boolean;
  try {
    if (changes.returnPath !== undefined)
      await setMailFrom(d.domain, mailFromDomain(d.domain, changes.returnPath), cellIdOf(d));
    const dkimTokens = changes.dkim && (await applyDkimSigning(d.domain, cellIdOf(d), changes.dkim, identity));
    committed = await table.commitUpdate(d, leaseId, {
      returnPath: changes.returnPath,
      dkim: changes.dkim?.setup,
      dkimTokens,
    });
  } catch (err) {
    await undo(d, leaseId, changes);
    if (!(await table.getDomain(d.teamId, d.id).catch(() => d))) throw new DomainNotFoundError();
    throw err;
  }
  if (!committed) {
    await undo(d, leaseId, changes);
    await getDomain(caller, id);
    throw new ServiceUnavailableError('The domain changed during the update. Retry the request.', 1);
  }
  try {
    return await requestVerification(caller, id);
  } catch (err) {
    // The change is made; the check could not be queued, and the due-time lease brings it back.
    if (err instanceof ServiceUnavailableError) return getDomain(caller, id);
    throw err;
  }
}

/**
 * After a failed change: SES's MAIL FROM is set to what the table shows, read again (a write whose
 * answer was lost may have been applied), and the lease is released for the client's retry.
 */
async function undo(d: Domain, leaseId: string, changes: Changes): Promise<void> {
  if (changes.returnPath !== undefined) {
    const shown = await table.getDomain(d.teamId, d.id).catch(() => d);
    if (shown)
      await setMailFrom(d.domain, mailFromDomain(d.domain, shown.returnPath), cellIdOf(d)).catch(() => undefined);
  }
  await table.releaseUpdateLease(d, leaseId).catch(() => undefined);
}
