/**
 * Webhook URL rules: every notation of a forbidden address is refused, with the right reason, both
 * deployed and with local targets allowed (which adds loopback and http, nothing else).
 */
import { checkWebhookUrl, forbiddenAddress, MAX_WEBHOOK_URL_LENGTH } from '../../src/domain/webhook-url.js';
import { REFUSED_WEBHOOK_URLS } from '../support/webhook-bad-urls.js';

const deployed = { allowLocal: false };
const local = { allowLocal: true };

const reasonOf = (url: string, opts = deployed) => {
  const check = checkWebhookUrl(url, opts);
  return check.ok ? null : check.reason;
};

describe('checkWebhookUrl, deployed', () => {
  it('has at least 40 refused URLs to check', () => {
    expect(REFUSED_WEBHOOK_URLS.length).toBeGreaterThanOrEqual(40);
  });

  it.each(REFUSED_WEBHOOK_URLS.map((r) => [r.url.slice(0, 80), r.url, r.because]))(
    'refuses %s',
    (_shown, url, because) => {
      expect(reasonOf(url)).toContain(because);
    },
  );

  it.each([
    'https://hooks.example.com/webhooks',
    'https://hooks.example.com:8443/webhooks?team=1#x',
    'https://hooks.example.com./webhooks',
    'https://HOOKS.Example.COM/',
    'https://8.8.8.8/',
    'https://1.1.1.1./',
    'https://[2606:4700:4700::1111]/',
    'https://172.32.0.1/',
    'https://100.128.0.1/',
    'https://169.253.255.255/',
    'https://bücher.example/hook',
    'https://localhost.example.com/',
    'https://127.0.0.1.nip.io/',
  ])('accepts %s', (url) => {
    const check = checkWebhookUrl(url, deployed);
    expect(check).toEqual({ ok: true, url: new URL(url) });
  });

  it('accepts exactly 2048 characters and refuses 2049', () => {
    const base = 'https://hooks.example.com/';
    const at = (n: number) => base + 'a'.repeat(n - base.length);
    expect(checkWebhookUrl(at(MAX_WEBHOOK_URL_LENGTH), deployed).ok).toBe(true);
    expect(reasonOf(at(MAX_WEBHOOK_URL_LENGTH + 1))).toBe('url must be at most 2048 characters.');
  });

  it('gives reasons that read as a validation message of the url field', () => {
    expect(reasonOf('http://hooks.example.com/')).toBe('url must use https.');
    expect(reasonOf('https://0x7f.1/')).toBe(
      'url host 127.0.0.1 is a loopback address; webhooks are sent to public addresses only.',
    );
    expect(reasonOf('https://[::ffff:7f00:1]/')).toBe(
      'url host ::ffff:7f00:1 (IPv4-mapped 127.0.0.1) is a loopback address; webhooks are sent to public addresses only.',
    );
  });

  it('relies on WHATWG URL parsing to normalise IPv4 notations in the host', () => {
    // What the checks above build on: if a Node upgrade changed this, the rules would need to parse these forms.
    for (const host of ['2130706433', '0177.0.0.1', '0x7f.1', '127.1', '%31%32%37.0.0.1', '127.0.0.1.']) {
      expect(new URL(`https://${host}/`).hostname).toBe('127.0.0.1');
    }
    expect(new URL('https://[::ffff:127.0.0.1]/').hostname).toBe('[::ffff:7f00:1]');
    expect(new URL('https://localhost./').hostname).toBe('localhost.');
    expect(new URL('https://127.0.0.1../').hostname).toBe('127.0.0.1..');
  });
});

describe('checkWebhookUrl, local targets allowed', () => {
  it.each(REFUSED_WEBHOOK_URLS.filter((r) => r.refusedLocally).map((r) => [r.url.slice(0, 80), r.url]))(
    'still refuses %s',
    (_shown, url) => {
      expect(reasonOf(url, local)).not.toBeNull();
    },
  );

  it.each(REFUSED_WEBHOOK_URLS.filter((r) => !r.refusedLocally).map((r) => [r.url.slice(0, 80), r.url]))(
    'accepts the loopback or http URL %s',
    (_shown, url) => {
      expect(reasonOf(url, local)).toBeNull();
    },
  );

  it('adds http and loopback only: metadata, private and CGNAT addresses stay refused', () => {
    expect(reasonOf('http://127.0.0.1:4000/hook', local)).toBeNull();
    expect(reasonOf('http://[::1]:4000/hook', local)).toBeNull();
    expect(reasonOf('http://localhost:4000/hook', local)).toBeNull();
    expect(reasonOf('http://169.254.169.254/latest/meta-data/', local)).toContain('link-local');
    expect(reasonOf('http://10.0.0.1/', local)).toContain('private');
    expect(reasonOf('http://100.64.0.1/', local)).toContain('carrier-grade NAT');
    expect(reasonOf('http://[fc00::1]/', local)).toContain('unique-local');
    expect(reasonOf('ftp://127.0.0.1/', local)).toBe('url must use https or http.');
    expect(reasonOf('http://user:pw@127.0.0.1:4000/', local)).toContain('user name or password');
  });
});

describe('forbiddenAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['192.168.255.255', 'private'],
    ['169.254.169.254', 'link-local'],
    ['fe80::1', 'link-local'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['fc00::1', 'unique-local'],
    ['fd00::1', 'unique-local'],
    ['224.0.0.1', 'multicast'],
    ['ff05::2', 'multicast'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['240.0.0.1', 'reserved'],
    ['fec0::1', 'site-local'],
    ['::a00:1', 'IPv4-compatible'],
    ['2001::1', 'Teredo'],
    ['not-an-ip', 'not an IP address'],
    ['', 'not an IP address'],
  ])('refuses %s (%s)', (ip, because) => {
    expect(forbiddenAddress(ip, deployed)).toContain(because);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '2a00:1450:4001::200e'])(
    'allows the public address %s',
    (ip) => {
      expect(forbiddenAddress(ip, deployed)).toBeNull();
      expect(forbiddenAddress(ip, local)).toBeNull();
    },
  );

  it('allows loopback only when local targets are allowed', () => {
    for (const ip of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1', '[::1]']) {
      expect(forbiddenAddress(ip, deployed)).toContain('loopback');
      expect(forbiddenAddress(ip, local)).toBeNull();
    }
    for (const ip of ['169.254.169.254', '10.0.0.1', '::ffff:10.0.0.1', '0.0.0.0', 'fe80::1']) {
      expect(forbiddenAddress(ip, local)).not.toBeNull();
    }
  });
});
