/**
 * The esbuild settings every Lambda bundle is built with, kept as plain data. ApiFunction maps them
 * onto NodejsFunction's bundling options, and a benchmark can hand them to esbuild's `build()` to
 * produce bundles exactly like the deployed ones.
 */
import type { BuildOptions } from 'esbuild';

/** Node.js major the functions run on; the Lambda runtime and the esbuild target must agree. */
export const NODE_MAJOR = 24;

/**
 * ESM output has no `require`, yet a few bundled CommonJS dependencies still call it for Node
 * built-ins. The aliased import cannot clash with a name inside the bundle. Single quotes only:
 * NodejsFunction passes the banner through a shell command line.
 */
export const ESM_REQUIRE_BANNER =
  "import { createRequire as topLevelCreateRequire } from 'node:module'; const require = topLevelCreateRequire(import.meta.url);";

export const ESBUILD_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: `node${NODE_MAJOR}`,
  minify: true,
  // Linked external map, read at run time through NODE_OPTIONS=--enable-source-maps.
  sourcemap: true,
  // Stack traces need the mappings only; embedding the sources would double the map's size.
  sourcesContent: false,
  // The AWS SDK v3 ships ES modules under `module`; esbuild's default picks its CommonJS build,
  // which does not tree-shake (measured 35-38% larger bundles that import about a third slower).
  mainFields: ['module', 'main'],
  // Bundle everything, the AWS SDK included, so the code runs against the SDK it was tested with
  // rather than whatever version the Lambda runtime ships.
  external: [],
  banner: { js: ESM_REQUIRE_BANNER },
} satisfies BuildOptions;

/**
 * File name NodejsFunction gives an ESM bundle (handler `index.handler`). The .mjs extension is what
 * makes Node load it as ESM, so a benchmark importing its bundles must use it too.
 */
export const BUNDLE_FILE = 'index.mjs';
