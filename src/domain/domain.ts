/**
 * The domain entity as the service sees it, and its API representation. No AWS imports: the table
 * module maps items to this type, handlers map this type to JSON.
 */

import type { DkimSetup } from './dkim.js';
import { buildDnsRecords, type DnsRecord, type RecordCheck, type RecordInputs } from './dns-records.js';
import type { StatusChange } from './status-change.js';
import { apiTimestamp } from './time.js';

export const DOMAIN_STATUSES = ['pending', 'verifying', 'verified', 'failed'] as const;
export type DomainStatus = (typeof DOMAIN_STATUSES)[number];

export interface Domain {
  readonly id: string;
  readonly teamId: string;
  /** ASCII (punycode) form, lower case, no trailing dot. */
  readonly domain: string;
  readonly returnPath: string;
  /** SES region the identity lives in; the MX record points at its feedback endpoint. */
  readonly region: string;
  /**
   * The SES cell (account and region) the identity lives in, never shown to the team (see cells.ts);
   * absent on domains stored before cells: the cell named after `region`.
   */
  readonly cell?: string;
  /** Holds a place in its cell's count (SES_IDENTITY_QUOTA), given back when the domain goes. */
  readonly cellCounted?: boolean;
  readonly status: DomainStatus;
  /** ISO time of the first successful verification; null until verified. */
  readonly verifiedAt: string | null;
  /** ISO time of the last user verify request (starts the 72-hour window). */
  readonly verifyRequestedAt: string | null;
  readonly createdAt: string;
  /** False while the SES identity is being set up (tokens not known yet). */
  readonly ready: boolean;
  readonly verificationToken: string | null;
  readonly dkimTokens: readonly string[];
  readonly lastCheckedAt: string | null;
  /** While `verifying`: the status to return to if the check cannot be queued. */
  readonly previousStatus: DomainStatus | null;
  /** A status change whose event is not published yet (published by the next check). */
  readonly pendingEvent: StatusChange | null;
  /** While not ready: which create holds the set-up (see adapters/domains-table/provisioning.ts). */
  readonly leaseId: string | null;
  /** Per-record results of the last check, keyed by record id (see dns-records.ts). */
  readonly recordChecks: Readonly<Record<string, RecordCheck>>;
  /** How SES signs mail of this domain: Easy DKIM or the team's own key (public half only). */
  readonly dkim: DkimSetup;
  /** Counts settings changes (PATCH): a check decided on older settings is not written. */
  readonly settingsRev: number;
  /** Verified at least once: such a domain is never released for being unverified (see schedule.ts). */
  readonly everVerified: boolean;
  /** Being released (never verified in time): its identity, claim and item are going. */
  readonly releasing: boolean;
  /** The sequence of the domain's last webhook event (0: none yet); see domain-events.ts. */
  readonly eventSeq: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Whether `id` has the shape of a domain id (a UUID, lower case, as this API issues them). */
export function isDomainId(id: string): boolean {
  return UUID.test(id);
}

export interface DomainSummaryJson {
  id: string;
  domain: string;
  status: DomainStatus;
  verified_at: string | null;
  created_at: string;
  /** SES region of the identity (the MX record points at its feedback endpoint). */
  region: string;
  last_checked_at: string | null;
}

export interface DkimJson {
  type: DkimSetup['type'];
  key_length: number;
  /** BYODKIM selector; null for Easy DKIM (SES names its own three selectors). */
  selector: string | null;
}

export interface DomainJson extends DomainSummaryJson {
  dkim: DkimJson;
  dns_records: DnsRecord[];
}

/** What the record list and the diagnostics are built from. */
export function recordInputsOf(d: Domain): RecordInputs {
  return {
    domain: d.domain,
    returnPath: d.returnPath,
    region: d.region,
    verificationToken: d.verificationToken ?? '',
    dkimTokens: d.dkimTokens,
    byodkim: d.dkim.type === 'byodkim' ? { selector: d.dkim.selector, publicKey: d.dkim.publicKey } : undefined,
  };
}

export function toSummaryJson(d: Domain): DomainSummaryJson {
  return {
    id: d.id,
    domain: d.domain,
    status: d.status,
    verified_at: d.verifiedAt === null ? null : apiTimestamp(d.verifiedAt),
    created_at: apiTimestamp(d.createdAt),
    region: d.region,
    last_checked_at: d.lastCheckedAt === null ? null : apiTimestamp(d.lastCheckedAt),
  };
}

export function toDetailJson(d: Domain): DomainJson {
  return {
    ...toSummaryJson(d),
    dkim: {
      type: d.dkim.type,
      key_length: d.dkim.keyLength,
      selector: d.dkim.type === 'byodkim' ? d.dkim.selector : null,
    },
    dns_records: buildDnsRecords({ ...recordInputsOf(d), checks: d.recordChecks }),
  };
}
