/** The retry policy of webhook deliveries: schedule, jitter, Retry-After, and its configuration. */
import {
  DEFAULT_RETRY_SCHEDULE_SECONDS,
  DISABLE_AFTER_FAILING_MS,
  MAX_RETRY_AFTER_SECONDS,
  nextAttemptDelay,
  parseRetryAfter,
  parseRetrySchedule,
} from '../../src/domain/webhook-retry.js';

const schedule = DEFAULT_RETRY_SCHEDULE_SECONDS;
const middle = () => 0.5;

describe('nextAttemptDelay', () => {
  it('follows 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h, then stops', () => {
    const delays = Array.from({ length: 10 }, (_, i) => nextAttemptDelay({ attempt: i + 1, schedule, random: middle }));
    expect(delays).toEqual([5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400, null]);
  });

  it('jitters each delay within ±10 %', () => {
    for (const [attempt, base] of schedule.entries()) {
      const low = nextAttemptDelay({ attempt: attempt + 1, schedule, random: () => 0 })!;
      const high = nextAttemptDelay({ attempt: attempt + 1, schedule, random: () => 0.999999 })!;
      expect(low).toBe(Math.round(base * 0.9));
      expect(high).toBeLessThanOrEqual(Math.round(base * 1.1));
      expect(high).toBeGreaterThanOrEqual(Math.round(base * 1.1 - 0.5));
      for (let i = 0; i < 50; i++) {
        const delay = nextAttemptDelay({ attempt: attempt + 1, schedule })!;
        expect(delay).toBeGreaterThanOrEqual(Math.round(base * 0.9));
        expect(delay).toBeLessThanOrEqual(Math.round(base * 1.1));
        expect(Number.isInteger(delay)).toBe(true);
      }
    }
  });

  it('honours a longer Retry-After, up to a day', () => {
    expect(nextAttemptDelay({ attempt: 1, schedule, retryAfterSeconds: 120, random: middle })).toBe(120);
    expect(nextAttemptDelay({ attempt: 1, schedule, retryAfterSeconds: 10.2, random: middle })).toBe(11);
    expect(nextAttemptDelay({ attempt: 1, schedule, retryAfterSeconds: 7 * 86400, random: middle })).toBe(
      MAX_RETRY_AFTER_SECONDS,
    );
  });

  it('keeps the schedule when Retry-After asks for less', () => {
    expect(nextAttemptDelay({ attempt: 2, schedule, retryAfterSeconds: 1, random: middle })).toBe(300);
    expect(nextAttemptDelay({ attempt: 2, schedule, retryAfterSeconds: 0, random: middle })).toBe(300);
  });

  it('ends with the schedule whatever Retry-After says', () => {
    expect(nextAttemptDelay({ attempt: 10, schedule, retryAfterSeconds: 60 })).toBeNull();
    expect(nextAttemptDelay({ attempt: 2, schedule: [1], random: middle })).toBeNull();
    expect(nextAttemptDelay({ attempt: 1, schedule: [], random: middle })).toBeNull();
  });

  it('answers null for an attempt count that is not a positive whole number', () => {
    for (const attempt of [0, -1, 1.5, Number.NaN]) expect(nextAttemptDelay({ attempt, schedule })).toBeNull();
  });

  it('keeps a zero delay at zero (immediate retries in tests)', () => {
    expect(nextAttemptDelay({ attempt: 1, schedule: [0, 0], random: () => 0.999 })).toBe(0);
  });
});

describe('parseRetrySchedule', () => {
  it('uses the default schedule when unset or blank', () => {
    expect(parseRetrySchedule(undefined)).toEqual([...schedule]);
    expect(parseRetrySchedule('')).toEqual([...schedule]);
    expect(parseRetrySchedule('  ')).toEqual([...schedule]);
  });

  it('reads comma-separated whole seconds', () => {
    expect(parseRetrySchedule('1,2,3')).toEqual([1, 2, 3]);
    expect(parseRetrySchedule(' 0 , 5, 86400 ')).toEqual([0, 5, 86400]);
    expect(parseRetrySchedule('7')).toEqual([7]);
  });

  it('returns a copy: changing it does not change the default', () => {
    parseRetrySchedule(undefined).push(1);
    expect(DEFAULT_RETRY_SCHEDULE_SECONDS).toHaveLength(9);
  });

  it.each([
    ['1,,2', 'entry 2 is ""'],
    ['1,2,', 'entry 3 is ""'],
    ['-1', 'entry 1 is "-1"'],
    ['1.5', 'entry 1 is "1.5"'],
    ['5s', 'entry 1 is "5s"'],
    ['1;2', 'entry 1 is "1;2"'],
    ['86401', 'entry 1 is "86401"'],
    ['abc', 'entry 1 is "abc"'],
  ])('refuses %j with a clear error', (value, detail) => {
    expect(() => parseRetrySchedule(value)).toThrow('WEBHOOK_RETRY_SCHEDULE_SECONDS must be comma-separated');
    expect(() => parseRetrySchedule(value)).toThrow(detail);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-03-01T12:00:00Z');

  it('reads delta-seconds', () => {
    expect(parseRetryAfter('120', now)).toBe(120);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
  });

  it('reads an HTTP date, never below zero', () => {
    expect(parseRetryAfter('Sat, 01 Mar 2025 12:10:00 GMT', now)).toBe(600);
    expect(parseRetryAfter('Sat, 01 Mar 2025 11:00:00 GMT', now)).toBe(0);
  });

  it('ignores what it cannot read', () => {
    for (const value of [undefined, '', 'soon', '-5', '1.5', 'Sat, 99 Foo 2025'])
      expect(parseRetryAfter(value, now)).toBeUndefined();
  });
});

it('disables an endpoint after 5 days of failing', () => {
  expect(DISABLE_AFTER_FAILING_MS).toBe(5 * 24 * 60 * 60 * 1000);
});
