/** Deleting a domain: its SES identity (in its cell), then the domain and its name claim together. */
import * as table from '../../adapters/domains-table/index.js';
import { deleteIdentity } from '../../adapters/ses-identities.js';
import { ownerStage } from '../../config.js';
import { METRIC } from '../../deployment.js';
import { cellIdOf } from '../../domain/cells.js';
import { DomainNotFoundError } from '../../errors.js';
import { count } from '../../observability.js';
import type { Caller } from '../auth.js';
import { getDomain } from './queries.js';

const stage = ownerStage();

/**
 * Removes the SES identity (already gone is fine; one that is not this domain's is left alone), then
 * the domain and its name claim together, with its `domain.deleted` event.
 */
export async function deleteDomain(caller: Caller, id: string): Promise<void> {
  const d = await getDomain(caller, id);
  await deleteIdentity(d.domain, cellIdOf(d), { stage, domainId: d.id });
  const deleted = await table.deleteDomainAndClaim(d);
  if (!deleted) throw new DomainNotFoundError();
  count(METRIC.domainDeleted);
}
