/**
 * Normalises and validates the names a client sends: the sending domain and the MAIL FROM prefix
 * (`return_path`). Pure functions; the public suffix list comes from `tldts`, IDNA from Node's
 * WHATWG URL implementation.
 */
import { isIP } from 'node:net';
import { domainToASCII, domainToUnicode } from 'node:url';
import { parse as parseHost } from 'tldts';
import { ValidationError } from '../errors.js';

const MAX_NAME_LENGTH = 253;
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** Characters a host name may be typed with before IDNA: letters (any script), marks, digits, `.`, `-`. */
const TYPED_HOST = /^[\p{L}\p{M}\p{N}.-]+$/u;

/**
 * Lower-cases, drops one trailing dot, converts international names to their ASCII (punycode)
 * form, and accepts only a registrable host name: no IP address, no bare public suffix, labels of
 * 1–63 letters/digits/hyphens, 253 characters at most.
 */
export function normalizeDomainName(input: string): string {
  const fail = (why: string) => new ValidationError(`domain ${why}`, 'domain');
  if (input.length === 0) throw fail('must not be empty.');
  if (input.length > 1024) throw fail(`must be at most ${MAX_NAME_LENGTH} characters.`);
  const typed = input.endsWith('.') ? input.slice(0, -1) : input;
  // Checked before IDNA because domainToASCII also percent-decodes and parses IPv4 shorthands
  // (`0x7f.1` → `127.0.0.1`), which must not turn a bad input into a different valid one.
  if (!TYPED_HOST.test(typed)) {
    throw fail(
      'may contain only letters, digits, hyphens and dots (e.g. "example.com"), without a scheme, path, port or spaces.',
    );
  }
  if (isIP(typed)) throw fail('must be a domain name, not an IP address.');
  const ascii = domainToASCII(typed.toLowerCase());
  if (ascii === '') throw fail('is not a valid international domain name.');
  if (isIP(ascii)) throw fail('must be a domain name, not an IP address.');
  if (ascii.length > MAX_NAME_LENGTH) throw fail(`must be at most ${MAX_NAME_LENGTH} characters in its ASCII form.`);
  const labels = ascii.split('.');
  if (labels.length < 2) throw fail('must include a top-level domain, like "example.com".');
  for (const label of labels) {
    if (label.length === 0) throw fail('must not contain empty labels ("..").');
    if (label.length > 63) throw fail('labels (the parts between dots) must be at most 63 characters.');
    if (!LABEL.test(label))
      throw fail('labels must start and end with a letter or digit and contain only letters, digits and hyphens.');
    if (label.slice(2, 4) === '--' && !label.startsWith('xn--'))
      throw fail('labels must not have "--" in the third and fourth positions unless they are IDNA ("xn--") labels.');
    if (label.startsWith('xn--') && !isALabel(label))
      throw fail(`label "${label}" is not a valid international (punycode) label.`);
  }
  if (/^\d+$/.test(labels.at(-1) ?? '')) throw fail('must not end in an all-numeric label.');
  const parsed = parseHost(ascii, { allowPrivateDomains: true });
  if (!parsed.isIcann && !parsed.isPrivate) throw fail(`has an unknown top-level domain ".${labels.at(-1)}".`);
  if (parsed.domain === null)
    throw fail(`"${ascii}" is a public suffix; register a domain below it, like "example.${ascii}".`);
  return ascii;
}

/** An `xn--` label must decode to a non-ASCII label that encodes back to it (domainToASCII lets `xn--a` through). */
function isALabel(label: string): boolean {
  const unicode = domainToUnicode(label);
  return unicode !== label && /[^\p{ASCII}]/u.test(unicode) && domainToASCII(unicode) === label;
}
