/** DELETE /domains/{id} — removes the domain, its SES identity and its name claim. */
import { apiHandler } from '../src/http/api-handler.js';
import { deleteDomain } from '../src/services/domains/delete.js';

export const handler = apiHandler('delete-domain', {}, async ({ caller, params }) => {
  await deleteDomain(caller, params.id ?? '');
  return { status: 200, body: { data: { deleted: true } } };
});
