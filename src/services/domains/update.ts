/** Changing a domain's settings after creation: the MAIL FROM prefix (`return_path`). */
import * as table from '../../adapters/domains-table.js';
import { setMailFrom } from '../../adapters/ses-identities.js';
import { mailFromDomain } from '../../domain/dns-records.js';
import { normalizeReturnPath } from '../../domain/return-path.js';
import type { Domain } from '../../domain/domain.js';
import { ServiceUnavailableError } from '../../errors.js';
import type { Caller } from '../auth.js';
import { getDomain } from './queries.js';
import { requestVerification } from './verify.js';

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
  // If the table write fails or loses, SES goes back to the MAIL FROM the table shows (read again:
  // a failed write may still have been applied).
  const restoreSes = async () => {
    const current = await table.getDomain(d.teamId, d.id).catch(() => null);
    await setMailFrom(d.domain, mailFromDomain(d.domain, current?.returnPath ?? d.returnPath), d.region).catch(() => undefined);
  };
  let changed: boolean;
  try {
    changed = await table.changeReturnPath(d, returnPath);
  } catch (err) {
    await restoreSes();
    throw err;
  }
  if (!changed) {
    await restoreSes();
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
