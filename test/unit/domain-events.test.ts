/** Which change makes which webhook event, and the body sent (src/domain/domain-events.ts). */

import { type Domain, toDetailJson } from '../../src/domain/domain.js';
import {
  createdEvent,
  deletedEvent,
  nextSequence,
  statusBeforeCheck,
  statusChangedEvent,
  updatedEvent,
} from '../../src/domain/domain-events.js';

const base: Domain = {
  id: '0190f3a2-7b7c-7cc0-8a1e-1234567890ab',
  teamId: 'team-a',
  domain: 'example.com',
  returnPath: 'send',
  region: 'eu-central-1',
  status: 'pending',
  verifiedAt: null,
  verifyRequestedAt: null,
  createdAt: '2026-01-15T10:00:00.000Z',
  ready: true,
  verificationToken: 'tok',
  dkimTokens: ['t1', 't2', 't3'],
  dkim: { type: 'easy_dkim', keyLength: 2048 },
  lastCheckedAt: null,
  recordChecks: {},
  previousStatus: null,
  pendingEvent: null,
  leaseId: null,
  settingsRev: 0,
  eventSeq: 0,
  everVerified: false,
  releasing: false,
};
const AT = '2026-01-15T12:30:00.123Z';
const body = (payload: string) => JSON.parse(payload);

describe('the event body', () => {
  it('is {type, timestamp, data}: the domain as GET /domains/:id shows it, with its sequence', () => {
    const e = createdEvent(base, 1, AT);
    expect(e).toMatchObject({
      type: 'domain.created',
      teamId: 'team-a',
      domainId: base.id,
      sequence: 1,
      occurredAt: AT,
    });
    expect(body(e.payload)).toEqual({
      type: 'domain.created',
      timestamp: '2026-01-15T12:30:00Z',
      data: { ...toDetailJson(base), sequence: 1 },
    });
    expect(body(updatedEvent({ ...base, returnPath: 'mail' }, 2, AT).payload).data).toMatchObject({
      sequence: 2,
      dns_records: expect.arrayContaining([expect.objectContaining({ type: 'MX', name: 'mail.example.com' })]),
    });
  });

  it('numbers events from the domain counter: 1 for the first, then one more each time', () => {
    expect(nextSequence({ eventSeq: 0 })).toBe(1);
    expect(nextSequence({ eventSeq: 41 })).toBe(42);
  });
});

describe('status changes', () => {
  const verified = { ...base, status: 'verified' as const, verifiedAt: AT };

  it('a real change: one event with previous_status', () => {
    const e = statusChangedEvent(base, verified, 3, AT);
    expect(e?.type).toBe('domain.status_changed');
    expect(body(e!.payload).data).toMatchObject({ status: 'verified', previous_status: 'pending', sequence: 3 });
  });

  it('verifying is transient: pending → verifying → pending sends nothing', () => {
    const checking = { ...base, status: 'verifying' as const, previousStatus: 'pending' as const };
    expect(statusBeforeCheck(checking)).toBe('pending');
    expect(statusChangedEvent(checking, { ...base, status: 'pending' }, 1, AT)).toBeNull();
  });

  it('pending → verifying → verified sends one event, from pending', () => {
    const checking = { ...base, status: 'verifying' as const, previousStatus: 'pending' as const };
    const e = statusChangedEvent(checking, verified, 1, AT);
    expect(body(e!.payload).data.previous_status).toBe('pending');
  });

  it('a verified domain checked again and still verified sends nothing; one that lost a record does', () => {
    const again = { ...verified, status: 'verifying' as const, previousStatus: 'verified' as const };
    expect(statusChangedEvent(again, verified, 1, AT)).toBeNull();
    expect(body(statusChangedEvent(again, { ...base, status: 'pending' }, 1, AT)!.payload).data).toMatchObject({
      status: 'pending',
      previous_status: 'verified',
    });
  });

  it('a domain verifying without a remembered status started from pending', () => {
    expect(statusBeforeCheck({ status: 'verifying', previousStatus: null })).toBe('pending');
    expect(statusBeforeCheck({ status: 'failed', previousStatus: 'verified' })).toBe('failed');
  });
});

describe('deletion', () => {
  it('a shown domain: domain.deleted with the domain as it was last shown', () => {
    const e = deletedEvent({ ...base, status: 'verifying', previousStatus: 'pending' }, 4, AT);
    expect(body(e!.payload)).toMatchObject({ type: 'domain.deleted', data: { status: 'verifying', sequence: 4 } });
  });

  it('a domain never shown (its create was undone, or it was released before it was ready): nothing', () => {
    expect(deletedEvent({ ...base, ready: false }, 1, AT)).toBeNull();
  });
});
