/**
 * Which URLs and addresses a webhook may be sent to. A webhook URL is chosen by a customer and
 * called from inside our network, so anything that reaches our own side is refused: private,
 * loopback, link-local (the cloud metadata service), CGNAT, unique-local, multicast, reserved and
 * unspecified addresses, in every notation a URL parser or resolver accepts. Pure: checked when an
 * endpoint is saved, and again by the sender for each address a host name resolves to at each attempt.
 */
import ipaddr from 'ipaddr.js';

export const MAX_WEBHOOK_URL_LENGTH = 2048;

export interface WebhookTargetOptions {
  /** Local runs only: also accept `http:` and loopback receivers (127.0.0.0/8, ::1), nothing else. */
  allowLocal: boolean;
}

export type WebhookUrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

/** Why each special-purpose range is refused; any range ipaddr.js names that is not here is refused too. */
const RANGE_REASONS: Record<string, string> = {
  unspecified: 'an unspecified address',
  broadcast: 'a broadcast address',
  multicast: 'a multicast address',
  linkLocal: 'a link-local address (this includes the cloud metadata service)',
  loopback: 'a loopback address',
  carrierGradeNat: 'a carrier-grade NAT address',
  private: 'a private address',
  reserved: 'a reserved address',
  uniqueLocal: 'a unique-local address',
  deprecatedSiteLocal: 'a site-local address',
  rfc6052: 'a NAT64 address',
  '6to4': 'a 6to4 address',
  teredo: 'a Teredo address',
  discard: 'a discard-only address',
};

/**
 * Names that never lead to a public receiver: `localhost` is loopback by definition (RFC 6761),
 * `.local` is multicast DNS, `.internal` and `.home.arpa` are reserved for private networks.
 */
const LOCAL_SUFFIXES = ['localhost', 'local', 'internal', 'home.arpa'];

/**
 * The reason an address may not be called, or null when it may. IPv4-mapped IPv6 addresses are
 * judged as the IPv4 address they carry; other IPv6 forms embedding an IPv4 address (NAT64, 6to4,
 * Teredo, the deprecated IPv4-compatible `::a.b.c.d`) are refused outright, so no translation can
 * lead inside. Only ordinary unicast passes (plus loopback when `allowLocal`).
 */
export function forbiddenAddress(ip: string, opts: WebhookTargetOptions): string | null {
  const text = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  if (!ipaddr.isValid(text)) return `${ip} is not an IP address`;
  let address = ipaddr.parse(text);
  let shown = text;
  if (address.kind() === 'ipv6') {
    const v6 = address as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) {
      address = v6.toIPv4Address();
      shown = `${text} (IPv4-mapped ${address.toString()})`;
    } else if (isIpv4Compatible(v6)) {
      return `${text} is an IPv4-compatible IPv6 address`;
    }
  }
  const range = address.range();
  if (range === 'unicast') return null;
  if (range === 'loopback' && opts.allowLocal) return null;
  return `${shown} is ${RANGE_REASONS[range] ?? `a special-purpose address (${range})`}`;
}

/** `::a.b.c.d` (::/96 without :: and ::1, which ipaddr.js names on their own). */
function isIpv4Compatible(address: ipaddr.IPv6): boolean {
  const parts = address.parts;
  return parts.slice(0, 6).every((part) => part === 0) && address.range() === 'unicast';
}

/**
 * Checks a webhook URL as it is saved: `https` (also `http` with allowLocal), at most 2 KiB, no
 * credentials, and a host that is neither a forbidden address in any notation nor a local name.
 * WHATWG URL parsing already turns decimal, octal, hex and short IPv4 forms, percent-encoding and
 * full-width digits into a dotted quad; what it leaves (trailing dots, IPv6 brackets) is handled here.
 * A host name is only judged by its name here: its addresses are checked at every attempt.
 */
export function checkWebhookUrl(raw: string, opts: WebhookTargetOptions): WebhookUrlCheck {
  const fail = (reason: string): WebhookUrlCheck => ({ ok: false, reason });
  if (raw.length > MAX_WEBHOOK_URL_LENGTH) return fail(`url must be at most ${MAX_WEBHOOK_URL_LENGTH} characters.`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return fail('url must be an absolute URL, like "https://example.com/webhooks".');
  }
  if (url.protocol !== 'https:' && !(opts.allowLocal && url.protocol === 'http:')) {
    return fail(opts.allowLocal ? 'url must use https or http.' : 'url must use https.');
  }
  if (url.username !== '' || url.password !== '') return fail('url must not contain a user name or password.');
  const reason = hostProblem(url.hostname, opts);
  return reason === null ? { ok: true, url } : fail(`url ${reason}.`);
}

/** Why a URL's host (as WHATWG URL gives it) cannot receive webhooks, or null. */
export function hostProblem(hostname: string, opts: WebhookTargetOptions): string | null {
  const refusedAddress = (ip: string) => {
    const why = forbiddenAddress(ip, opts);
    return why === null ? null : `host ${why}; webhooks are sent to public addresses only`;
  };
  if (hostname.startsWith('[')) return refusedAddress(hostname.slice(1, -1));
  if (ipaddr.IPv4.isValidFourPartDecimal(hostname)) return refusedAddress(hostname);
  const name = hostname.replace(/\.+$/, '');
  if (name === '') return 'must have a host name';
  const labels = name.split('.');
  if (labels.some((label) => label === '')) return `host ${hostname} has an empty label`;
  const last = labels[labels.length - 1]!;
  // A name ending in a number is an IPv4 address to URL parsers and resolvers (`127.0.0.1..`).
  if (/^(?:\d+|0x[0-9a-f]*)$/i.test(last)) {
    return ipaddr.isValid(name)
      ? (refusedAddress(name) ?? `host ${hostname} must be written without trailing dots`)
      : `host ${hostname} is not a valid host name`;
  }
  const local = LOCAL_SUFFIXES.find((suffix) => name === suffix || name.endsWith(`.${suffix}`));
  if (local === 'localhost' && opts.allowLocal) return null;
  if (local !== undefined) return `host ${hostname} is a local name; webhooks are sent to public hosts only`;
  if (labels.length < 2) return `host ${hostname} must be a fully qualified name, like "hooks.example.com"`;
  return null;
}

/** True for `localhost` and `*.localhost` (with or without trailing dots): loopback by definition. */
export function isLocalhostName(hostname: string): boolean {
  const name = hostname.replace(/\.+$/, '').toLowerCase();
  return name === 'localhost' || name.endsWith('.localhost');
}
