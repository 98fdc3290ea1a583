/** POST /domains — registers a sending domain and returns the DNS records to publish. */
import { apiHandler } from '../src/http/api-handler.js';
import { CreateDomainBody } from '../src/http/schemas.js';
import { createDomain } from '../src/services/domains/create.js';
import { normalizeDomainName } from '../src/domain/names.js';
import { DEFAULT_RETURN_PATH, normalizeReturnPath } from '../src/domain/return-path.js';
import { toDetailJson } from '../src/domain/domain.js';
import { chooseRegion } from '../src/domain/regions.js';
import { parseDkimRequest } from '../src/domain/dkim.js';
import { sesRegions } from '../src/config.js';
import { SCOPE_DOMAINS_MANAGE } from '../src/routes.js';
import { runIdempotently } from '../src/adapters/idempotency-store.js';

export const handler = apiHandler({ scope: SCOPE_DOMAINS_MANAGE, body: CreateDomainBody, idempotency: runIdempotently }, async ({ caller, body }) => {
  const domain = normalizeDomainName(body.domain);
  const returnPath = normalizeReturnPath(body.return_path ?? DEFAULT_RETURN_PATH, domain);
  const region = chooseRegion(body.region, sesRegions());
  const dkim = parseDkimRequest(body.dkim, domain);
  const created = await createDomain(caller, { domain, returnPath, region, dkim });
  return { status: 201, body: { data: toDetailJson(created) } };
});
