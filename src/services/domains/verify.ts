/** Asking for a verification check: mark the domain `verifying` and queue the check. */
import * as table from '../../adapters/domains-table/index.js';
import { enqueueVerification } from '../../adapters/verify-queue.js';
import { type Domain, isDomainId } from '../../domain/domain.js';
import { DomainNotFoundError, ServiceUnavailableError } from '../../errors.js';
import type { Caller } from '../auth.js';

/**
 * Sets `verifying` and queues a check. A domain already `verifying` has a check queued: answer the
 * same way without queuing another. If the queue refuses, the status goes back and the client gets 503.
 */
export async function requestVerification(caller: Caller, id: string): Promise<Domain> {
  if (!isDomainId(id)) throw new DomainNotFoundError();
  const now = new Date().toISOString();
  const result = await table.markVerifying(caller.teamId, id, now);
  if (result.outcome === 'not_found') throw new DomainNotFoundError();
  if (result.outcome === 'already_verifying') return result.domain;
  try {
    await enqueueVerification({ teamId: caller.teamId, domainId: id, requestedAt: now, reason: 'user' });
  } catch (err) {
    await table.revertVerifying(caller.teamId, id, result.previousStatus);
    throw err instanceof ServiceUnavailableError
      ? err
      : new ServiceUnavailableError('The verification could not be queued. Retry the request.');
  }
  return result.domain;
}
