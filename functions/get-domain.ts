/** GET /domains/{id} — one domain with its DNS records and their last check. */

import { toDetailJson } from '../src/domain/domain.js';
import { apiHandler } from '../src/http/api-handler.js';
import { getDomain } from '../src/services/domains/queries.js';

export const handler = apiHandler('get-domain', {}, async ({ caller, params }) => {
  const domain = await getDomain(caller, params.id ?? '');
  return { status: 200, body: { data: toDetailJson(domain) } };
});
