/**
 * The console's build (lib/console-assets.ts) on the real sources: what it writes, the size budget
 * (everything at most 60 KB gzipped), and the template checks that keep the page within its CSP.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildConsoleAssets, CONSOLE_GZIP_BUDGET_BYTES, type ConsoleAssetsManifest } from '../../lib/console-assets.js';

let dir: string;
let assets: ConsoleAssetsManifest;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'krafter-console-build-'));
  assets = buildConsoleAssets(join(dir, 'out'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Sources of a tiny page with the given index.html. */
function sourcesWith(template: string): string {
  const src = mkdtempSync(join(dir, 'src-'));
  mkdirSync(join(src, 'src'));
  writeFileSync(join(src, 'src', 'main.tsx'), "document.title = 'console';\n");
  writeFileSync(join(src, 'src', 'styles.css'), 'body { margin: 0; }\n');
  writeFileSync(join(src, 'index.html'), template);
  return src;
}

const GOOD =
  '<!doctype html><link rel="stylesheet" href="%CONSOLE_CSS%"><script type="module" src="%CONSOLE_JS%"></script>';

describe('buildConsoleAssets', () => {
  test('writes index.html, one hashed script and one hashed stylesheet, and lists them with their sizes', () => {
    expect(assets.files.map((f) => f.name).sort()).toEqual([assets.script, assets.stylesheet, 'index.html'].sort());
    for (const file of assets.files) {
      const bytes = readFileSync(join(assets.dir, file.name));
      expect(file.bytes).toBe(bytes.length);
      expect(file.gzipBytes).toBe(gzipSync(bytes, { level: 9 }).length);
    }
    expect(assets.gzipBytes).toBe(assets.files.reduce((sum, f) => sum + f.gzipBytes, 0));
  });

  test('index.html names the assets by absolute URLs under /console/ and keeps no placeholder', () => {
    const html = readFileSync(join(assets.dir, 'index.html'), 'utf8');
    expect(html).toContain(`"/console/${assets.script}"`);
    expect(html).toContain(`"/console/${assets.stylesheet}"`);
    expect(html).not.toMatch(/%CONSOLE_(JS|CSS)%/);
  });

  test('the script is minified ES2022 with no source map or import left to resolve', () => {
    const js = readFileSync(join(assets.dir, assets.script), 'utf8');
    expect(js).not.toMatch(/^\s*import\s|sourceMappingURL/m);
    expect(js.split('\n').length).toBeLessThan(5);
  });

  test(`all of it weighs at most ${CONSOLE_GZIP_BUDGET_BYTES / 1024} KB gzipped`, () => {
    expect(assets.gzipBytes).toBeGreaterThan(0);
    expect(assets.gzipBytes).toBeLessThanOrEqual(CONSOLE_GZIP_BUDGET_BYTES);
  });

  test('the same sources give the same names (the hashes follow the content)', () => {
    const again = buildConsoleAssets(join(dir, 'again'));
    expect([again.script, again.stylesheet]).toEqual([assets.script, assets.stylesheet]);
  });

  test('refuses a folder that is not empty, so nothing stale is ever served', () => {
    const used = join(dir, 'used');
    mkdirSync(used);
    writeFileSync(join(used, 'old.js'), '');
    expect(() => buildConsoleAssets(used)).toThrow(/not empty/);
  });

  test.each([
    ['a missing script placeholder', GOOD.replace('%CONSOLE_JS%', '/x.js'), /%CONSOLE_JS% once/],
    ['a doubled placeholder', `${GOOD}<link href="%CONSOLE_CSS%">`, /%CONSOLE_CSS% once/],
    ['an inline script', `${GOOD}<script>alert(1)</script>`, /inline script/],
    ['an inline style element', `${GOOD}<style>p{}</style>`, /inline style/],
    ['a style attribute', `${GOOD}<p style="color:red">`, /inline style/],
    ['an event handler attribute', `${GOOD}<body onload="go()">`, /inline event handler/],
  ])('refuses a template with %s (the CSP would block it)', (_what, template, message) => {
    expect(() => buildConsoleAssets(mkdtempSync(join(dir, 'bad-')), sourcesWith(template))).toThrow(message);
  });

  test('accepts the minimal template', () => {
    const out = buildConsoleAssets(join(dir, 'minimal'), sourcesWith(GOOD));
    expect(out.files).toHaveLength(3);
    expect(readFileSync(join(out.dir, out.script), 'utf8')).toContain('document.title="console"');
  });
});
