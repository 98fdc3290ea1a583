/** PATCH /domains/{id} — changes `return_path` and/or `dkim`; the records that change are re-issued and verified again. */

import { toDetailJson } from '../src/domain/domain.js';
import { apiHandler } from '../src/http/api-handler.js';
import { UpdateDomainBody } from '../src/http/schemas.js';
import { updateDomain } from '../src/services/domains/update.js';

export const handler = apiHandler('update-domain', { body: UpdateDomainBody }, async ({ caller, params, body }) => {
  const updated = await updateDomain(caller, params.id ?? '', { returnPath: body.return_path, dkim: body.dkim });
  return { status: 200, body: { data: toDetailJson(updated) } };
});
