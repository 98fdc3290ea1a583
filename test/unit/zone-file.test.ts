/** The zone file (src/domain/zone-file.ts): every record once, in BIND syntax an importer reads back intact. */
import fc from 'fast-check';
import { buildDnsRecords, DMARC_VALUE, SPF_VALUE } from '../../src/domain/dns-records.js';
import { absolute, formatZoneFile, txtStrings, ZONE_FILE_TTL_SECONDS } from '../../src/domain/zone-file.js';

const ID = '550e8400-e29b-41d4-a716-446655440000';
const AT = '2026-11-29T12:00:00Z';
const easy = buildDnsRecords({
  domain: 'example.com',
  returnPath: 'send',
  region: 'eu-central-1',
  verificationToken: 'pmBGN/7MjnfhTKUZ06Enqq1PeGUaOkw8lGhcfwefcHU=',
  dkimTokens: ['token1', 'token2', 'token3'],
});
// A 2048-bit RSA public key is about 400 base64 characters: the DKIM TXT needs two strings.
const publicKey = `MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA${'x'.repeat(348)}IDAQAB`;
const byodkim = buildDnsRecords({
  domain: 'example.com',
  returnPath: 'send',
  region: 'eu-central-1',
  verificationToken: 'token',
  dkimTokens: [],
  byodkim: { selector: 'krafter2026', publicKey },
});

/** The record lines: name, TTL, class, type and the rest of the line (RDATA). */
function recordLines(text: string): [string, string, string, string, string][] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith(';'))
    .map((line) => {
      const [name = '', ttl = '', klass = '', type = '', ...rest] = line.split('\t');
      return [name, ttl, klass, type, rest.join('\t')];
    });
}

/** Reads TXT RDATA back the way a zone file parser does: each quoted string unescaped, joined. */
function readTxt(rdata: string): { strings: Buffer[]; value: string } {
  const strings: Buffer[] = [];
  const rest = rdata.replace(/"((?:[^"\\]|\\.)*)"/g, (_m, body: string) => {
    const bytes: number[] = [];
    for (let i = 0; i < body.length; i++) {
      if (body[i] !== '\\') bytes.push(body.charCodeAt(i));
      else if (/^\d{3}$/.test(body.slice(i + 1, i + 4))) {
        bytes.push(Number(body.slice(i + 1, i + 4)));
        i += 3;
      } else bytes.push(body.charCodeAt(++i));
    }
    strings.push(Buffer.from(bytes));
    return '';
  });
  expect(rest.trim()).toBe('');
  return { strings, value: Buffer.concat(strings).toString('utf8') };
}

