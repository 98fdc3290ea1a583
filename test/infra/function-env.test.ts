/**
 * Every function module loads with exactly the environment the stack gives it (plus what Lambda
 * itself sets), in a fresh Node process: a module that reads a variable its function is not given
 * fails here rather than on its first invocation in AWS. And the stack sets only variables
 * src/deployment.ts names, the shared ones on every function.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type EnvName, FUNCTION_ENV } from '../../src/deployment.js';
import { allFunctionNames, build, environmentOf, flatten } from './helpers.js';

const run = promisify(execFile);
const { stack, template } = build({ sesRegion: 'eu-central-1' });

describe('each function starts with the environment the stack gives it', () => {
  test.each(allFunctionNames)(
    '%s',
    async (name) => {
      const variables = environmentOf(stack, template, name);
      const env: Record<string, string> = {
        PATH: process.env.PATH ?? '',
        // What the Lambda runtime sets for every function.
        AWS_REGION: 'eu-central-1',
        AWS_LAMBDA_FUNCTION_NAME: name,
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
      };
      for (const [k, v] of Object.entries(variables)) env[k] = flatten(v).replace(/<[^>]+>/g, 'resolved-at-deploy');
      const script = `await import(${JSON.stringify(`./functions/${name}.ts`)}); console.log('loaded');`;
      const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        env,
        cwd: process.cwd(),
      });
      expect(stdout.trim().split('\n').at(-1)).toBe('loaded');
    },
    60_000,
  );
});

describe('the variables the stack sets', () => {
  const named = Object.keys(FUNCTION_ENV) as EnvName[];
  const shared = named.filter((name) => 'everyFunction' in FUNCTION_ENV[name]);

  test.each(allFunctionNames)('%s: only ones src/deployment.ts names, and every shared one', (name) => {
    const variables = Object.keys(environmentOf(stack, template, name));
    // NODE_OPTIONS is Node's own: every function runs with source maps on.
    expect(variables.filter((v) => v !== 'NODE_OPTIONS' && !named.includes(v as EnvName))).toEqual([]);
    expect(shared.filter((v) => !variables.includes(v))).toEqual([]);
  });
});
