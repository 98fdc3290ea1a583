/** POST /domains — registers a sending domain and returns the DNS records to publish. */

import { runIdempotently } from '../src/adapters/idempotency-store.js';
import { toDetailJson } from '../src/domain/domain.js';
import { apiHandler } from '../src/http/api-handler.js';
import { CreateDomainBody } from '../src/http/schemas.js';
import { createDomain } from '../src/services/domains/create.js';

export const handler = apiHandler(
  'create-domain',
  { body: CreateDomainBody, idempotency: runIdempotently },
  async ({ caller, body }) => {
    const created = await createDomain(caller, {
      domain: body.domain,
      returnPath: body.return_path,
      region: body.region,
      dkim: body.dkim,
    });
    return { status: 201, body: { data: toDetailJson(created) } };
  },
);
