/**
 * How the console's files reach the console function in AWS: built at synth into the cloud
 * assembly's folder (cdk.out, rewritten by each synth), then copied into the function's bundle as
 * `console/`, beside `index.mjs`, where functions/console.ts reads them.
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Stack, Stage } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { ApiFunctionProps } from './api-function.js';
import { buildConsoleAssets } from './console-assets.js';

/** The folder beside the console function's bundle holding its files. */
export const CONSOLE_BUNDLE_DIR = 'console';

/** The console function's `bundleFolder`. */
export function consoleBundleFolder(scope: IConstruct): NonNullable<ApiFunctionProps['bundleFolder']> {
  return {
    into: CONSOLE_BUNDLE_DIR,
    build: () => {
      const dir = join(Stage.of(scope)?.outdir ?? tmpdir(), `${Stack.of(scope).artifactId}.console`);
      rmSync(dir, { recursive: true, force: true });
      return buildConsoleAssets(dir).dir;
    },
  };
}
