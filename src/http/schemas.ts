/**
 * Request schemas (valibot). They validate requests and are the source of the OpenAPI document.
 * Bodies are strict: an unknown field (e.g. `status`, `id`, `verified_at`) is a 400, not ignored.
 */
import * as v from 'valibot';
import { DKIM_KEY_LENGTHS } from '../domain/dkim.js';

const KEY_LENGTH_MESSAGE = 'dkim.key_length must be 1024 or 2048.';

/** DKIM settings: Easy DKIM with a key length, or BYODKIM with the team's own selector and key. */
export const DkimSettings = v.pipe(
  v.variant(
    'type',
    [
      v.pipe(
        v.strictObject({
          type: v.pipe(
            v.literal('easy_dkim'),
            v.description('SES generates the keys and rotates them; you publish three CNAMEs.'),
          ),
          key_length: v.optional(
            v.pipe(
              v.picklist(DKIM_KEY_LENGTHS, KEY_LENGTH_MESSAGE),
              v.description(
                'RSA key length in bits: 2048 (default) or 1024 for DNS providers that cannot hold long keys.',
              ),
            ),
          ),
        }),
        v.title('EasyDkim'),
      ),
      v.pipe(
        v.strictObject({
          type: v.pipe(
            v.literal('byodkim'),
            v.description('Your own key pair; you publish one TXT record with the public key.'),
          ),
          selector: v.pipe(
            v.string('dkim.selector must be a string.'),
            v.maxLength(63, 'dkim.selector must be at most 63 characters.'),
            v.description(
              'The DKIM selector: one DNS label (letters, digits, inner hyphens; at most 63). The TXT record is published at <selector>._domainkey.<domain>.',
            ),
          ),
          private_key: v.pipe(
            v.string('dkim.private_key must be a string.'),
            v.maxLength(8192, 'dkim.private_key is too long for an RSA key of at most 2048 bits.'),
            v.description(
              'Unencrypted RSA private key of 1024 to 2048 bits, PEM (PKCS#1 or PKCS#8) or its base64 body. It is passed to SES (as PKCS#1, the form SES signs with) and never stored or returned by Krafter.',
            ),
          ),
        }),
        v.title('Byodkim'),
      ),
    ],
    'dkim.type must be "easy_dkim" or "byodkim".',
  ),
  v.description("How SES signs the domain's mail. Defaults to Easy DKIM with 2048-bit keys."),
);

export const CreateDomainBody = v.strictObject({
  region: v.optional(
    v.pipe(
      v.string('region must be a string.'),
      v.maxLength(32, 'region is too long.'),
      v.description(
        "SES region for the domain's identity, from the regions this deployment offers (e.g. eu-central-1). Defaults to the deployment's default region. The MX record and all SES calls follow it.",
      ),
    ),
  ),
  domain: v.pipe(
    v.string('domain must be a string.'),
    v.maxLength(1024, 'domain is too long.'),
    v.description('The domain name (e.g. example.com).'),
  ),
  return_path: v.optional(
    v.pipe(
      v.string('return_path must be a string.'),
      v.maxLength(1024, 'return_path is too long.'),
      v.description(
        'Subdomain prefix used as the custom MAIL FROM (e.g. "send" produces send.example.com). Defaults to "send". Must start with a letter, contain only letters/digits/hyphens, and be at most 63 characters.',
      ),
    ),
  ),
  dkim: v.optional(DkimSettings),
});

export type CreateDomainBody = v.InferOutput<typeof CreateDomainBody>;

/** `GET /domains` query: without parameters every domain is returned, as the spec promises. */
export const ListDomainsQuery = v.strictObject({
  limit: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d{1,3}$/, 'limit must be a whole number from 1 to 100.'),
      v.transform(Number),
      v.minValue(1, 'limit must be a whole number from 1 to 100.'),
      v.maxValue(100, 'limit must be a whole number from 1 to 100.'),
      v.description('Page size, 1–100. Without limit and after, every domain is returned.'),
    ),
  ),
  after: v.optional(
    v.pipe(
      v.string(),
      v.maxLength(200, 'after is not a valid cursor.'),
      v.description('Opaque cursor from a previous page (`next_cursor`).'),
    ),
  ),
});

export type ListDomainsQuery = v.InferOutput<typeof ListDomainsQuery>;

const UpdateDomainFields = v.strictObject({
  return_path: v.optional(
    v.pipe(
      v.string('return_path must be a string.'),
      v.maxLength(1024, 'return_path is too long.'),
      v.description(
        'New MAIL FROM prefix (same rules as on create). The MAIL FROM MX and SPF records change, and the domain is verified again.',
      ),
    ),
  ),
  dkim: v.optional(
    v.pipe(
      DkimSettings,
      v.description(
        'New DKIM settings (same as on create): another Easy DKIM key length (SES allows one change a day), a new BYODKIM selector and key (key rotation), or a switch between the two. The DKIM records change, and the domain is verified again. Publish a new BYODKIM TXT record before sending this: SES signs with the new key at once.',
      ),
    ),
  ),
});

/** PATCH needs at least one setting (the OpenAPI document shows it as `minProperties: 1`). */
export const AT_LEAST_ONE_SETTING = v.check<v.InferOutput<typeof UpdateDomainFields>, string>(
  (body) => body.return_path !== undefined || body.dkim !== undefined,
  'Send return_path, dkim, or both.',
);

/** `PATCH /domains/{id}`: the settings that can change after creation; at least one of them. */
export const UpdateDomainBody = v.pipe(UpdateDomainFields, AT_LEAST_ONE_SETTING);

export type UpdateDomainBody = v.InferOutput<typeof UpdateDomainBody>;
