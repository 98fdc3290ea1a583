/**
 * Per-record diagnostics: combines what DNS returns for each record with SES's view of the
 * identity, and names the common mistakes (zone name appended twice, a CNAME to the wrong target,
 * SPF on the root instead of the MAIL FROM name, two SPF records, an MX shadowed by a CNAME, a
 * missing DMARC). Pure: the DNS answers and SES state come in as data.
 *
 * A record is `verified` when it is correct in DNS and, for DKIM and MAIL FROM, SES has confirmed
 * it; `failed` when something is published but wrong (or SES gave up); otherwise `pending`.
 *
 * The diagnosis reads every value DNS returned, but a diagnostic keeps only a few of them, each cut
 * to a bounded length, and its reason says how many there were: a name can answer with hundreds of
 * values (tens of KB), and kept whole they would push the domain's item past DynamoDB's 400 KB.
 */

import { publicKeyTag } from './dkim.js';
import {
  DMARC_VALUE,
  feedbackMxHost,
  type RecordCheck,
  type RecordInputs,
  type RecordSpec,
  recordSpecs,
} from './dns-records.js';
import type { SesIdentityState } from './verification.js';

export type Observation<T> =
  | { readonly kind: 'found'; readonly values: readonly T[] }
  | { readonly kind: 'none'; readonly reason: 'NXDOMAIN' | 'NODATA' }
  | { readonly kind: 'error'; readonly code: string };

export interface Mx {
  readonly exchange: string;
  readonly priority: number;
}

/** One DNS question: a name and a type. The observer answers every question this module asks. */
export interface Question {
  readonly name: string;
  readonly type: 'TXT' | 'CNAME' | 'MX';
}

export type Answers = ReadonlyMap<string, Observation<string | Mx>>;
export const questionKey = (q: Question) => `${q.type} ${q.name}`;

/** The questions to ask for a domain: each record's own name, plus the names that reveal mistakes. */
export function questionsFor(i: RecordInputs): Question[] {
  const specs = recordSpecs(i);
  const qs: Question[] = [];
  for (const s of specs) {
    qs.push({ name: s.name, type: s.type });
    qs.push({ name: doubled(s.name, i.domain), type: s.type });
  }
  const mailFrom = specs.find((s) => s.id === 'mail_from_mx')!.name;
  qs.push({ name: mailFrom, type: 'CNAME' });
  qs.push({ name: i.domain, type: 'TXT' });
  const seen = new Set<string>();
  return qs.filter((q) => !seen.has(questionKey(q)) && seen.add(questionKey(q)));
}

/** `name` as a DNS provider writes it when the zone name is typed into the host field. */
function doubled(name: string, domain: string): string {
  return `${name}.${domain}`;
}

const shown = (values: readonly (string | Mx)[]) =>
  values.map((v) => (typeof v === 'string' ? v : `${v.priority} ${v.exchange}`));

/** At most this many values of one answer are kept in a diagnostic (`found`). */
export const MAX_FOUND_VALUES = 5;
/** A kept value longer than this is cut to it, `…` included; a 2048-bit DKIM key record (about 410) stays whole. */
export const MAX_FOUND_LENGTH = 512;

const cut = (value: string) => (value.length > MAX_FOUND_LENGTH ? `${value.slice(0, MAX_FOUND_LENGTH - 1)}…` : value);

/** The values a diagnostic keeps, and a sentence for its reason when some were left out or cut. */
function kept(values: readonly string[]): { found: string[]; note: string } {
  const found = values.slice(0, MAX_FOUND_VALUES).map(cut);
  const notes: string[] = [];
  if (values.length > MAX_FOUND_VALUES)
    notes.push(`${values.length} values were found; the first ${MAX_FOUND_VALUES} are shown.`);
  if (found.some((v, i) => v !== values[i]))
    notes.push(`Values longer than ${MAX_FOUND_LENGTH} characters are shown cut short.`);
  return { found, note: notes.join(' ') };
}

