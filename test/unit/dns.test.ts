/**
 * The DNS adapter against the dns2 test server: record shapes, "no record" versus "could not
 * check", resolver configuration, and the observer's deadline for one check's questions.
 */
import { promises as nodeDns } from 'node:dns';
import { createResolver, DnsLookupError, lookup, lookupCname, lookupMx, lookupTxt } from '../../src/adapters/dns.js';
import { DEADLINE_CODE, DNS_DEADLINE_MS, observe } from '../../src/adapters/dns-observer.js';
import { type DnsTestServer, startDnsServer } from '../support/dns-server.js';

let server: DnsTestServer;
let resolver: ReturnType<typeof createResolver>;

beforeAll(async () => {
  server = await startDnsServer();
  resolver = createResolver(server.address);
});
afterAll(() => server.close());
beforeEach(() => server.clear());

async function failure(promise: Promise<unknown>): Promise<DnsLookupError> {
  try {
    await promise;
  } catch (error) {
    return error as DnsLookupError;
  }
  throw new Error('expected the lookup to fail');
}

describe('createResolver', () => {
  it('uses the comma-separated servers it is given, with their ports', () => {
    const r = createResolver(' 127.0.0.1:5353, 127.0.0.2 ');
    expect(r.getServers()).toEqual(['127.0.0.1:5353', '127.0.0.2']);
  });

  it('falls back to the system resolvers when unset or empty', () => {
    expect(createResolver('').getServers()).toEqual(nodeDns.getServers());
    expect(createResolver(undefined).getServers()).toEqual(
      process.env.DNS_SERVERS ? createResolver(process.env.DNS_SERVERS).getServers() : nodeDns.getServers(),
    );
  });

  it('reads DNS_SERVERS by default', () => {
    const saved = process.env.DNS_SERVERS;
    process.env.DNS_SERVERS = server.address;
    try {
      expect(createResolver().getServers()).toEqual([server.address]);
    } finally {
      if (saved === undefined) delete process.env.DNS_SERVERS;
      else process.env.DNS_SERVERS = saved;
    }
  });
});

