/** GET /domains — the caller's team's domains without DNS records; every one, or a page with `limit`/`after`. */

import { toSummaryJson } from '../src/domain/domain.js';
import { apiHandler } from '../src/http/api-handler.js';
import { ListDomainsQuery } from '../src/http/schemas.js';
import { listDomains } from '../src/services/domains/queries.js';

export const handler = apiHandler('list-domains', { query: ListDomainsQuery }, async ({ caller, query }) => {
  const page = await listDomains(caller, query);
  const data = page.domains.map(toSummaryJson);
  // Without paging parameters the answer is exactly the spec's shape.
  const paged = query.limit !== undefined || query.after !== undefined;
  return { status: 200, body: paged ? { data, has_more: page.hasMore, next_cursor: page.nextCursor } : { data } };
});
