/**
 * Per-record diagnostics: combines what DNS returns for each record with SES's view of the
 * identity, and names the common mistakes (zone name appended twice, a CNAME to the wrong target,
 * SPF on the root instead of the MAIL FROM name, two SPF records, an MX shadowed by a CNAME, a
 * missing DMARC). Pure: the DNS answers and SES state come in as data.
 *
 * A record is `verified` when it is correct in DNS and, for DKIM and MAIL FROM, SES has confirmed
 * it; `failed` when something is published but wrong (or SES gave up); otherwise `pending`. A
 * diagnostic's `found` holds what DNS returned for the record, a few values of bounded length.
 */

import {
  type Answers,
  confirmedBySes,
  dnsError,
  doubled,
  failed,
  listed,
  type Mx,
  missing,
  obs,
  type Question,
  questionKey,
  sesGaveUp,
  shown,
  VERIFIED,
} from './diagnosis.js';
import { checkDkim, checkDkimTxt } from './dkim-diagnostics.js';
import {
  DMARC_VALUE,
  feedbackMxHost,
  type RecordCheck,
  type RecordInputs,
  type RecordSpec,
  recordSpecs,
} from './dns-records.js';
import type { SesIdentityState } from './verification.js';

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
  if (o.values.some((mx) => mx.exchange === expected))
    return confirmedBySes(ses?.mailFromStatus, 'the MAIL FROM MX', shown(o.values));
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
  const specs = recordSpecs(i);
  for (const spec of specs) {
    switch (spec.id) {
      case 'verification':
        checks[spec.id] = checkVerificationTxt(spec, i.domain, answers);
        break;
      case 'dkim1':
      case 'dkim2':
      case 'dkim3':
        checks[spec.id] = checkDkim(spec, i.domain, answers, ses, specs);
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
