/** When a domain is next checked without anyone asking (src/domain/schedule.ts). */
import {
  DRIFT_CHECK_INTERVAL_MS,
  dueShard,
  nextCheckAt,
  VERIFICATION_WINDOW_MS,
  VERIFYING_LEASE_MS,
} from '../../src/domain/schedule.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const requested = Date.parse('2026-01-15T10:00:00Z');

describe('nextCheckAt', () => {
  it('has the documented constants', () => {
    expect(VERIFICATION_WINDOW_MS).toBe(72 * HOUR);
    expect(VERIFYING_LEASE_MS).toBe(15 * MINUTE);
    expect(DRIFT_CHECK_INTERVAL_MS).toBe(24 * HOUR);
  });

  it('re-queues a verifying domain after the lease (a lost message is retried)', () => {
    expect(nextCheckAt('verifying', requested, requested)).toBe(requested + 15 * MINUTE);
    expect(nextCheckAt('verifying', requested, null)).toBe(requested + 15 * MINUTE);
  });

  it('checks a verified domain once a day for drift', () => {
    const now = requested + 5 * HOUR;
    expect(nextCheckAt('verified', now, requested)).toBe(now + 24 * HOUR);
    expect(nextCheckAt('verified', now, null)).toBe(now + 24 * HOUR);
  });

  it('never schedules a failed domain', () => {
    expect(nextCheckAt('failed', requested + HOUR, requested)).toBeNull();
  });

  it('never schedules a pending domain nobody asked to verify', () => {
    expect(nextCheckAt('pending', requested, null)).toBeNull();
  });

  it.each([
    [0, 5 * MINUTE],
    [59 * MINUTE, 5 * MINUTE],
    [1 * HOUR, 15 * MINUTE],
    [5 * HOUR, 15 * MINUTE],
    [6 * HOUR, 1 * HOUR],
    [23 * HOUR, 1 * HOUR],
    [24 * HOUR, 4 * HOUR],
    [60 * HOUR, 4 * HOUR],
  ])('backs off a pending domain: %d ms after the request, next in %d ms', (age, interval) => {
    const now = requested + age;
    expect(nextCheckAt('pending', now, requested)).toBe(now + interval);
  });

  it('lands the last pending check on the 72-hour mark, then stops', () => {
    expect(nextCheckAt('pending', requested + 70 * HOUR, requested)).toBe(requested + 72 * HOUR);
    expect(nextCheckAt('pending', requested + 72 * HOUR - 1, requested)).toBe(requested + 72 * HOUR);
    expect(nextCheckAt('pending', requested + 72 * HOUR, requested)).toBeNull();
    expect(nextCheckAt('pending', requested + 80 * HOUR, requested)).toBeNull();
  });

  it('never schedules a pending check in the past', () => {
    for (let age = 0; age < 72 * HOUR; age += 7 * MINUTE) {
      const next = nextCheckAt('pending', requested + age, requested);
      expect(next).not.toBeNull();
      expect(next as number).toBeGreaterThan(requested + age);
    }
  });
});

describe('dueShard', () => {
  it('is deterministic and within [0, shards)', () => {
    const ids = Array.from({ length: 200 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    for (const id of ids) {
      const s = dueShard(id, 4);
      expect(s).toBe(dueShard(id, 4));
      expect(Number.isInteger(s)).toBe(true);
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThan(4);
    }
  });

  it('spreads ids over every shard', () => {
    const ids = Array.from({ length: 200 }, (_, i) => `id-${i}`);
    expect(new Set(ids.map((id) => dueShard(id, 4))).size).toBe(4);
  });

  it('puts everything in shard 0 when there is one shard', () => {
    expect(dueShard('550e8400-e29b-41d4-a716-446655440000', 1)).toBe(0);
  });
});
