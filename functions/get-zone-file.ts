/** GET /domains/{id}/zone-file — the domain's DNS records as a BIND zone file, to import at a DNS provider. */

import { zoneFileOf } from '../src/domain/zone-file.js';
import { apiHandler } from '../src/http/api-handler.js';
import { getDomain } from '../src/services/domains/queries.js';

export const handler = apiHandler('get-zone-file', {}, async ({ caller, params }) => {
  const { text, filename } = zoneFileOf(await getDomain(caller, params.id ?? ''), new Date());
  return {
    status: 200,
    text,
    contentType: 'text/plain; charset=utf-8',
    // The domain's ASCII name, validated on create: nothing in it needs quoting.
    headers: { 'Content-Disposition': `attachment; filename="${filename}"` },
  };
});
