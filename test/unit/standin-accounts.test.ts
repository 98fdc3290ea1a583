/**
 * The stand-ins' accounts without HTTP: which account an access key id stands for (long-term keys,
 * temporary keys the STS stand-in issues, their session tokens and expiry), the SES stand-in's
 * identities and throttle kept per account and region, its data file in both formats, and what
 * AssumeRole checks in a role ARN and a session.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccessKeys, LOCAL_ACCOUNT, signedKeyId, signedRegion } from '../../local/access-keys.js';
import { Accounts } from '../../local/ses-standin/accounts.js';
import type { Lookup } from '../../local/ses-standin/identities.js';
import { fileStore, type Store } from '../../local/ses-standin/store.js';
import { parseRoleArn, sessionSeconds } from '../../local/sts-standin.js';

const T0 = Date.parse('2026-11-02T10:00:00Z');
const EU = 'eu-central-1';
const US = 'us-east-1';
const CELL = '111122223333';
const noDns: Lookup = async () => ({ found: false, reason: 'NXDOMAIN' });
const memory = (): Store => ({ load: () => [], save: () => undefined });

let clock = T0;
const now = () => clock;
beforeEach(() => {
  clock = T0;
});

const accounts = (store: Store = memory(), limit?: number) =>
  new Accounts({ now, lookup: noDns, store, defaults: { account: LOCAL_ACCOUNT, region: EU }, limit });

describe('AccessKeys', () => {
  it('gives every long-term key the default account unless it is registered for another', () => {
    const keys = new AccessKeys(now);
    expect(keys.resolve('local', undefined)).toEqual({ account: LOCAL_ACCOUNT });
    expect(keys.resolve('AKIDTEST', undefined)).toEqual({ account: LOCAL_ACCOUNT });
    keys.register('AKIDOTHER', CELL);
    expect(keys.resolve('AKIDOTHER', undefined)).toEqual({ account: CELL });
  });

  it('knows a temporary key only once issued, with its own session token, until it expires', () => {
    const keys = new AccessKeys(now);
    const c = keys.issue(CELL, `arn:aws:iam::${CELL}:role/ses`, 900);
    expect(c.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    expect(c.expiresAt).toBe(T0 + 900_000);
    expect(keys.resolve(c.accessKeyId, c.sessionToken)).toEqual({ account: CELL });
    expect(keys.resolve('ASIAAAAAAAAAAAAAAAAA', c.sessionToken)).toEqual({ problem: 'unknown' });
    expect(keys.resolve(c.accessKeyId, undefined)).toEqual({ problem: 'unknown' });
    expect(keys.resolve(c.accessKeyId, `${c.sessionToken}x`)).toEqual({ problem: 'unknown' });
    expect(keys.resolve(undefined, undefined)).toEqual({ problem: 'unknown' });
    clock = T0 + 899_999;
    expect(keys.resolve(c.accessKeyId, c.sessionToken)).toEqual({ account: CELL });
    clock = T0 + 900_000;
    expect(keys.resolve(c.accessKeyId, c.sessionToken)).toEqual({ problem: 'expired' });
    expect(keys.issued()).toEqual([
      { accessKeyId: c.accessKeyId, account: CELL, roleArn: `arn:aws:iam::${CELL}:role/ses`, expiresAt: T0 + 900_000 },
    ]);
  });

  it('reads the key id and region of a SigV4 Authorization header', () => {
    const header =
      'AWS4-HMAC-SHA256 Credential=ASIAXYZ/20261102/us-east-1/ses/aws4_request, SignedHeaders=host, Signature=abc';
    expect(signedKeyId(header)).toBe('ASIAXYZ');
    expect(signedRegion(header)).toBe(US);
    expect(signedKeyId(undefined)).toBeUndefined();
    expect(signedKeyId('Bearer x')).toBeUndefined();
  });
});

describe('Accounts: SES per account and region', () => {
  it('keeps the identities of each account and region apart, the same name in several', () => {
    const a = accounts();
    a.get(LOCAL_ACCOUNT, EU).identities.add('example.com', EU, T0);
    a.get(CELL, EU).identities.add('example.com', EU, T0);
    a.get(CELL, US).identities.add('other.example', US, T0);
    expect(a.get(LOCAL_ACCOUNT, EU).identities.names()).toEqual(['example.com']);
    expect(a.get(LOCAL_ACCOUNT, US).identities.names()).toEqual([]);
    expect(a.names({ account: CELL })).toEqual(['example.com', 'other.example']);
    expect(a.names({ region: EU })).toEqual(['example.com', 'example.com']);
    expect(a.names()).toEqual(['example.com', 'example.com', 'other.example']);
    a.get(CELL, EU).identities.delete('example.com');
    expect(a.names({ account: LOCAL_ACCOUNT, region: EU })).toEqual(['example.com']);
  });

  it('counts the identity limit per account and region', () => {
    const a = accounts(memory(), 2);
    a.get(LOCAL_ACCOUNT, EU).identities.add('a.example', EU, T0);
    a.get(LOCAL_ACCOUNT, EU).identities.add('b.example', EU, T0);
    expect(() => a.get(LOCAL_ACCOUNT, EU).identities.add('c.example', EU, T0)).toThrow('Maximum number of identities');
    expect(() => a.get(CELL, EU).identities.add('c.example', EU, T0)).not.toThrow();
    expect(() => a.get(LOCAL_ACCOUNT, US).identities.add('c.example', US, T0)).not.toThrow();
  });

  it('gives each account and region its own token bucket at the rate set for all, now and later', () => {
    const a = accounts();
    const own = a.get(LOCAL_ACCOUNT, EU);
    a.setThrottle({ ratePerSecond: 1 });
    const cell = a.get(CELL, EU);
    expect(a.admit(own)).toBeNull();
    expect(a.admit(own)).toBe('throttle');
    // The other account's budget is untouched by the first one's calls.
    expect(a.admit(cell)).toBeNull();
    expect(a.admit(cell)).toBe('throttle');
    clock += 1000;
    expect(a.admit(own)).toBeNull();
    expect(a.admit(cell)).toBeNull();
  });

  it('aims injected failures at one account and region, or at the next calls of any', () => {
    const a = accounts();
    const own = a.get(LOCAL_ACCOUNT, EU);
    const cell = a.get(CELL, EU);
    a.setThrottle({ account: CELL, region: EU, failNext: 2, failWith: 'server_error' });
    expect(a.admit(own)).toBeNull();
    expect(a.admit(cell)).toBe('server_error');
    expect(a.admit(own)).toBeNull();
    expect(a.admit(cell)).toBe('server_error');
    expect(a.admit(cell)).toBeNull();
    a.setThrottle({ failNext: 1 });
    expect(a.admit(cell)).toBe('throttle');
    expect(a.admit(own)).toBeNull();
    // A region alone means that region of the stand-in's own account.
    a.setThrottle({ region: US, ratePerSecond: 1 });
    const us = a.get(LOCAL_ACCOUNT, US);
    expect(a.admit(us)).toBeNull();
    expect(a.admit(us)).toBe('throttle');
    expect(a.admit(own)).toBeNull();
    expect(a.admit(own)).toBeNull();
    expect(a.throttleState().accounts).toContainEqual({
      account: LOCAL_ACCOUNT,
      region: US,
      ratePerSecond: 1,
      failNext: 0,
      failWith: 'throttle',
    });
  });

  it('aims failures at the next calls of one action, of one account or any, and lifts them all at once', () => {
    const a = accounts();
    const own = a.get(LOCAL_ACCOUNT, EU);
    const cell = a.get(CELL, EU);
    a.setThrottle({
      account: CELL,
      action: 'PutEmailIdentityMailFromAttributes',
      failNext: 2,
      failWith: 'server_error',
    });
    expect(a.admit(cell, 'CreateEmailIdentity')).toBeNull();
    expect(a.admit(own, 'PutEmailIdentityMailFromAttributes')).toBeNull();
    expect(a.admit(cell, 'PutEmailIdentityMailFromAttributes')).toBe('server_error');
    expect(a.admit(cell, 'PutEmailIdentityMailFromAttributes')).toBe('server_error');
    expect(a.admit(cell, 'PutEmailIdentityMailFromAttributes')).toBeNull();
    a.setThrottle({ action: 'VerifyDomainIdentity', failNext: 1 });
    expect(a.admit(own, 'VerifyDomainIdentity')).toBe('throttle');
    expect(a.admit(cell, 'VerifyDomainIdentity')).toBeNull();

    a.setThrottle({ action: 'GetEmailIdentity', failNext: 5 });
    a.setThrottle({ account: CELL, region: EU, failNext: 5 });
    a.setThrottle({ failNext: 0 });
    expect(a.admit(own, 'GetEmailIdentity')).toBeNull();
    expect(a.admit(cell, 'GetEmailIdentity')).toBeNull();
  });

  it('reset forgets every account and lifts every limit', () => {
    const a = accounts();
    a.setThrottle({ ratePerSecond: 1, failNext: 3 });
    a.get(CELL, EU).identities.add('example.com', EU, T0);
    a.reset();
    expect(a.names()).toEqual([]);
    const cell = a.get(CELL, EU);
    for (let i = 0; i < 5; i++) expect(a.admit(cell)).toBeNull();
  });

  it('saves every account and region to its data file, and reads a file of one account by region', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ses-accounts-'));
    try {
      const file = join(dir, 'ses.json');
      const first = accounts(fileStore(file));
      const cell = first.get(CELL, US);
      cell.identities.add('cell.example', US, T0);
      cell.save();
      expect(accounts(fileStore(file)).names({ account: CELL, region: US })).toEqual(['cell.example']);

      const legacy = JSON.parse(readFileSync(file, 'utf8')).accounts[0].identities;
      const old = [...legacy, { ...legacy[0], name: 'eu.example', region: EU }];
      writeFileSync(file, JSON.stringify({ identities: old }));
      const loaded = accounts(fileStore(file));
      expect(loaded.names({ account: LOCAL_ACCOUNT, region: US })).toEqual(['cell.example']);
      expect(loaded.names({ account: LOCAL_ACCOUNT, region: EU })).toEqual(['eu.example']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('AssumeRole input', () => {
  it('reads the account and name of a role ARN, with or without a path', () => {
    expect(parseRoleArn(`arn:aws:iam::${CELL}:role/ses-cell`)).toEqual({ account: CELL, name: 'ses-cell' });
    expect(parseRoleArn(`arn:aws:iam::${CELL}:role/krafter/cells/ses`)).toEqual({ account: CELL, name: 'ses' });
  });

  it.each([
    null,
    'arn:aws:iam::1:role/x',
    `arn:aws:iam::${CELL}:user/someone`,
    `arn:aws:s3:::${CELL}-bucket/role`,
    `arn:aws:iam::${CELL}:role/`,
    `arn:aws:iam::${CELL}:role/${'a'.repeat(65)}`,
  ])('refuses %p with ValidationError', (arn) => {
    expect(() => parseRoleArn(arn)).toThrow(expect.objectContaining({ code: 'ValidationError', status: 400 }));
  });

  it('takes a session of 900 s up to the role’s maximum (default one hour), named as IAM allows', () => {
    const form = (o: Record<string, string>) => new URLSearchParams({ RoleSessionName: 'krafter-local', ...o });
    expect(sessionSeconds(form({}), 3600)).toBe(3600);
    expect(sessionSeconds(form({ DurationSeconds: '900' }), 3600)).toBe(900);
    for (const bad of ['899', '3601', 'x', '1.5'])
      expect(() => sessionSeconds(form({ DurationSeconds: bad }), 3600)).toThrow(
        expect.objectContaining({ code: 'ValidationError' }),
      );
    expect(() => sessionSeconds(new URLSearchParams({ RoleSessionName: 'a b' }), 3600)).toThrow(
      expect.objectContaining({ code: 'ValidationError' }),
    );
    expect(() => sessionSeconds(new URLSearchParams(), 3600)).toThrow(
      expect.objectContaining({ code: 'ValidationError' }),
    );
  });
});