describe('lookups', () => {
  it('joins the chunks of each TXT record, one value per record', async () => {
    const long = `v=DKIM1; k=rsa; p=${'A'.repeat(400)}`;
    server.set('sel._domainkey.example.com', 'TXT', [long, 'second']);
    const values = await lookupTxt(resolver, 'sel._domainkey.example.com');
    expect(values?.sort()).toEqual([long, 'second'].sort());
  });

  it('reads an answer too large for UDP (TCP fallback on the same port)', async () => {
    const values = Array.from({ length: 8 }, (_, i) => `${i}:${'x'.repeat(600)}`);
    server.set('big.example.com', 'TXT', values);
    expect((await lookupTxt(resolver, 'big.example.com'))?.sort()).toEqual(values);
  });

  it('reads hundreds of values (some 60 KB) in one answer, quickly, several at once over one TCP connection', async () => {
    const values = Array.from({ length: 300 }, (_, i) => `${String(i).padStart(3, '0')}:${'x'.repeat(190)}`);
    const mx = Array.from({ length: 250 }, (_, i) => ({
      exchange: `mx${i}.${'m'.repeat(60)}.example.net`,
      priority: i,
    }));
    server.set('huge.example.com', 'TXT', values);
    server.set('huge.example.com', 'MX', mx);
    server.set('huge2.example.com', 'TXT', values);
    const started = Date.now();
    const [txt, mxs, txt2] = await Promise.all([
      lookupTxt(resolver, 'huge.example.com'),
      lookupMx(resolver, 'huge.example.com'),
      lookupTxt(resolver, 'huge2.example.com'),
    ]);
    expect(txt?.sort()).toEqual(values);
    expect(txt2?.sort()).toEqual(values);
    expect(mxs?.sort((a, b) => a.priority - b.priority)).toEqual(mx);
    // Well inside a check's DNS deadline: the test server must not be what runs past it.
    expect(Date.now() - started).toBeLessThan(DNS_DEADLINE_MS / 4);
  });

  it('lower-cases CNAME targets and MX exchanges and strips the trailing dot', async () => {
    server.set('Sel._DomainKey.Example.com.', 'CNAME', ['Tok.DKIM.AmazonSES.com.']);
    server.set('bounce.example.com', 'MX', [{ exchange: 'Feedback-SMTP.eu-central-1.AmazonSES.com.', priority: 10 }]);
    expect(await lookupCname(resolver, 'sel._domainkey.example.com.')).toEqual(['tok.dkim.amazonses.com']);
    expect(await lookupMx(resolver, 'BOUNCE.example.com')).toEqual([
      { exchange: 'feedback-smtp.eu-central-1.amazonses.com', priority: 10 },
    ]);
  });

  it('answers null for a missing name and for a missing type, and tells them apart in lookup()', async () => {
    server.set('example.com', 'A', ['192.0.2.1']);
    expect(await lookupTxt(resolver, 'missing.example.com')).toBeNull();
    expect(await lookupTxt(resolver, 'example.com')).toBeNull();
    expect(await lookupMx(resolver, 'example.com')).toBeNull();
    expect(await lookupCname(resolver, 'example.com')).toBeNull();
    expect(await lookup(resolver, 'missing.example.com', 'TXT')).toEqual({ found: false, reason: 'NXDOMAIN' });
    expect(await lookup(resolver, 'example.com', 'TXT')).toEqual({ found: false, reason: 'NODATA' });
  });

  it('sees a CNAME where an MX was also stored: the MX is shadowed', async () => {
    server.set('bounce.example.com', 'CNAME', ['elsewhere.example.net']);
    server.set('bounce.example.com', 'MX', [{ exchange: 'feedback-smtp.eu-central-1.amazonses.com', priority: 10 }]);
    expect(await lookupMx(resolver, 'bounce.example.com')).toBeNull();
    expect(await lookupCname(resolver, 'bounce.example.com')).toEqual(['elsewhere.example.net']);
  });

  it('follows a CNAME to the records of its target', async () => {
    server.set('alias.example.com', 'CNAME', ['real.example.com']);
    server.set('real.example.com', 'MX', [{ exchange: 'mx.example.com', priority: 5 }]);
    expect(await lookupMx(resolver, 'alias.example.com')).toEqual([{ exchange: 'mx.example.com', priority: 5 }]);
  });

  it('forgets records removed from the server', async () => {
    server.set('gone.example.com', 'TXT', ['x']);
    server.set('gone.example.com', 'A', ['192.0.2.1']);
    server.remove('gone.example.com', 'TXT');
    expect(await lookup(resolver, 'gone.example.com', 'TXT')).toEqual({ found: false, reason: 'NODATA' });
    server.remove('gone.example.com');
    expect(await lookup(resolver, 'gone.example.com', 'TXT')).toEqual({ found: false, reason: 'NXDOMAIN' });
  });

  it('throws DnsLookupError with the code when the server fails (SERVFAIL, REFUSED)', async () => {
    server.fail('broken.example.com', 'servfail');
    server.fail('refused.example.com', 'refused');
    const servfail = await failure(lookupCname(resolver, 'broken.example.com'));
    expect(servfail).toBeInstanceOf(DnsLookupError);
    expect(servfail).toMatchObject({
      name: 'DnsLookupError',
      code: 'ESERVFAIL',
      hostname: 'broken.example.com',
      type: 'CNAME',
    });
    expect((await failure(lookupTxt(resolver, 'refused.example.com'))).code).toBe('EREFUSED');
  });

  it('throws DnsLookupError ETIMEOUT when the server does not answer', async () => {
    server.fail('slow.example.com', 'timeout');
    const quick = createResolver(server.address, { timeout: 100, tries: 1 });
    const error = await failure(lookupMx(quick, 'slow.example.com'));
    expect(error).toBeInstanceOf(DnsLookupError);
    expect(error.code).toBe('ETIMEOUT');
  });
});

describe('observe: one deadline for all the questions of a check', () => {
  it('answers every question by the deadline: what came is kept, what did not is a DNS error', async () => {
    server.set('fast.example.com', 'TXT', ['here']);
    server.fail('silent.example.com', 'timeout');
    // A resolver that would wait a minute for the silent server on its own.
    const patient = createResolver(server.address, { timeout: 60_000, tries: 1 });
    const started = Date.now();
    const answers = await observe(
      [
        { name: 'fast.example.com', type: 'TXT' },
        { name: 'silent.example.com', type: 'TXT' },
        { name: 'silent.example.com', type: 'MX' },
      ],
      { deadlineMs: 300, resolver: patient },
    );
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(answers.get('TXT fast.example.com')).toEqual({ kind: 'found', values: ['here'] });
    expect(answers.get('TXT silent.example.com')).toEqual({ kind: 'error', code: DEADLINE_CODE });
    expect(answers.get('MX silent.example.com')).toEqual({ kind: 'error', code: DEADLINE_CODE });
  });

  it('does not wait for the deadline when every answer is in', async () => {
    server.set('fast.example.com', 'TXT', ['here']);
    const started = Date.now();
    await observe([{ name: 'fast.example.com', type: 'TXT' }], { deadlineMs: 10_000, resolver });
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
