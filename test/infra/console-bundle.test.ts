/**
 * The console function as the stack deploys it: bundled by NodejsFunction with the console's files
 * copied beside `index.mjs` by the afterBundling hook (lib/console-bundle.ts), then run from that
 * folder alone in a separate Node process, as Lambda would, finding its files without any setting.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ApiFunction } from '../../lib/api-function.js';
import { BUNDLE_FILE } from '../../lib/bundling.js';
import { CONSOLE_BUNDLE_DIR, consoleBundleFolder } from '../../lib/console-bundle.js';
import { apiEvent } from '../../local/api-event.js';
import { CONSOLE_FUNCTION } from '../../src/routes.js';

let outdir: string;
let bundleDir: string;

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'krafter-console-synth-'));
  const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': ['**'] } });
  const stack = new Stack(app, 'ConsoleBundle');
  const fn = new ApiFunction(stack, 'Console', { name: CONSOLE_FUNCTION, bundleFolder: consoleBundleFolder(stack) });
  app.synth();
  const code = Template.fromStack(stack).findResources('AWS::Lambda::Function')[
    stack.getLogicalId(fn.fn.node.defaultChild as never)
  ] as { Properties: { Code: { S3Key: string } } };
  bundleDir = join(outdir, `asset.${code.Properties.Code.S3Key.replace(/\.zip$/, '')}`);
}, 120_000);
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

test('the bundle holds the handler and the console files built at synth', () => {
  expect(existsSync(join(bundleDir, BUNDLE_FILE))).toBe(true);
  // By extension, then name: the hashed names sort either way round by name alone.
  const byExtension = (f: string) => `${f.slice(f.lastIndexOf('.'))} ${f}`;
  const files = readdirSync(join(bundleDir, CONSOLE_BUNDLE_DIR)).sort((a, b) =>
    byExtension(a).localeCompare(byExtension(b)),
  );
  expect(files).toEqual([
    expect.stringMatching(/^app-\w+\.css$/),
    'index.html',
    expect.stringMatching(/^app-\w+\.js$/),
  ]);
  const html = readFileSync(join(bundleDir, CONSOLE_BUNDLE_DIR, 'index.html'), 'utf8');
  for (const asset of files.filter((f) => f !== 'index.html')) expect(html).toContain(`/console/${asset}`);
});

test('the bundled function serves index.html and an asset from its own folder', () => {
  const script = readdirSync(join(bundleDir, CONSOLE_BUNDLE_DIR)).find((f) => f.endsWith('.js'))!;
  const event = (file?: string) =>
    apiEvent({
      method: 'GET',
      routeKey: file ? 'GET /console/{file}' : 'GET /console',
      rawPath: file ? `/console/${file}` : '/console',
      ...(file && { pathParameters: { file } }),
    });
  const run = `
    const { handler } = await import(${JSON.stringify(pathToFileURL(join(bundleDir, BUNDLE_FILE)).href)});
    const context = { awsRequestId: 'bundle-test', getRemainingTimeInMillis: () => 1000 };
    const answers = [];
    for (const event of ${JSON.stringify([event(), event(script), event('missing.js')])}) answers.push(await handler(event, context));
    process.stdout.write(JSON.stringify(answers.map((a) => [a.statusCode, a.headers['Content-Type']])));
  `;
  // A clean environment and working directory: no CONSOLE_ASSETS_DIR, no repository.
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', run], {
    cwd: bundleDir,
    env: { PATH: process.env.PATH ?? '' },
    encoding: 'utf8',
  });
  expect(JSON.parse(output)).toEqual([
    [200, 'text/html; charset=utf-8'],
    [200, 'text/javascript; charset=utf-8'],
    [404, 'application/json; charset=utf-8'],
  ]);
});
