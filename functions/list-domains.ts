/** GET /domains — every domain of the caller's team, without DNS records. */
import { apiHandler } from '../src/http/api-handler.js';
import { listDomains } from '../src/services/domains.js';
import { toSummaryJson } from '../src/domain/domain.js';
import { SCOPE_DOMAINS_MANAGE } from '../src/routes.js';

export const handler = apiHandler({ scope: SCOPE_DOMAINS_MANAGE }, async ({ caller }) => {
  const domains = await listDomains(caller);
  return { status: 200, body: { data: domains.map(toSummaryJson) } };
});
