/**
 * Over HTTP against the local stack: a domain's zone file holds every record GET /domains/:id shows
 * and is another team's 404; the console's files are served at /console, outside the API's base
 * path, without a key, and nothing else is.
 */
import { rsaKey } from '../support/dkim-keys.js';
import { type E2E, startE2E } from '../support/e2e.js';
import { validateResponse } from '../support/openapi-validate.js';

let e2e: E2E;
let key: string;
let otherTeamKey: string;

beforeAll(async () => {
  e2e = await startE2E();
  key = (await e2e.newKey('team-zone')).plaintext;
  otherTeamKey = (await e2e.newKey('team-other')).plaintext;
}, 60_000);

afterAll(async () => {
  await e2e?.stop();
});

interface Record {
  type: string;
  name: string;
  value: string;
  priority: number | null;
}

/** The zone file's record lines as records: names without the dot, TXT strings joined back. */
function recordsOf(zone: string): Record[] {
  return zone
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith(';'))
    .map((line) => {
      const [name = '', ttl, klass, type = '', data = ''] = line.split('\t');
      expect([ttl, klass]).toEqual(['3600', 'IN']);
      const host = (s: string) => s.replace(/\.$/, '');
      if (type === 'MX') {
        const [priority, exchange = ''] = data.split(' ');
        return { type, name: host(name), value: host(exchange), priority: Number(priority) };
      }
      if (type === 'TXT') {
        const strings = [...data.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!.replace(/\\(.)/g, '$1'));
        return { type, name: host(name), value: strings.join(''), priority: null };
      }
      return { type, name: host(name), value: host(data), priority: null };
    });
}

/** The zone file as a browser downloads it; `apiKey` null sends no Authorization header. */
async function zoneFile(id: string, apiKey: string | null = key) {
  const res = await fetch(`${e2e.stack.apiUrl}/domains/${id}/zone-file`, {
    headers: apiKey === null ? {} : { authorization: `Bearer ${apiKey}` },
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

describe('GET /domains/{id}/zone-file', () => {
  it.each([
    ['Easy DKIM', { domain: 'zone-easy.example.org', return_path: 'bounce' }, 7],
    [
      'BYODKIM (a key longer than one TXT string)',
      { domain: 'zone-own.example.org', dkim: { type: 'byodkim', selector: 'k1', private_key: rsaKey(2048).pkcs1Pem } },
      5,
    ],
  ])('%s: holds every record of the domain, exactly', async (_what, body, count) => {
    const created = await e2e.request('POST', '/domains', { key, body });
    expect(created.status).toBe(201);
    const { id, domain } = created.json.data as { id: string; domain: string };
    const shown = (await e2e.request('GET', `/domains/${id}`, { key })).json.data.dns_records as Record[];

    const res = await zoneFile(id);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="${domain}.zone"`);
    expect(() => validateResponse('GET', `/domains/${id}/zone-file`, 200, res.text, res.headers)).not.toThrow();
    expect(res.text).toContain(`; Domain id: ${id}`);
    expect(recordsOf(res.text)).toEqual(
      shown.map(({ type, name, value, priority }) => ({ type, name, value, priority })),
    );
    expect(shown).toHaveLength(count);
  });

  it("answers another team's key, an unknown id and no key in JSON errors", async () => {
    const created = await e2e.request('POST', '/domains', { key, body: { domain: 'zone-private.example.org' } });
    const { id } = created.json.data as { id: string };
    for (const [res, status, code] of [
      [await zoneFile(id, otherTeamKey), 404, 'domain_not_found'],
      [await zoneFile('00000000-0000-4000-8000-000000000000'), 404, 'domain_not_found'],
      [await zoneFile(id, null), 401, 'missing_api_key'],
    ] as const) {
      expect(res.status).toBe(status);
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      const json = JSON.parse(res.text);
      expect(json.error.code).toBe(code);
      expect(() => validateResponse('GET', `/domains/${id}/zone-file`, status, json, res.headers)).not.toThrow();
      expect(res.text).not.toContain('zone-private');
    }
  });
});

describe('/console', () => {
  it('serves the page and its assets without a key, with the CSP and no CORS', async () => {
    const page = await fetch(e2e.stack.consoleUrl);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('access-control-allow-origin')).toBeNull();
    const html = await page.text();
    const { script, stylesheet } = e2e.stack.consoleAssets;
    expect(html).toContain(`/console/${script}`);
    for (const asset of [script, stylesheet]) {
      const res = await fetch(`${e2e.stack.consoleUrl}/${asset}`);
      expect([asset, res.status, res.headers.get('cache-control')]).toEqual([
        asset,
        200,
        'public, max-age=31536000, immutable',
      ]);
    }
    const head = await fetch(e2e.stack.consoleUrl, { method: 'HEAD' });
    expect([head.status, await head.text()]).toEqual([200, '']);
  });

  it('answers 404 route_not_found for any other name, and the API is still under its base path', async () => {
    for (const path of ['/console/..%2F..%2Fetc%2Fpasswd', '/console/nope.js', '/console/a/b', '/console/']) {
      const res = await fetch(new URL(path, e2e.stack.consoleUrl));
      expect([path, res.status, ((await res.json()) as { error: { code: string } }).error.code]).toEqual([
        path,
        404,
        'route_not_found',
      ]);
    }
    // POST is not a page method.
    expect((await fetch(e2e.stack.consoleUrl, { method: 'POST' })).status).toBe(404);
    expect((await fetch(new URL('/api/v1/console', e2e.stack.consoleUrl))).status).toBe(404);
  });
});
