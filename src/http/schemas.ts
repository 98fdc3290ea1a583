/**
 * Request schemas (valibot). They validate requests and are the source of the OpenAPI document.
 * Bodies are strict: an unknown field (e.g. `status`, `id`, `verified_at`) is a 400, not ignored.
 */
import * as v from 'valibot';

export const CreateDomainBody = v.strictObject({
  domain: v.pipe(v.string('domain must be a string.'), v.maxLength(1024, 'domain is too long.'), v.description('The domain name (e.g. example.com).')),
  return_path: v.optional(
    v.pipe(
      v.string('return_path must be a string.'),
      v.maxLength(1024, 'return_path is too long.'),
      v.description('Subdomain prefix used as the custom MAIL FROM (e.g. "send" produces send.example.com). Defaults to "send".'),
    ),
  ),
});

export type CreateDomainBody = v.InferOutput<typeof CreateDomainBody>;
