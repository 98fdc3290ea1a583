/**
 * The console's pure helpers (console/src/format.ts, console/src/paging.ts): retry wording, the zone
 * file's name, the return path read from the records, hash routes, list paging and the poll back-off.
 */
import {
  errorText,
  formatTime,
  retryAfterSeconds,
  retryWording,
  returnPathOf,
  statusWords,
  zoneFileName,
} from '../../console/src/format.js';
import { newestFirst, pageOf, parseRoute, pollDelayMs } from '../../console/src/paging.js';

describe('Retry-After', () => {
  const now = Date.parse('2026-01-15T10:00:00Z');

  it('reads delay seconds and HTTP dates, and ignores anything else', () => {
    expect(retryAfterSeconds('42', now)).toBe(42);
    expect(retryAfterSeconds(' 3 ', now)).toBe(3);
    expect(retryAfterSeconds('Thu, 15 Jan 2026 10:01:30 GMT', now)).toBe(90);
    expect(retryAfterSeconds('Thu, 15 Jan 2026 09:00:00 GMT', now)).toBe(0);
    expect(retryAfterSeconds('soon', now)).toBeUndefined();
    expect(retryAfterSeconds(null, now)).toBeUndefined();
    expect(retryAfterSeconds('', now)).toBeUndefined();
  });

  it('says when to try again, in seconds below two minutes and in minutes after', () => {
    expect(retryWording(42)).toBe('Try again in 42 s.');
    expect(retryWording(0)).toBe('Try again in 1 s.');
    expect(retryWording(119)).toBe('Try again in 119 s.');
    expect(retryWording(120)).toBe('Try again in 2 min.');
    expect(retryWording(3601)).toBe('Try again in 61 min.');
  });

  it("adds the wait to the API's message only when there is one", () => {
    expect(errorText('Your team sent too many requests.', 7)).toBe(
      'Your team sent too many requests. Try again in 7 s.',
    );
    expect(errorText('No domain with this id exists for your team.', undefined)).toBe(
      'No domain with this id exists for your team.',
    );
  });
});

describe('zone file name', () => {
  it("takes the API's plain file name and falls back to <domain>.zone", () => {
    expect(zoneFileName('example.com', 'attachment; filename="example.com.zone"')).toBe('example.com.zone');
    expect(zoneFileName('example.com', 'attachment; filename=other.zone')).toBe('other.zone');
    expect(zoneFileName('example.com', null)).toBe('example.com.zone');
    expect(zoneFileName('example.com', 'attachment')).toBe('example.com.zone');
  });

  it('never takes a path or a hidden name from the header', () => {
    expect(zoneFileName('example.com', 'attachment; filename="../../etc/passwd"')).toBe('example.com.zone');
    expect(zoneFileName('example.com', 'attachment; filename="a/b.zone"')).toBe('example.com.zone');
    expect(zoneFileName('example.com', 'attachment; filename=".bashrc"')).toBe('example.com.zone');
  });
});

describe('wording', () => {
  it('writes statuses as words and times in UTC', () => {
    expect(statusWords('not_started')).toBe('not started');
    expect(statusWords('verified')).toBe('verified');
    expect(statusWords(undefined)).toBe('not checked');
    expect(formatTime('2026-01-15T10:00:00.123Z')).toBe('2026-01-15 10:00:00 UTC');
    expect(formatTime(null)).toBe('never');
  });

  it('reads the return path from the MX record', () => {
    const records = [
      { type: 'TXT', name: '_amazonses.example.com' },
      { type: 'MX', name: 'bounce.example.com' },
    ];
    expect(returnPathOf('example.com', records)).toBe('bounce');
    expect(returnPathOf('example.com', [{ type: 'MX', name: 'bounce.other.com' }])).toBe('');
    expect(returnPathOf('example.com', [])).toBe('');
  });
});

describe('routes', () => {
  it('maps hashes to pages, and anything unknown to the domain list', () => {
    expect(parseRoute('')).toEqual({ page: 'domains' });
    expect(parseRoute('#/')).toEqual({ page: 'domains' });
    expect(parseRoute('#/domains')).toEqual({ page: 'domains' });
    expect(parseRoute('#/domains/abc-1')).toEqual({ page: 'domain', id: 'abc-1' });
    expect(parseRoute('#/webhooks')).toEqual({ page: 'webhooks' });
    expect(parseRoute('#/webhooks/0190-ab')).toEqual({ page: 'webhook', id: '0190-ab' });
    expect(parseRoute('#/nowhere/else')).toEqual({ page: 'domains' });
  });

  it('lets no id that could change the API path through', () => {
    expect(parseRoute('#/domains/..')).toEqual({ page: 'domains' });
    expect(parseRoute('#/domains/..%2Fwebhooks')).toEqual({ page: 'domains' });
    expect(parseRoute('#/domains/a/verify')).toEqual({ page: 'domains' });
    expect(parseRoute('#/webhooks/a?b')).toEqual({ page: 'webhooks' });
  });
});

describe('paging and polling', () => {
  it('backs off 1, 2, 4, 8 s, then polls every 15 s', () => {
    expect([0, 1, 2, 3, 4, 5, 30].map(pollDelayMs)).toEqual([1000, 2000, 4000, 8000, 15000, 15000, 15000]);
  });

  it('orders newest first, ids breaking ties', () => {
    const items = [
      { id: 'a', created_at: '2026-01-01T00:00:00Z' },
      { id: 'c', created_at: '2026-01-03T00:00:00Z' },
      { id: 'b', created_at: '2026-01-03T00:00:00Z' },
    ];
    expect(newestFirst(items).map((item) => item.id)).toEqual(['c', 'b', 'a']);
    expect(items.map((item) => item.id)).toEqual(['a', 'c', 'b']);
  });

  it('cuts pages and says which ways lead on', () => {
    const items = Array.from({ length: 45 }, (_, i) => i);
    expect(pageOf(items, 0, 20)).toMatchObject({ index: 0, count: 3, hasPrevious: false, hasNext: true });
    expect(pageOf(items, 2, 20)).toMatchObject({ items: [40, 41, 42, 43, 44], hasPrevious: true, hasNext: false });
    expect(pageOf(items, 9, 20).index).toBe(2);
    expect(pageOf([], 0, 20)).toMatchObject({ items: [], count: 1, hasPrevious: false, hasNext: false });
  });
});
