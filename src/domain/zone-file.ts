/**
 * A domain's DNS records as a BIND zone file fragment (RFC 1035 master file format), the text DNS
 * providers such as Cloudflare and Route 53 import. Names are absolute (trailing dot), so the
 * fragment means the same whatever origin the importer assumes; every record carries its TTL and
 * class. No AWS imports.
 */
import { buildDnsRecords, type DnsRecord } from './dns-records.js';
import { type Domain, recordInputsOf } from './domain.js';
import { apiTimestamp } from './time.js';

/** What the API's records say as `ttl: "Auto"`, written out: an hour, what most providers' "auto" is. */
export const ZONE_FILE_TTL_SECONDS = 3600;

/** DNS carries TXT data as character-strings of at most 255 bytes each (RFC 1035 3.3). */
export const TXT_STRING_MAX_BYTES = 255;

export interface ZoneFileInput {
  readonly id: string;
  /** ASCII (punycode) name, no trailing dot. */
  readonly domain: string;
  readonly records: readonly Pick<DnsRecord, 'type' | 'name' | 'value' | 'priority' | 'purpose' | 'required'>[];
}

/** A domain's zone file and the name to save it under (`example.com.zone`), at `now`. */
export function zoneFileOf(domain: Domain, now: Date): { readonly text: string; readonly filename: string } {
  const records = buildDnsRecords(recordInputsOf(domain));
  return {
    text: formatZoneFile({ id: domain.id, domain: domain.domain, records }, apiTimestamp(now)),
    filename: `${domain.domain}.zone`,
  };
}

/** The zone file text: a comment header naming the domain, its id and the time, then one line per record. */
export function formatZoneFile(input: ZoneFileInput, generatedAt: string): string {
  const lines = [
    comment(`DNS records of ${input.domain} for sending with Krafter`),
    comment(`Domain id: ${input.id}`),
    comment(`Generated: ${generatedAt}`),
    comment('Import this file at your DNS provider, or enter each record by hand. Names are absolute.'),
  ];
  for (const record of input.records) {
    lines.push('', comment(`${record.purpose}${record.required ? '' : ' (recommended, optional)'}`));
    lines.push([absolute(record.name), ZONE_FILE_TTL_SECONDS, 'IN', record.type, rdata(record)].join('\t'));
  }
  return `${lines.join('\n')}\n`;
}

/** A comment line; a line break inside would start a record line. */
function comment(text: string): string {
  return `; ${text.replace(/[\r\n]+/g, ' ')}`;
}

function rdata(record: ZoneFileInput['records'][number]): string {
  switch (record.type) {
    case 'TXT':
      return txtStrings(record.value);
    case 'CNAME':
      return absolute(record.value);
    case 'MX':
      return `${record.priority ?? 10} ${absolute(record.value)}`;
  }
}

/** A host name with its trailing dot: without one, an importer would append the zone's origin. */
export function absolute(name: string): string {
  return name.endsWith('.') ? name : `${name}.`;
}

/**
 * TXT data as quoted character-strings of at most 255 bytes, separated by spaces: resolvers join
 * them back without a separator, so a long DKIM key survives intact. Quotes and backslashes are
 * escaped, and any byte outside printable ASCII is written `\DDD`, as the format requires.
 */
export function txtStrings(value: string): string {
  const bytes = Buffer.from(value, 'utf8');
  const strings: string[] = [];
  for (let start = 0; start < bytes.length || strings.length === 0; start += TXT_STRING_MAX_BYTES) {
    strings.push(`"${escapeBytes(bytes.subarray(start, start + TXT_STRING_MAX_BYTES))}"`);
  }
  return strings.join(' ');
}

function escapeBytes(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) {
    if (byte === 0x22 || byte === 0x5c) out += `\\${String.fromCharCode(byte)}`;
    else if (byte < 0x20 || byte > 0x7e) out += `\\${String(byte).padStart(3, '0')}`;
    else out += String.fromCharCode(byte);
  }
  return out;
}