/** Values named inside a reason: the first few, then how many more (a reason must stay small too). */
function listed(values: readonly string[]): string {
  const first = values.slice(0, MAX_FOUND_VALUES).map(cut).join(', ');
  return values.length > MAX_FOUND_VALUES ? `${first} and ${values.length - MAX_FOUND_VALUES} more` : first;
}

function obs<T extends string | Mx>(answers: Answers, name: string, type: Question['type']): Observation<T> {
  return (
    (answers.get(questionKey({ name, type })) as Observation<T> | undefined) ?? { kind: 'none', reason: 'NXDOMAIN' }
  );
}

function diagnosed(status: 'pending' | 'failed', reason: string, values: readonly string[]): RecordCheck {
  const { found, note } = kept(values);
  return { status, diagnostic: { found, reason: note ? `${reason} ${note}` : reason } };
}
const pending = (reason: string, found: readonly string[] = []): RecordCheck => diagnosed('pending', reason, found);
const failed = (reason: string, found: readonly string[] = []): RecordCheck => diagnosed('failed', reason, found);
const VERIFIED: RecordCheck = { status: 'verified' };

function dnsError(o: { code: string }, spec: RecordSpec): RecordCheck {
  return pending(
    `The DNS servers for ${spec.name} did not answer (${o.code}). This is checked again automatically; if it persists, check your name servers.`,
  );
}

/** Checks shared by every record: a copy under the doubled name, or nothing at all. */
function missing(spec: RecordSpec, domain: string, answers: Answers, notFoundReason: string): RecordCheck {
  const twice = obs<string | Mx>(answers, doubled(spec.name, domain), spec.type);
  if (twice.kind === 'found') {
    const host = spec.name.slice(0, -(domain.length + 1));
    return failed(
      `The record was published at ${doubled(spec.name, domain)}: your DNS provider appended the zone name a second time. Enter only "${host}" as the host name.`,
      shown(twice.values),
    );
  }
  return pending(notFoundReason);
}

function checkVerificationTxt(spec: RecordSpec, domain: string, answers: Answers): RecordCheck {
  const o = obs<string>(answers, spec.name, 'TXT');
  if (o.kind === 'error') return dnsError(o, spec);
  if (o.kind === 'none')
    return missing(
      spec,
      domain,
      answers,
      `No TXT record found at ${spec.name} yet. Publish it as shown; DNS changes can take a while to propagate.`,
    );
  if (o.values.includes(spec.value)) return VERIFIED;
  return failed(
    `The TXT record at ${spec.name} does not contain the verification token. Replace its value with the one shown.`,
    o.values,
  );
}

function checkDkim(spec: RecordSpec, domain: string, answers: Answers, ses: SesIdentityState | null): RecordCheck {
  const o = obs<string>(answers, spec.name, 'CNAME');
  if (o.kind === 'error') return dnsError(o, spec);
  if (o.kind === 'none')
    return (
      sesGaveUp(ses?.dkimStatus, 'DKIM') ??
      missing(spec, domain, answers, `No CNAME record found at ${spec.name} yet. Publish it as shown.`)
    );
  if (!o.values.includes(spec.value)) {
    return failed(
      `The CNAME at ${spec.name} points to ${listed(o.values)} instead of ${spec.value}. Change its target.`,
      o.values,
    );
  }
  return confirmedBySes(ses?.dkimStatus, 'DKIM');
}

/**
 * The BYODKIM TXT: the `p=` tag must carry the public half of the key SES signs with. Named
 * mistakes: a key cut short (a provider that keeps only the first 255 characters), literal quotes
 * typed into the value, a different key, and several DKIM records on the selector.
 */
