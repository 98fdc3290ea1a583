/**
 * Reading domains: one of the caller's team, or the team's list (all of it, or a page). Reads touch
 * only the table. A domain still being set up (`ready` false) is never shown.
 */
import * as table from '../../adapters/domains-table/index.js';
import { decodeCursor, encodeCursor } from '../../domain/cursor.js';
import { type Domain, isDomainId } from '../../domain/domain.js';
import { DomainNotFoundError, ValidationError } from '../../errors.js';
import type { Caller } from '../auth.js';

/** A ready domain of the caller's team; anything else (other team, unknown, malformed id) is 404. */
export async function getDomain(caller: Caller, id: string): Promise<Domain> {
  if (!isDomainId(id)) throw new DomainNotFoundError();
  const d = await table.getDomain(caller.teamId, id);
  if (!d?.ready) throw new DomainNotFoundError();
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
    return {
      domains: (await table.listDomains(caller.teamId)).filter((d) => d.ready),
      hasMore: false,
      nextCursor: null,
    };
  }
  const afterId = page.after === undefined ? undefined : decodeCursor(page.after);
  if (afterId === null)
    throw new ValidationError('after is not a valid cursor: pass the next_cursor of the previous page.', 'after');
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
