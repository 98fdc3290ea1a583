/**
 * Examples of the domain events' bodies: the life of the example domain (examples.ts) from its
 * create to its deletion, each body built by the code that sends the event (src/domain/domain-events.ts).
 */
import { type Answers, type Mx, type Observation, questionKey } from '../src/domain/diagnosis.js';
import { diagnoseRecords } from '../src/domain/diagnostics.js';
import { type Domain, recordInputsOf, toDetailJson } from '../src/domain/domain.js';
import {
  createdEvent,
  type DomainEvent,
  deletedEvent,
  statusChangedEvent,
  updatedEvent,
} from '../src/domain/domain-events.js';
import type { DomainEventType } from '../src/domain/webhook-endpoint.js';
import { type Examples, exampleDomain } from './examples.js';

/** DNS answering every record of `d` exactly as it is to be published. */
function publishedAnswers(d: Domain): Answers {
  const answers = new Map<string, Observation<string | Mx>>();
  for (const r of toDetailJson(d).dns_records) {
    const key = questionKey({ type: r.type, name: r.name });
    const value = r.type === 'MX' ? { exchange: r.value, priority: r.priority ?? 10 } : r.value;
    const before = answers.get(key);
    answers.set(key, { kind: 'found', values: [...(before?.kind === 'found' ? before.values : []), value] });
  }
  return answers;
}

const body = (e: DomainEvent | null) => {
  if (e === null) throw new Error('The example change sends no event.');
  return JSON.parse(e.payload) as unknown;
};

/** One example body for each domain event type, in the order a domain's events are sent. */
export function domainEventExamples(): Record<DomainEventType, Examples> {
  const created = exampleDomain({ eventSeq: 1 });
  const updated = exampleDomain({ returnPath: 'bounce', eventSeq: 2 });
  const checking = {
    ...updated,
    status: 'verifying',
    previousStatus: 'pending',
    verifyRequestedAt: '2026-01-15T12:29:00Z',
  } as const;
  const checked = { ...checking, lastCheckedAt: '2026-01-15T12:30:00Z' };
  const verified: Domain = {
    ...checked,
    status: 'verified',
    verifiedAt: '2026-01-15T12:30:00Z',
    everVerified: true,
    eventSeq: 3,
    recordChecks: diagnoseRecords(recordInputsOf(checked), publishedAnswers(checked), {
      verificationStatus: 'SUCCESS',
      verifiedForSending: true,
      dkimStatus: 'SUCCESS',
      mailFromStatus: 'SUCCESS',
    }),
  };
  return {
    'domain.created': {
      created: { summary: 'example.com was added', value: body(createdEvent(created, 1, created.createdAt)) },
    },
    'domain.updated': {
      updated: {
        summary: 'Its return path became bounce.example.com',
        value: body(updatedEvent(updated, 2, '2026-01-15T10:20:00Z')),
      },
    },
    'domain.status_changed': {
      verified: {
        summary: 'It is verified',
        value: body(statusChangedEvent(checking, verified, 3, '2026-01-15T12:30:00Z')),
      },
    },
    'domain.deleted': {
      deleted: { summary: 'It was deleted', value: body(deletedEvent(verified, 4, '2026-02-01T09:00:00Z')) },
    },
  };
}
