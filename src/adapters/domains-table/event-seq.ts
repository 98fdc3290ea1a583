/**
 * The domain's webhook event counter (`eventSeq`, absent: 0). A write that records an event moves it
 * by one in the same transaction, on the condition that it still holds the value the writer read:
 * two writers can never give two events one sequence, and the loser learns it from a failed
 * condition (with the item as it is now, to write from).
 */
import type { Domain } from '../../domain/domain.js';
import type { Item } from '../table-io.js';

export interface EventSeqStep {
  /** The condition that the counter is still at `d.eventSeq`. */
  readonly condition: string;
  /** The update clause (for a SET) that moves it to `next`. */
  readonly set: string;
  readonly values: { readonly ':seqRead': number; readonly ':seqNext': number };
  readonly next: number;
}

export function eventSeqStep(d: Pick<Domain, 'eventSeq'>): EventSeqStep {
  const next = d.eventSeq + 1;
  return {
    condition: d.eventSeq === 0 ? '(attribute_not_exists(eventSeq) OR eventSeq = :seqRead)' : 'eventSeq = :seqRead',
    set: 'eventSeq = :seqNext',
    values: { ':seqRead': d.eventSeq, ':seqNext': next },
    next,
  };
}

/** Whether another event was written since `d` was read: the counter of `current` has moved on. */
export function eventSeqMoved(d: Pick<Domain, 'eventSeq'>, current: Item | undefined): boolean {
  return current !== undefined && (typeof current.eventSeq === 'number' ? current.eventSeq : 0) !== d.eventSeq;
}

/** How many times a write whose counter moved meanwhile reads it again and retries before giving up. */
export const EVENT_SEQ_ATTEMPTS = 5;