describe('formatZoneFile', () => {
  const text = formatZoneFile({ id: ID, domain: 'example.com', records: easy }, AT);

  it('starts with comments naming the domain, its id and the time', () => {
    const header = text.split('\n').slice(0, 4);
    expect(header.every((line) => line.startsWith('; '))).toBe(true);
    expect(header.join('\n')).toContain('example.com');
    expect(header.join('\n')).toContain(`Domain id: ${ID}`);
    expect(header.join('\n')).toContain(`Generated: ${AT}`);
    expect(text.endsWith('\n')).toBe(true);
  });

  it('has one line per record, in order, absolute names, the TTL and class IN', () => {
    const lines = recordLines(text);
    expect(lines.map(([name, , , type]) => [name, type])).toEqual(easy.map((r) => [`${r.name}.`, r.type]));
    for (const [, ttl, klass] of lines) expect([ttl, klass]).toEqual([String(ZONE_FILE_TTL_SECONDS), 'IN']);
  });

  it('writes each type the way BIND reads it', () => {
    expect(recordLines(text).map(([name, , , type, rdata]) => `${name} ${type} ${rdata}`)).toEqual([
      '_amazonses.example.com. TXT "pmBGN/7MjnfhTKUZ06Enqq1PeGUaOkw8lGhcfwefcHU="',
      'token1._domainkey.example.com. CNAME token1.dkim.amazonses.com.',
      'token2._domainkey.example.com. CNAME token2.dkim.amazonses.com.',
      'token3._domainkey.example.com. CNAME token3.dkim.amazonses.com.',
      'send.example.com. MX 10 feedback-smtp.eu-central-1.amazonses.com.',
      `send.example.com. TXT "${SPF_VALUE}"`,
      `_dmarc.example.com. TXT "${DMARC_VALUE}"`,
    ]);
  });

  it('comments each record with its purpose, marking the optional one', () => {
    const comments = text
      .split('\n')
      .filter((line) => line.startsWith('; '))
      .slice(4);
    expect(comments).toHaveLength(easy.length);
    expect(comments.at(-1)).toMatch(/^; DMARC .*\(recommended, optional\)$/);
    expect(comments.slice(0, -1).some((c) => c.includes('optional'))).toBe(false);
  });

  it("uses the record's MX priority", () => {
    const records = easy.map((r) => (r.type === 'MX' ? { ...r, priority: 20 } : r));
    const mx = recordLines(formatZoneFile({ id: ID, domain: 'example.com', records }, AT)).find((l) => l[3] === 'MX');
    expect(mx?.[4]).toBe('20 feedback-smtp.eu-central-1.amazonses.com.');
  });

  it('splits a BYODKIM key into strings of at most 255 bytes that join back into the value', () => {
    const dkim = byodkim.find((r) => r.name === 'krafter2026._domainkey.example.com')!;
    const line = recordLines(formatZoneFile({ id: ID, domain: 'example.com', records: byodkim }, AT)).find(
      ([name]) => name === 'krafter2026._domainkey.example.com.',
    )!;
    const { strings, value } = readTxt(line[4]);
    expect(dkim.value.length).toBeGreaterThan(255);
    expect(strings.map((s) => s.length)).toEqual([255, dkim.value.length - 255]);
    expect(value).toBe(dkim.value);
  });

  it('keeps a line break in a comment from starting a record line', () => {
    const records = [{ ...easy[0]!, purpose: 'one\nexample.com. 60 IN A 192.0.2.1' }];
    const out = formatZoneFile({ id: ID, domain: 'example.com', records }, AT);
    expect(recordLines(out)).toHaveLength(1);
  });
});

describe('txtStrings', () => {
  it.each([
    ['', '""'],
    ['abc', '"abc"'],
    ['say "hi"', '"say \\"hi\\""'],
    ['back\\slash', '"back\\\\slash"'],
    ['tab\there', '"tab\\009here"'],
    ['é', '"\\195\\169"'],
  ])('%j → %s', (value, expected) => {
    expect(txtStrings(value)).toBe(expected);
  });

  it('splits at exactly 255 bytes', () => {
    expect(readTxt(txtStrings('a'.repeat(255))).strings).toHaveLength(1);
    expect(readTxt(txtStrings('a'.repeat(256))).strings.map((s) => s.length)).toEqual([255, 1]);
    expect(readTxt(txtStrings('a'.repeat(510))).strings.map((s) => s.length)).toEqual([255, 255]);
  });

  it('never splits an escape: a quote on the boundary stays whole', () => {
    const value = `${'a'.repeat(254)}"b`;
    const { strings, value: back } = readTxt(txtStrings(value));
    expect(strings.map((s) => s.length)).toEqual([255, 1]);
    expect(back).toBe(value);
  });

  it('reads back as the value, whatever it holds, in strings of at most 255 bytes', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 1200 }), (value) => {
        const { strings, value: back } = readTxt(txtStrings(value));
        expect(back).toBe(value);
        expect(strings.every((s) => s.length <= 255)).toBe(true);
      }),
    );
  });
});

describe('absolute', () => {
  it('adds the trailing dot once', () => {
    expect(absolute('example.com')).toBe('example.com.');
    expect(absolute('example.com.')).toBe('example.com.');
  });
});
