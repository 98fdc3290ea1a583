/**
 * `npm run openapi`: writes docs/openapi.json from the code (openapi/document.ts) and renders
 * docs/reference.html from it with Redocly's `build-docs` (Redoc). The page embeds Redoc's scripts
 * (`--inlineBundle`), so it opens offline and loads nothing from a CDN; telemetry is switched off.
 *
 *   npm run openapi                 both files
 *   npm run openapi -- --json-only  docs/openapi.json only
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildOpenApiDocument, serializeOpenApiDocument } from '../openapi/document.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const jsonPath = join(root, 'docs', 'openapi.json');
const htmlPath = join(root, 'docs', 'reference.html');

writeFileSync(jsonPath, serializeOpenApiDocument(buildOpenApiDocument()));
console.log(`wrote ${relative(root, jsonPath)}`);

if (!process.argv.includes('--json-only')) {
  execFileSync(
    join(root, 'node_modules', '.bin', 'redocly'),
    [
      'build-docs',
      relative(root, jsonPath),
      '--inlineBundle',
      '--title',
      'Krafter Domains API reference',
      '-o',
      relative(root, htmlPath),
    ],
    {
      cwd: root,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    },
  );
  console.log(`wrote ${relative(root, htmlPath)}`);
}
