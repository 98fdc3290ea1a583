/**
 * The cell account app's parameters (bin/cell-account.ts), read from context and checked before
 * anything is built: the stage and account of the Domains API stack, the regions of this account
 * that are cells, and the role's name.
 */
import type { Node } from 'constructs';
import * as v from 'valibot';
import { REGION_PATTERN, STAGE_PATTERN } from '../src/deployment.js';
import { type CellAccountStackProps, defaultCellRoleName } from './cell-account-stack.js';

const ROLE_NAME_PATTERN = /^[\w+=,.@-]{1,64}$/;

function read(node: Node, key: string, schema: v.GenericSchema<unknown, string>, expected: string): string | undefined {
  const value: unknown = node.tryGetContext(key);
  if (value === undefined || value === null || value === '') return undefined;
  const result = v.safeParse(schema, typeof value === 'number' ? String(value) : value);
  if (!result.success) throw new Error(`Context "${key}" must be ${expected}, got ${JSON.stringify(value)}`);
  return result.output;
}

export function cellAccountConfigFromContext(
  node: Node,
  defaultRegion: string | undefined,
): Omit<CellAccountStackProps, keyof import('aws-cdk-lib').StackProps> {
  const stage = read(node, 'stage', v.pipe(v.string(), v.regex(STAGE_PATTERN)), 'a stage name') ?? 'dev';
  const apiAccount = read(
    node,
    'apiAccount',
    v.pipe(v.string(), v.regex(/^\d{12}$/)),
    'the 12-digit account of the Domains API stack',
  );
  if (apiAccount === undefined)
    throw new Error('Context "apiAccount" is required: the account of the Domains API stack');
  const listed = node.tryGetContext('cellRegions') as unknown;
  const regions = (Array.isArray(listed) ? listed.map(String) : String(listed ?? defaultRegion ?? '').split(','))
    .map((r) => r.trim())
    .filter((r) => r !== '');
  const bad = regions.find((r) => !REGION_PATTERN.test(r));
  if (bad !== undefined || regions.length === 0)
    throw new Error(
      `Context "cellRegions" must list the SES regions of the cells in this account, got ${JSON.stringify(listed ?? null)}`,
    );
  const roleName =
    read(node, 'roleName', v.pipe(v.string(), v.regex(ROLE_NAME_PATTERN)), 'an IAM role name') ??
    defaultCellRoleName(stage);
  return { stage, apiAccount, cellRegions: [...new Set(regions)], roleName };
}
