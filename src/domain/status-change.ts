/** A change of a domain's status, as stored in its history and published as an event. */
import type { DnsRecord } from './dns-records.js';
import type { DomainStatus } from './domain.js';

export interface StatusChange {
  readonly teamId: string;
  readonly domainId: string;
  readonly domain: string;
  readonly from: DomainStatus;
  /** `released`: a never-verified domain's claim ran out and the domain is gone (see schedule.ts). */
  readonly to: DomainStatus | 'released';
  /** ISO time of the change. */
  readonly at: string;
  readonly why: string;
  /** Required records that are not verified, with the reason. */
  readonly failingRecords: ReadonlyArray<Pick<DnsRecord, 'type' | 'name' | 'status'> & { reason: string }>;
}

export const STATUS_EVENT_DETAIL_TYPE = 'Domain Status Changed';

/** The EventBridge `detail` of a status change (snake_case, like the API). */
export function eventDetail(c: StatusChange) {
  return {
    team_id: c.teamId,
    domain_id: c.domainId,
    domain: c.domain,
    from: c.from,
    to: c.to,
    at: c.at,
    reason: c.why,
    failing_records: c.failingRecords,
  };
}
