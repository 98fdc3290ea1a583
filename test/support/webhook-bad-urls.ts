/**
 * Webhook URLs that must be refused, one per notation or rule, with the words the refusal names.
 * Shared by the URL rules' unit test and the reliability run's webhooks category.
 */

export interface RefusedUrl {
  url: string;
  /** A fragment of the reason, so a URL refused for the wrong cause fails the test. */
  because: string;
  /** Still refused when local targets are allowed (`WEBHOOKS_ALLOW_LOCAL_TARGETS=1`). */
  refusedLocally: boolean;
}

const refused = (url: string, because: string, refusedLocally = true): RefusedUrl => ({ url, because, refusedLocally });

export const REFUSED_WEBHOOK_URLS: readonly RefusedUrl[] = [
  // Loopback in every IPv4 notation WHATWG URL parsing accepts.
  refused('https://127.0.0.1/hook', 'loopback', false),
  refused('https://127.0.0.2:8443/hook', 'loopback', false),
  refused('http://2130706433/', 'https', false),
  refused('https://2130706433/', 'loopback', false),
  refused('https://0177.0.0.1/', 'loopback', false),
  refused('https://017700000001/', 'loopback', false),
  refused('https://0x7f.1/', 'loopback', false),
  refused('https://0x7f000001/', 'loopback', false),
  refused('https://0x7f.0x0.0x0.0x1/', 'loopback', false),
  refused('https://127.1/', 'loopback', false),
  refused('https://127.0.1/', 'loopback', false),
  refused('https://127.000.000.001/', 'loopback', false),
  refused('https://%31%32%37.0.0.1/', 'loopback', false),
  refused('https://\uff11\uff12\uff17.0.0.1/', 'loopback', false),
  refused('https://127.0.0.1./', 'loopback', false),
  refused('https://127.0.0.1../', 'loopback'),
  refused('https://0x7f.1../', 'loopback'),
  // IPv6 loopback and IPv4-mapped / IPv4-embedding forms.
  refused('https://[::1]/', 'loopback', false),
  refused('https://[0:0:0:0:0:0:0:1]/', 'loopback', false),
  refused('https://[::ffff:127.0.0.1]/', 'loopback', false),
  refused('https://[::ffff:7f00:1]/', 'loopback', false),
  refused('https://[0:0:0:0:0:ffff:127.0.0.1]/', 'loopback', false),
  refused('https://[::127.0.0.1]/', 'IPv4-compatible'),
  refused('https://[::ffff:a9fe:a9fe]/', 'link-local'),
  refused('https://[::ffff:10.0.0.1]/', 'private'),
  refused('https://[64:ff9b::a00:1]/', 'NAT64'),
  refused('https://[2002:7f00:1::]/', '6to4'),
  // Unique-local, link-local, multicast, unspecified IPv6.
  refused('https://[fc00::1]/', 'unique-local'),
  refused('https://[fd12:3456:789a::1]/', 'unique-local'),
  refused('https://[fe80::1]/', 'link-local'),
  refused('https://[ff02::1]/', 'multicast'),
  refused('https://[::]/', 'unspecified'),
  // Cloud metadata and the other special IPv4 ranges.
  refused('https://169.254.169.254/latest/meta-data/', 'link-local'),
  refused('http://169.254.169.254/latest/meta-data/', 'https'),
  refused('https://2852039166/', 'link-local'),
  refused('https://0xa9.0xfe.0xa9.0xfe/', 'link-local'),
  refused('https://169.254.170.2/v2/credentials', 'link-local'),
  refused('https://100.64.0.1/', 'carrier-grade NAT'),
  refused('https://100.127.255.254/', 'carrier-grade NAT'),
  refused('https://0.0.0.0/', 'unspecified'),
  refused('https://0/', 'unspecified'),
  refused('https://0.1.2.3/', 'unspecified'),
  refused('https://224.0.0.1/', 'multicast'),
  refused('https://239.255.255.250/', 'multicast'),
  refused('https://240.0.0.1/', 'reserved'),
  refused('https://255.255.255.255/', 'broadcast'),
  refused('https://10.0.0.1/', 'private'),
  refused('https://10.255.255.255/', 'private'),
  refused('https://012.0.0.1/', 'private'),
  refused('https://172.16.0.1/', 'private'),
  refused('https://172.31.255.255/', 'private'),
  refused('https://192.168.0.1/', 'private'),
  refused('https://192.168.1.1./', 'private'),
  refused('https://3232235777/', 'private'),
  refused('https://192.0.2.1/', 'reserved'),
  // Local names.
  refused('https://localhost/', 'local name', false),
  refused('https://LOCALHOST:8443/', 'local name', false),
  refused('https://localhost./', 'local name', false),
  refused('https://localhost../', 'local name', false),
  refused('https://local%68ost/', 'local name', false),
  refused('https://foo.localhost/', 'local name', false),
  refused('https://foo.localhost./', 'local name', false),
  refused('https://printer.local/', 'local name'),
  refused('https://ip-10-0-0-1.ec2.internal/', 'local name'),
  refused('https://router.home.arpa/', 'local name'),
  refused('https://intranet/', 'fully qualified'),
  refused('https://a..b.example/', 'empty label'),
  refused('https://1.1.1.1../', 'without trailing dots'),
  // Scheme, credentials, length, shape.
  refused('http://hooks.example.com/', 'https', false),
  refused('ftp://hooks.example.com/', 'https'),
  refused('file:///etc/passwd', 'https'),
  refused('javascript:alert(1)', 'https'),
  refused('https://user:secret@hooks.example.com/', 'user name or password'),
  refused('https://user@hooks.example.com/', 'user name or password'),
  refused('https://:secret@hooks.example.com/', 'user name or password'),
  refused(`https://hooks.example.com/${'a'.repeat(2030)}`, 'at most 2048'),
  refused('hooks.example.com/webhooks', 'absolute URL'),
  refused('https://[fe80::1%25eth0]/', 'absolute URL'),
  refused('https://256.0.0.1/', 'absolute URL'),
  refused('', 'absolute URL'),
];
