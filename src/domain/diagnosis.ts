/**
 * What every record's check is built from: DNS answers as plain data (the observer fills them in),
 * and the diagnostics a check returns, worded the same way and kept small.
 *
 * A diagnostic keeps only a few of the values DNS returned, each cut to a bounded length, and its
 * reason says how many there were: a name can answer with hundreds of values (tens of KB), and kept
 * whole they would push the domain's item past DynamoDB's 400 KB.
 */

import type { RecordCheck, RecordSpec } from './dns-records.js';
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

/** `name` as a DNS provider writes it when the zone name is typed into the host field. */
export function doubled(name: string, domain: string): string {
  return `${name}.${domain}`;
}

export const shown = (values: readonly (string | Mx)[]) =>
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
export function listed(values: readonly string[]): string {
  const first = values.slice(0, MAX_FOUND_VALUES).map(cut).join(', ');
  return values.length > MAX_FOUND_VALUES ? `${first} and ${values.length - MAX_FOUND_VALUES} more` : first;
}

export function obs<T extends string | Mx>(answers: Answers, name: string, type: Question['type']): Observation<T> {
  return (
    (answers.get(questionKey({ name, type })) as Observation<T> | undefined) ?? { kind: 'none', reason: 'NXDOMAIN' }
  );
}

function diagnosed(status: 'pending' | 'failed', reason: string, values: readonly string[]): RecordCheck {
  const { found, note } = kept(values);
  return { status, diagnostic: { found, reason: note ? `${reason} ${note}` : reason } };
}
export const pending = (reason: string, found: readonly string[] = []): RecordCheck =>
  diagnosed('pending', reason, found);
export const failed = (reason: string, found: readonly string[] = []): RecordCheck =>
  diagnosed('failed', reason, found);
export const VERIFIED: RecordCheck = { status: 'verified' };

export function dnsError(o: { code: string }, spec: RecordSpec): RecordCheck {
  return pending(
    `The DNS servers for ${spec.name} did not answer (${o.code}). This is checked again automatically; if it persists, check your name servers.`,
  );
}

/** Checks shared by every record: a copy under the doubled name, or nothing at all. */
export function missing(spec: RecordSpec, domain: string, answers: Answers, notFoundReason: string): RecordCheck {
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

/** A missing record SES has stopped looking for is failed, not pending. */
export function sesGaveUp(status: SesIdentityState['dkimStatus'] | undefined, what: string): RecordCheck | null {
  return status === 'FAILED'
    ? failed(
        `SES stopped looking for the ${what} records after 72 hours without finding them. Publish the record, then delete the domain and add it again to restart SES's check.`,
      )
    : null;
}

/**
 * A record that is correct in DNS, as far as SES has confirmed it. `found` is what DNS returned for
 * it; `heldBack` says what else SES waits for, when this record alone is not what is in the way.
 */
export function confirmedBySes(
  status: SesIdentityState['dkimStatus'] | undefined,
  what: string,
  found: readonly string[],
  heldBack?: string,
): RecordCheck {
  if (status === 'SUCCESS') return VERIFIED;
  if (status === 'FAILED')
    return failed(
      `The record is correct now, but SES stopped looking for the ${what} records after 72 hours. Delete the domain and add it again to restart SES's check.`,
      found,
    );
  return pending(
    heldBack ??
      `The record is correct; SES has not confirmed ${what} yet. SES looks for it on its own and can take up to 72 hours; the domain is checked again automatically.`,
    found,
  );
}
