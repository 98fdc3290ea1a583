/** POST /domains/{id}/verify — queues a verification check; answers with the domain, `verifying`. */

import { runIdempotently } from '../src/adapters/idempotency-store.js';
import { toSummaryJson } from '../src/domain/domain.js';
import { apiHandler } from '../src/http/api-handler.js';
import { requestVerification } from '../src/services/domains/verify.js';

export const handler = apiHandler('verify-domain', { idempotency: runIdempotently }, async ({ caller, params }) => {
  const domain = await requestVerification(caller, params.id ?? '');
  return { status: 200, body: { data: toSummaryJson(domain) } };
});
