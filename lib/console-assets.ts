/**
 * Builds the console (console/, a Preact app) into the folder of static files the console function
 * serves: `app-<hash>.js` and `app-<hash>.css`, bundled and minified by esbuild, and `index.html`
 * naming them. Synchronous (esbuild's buildSync) because CDK constructs are: the stack builds the
 * assets at synth, the local stack when it starts.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { buildSync } from 'esbuild';
import { gzipAsset } from '../src/http/static-files.js';
import { CONSOLE_PATH } from '../src/routes.js';

/** Where the console's sources live: index.html (the template), src/main.tsx and src/styles.css. */
export const CONSOLE_SOURCE_DIR = fileURLToPath(new URL('../console/', import.meta.url));

/** What all of the console's files may weigh together, gzipped: the page must load fast on a phone. */
export const CONSOLE_GZIP_BUDGET_BYTES = 60 * 1024;

/** The template's placeholders for the URLs of the built script and stylesheet. */
export const SCRIPT_PLACEHOLDER = '%CONSOLE_JS%';
export const STYLESHEET_PLACEHOLDER = '%CONSOLE_CSS%';

export interface ConsoleAssetFile {
  readonly name: string;
  readonly bytes: number;
  /** Size as the console function sends it to a client that accepts gzip (gzip level 9). */
  readonly gzipBytes: number;
}

export interface ConsoleAssetsManifest {
  readonly dir: string;
  /** Every file written, index.html included, by name. */
  readonly files: readonly ConsoleAssetFile[];
  /** The hashed names of the script and the stylesheet. */
  readonly script: string;
  readonly stylesheet: string;
  /** All the files together, gzipped. */
  readonly gzipBytes: number;
}

/**
 * Builds the assets into `outDir`, which must be empty or not exist yet (the files the function
 * serves are exactly what is there). Throws when the template lacks a placeholder or holds inline
 * script or style, which the console's Content-Security-Policy would block.
 */
export function buildConsoleAssets(outDir: string, sourceDir: string = CONSOLE_SOURCE_DIR): ConsoleAssetsManifest {
  mkdirSync(outDir, { recursive: true });
  if (readdirSync(outDir).length > 0) throw new Error(`${outDir} is not empty: the console is built into a new folder`);
  const template = readFileSync(join(sourceDir, 'index.html'), 'utf8');
  checkTemplate(template);

  const result = buildSync({
    entryPoints: [join(sourceDir, 'src', 'main.tsx'), join(sourceDir, 'src', 'styles.css')],
    entryNames: 'app-[hash]',
    outdir: outDir,
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    define: { 'process.env.NODE_ENV': '"production"' },
    // The bundle's licence comments go to no one: the files are served, not distributed.
    legalComments: 'none',
    metafile: true,
    write: true,
    logLevel: 'silent',
  });
  const outputs = Object.keys(result.metafile.outputs).map((path) => basename(path));
  const script = outputs.find((name) => name.endsWith('.js'));
  const stylesheet = outputs.find((name) => name.endsWith('.css'));
  if (!script || !stylesheet)
    throw new Error(`the console build wrote ${outputs.join(', ')}: a script and a stylesheet were expected`);

  const html = template
    .replace(SCRIPT_PLACEHOLDER, `${CONSOLE_PATH}/${script}`)
    .replace(STYLESHEET_PLACEHOLDER, `${CONSOLE_PATH}/${stylesheet}`);
  writeFileSync(join(outDir, 'index.html'), html);

  const files = readdirSync(outDir, { withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => {
      const bytes = readFileSync(join(outDir, entry.name));
      return { name: entry.name, bytes: bytes.length, gzipBytes: gzipAsset(bytes).length };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
  return { dir: outDir, files, script, stylesheet, gzipBytes: files.reduce((sum, f) => sum + f.gzipBytes, 0) };
}

/** The template must name both assets once, and hold nothing the Content-Security-Policy refuses. */
function checkTemplate(template: string): void {
  for (const placeholder of [SCRIPT_PLACEHOLDER, STYLESHEET_PLACEHOLDER]) {
    const count = template.split(placeholder).length - 1;
    if (count !== 1) throw new Error(`console/index.html must contain ${placeholder} once (found ${count})`);
  }
  if (/<script\b(?![^>]*\bsrc=)[^>]*>/i.test(template)) throw new Error('console/index.html holds an inline script');
  if (/<style\b|\sstyle\s*=/i.test(template)) throw new Error('console/index.html holds an inline style');
  if (/\son[a-z]+\s*=/i.test(template)) throw new Error('console/index.html holds an inline event handler');
}
