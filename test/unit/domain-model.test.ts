/** The domain's API representation (src/domain/domain.ts, time.ts) and the verify message (verify-message.ts). */
import { type Domain, toDetailJson, toSummaryJson } from '../../src/domain/domain.js';
import { apiTimestamp } from '../../src/domain/time.js';
import { parseVerifyMessage } from '../../src/domain/verify-message.js';

const base: Domain = {
  id: '550e8400-e29b-41d4-a716-446655440000',
  teamId: 'team-a',
  domain: 'example.com',
  returnPath: 'send',
  region: 'eu-central-1',
  status: 'verified',
  verifiedAt: '2026-01-15T12:30:00.123Z',
  verifyRequestedAt: '2026-01-15T12:00:00.000Z',
  createdAt: '2026-01-15T10:00:00.000Z',
  ready: true,
  verificationToken: 'abc123...',
  dkimTokens: ['token1', 'token2', 'token3'],
  dkim: { type: 'easy_dkim', keyLength: 2048 },
  lastCheckedAt: null,
  recordChecks: {},
  previousStatus: null,
  pendingEvent: null,
  leaseId: null,
  settingsRev: 0,
  eventSeq: 0,
  everVerified: true,
  releasing: false,
};

describe('apiTimestamp', () => {
  it("formats ISO 8601 UTC to the second, as the spec's 2026-01-15T10:00:00Z", () => {
    expect(apiTimestamp('2026-01-15T10:00:00.000Z')).toBe('2026-01-15T10:00:00Z');
    expect(apiTimestamp('2026-01-15T10:00:00.999Z')).toBe('2026-01-15T10:00:00Z');
    expect(apiTimestamp(Date.parse('2026-01-15T12:30:00Z'))).toBe('2026-01-15T12:30:00Z');
    expect(apiTimestamp(new Date('2026-01-15T11:00:00+01:00'))).toBe('2026-01-15T10:00:00Z');
  });
});

describe('toSummaryJson / toDetailJson', () => {
  it("has the spec's domain fields (list, verify), without internal fields or dns_records", () => {
    const json = toSummaryJson(base);
    expect(json).toEqual({
      id: '550e8400-e29b-41d4-a716-446655440000',
      domain: 'example.com',
      status: 'verified',
      verified_at: '2026-01-15T12:30:00Z',
      created_at: '2026-01-15T10:00:00Z',
      region: 'eu-central-1',
      last_checked_at: null,
    });
    expect(json).not.toHaveProperty('dns_records');
  });

  it('writes verified_at as null until verified', () => {
    expect(toSummaryJson({ ...base, status: 'pending', verifiedAt: null }).verified_at).toBeNull();
  });

  it('adds the seven dns_records for the detail view', () => {
    const json = toDetailJson({ ...base, lastCheckedAt: '2026-01-15T12:30:00.000Z' });
    expect(json.last_checked_at).toBe('2026-01-15T12:30:00Z');
    expect(json.dns_records.map((r) => r.name)).toEqual([
      '_amazonses.example.com',
      'token1._domainkey.example.com',
      'token2._domainkey.example.com',
      'token3._domainkey.example.com',
      'send.example.com',
      'send.example.com',
      '_dmarc.example.com',
    ]);
    expect(JSON.stringify(json)).not.toMatch(/teamId|team-a|returnPath|recordChecks|ready/);
  });
});

describe('parseVerifyMessage', () => {
  const good = {
    teamId: 'team-a',
    domainId: '550e8400-e29b-41d4-a716-446655440000',
    requestedAt: '2026-01-15T10:00:00.000Z',
    reason: 'user',
  };

  it('parses a well-formed message', () => {
    expect(parseVerifyMessage(JSON.stringify(good))).toEqual(good);
    expect(parseVerifyMessage(JSON.stringify({ ...good, reason: 'schedule' })).reason).toBe('schedule');
  });

  it.each([
    ['not JSON', '{'],
    ['no team', JSON.stringify({ ...good, teamId: '' })],
    ['a domain id that is not a UUID', JSON.stringify({ ...good, domainId: 'nope' })],
    ['an unknown reason', JSON.stringify({ ...good, reason: 'other' })],
    ['no requestedAt', JSON.stringify({ ...good, requestedAt: undefined })],
  ])('throws for %s', (_what, body) => {
    expect(() => parseVerifyMessage(body)).toThrow();
  });
});

describe('page cursors (src/domain/cursor.ts)', () => {
  it('round-trips a domain id, and refuses anything this API did not issue', async () => {
    const { decodeCursor, encodeCursor } = await import('../../src/domain/cursor.js');
    const id = '01a220b5-e6fa-723b-8c3f-eb991c8a8e82';
    expect(decodeCursor(encodeCursor(id))).toBe(id);
    for (const bad of [
      '',
      'not-a-cursor',
      Buffer.from(JSON.stringify({ v: 2, id })).toString('base64url'),
      Buffer.from(JSON.stringify({ v: 1, id: 'x' })).toString('base64url'),
      Buffer.from('[1]').toString('base64url'),
    ]) {
      expect(decodeCursor(bad)).toBeNull();
    }
  });
});
