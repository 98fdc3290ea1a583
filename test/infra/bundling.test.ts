/**
 * The bundles, built with the esbuild settings the stack deploys with (lib/bundling.ts), run in a
 * separate Node process like Lambda loads them. The OpenAPI function imports docs/openapi.json
 * with an import attribute; the document must end up inside its bundle, since only the bundle is
 * deployed.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type BuildOptions, build } from 'esbuild';
import { FUNCTIONS_DIR } from '../../lib/api-function.js';
import { BUNDLE_FILE, ESBUILD_OPTIONS } from '../../lib/bundling.js';
import { routeEvent } from '../../local/api-event.js';
import { routes } from '../../src/routes.js';

const DOCUMENT = fileURLToPath(new URL('../../docs/openapi.json', import.meta.url));

describe('openapi function bundle', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'krafter-openapi-bundle-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  test('carries docs/openapi.json and serves it from a directory without the repository', async () => {
    const outfile = join(dir, BUNDLE_FILE);
    const result = await build({
      ...ESBUILD_OPTIONS,
      entryPoints: [`${FUNCTIONS_DIR}openapi.ts`],
      outfile,
      metafile: true,
      logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);
    expect(Object.keys(result.metafile.inputs)).toContain('docs/openapi.json');

    const event = routeEvent('GET', '/openapi.json');
    const script = `
      const { handler } = await import(${JSON.stringify(pathToFileURL(outfile).href)});
      const event = ${JSON.stringify(event)};
      process.stdout.write(JSON.stringify(await handler(event, { awsRequestId: 'bundle-test', getRemainingTimeInMillis: () => 1000 })));
    `;
    // A clean environment and working directory: the bundle must not lean on the repository.
    const output = execFileSync(process.execPath, ['--input-type=module', '--enable-source-maps', '-e', script], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', POWERTOOLS_METRICS_DISABLED: 'true' },
      encoding: 'utf8',
    });
    const response = JSON.parse(output) as { statusCode: number; headers: Record<string, string>; body: string };
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toEqual(JSON.parse(readFileSync(DOCUMENT, 'utf8')));
  });
});

describe('what each bundle carries', () => {
  /** The package inputs of a bundle built like the deployed one (or, with `packages: 'external'`, its imports). */
  async function inputsOf(entry: string, options: BuildOptions = {}): Promise<string[]> {
    const result = await build({ ...ESBUILD_OPTIONS, ...options, entryPoints: [entry], write: false, metafile: true });
    const inputs = Object.values(result.metafile.inputs).flatMap((i) => i.imports.map((x) => x.path));
    return [...Object.keys(result.metafile.inputs), ...inputs];
  }

  test.each(routes.filter((r) => r.name !== 'openapi').map((r) => [r.name, r.idempotent] as const))(
    '%s bundles Powertools Idempotency exactly when its route honours Idempotency-Key (%s)',
    async (name, idempotent) => {
      const inputs = await inputsOf(`${FUNCTIONS_DIR}${name}.ts`, { outfile: join(tmpdir(), `${name}.mjs`) });
      expect(inputs.some((p) => p.includes('@aws-lambda-powertools/idempotency'))).toBe(idempotent);
    },
    30_000,
  );

  test('synthesizing the stack loads no Powertools module (nothing constructs a logger or metrics)', async () => {
    const app = fileURLToPath(new URL('../../bin/app.ts', import.meta.url));
    const inputs = await inputsOf(app, { packages: 'external', outfile: join(tmpdir(), 'app.mjs') });
    expect(inputs.filter((p) => p.includes('@aws-lambda-powertools') || p.endsWith('src/observability.ts'))).toEqual(
      [],
    );
  });
});
