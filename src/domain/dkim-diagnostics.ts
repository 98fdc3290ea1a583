/**
 * The DKIM records' checks: Easy DKIM's three CNAMEs, or the one BYODKIM TXT holding the team's
 * public key. SES confirms Easy DKIM only once all three CNAMEs are published, so a correct CNAME
 * that waits on SES names the sibling that holds it back.
 */

import { type Answers, confirmedBySes, dnsError, failed, listed, missing, obs, sesGaveUp } from './diagnosis.js';
import { publicKeyTag } from './dkim.js';
import type { RecordCheck, RecordSpec } from './dns-records.js';
import type { SesIdentityState } from './verification.js';

/** One Easy DKIM CNAME; `specs` are the domain's records, among them the other two CNAMEs. */
export function checkDkim(
  spec: RecordSpec,
  domain: string,
  answers: Answers,
  ses: SesIdentityState | null,
  specs: readonly RecordSpec[],
): RecordCheck {
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
  return confirmedBySes(ses?.dkimStatus, 'DKIM', o.values, heldBackBySiblings(spec, answers, specs));
}

/**
 * Why a correct CNAME waits: SES confirms Easy DKIM for the three CNAMEs together, so while another
 * one is missing or wrong, that one (by its DNS name) is what is in the way, not SES's pace.
 */
function heldBackBySiblings(spec: RecordSpec, answers: Answers, specs: readonly RecordSpec[]): string | undefined {
  const problems = specs
    .filter((s) => s.type === 'CNAME' && s.id.startsWith('dkim') && s.id !== spec.id)
    .flatMap((s) => {
      const o = obs<string>(answers, s.name, 'CNAME');
      if (o.kind === 'error') return [`the DNS servers did not answer for ${s.name}`];
      if (o.kind === 'none') return [`no CNAME was found at ${s.name}`];
      return o.values.includes(s.value) ? [] : [`the CNAME at ${s.name} does not point to ${s.value}`];
    });
  if (problems.length === 0) return undefined;
  return `The record is correct, but SES confirms DKIM only once all three DKIM CNAMEs are published as shown, and ${problems.join(' and ')}. Once ${problems.length === 1 ? 'that one is' : 'those are'} right, SES confirms the three together.`;
}

/**
 * The BYODKIM TXT: the `p=` tag must carry the public half of the key SES signs with. Named
 * mistakes: a key cut short (a provider that keeps only the first 255 characters), literal quotes
 * typed into the value, a different key, and several DKIM records on the selector.
 */
export function checkDkimTxt(
  spec: RecordSpec,
  domain: string,
  answers: Answers,
  ses: SesIdentityState | null,
): RecordCheck {
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
    return confirmedBySes(ses?.dkimStatus, 'DKIM', o.values);
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