function checkDkimTxt(spec: RecordSpec, domain: string, answers: Answers, ses: SesIdentityState | null): RecordCheck {
  const o = obs<string>(answers, spec.name, 'TXT');
  if (o.kind === 'error') return dnsError(o, spec);
  if (o.kind === 'none')
    return (
      sesGaveUp(ses?.dkimStatus, 'DKIM') ??
      missing(spec, domain, answers, `No TXT record found at ${spec.name} yet. Publish it as shown.`)
    );
  const expected = publicKeyTag(spec.value)!;
  const keys = o.values.flatMap((value) => publicKeyTag(value) ?? []);
  if (keys.includes(expected)) {
    if (keys.length > 1)
      return failed(
        `${spec.name} has ${keys.length} DKIM keys; receivers may pick the wrong one. Keep only the record shown.`,
        o.values,
      );
    return confirmedBySes(ses?.dkimStatus, 'DKIM');
  }
  const key = keys[0];
  if (key === undefined)
    return failed(
      `The TXT record at ${spec.name} has no public key (p=). Replace its value with the one shown.`,
      o.values,
    );
  if (key.replace(/["\\]/g, '') === expected) {
    return failed(
      `The TXT record at ${spec.name} contains quotation marks inside the key. Enter the value without quotes, or as separate quoted strings with nothing between them.`,
      o.values,
    );
  }
  if (key.length < expected.length && expected.startsWith(key)) {
    return failed(
      `The public key at ${spec.name} is cut short (${key.length} of ${expected.length} characters): your DNS provider kept only part of the value. Enter it as several quoted strings of at most 255 characters each.`,
      o.values,
    );
  }
  return failed(
    `The TXT record at ${spec.name} publishes a different public key from the private key given to Krafter. Replace its value with the one shown.`,
    o.values,
  );
}

/** A missing record SES has stopped looking for is failed, not pending. */
function sesGaveUp(status: SesIdentityState['dkimStatus'] | undefined, what: string): RecordCheck | null {
  return status === 'FAILED'
    ? failed(
        `SES stopped looking for the ${what} records after 72 hours without finding them. Publish the record, then delete the domain and add it again to restart SES's check.`,
      )
    : null;
}

function confirmedBySes(status: SesIdentityState['dkimStatus'] | undefined, what: string): RecordCheck {
  if (status === 'SUCCESS') return VERIFIED;
  if (status === 'FAILED')
    return failed(
      `The record is correct now, but SES stopped looking for the ${what} records after 72 hours. Delete the domain and add it again to restart SES's check.`,
    );
  return pending(
    `The record is correct; SES has not confirmed ${what} yet. It checks again on its own, usually within minutes.`,
  );
}

function checkMailFromMx(
  spec: RecordSpec,
  domain: string,
  region: string,
  answers: Answers,
  ses: SesIdentityState | null,
): RecordCheck {
  const o = obs<Mx>(answers, spec.name, 'MX');
  if (o.kind === 'error') return dnsError(o, spec);
  if (o.kind === 'none') {
    const cname = obs<string>(answers, spec.name, 'CNAME');
    if (cname.kind === 'found') {
      return failed(
        `${spec.name} has a CNAME (to ${listed(cname.values)}), which hides every other record on that name, so the MX cannot be seen. Remove the CNAME and publish the MX.`,
        cname.values.map((v) => `CNAME ${v}`),
      );
    }
    return (
      sesGaveUp(ses?.mailFromStatus, 'the MAIL FROM MX') ??
      missing(spec, domain, answers, `No MX record found at ${spec.name} yet. Publish it as shown, with priority 10.`)
    );
  }
  const expected = feedbackMxHost(region);
  if (o.values.some((mx) => mx.exchange === expected)) return confirmedBySes(ses?.mailFromStatus, 'the MAIL FROM MX');
  const otherRegion = o.values.find((mx) => /^feedback-smtp\.[a-z0-9-]+\.amazonses\.com$/.test(mx.exchange));
  if (otherRegion)
    return failed(
      `The MX at ${spec.name} points to ${otherRegion.exchange}, another region's endpoint. Use ${expected}.`,
      shown(o.values),
    );
  return failed(
    `The MX at ${spec.name} points to ${listed(o.values.map((m) => m.exchange))} instead of ${expected}.`,
    shown(o.values),
  );
}

const isSpf = (v: string) => /^v=spf1(\s|$)/i.test(v.trim());
const includesSes = (v: string) => /(^|\s)[+]?include:amazonses\.com(\s|$)/i.test(v);

function checkSpf(spec: RecordSpec, domain: string, answers: Answers): RecordCheck {
  const o = obs<string>(answers, spec.name, 'TXT');
  if (o.kind === 'error') return dnsError(o, spec);
  const spf = o.kind === 'found' ? o.values.filter(isSpf) : [];
  if (spf.length > 1)
    return failed(
      `${spec.name} has ${spf.length} SPF records; receivers then treat SPF as broken. Merge them into one record that includes amazonses.com.`,
      spf,
    );
  if (spf.length === 1) {
    return includesSes(spf[0]!)
      ? VERIFIED
      : failed(`The SPF record at ${spec.name} does not include amazonses.com. Use ${spec.value}.`, spf);
  }
  const cname = obs<string>(answers, spec.name, 'CNAME');
  if (cname.kind === 'found')
    return failed(
      `${spec.name} has a CNAME, which hides the TXT record. Remove the CNAME.`,
      cname.values.map((v) => `CNAME ${v}`),
    );
  const root = obs<string>(answers, domain, 'TXT');
  if (root.kind === 'found' && root.values.some((v) => isSpf(v) && includesSes(v))) {
    return failed(
      `SPF for SES is published on ${domain}, but SES sends with the MAIL FROM name ${spec.name}. Publish the SPF record there.`,
      root.values.filter(isSpf),
    );
  }
  return missing(spec, domain, answers, `No SPF record found at ${spec.name} yet. Publish it as shown.`);
}

function checkDmarc(spec: RecordSpec, domain: string, answers: Answers): RecordCheck {
  const o = obs<string>(answers, spec.name, 'TXT');
  if (o.kind === 'error') return dnsError(o, spec);
  const dmarc = o.kind === 'found' ? o.values.filter((v) => /^v=DMARC1(;|\s|$)/i.test(v.trim())) : [];
  if (dmarc.length === 1) return VERIFIED;
  if (dmarc.length > 1)
    return failed(`${spec.name} has ${dmarc.length} DMARC records; receivers ignore them all. Keep one.`, dmarc);
  return missing(
    spec,
    domain,
    answers,
    `No DMARC record at ${spec.name}. It is optional, but recommended: publish "${DMARC_VALUE}" to improve inbox placement.`,
  );
}

/** Every record's check from DNS answers and SES state (null when SES has no such identity). */
export function diagnoseRecords(
  i: RecordInputs,
  answers: Answers,
  ses: SesIdentityState | null,
): Record<string, RecordCheck> {
  const checks: Record<string, RecordCheck> = {};
  for (const spec of recordSpecs(i)) {
    switch (spec.id) {
      case 'verification':
        checks[spec.id] = checkVerificationTxt(spec, i.domain, answers);
        break;
      case 'dkim1':
      case 'dkim2':
      case 'dkim3':
        checks[spec.id] = checkDkim(spec, i.domain, answers, ses);
        break;
      case 'dkim':
        checks[spec.id] = checkDkimTxt(spec, i.domain, answers, ses);
        break;
      case 'mail_from_mx':
        checks[spec.id] = checkMailFromMx(spec, i.domain, i.region, answers, ses);
        break;
      case 'spf':
        checks[spec.id] = checkSpf(spec, i.domain, answers);
        break;
      case 'dmarc':
        checks[spec.id] = checkDmarc(spec, i.domain, answers);
        break;
    }
  }
  return checks;
}

/** True when any required record could not be checked because DNS did not answer. */
export function hadDnsErrors(i: RecordInputs, answers: Answers): boolean {
  return recordSpecs(i).some(
    (s) => s.required && answers.get(questionKey({ name: s.name, type: s.type }))?.kind === 'error',
  );
}
