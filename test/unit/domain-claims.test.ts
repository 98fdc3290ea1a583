/** Pure rules of who holds a name: identity ownership tags, reserved names, release times. */
import { ownershipOf, ownerTags } from '../../src/domain/identity-owner.js';
import { reservedBy } from '../../src/domain/reserved-names.js';
import { isReleaseDue, nextDueAt, releaseAt, VERIFICATION_WINDOW_MS } from '../../src/domain/schedule.js';

const HOUR = 3_600_000;

describe('identity ownership', () => {
  const owner = { stage: 'prod', domainId: '0190b6b0-0000-7000-8000-000000000001' };

  it('is ours only with both tags naming this stage and this domain', () => {
    expect(ownershipOf(ownerTags(owner), owner)).toBe('ours');
    expect(ownershipOf([...ownerTags(owner), { Key: 'team', Value: 'x' }], owner)).toBe('ours');
    expect(ownershipOf(ownerTags({ ...owner, stage: 'dev' }), owner)).toBe('other');
    expect(ownershipOf(ownerTags({ ...owner, domainId: 'another' }), owner)).toBe('other');
    expect(ownershipOf([{ Key: 'krafter:stage', Value: 'prod' }], owner)).toBe('other');
    expect(ownershipOf([], owner)).toBe('untagged');
    expect(ownershipOf(undefined, owner)).toBe('untagged');
    expect(ownershipOf([{ Key: 'owner', Value: 'other-app' }], owner)).toBe('untagged');
  });
});

describe('reserved names', () => {
  it.each([
    ['amazonses.com', 'amazonses.com'],
    ['feedback-smtp.eu-central-1.amazonses.com', 'amazonses.com'],
    ['abc123.execute-api.eu-central-1.amazonaws.com', 'amazonaws.com'],
    ['d111111abcdef8.cloudfront.net', 'cloudfront.net'],
    ['mail.krafter-platform.com', 'krafter-platform.com'],
  ])('%s is reserved by %s', (domain, entry) => {
    expect(reservedBy(domain, ['krafter-platform.com'])).toBe(entry);
  });

  it.each(['example.com', 'notamazonses.com', 'amazonses.com.example.net', 'myaws.com'])(
    '%s is a customer name',
    (domain) => {
      expect(reservedBy(domain, ['krafter-platform.com'])).toBeNull();
    },
  );
});

describe('release of never-verified domains', () => {
  const createdAt = '2026-01-10T00:00:00.000Z';
  const created = Date.parse(createdAt);
  const grace = 168 * HOUR;
  const base = { status: 'pending' as const, everVerified: false, createdAt, verifyRequestedAt: null };

  it('is due 72 hours + the grace after creation, or after the last verify request', () => {
    expect(releaseAt(base, grace)).toBe(created + VERIFICATION_WINDOW_MS + grace);
    const asked = '2026-01-12T00:00:00.000Z';
    expect(releaseAt({ createdAt, verifyRequestedAt: asked }, grace)).toBe(
      Date.parse(asked) + VERIFICATION_WINDOW_MS + grace,
    );
    expect(isReleaseDue(base, created + VERIFICATION_WINDOW_MS + grace - 1, grace)).toBe(false);
    expect(isReleaseDue(base, created + VERIFICATION_WINDOW_MS + grace, grace)).toBe(true);
    expect(isReleaseDue({ ...base, status: 'failed' }, created + VERIFICATION_WINDOW_MS + grace, grace)).toBe(true);
  });

  it('never releases a domain verified even once, or one being checked', () => {
    const late = created + 100 * VERIFICATION_WINDOW_MS;
    expect(isReleaseDue({ ...base, everVerified: true, status: 'failed' }, late, grace)).toBe(false);
    expect(isReleaseDue({ ...base, status: 'verified' }, late, grace)).toBe(false);
    expect(isReleaseDue({ ...base, status: 'verifying' }, late, grace)).toBe(false);
  });

  it('keeps a failed, never-verified domain in the schedule until its release, and a once-verified one out of it', () => {
    const asked = created + HOUR;
    const now = asked + VERIFICATION_WINDOW_MS;
    expect(nextDueAt({ everVerified: false, createdAt }, 'failed', now, asked, grace)).toBe(
      asked + VERIFICATION_WINDOW_MS + grace,
    );
    expect(nextDueAt({ everVerified: true, createdAt }, 'failed', now, asked, grace)).toBeNull();
    // A pending domain whose window is still open keeps its normal back-off.
    expect(nextDueAt({ everVerified: false, createdAt }, 'pending', asked + 10 * 60_000, asked, grace)).toBe(
      asked + 15 * 60_000,
    );
  });
});
