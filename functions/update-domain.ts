/** PATCH /domains/{id} — changes `return_path`; the MAIL FROM records are re-issued and verified again. */
import { apiHandler } from '../src/http/api-handler.js';
import { UpdateDomainBody } from '../src/http/schemas.js';
import { updateReturnPath } from '../src/services/domains/update.js';
import { toDetailJson } from '../src/domain/domain.js';
import { SCOPE_DOMAINS_MANAGE } from '../src/routes.js';

export const handler = apiHandler({ scope: SCOPE_DOMAINS_MANAGE, body: UpdateDomainBody }, async ({ caller, params, body }) => {
  const updated = await updateReturnPath(caller, params.id ?? '', body.return_path);
  return { status: 200, body: { data: toDetailJson(updated) } };
});
