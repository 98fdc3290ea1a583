/**
 * The domain events a team's webhooks receive: which change makes which event, and the body sent.
 * Each event is stored with the change it describes (see adapters/webhook-events.ts), numbered by a
 * per-domain counter so a receiver can ignore an older event that arrives after a newer one.
 *
 * No spurious events: `verifying` is transient, so a check that ends in the status the domain had
 * before its verify request changes nothing a team can see, and sends nothing. A domain still being
 * set up was never shown, so its undo or release sends nothing either.
 */
import { type Domain, type DomainJson, type DomainStatus, toDetailJson } from './domain.js';
import { apiTimestamp } from './time.js';
import type { DomainEventType } from './webhook-endpoint.js';

export interface DomainEvent {
  readonly type: DomainEventType;
  readonly teamId: string;
  readonly domainId: string;
  /** The domain's event counter after this event: 1 for its first, then 2, 3… */
  readonly sequence: number;
  /** ISO time of the change. */
  readonly occurredAt: string;
  /** The JSON body sent to endpoints: `{type, timestamp, data}`. */
  readonly payload: string;
}

export interface DomainEventData extends DomainJson {
  sequence: number;
  previous_status?: DomainStatus;
}

export interface DomainEventBody {
  type: DomainEventType;
  timestamp: string;
  data: DomainEventData;
}

/** The sequence the next event of `d` takes: its counter is only ever moved by writing an event. */
export function nextSequence(d: Pick<Domain, 'eventSeq'>): number {
  return d.eventSeq + 1;
}

/**
 * The status a check of `d` starts from, as a team saw it: while `verifying`, the status before the
 * verify request (a domain never checked is `pending`).
 */
export function statusBeforeCheck(d: Pick<Domain, 'status' | 'previousStatus'>): Exclude<DomainStatus, 'verifying'> {
  const seen = d.status === 'verifying' ? (d.previousStatus ?? 'pending') : d.status;
  return seen === 'verifying' ? 'pending' : seen;
}

function event(
  type: DomainEventType,
  shown: Domain,
  sequence: number,
  at: string,
  previousStatus?: DomainStatus,
): DomainEvent {
  const body: DomainEventBody = {
    type,
    timestamp: apiTimestamp(at),
    data: {
      ...toDetailJson(shown),
      sequence,
      ...(previousStatus !== undefined && { previous_status: previousStatus }),
    },
  };
  return { type, teamId: shown.teamId, domainId: shown.id, sequence, occurredAt: at, payload: JSON.stringify(body) };
}

/** The domain became ready after its create: from here on it is shown. `after`: as it is now. */
export function createdEvent(after: Domain, sequence: number, at: string): DomainEvent {
  return event('domain.created', after, sequence, at);
}

/** Its settings changed (PATCH). `after`: as it is with the new settings. */
export function updatedEvent(after: Domain, sequence: number, at: string): DomainEvent {
  return event('domain.updated', after, sequence, at);
}

/**
 * A check's outcome: an event only when the status a team sees changes, from the status before the
 * check (`statusBeforeCheck(before)`) to `after.status`; null otherwise.
 */
export function statusChangedEvent(before: Domain, after: Domain, sequence: number, at: string): DomainEvent | null {
  const previous = statusBeforeCheck(before);
  if (after.status === previous) return null;
  return event('domain.status_changed', after, sequence, at, previous);
}

/** The domain is deleted or released; `last`: as it was shown until then. Null for one never shown. */
export function deletedEvent(last: Domain, sequence: number, at: string): DomainEvent | null {
  if (!last.ready) return null;
  return event('domain.deleted', last, sequence, at);
}
