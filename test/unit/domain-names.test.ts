/** Domain name and return_path rules (src/domain/names.ts): normalisation, and what is refused. */
import { normalizeDomainName } from '../../src/domain/names.js';
import { DEFAULT_RETURN_PATH, normalizeReturnPath } from '../../src/domain/return-path.js';
import { ValidationError } from '../../src/errors.js';

function rejection(run: () => unknown): ValidationError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return err as ValidationError;
  }
  throw new Error('expected a ValidationError');
}

const label = (n: number, c = 'a') => c.repeat(n);
/** A name of exactly `total` characters under `.com`, in labels of at most 63. */
function nameOfLength(total: number): string {
  const labels: string[] = [];
  let left = total - '.com'.length;
  while (left > 0) {
    const size = Math.min(63, left === 64 ? 62 : left);
    labels.push(label(size));
    left -= size + 1;
  }
  const name = `${labels.join('.')}.com`;
  if (name.length !== total) throw new Error(`helper built ${name.length}, wanted ${total}`);
  return name;
}

describe('normalizeDomainName: normalisation', () => {
  it.each([
    ['example.com', 'example.com'],
    ['Example.COM', 'example.com'],
    ['example.com.', 'example.com'],
    ['EXAMPLE.com.', 'example.com'],
    ['mail.example.co.uk', 'mail.example.co.uk'],
    ['a.b.c.example.com', 'a.b.c.example.com'],
    ['example.co.uk', 'example.co.uk'],
    ['my-domain.io', 'my-domain.io'],
    ['123.example.com', '123.example.com'],
    ['example123.de', 'example123.de'],
    ['foo.github.io', 'foo.github.io'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeDomainName(input)).toBe(expected);
  });

  it('converts international names to their ASCII (punycode) form', () => {
    expect(normalizeDomainName('bücher.de')).toBe('xn--bcher-kva.de');
    expect(normalizeDomainName('BÜCHER.de')).toBe('xn--bcher-kva.de');
    expect(normalizeDomainName('bücher.de.')).toBe('xn--bcher-kva.de');
    expect(normalizeDomainName('mail.bücher.de')).toBe('mail.xn--bcher-kva.de');
    expect(normalizeDomainName('例え.jp')).toBe('xn--r8jz45g.jp');
  });

  it('accepts a name already in punycode and keeps it', () => {
    expect(normalizeDomainName('xn--bcher-kva.de')).toBe('xn--bcher-kva.de');
  });

  it('drops exactly one trailing dot, not two', () => {
    expect(normalizeDomainName('example.com.')).toBe('example.com');
    expect(rejection(() => normalizeDomainName('example.com..')).details).toEqual({ field: 'domain' });
  });

  it('accepts a 63-character label and a 253-character name', () => {
    expect(normalizeDomainName(`${label(63)}.com`)).toBe(`${label(63)}.com`);
    const longest = nameOfLength(253);
    expect(normalizeDomainName(longest)).toBe(longest);
    expect(normalizeDomainName(`${longest}.`)).toBe(longest);
  });
});

describe('normalizeDomainName: rejections', () => {
  it.each([
    ['empty', ''],
    ['only a dot', '.'],
    ['IPv4', '192.168.0.1'],
    ['IPv4 with trailing dot', '127.0.0.1.'],
    ['IPv4 shorthand in hex', '0x7f.1'],
    ['IPv4 shorthand in decimal', '127.1'],
    ['IPv4 as one number', '2130706433'],
    ['IPv6', '::1'],
    ['IPv6 full', '2001:db8::1'],
    ['IPv6 in brackets', '[2001:db8::1]'],
    ['bare TLD', 'com'],
    ['bare public suffix co.uk', 'co.uk'],
    ['bare public suffix with trailing dot', 'co.uk.'],
    ['private public suffix github.io', 'github.io'],
    ['single label', 'localhost'],
    ['empty label in the middle', 'example..com'],
    ['leading dot', '.example.com'],
    ['label of 64 characters', `${label(64)}.com`],
    ['name of 254 characters', nameOfLength(254)],
    ['underscore', '_dmarc.example.com'],
    ['underscore inside a label', 'my_domain.com'],
    ['space inside', 'exa mple.com'],
    ['leading space', ' example.com'],
    ['trailing space', 'example.com '],
    ['newline', 'example.com\n'],
    ['tab', 'exam\tple.com'],
    ['NUL', 'example\u0000.com'],
    ['DEL', 'example\u007f.com'],
    ['zero-width space', 'exa\u200bmple.com'],
    ['percent-encoding', 'ex%61mple.com'],
    ['percent alone', 'example%.com'],
    ['scheme', 'https://example.com'],
    ['scheme-relative', '//example.com'],
    ['path', 'example.com/path'],
    ['query', 'example.com?x=1'],
    ['port', 'example.com:443'],
    ['user info', 'user@example.com'],
    ['unknown TLD', 'example.notarealtld'],
    ['unknown TLD local', 'printer.local'],
    ['all-numeric TLD', 'example.123'],
    ['leading hyphen', '-example.com'],
    ['trailing hyphen', 'example-.com'],
    ['hyphen-only label', '-.com'],
    ['hyphen-prefixed TLD', 'example.-com'],
    ['reserved "--" in positions 3-4 (not xn--)', 'ab--cd.com'],
    ['wildcard', '*.example.com'],
    ['comma', 'example,com'],
    ['very long input', `${'a'.repeat(2000)}.com`],
  ])('rejects %s', (_what, input) => {
    const err = rejection(() => normalizeDomainName(input));
    expect(err.status).toBe(400);
    expect(err.code).toBe('validation_error');
    expect(err.details).toEqual({ field: 'domain' });
    expect(err.message.length).toBeGreaterThan(0);
  });

  it('explains why in its message', () => {
    expect(rejection(() => normalizeDomainName('192.168.0.1')).message).toMatch(/IP address/);
    expect(rejection(() => normalizeDomainName('0x7f.1')).message).toMatch(/IP address/);
    expect(rejection(() => normalizeDomainName('co.uk')).message).toMatch(/public suffix/);
    expect(rejection(() => normalizeDomainName('com')).message).toMatch(/top-level domain/);
    expect(rejection(() => normalizeDomainName('example..com')).message).toMatch(/empty labels/);
    expect(rejection(() => normalizeDomainName(`${label(64)}.com`)).message).toMatch(/63/);
    expect(rejection(() => normalizeDomainName(nameOfLength(254))).message).toMatch(/253/);
    expect(rejection(() => normalizeDomainName('example.notarealtld')).message).toMatch(/unknown top-level domain/);
  });

  it('counts the length of the ASCII form, not of the typed international form', () => {
    // 60 × "ü" is 60 characters typed, but far longer than 63 once punycoded.
    expect(rejection(() => normalizeDomainName(`${'ü'.repeat(60)}.de`)).details).toEqual({ field: 'domain' });
  });
});

describe('normalizeReturnPath', () => {
  const domain = 'example.com';

  it('defaults to "send"', () => {
    expect(DEFAULT_RETURN_PATH).toBe('send');
    expect(normalizeReturnPath(DEFAULT_RETURN_PATH, domain)).toBe('send');
  });

  it.each([
    ['send', 'send'],
    ['bounce', 'bounce'],
    ['Mail', 'mail'],
    ['mail-from', 'mail-from'],
    ['a', 'a'],
    ['m1', 'm1'],
    ['a-1-b', 'a-1-b'],
    [label(63, 'b'), label(63, 'b')],
  ])('accepts %s as %s', (input, expected) => {
    expect(normalizeReturnPath(input, domain)).toBe(expected);
  });

  it.each([
    ['empty', ''],
    ['starts with a digit', '1send'],
    ['starts with a hyphen', '-send'],
    ['ends with a hyphen', 'send-'],
    ['64 characters', label(64, 'b')],
    ['a dot (two labels)', 'mail.send'],
    ['underscore', 'mail_from'],
    ['space', 'mail from'],
    ['non-ASCII letter', 'bücher'],
    ['percent', 'se%6ed'],
    ['trailing dot', 'send.'],
    ['newline', 'send\n'],
  ])('rejects %s', (_what, input) => {
    const err = rejection(() => normalizeReturnPath(input, domain));
    expect(err.status).toBe(400);
    expect(err.details).toEqual({ field: 'return_path' });
  });

  it('rejects a return_path whose MAIL FROM host would exceed 253 characters', () => {
    const longDomain = nameOfLength(245); // + "." + 7 characters = 253
    expect(normalizeReturnPath('abcdefg', longDomain)).toBe('abcdefg');
    const err = rejection(() => normalizeReturnPath('abcdefgh', longDomain)); // 254
    expect(err.details).toEqual({ field: 'return_path' });
    expect(err.message).toMatch(/253/);
  });
});
