/**
 * The stack with SES cells (context `sesCells`): who may assume which role (exactly the cells'
 * roles, only functions that call SES), where the own account's SES permissions still apply, the
 * cell counters' grants and environment, the fill alarms, and that cdk-nag still passes.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { AwsSolutionsChecks } from 'cdk-nag';
import { cellFillingAlarm } from '../../lib/monitoring.js';
import { FUNCTION_GRANTS } from '../../src/routes.js';
import {
  allFunctionNames,
  build,
  environmentOf,
  identitiesIn,
  type Json,
  permissions,
  roleStatements,
} from './helpers.js';

const ROLE_EU = 'arn:aws:iam::111122223333:role/krafter/ses-cell';
const ROLE_US = 'arn:aws:iam::444455556666:role/krafter-ses-cell';
const CELLS = [
  { id: 'c1', region: 'eu-central-1' },
  { id: 'c2', region: 'eu-central-1', roleArn: ROLE_EU },
  { id: 'c3', region: 'us-east-1', roleArn: ROLE_US, draining: true },
];
const context = { sesRegion: 'eu-central-1', sesCells: JSON.stringify(CELLS), sesIdentityQuota: '500' };
const { app, stack, template } = build(context);

const callsSes = allFunctionNames.filter((name) => (FUNCTION_GRANTS[name]?.ses.length ?? 0) > 0);

describe('sts:AssumeRole', () => {
  test('the functions that call SES may assume exactly the cells’ roles', () => {
    expect([...callsSes].sort()).toEqual(['create-domain', 'delete-domain', 'update-domain', 'verifier']);
    for (const name of callsSes) {
      const assume = permissions(stack, template, name).filter((p) => p.startsWith('sts:'));
      expect(assume).toEqual([`sts:AssumeRole on ${ROLE_EU}`, `sts:AssumeRole on ${ROLE_US}`]);
    }
  });

  test('no other function may assume any role', () => {
    for (const name of allFunctionNames.filter((n) => !callsSes.includes(n)))
      expect(permissions(stack, template, name).filter((p) => p.startsWith('sts:'))).toEqual([]);
  });

  test('no statement of any policy names sts:* or a role by wildcard', () => {
    const policies = Object.values(template.findResources('AWS::IAM::Policy')) as { Properties: Json }[];
    const statements = policies.flatMap(
      (p) => (p.Properties.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] }).Statement,
    );
    const sts = statements.filter((s) => ([] as unknown[]).concat(s.Action).some((a) => String(a).startsWith('sts:')));
    expect(sts.length).toBe(callsSes.length);
    for (const s of sts) {
      expect(([] as unknown[]).concat(s.Action)).toEqual(['sts:AssumeRole']);
      for (const r of ([] as unknown[]).concat(s.Resource)) {
        expect(typeof r).toBe('string');
        expect(r).not.toContain('*');
      }
    }
  });

  test("the own account's SES permissions cover only regions with a cell of the own account", () => {
    const ses = permissions(stack, template, 'create-domain').filter((p) => p.startsWith('ses:'));
    expect(ses.some((p) => p.includes(identitiesIn('eu-central-1')))).toBe(true);
    expect(ses.some((p) => p.includes('us-east-1'))).toBe(false);
  });

  test('without cells: no role may be assumed and no cell counter is granted', () => {
    const plain = build({ sesRegion: 'eu-central-1', sesRegions: 'us-east-1' });
    for (const name of allFunctionNames) {
      const p = permissions(plain.stack, plain.template, name);
      expect(p.filter((x) => x.startsWith('sts:') || x.includes('CELL#'))).toEqual([]);
      expect(environmentOf(plain.stack, plain.template, name).SES_CELLS).toBeUndefined();
    }
  });
});

describe('cell counters', () => {
  const cellActions = (name: (typeof allFunctionNames)[number]) =>
    roleStatements(stack, template, name)
      .filter((s) => JSON.stringify(s.Condition?.['ForAllValues:StringLike'] ?? {}).includes('"CELL#*"'))
      .flatMap((s) => ([] as string[]).concat(s.Action as string))
      .sort();

  test('only placement, removal and the fill report touch them', () => {
    const touching = Object.fromEntries(
      allFunctionNames.map((n) => [n, cellActions(n)] as const).filter(([, actions]) => actions.length > 0),
    );
    expect(touching).toEqual({
      'create-domain': ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
      'delete-domain': ['dynamodb:UpdateItem'],
      verifier: ['dynamodb:UpdateItem'],
      scheduler: ['dynamodb:GetItem'],
    });
  });

  test('SES_CELLS and SES_IDENTITY_QUOTA reach the functions that call SES and the scheduler', () => {
    for (const name of allFunctionNames) {
      const env = environmentOf(stack, template, name);
      if (callsSes.includes(name) || name === 'scheduler') {
        expect(JSON.parse(String(env.SES_CELLS))).toEqual(CELLS.map((c) => ({ draining: false, ...c })));
        expect(env.SES_IDENTITY_QUOTA).toBe('500');
      } else {
        expect(env.SES_CELLS).toBeUndefined();
      }
      expect(env.SES_REGIONS).toBe('eu-central-1,us-east-1');
    }
  });
});

describe('fill alarms', () => {
  const alarms = template.findResources('AWS::CloudWatch::Alarm') as Record<string, { Properties: Json }>;
  const named = (id: string) =>
    Object.values(alarms).find((a) => a.Properties.AlarmName === `${stack.stackName}-${id}`)?.Properties;

  test('one per cell that takes new domains, at 80 % of the quota', () => {
    for (const cell of ['c1', 'c2']) {
      expect(named(cellFillingAlarm(cell))).toMatchObject({
        Metrics: [
          {
            MetricStat: {
              Metric: {
                MetricName: 'CellFill',
                Namespace: 'Krafter/Domains',
                Dimensions: expect.arrayContaining([{ Name: 'cell', Value: cell }]),
              },
              Stat: 'Maximum',
              Period: 300,
            },
          },
        ],
        Threshold: 80,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
      });
    }
    expect(named(cellFillingAlarm('c3'))).toBeUndefined();
  });
});

describe('context', () => {
  test('cdk-nag: no unacknowledged findings with cells', () => {
    const report = new AwsSolutionsChecks().validateScope(app);
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
  });

  test.each([
    [{ sesCells: '[{"id":"C1","region":"eu-central-1"}]' }, /sesCells.*an id/],
    [{ sesCells: '[{"id":"c1","region":"us-east-1"}]' }, /no cell in eu-central-1/],
    [{ sesCells: 'nope' }, /JSON array/],
    [{ sesCells: CELLS, sesIdentityQuota: 20000 }, /sesIdentityQuota.*1 to 10000/],
  ])('a bad value stops the synth: %j', (bad, message) => {
    expect(() => build({ sesRegion: 'eu-central-1', ...bad })).toThrow(message);
  });

  test('cells given as a list (cdk.json) work as the JSON text does', () => {
    const fromList = build({ sesRegion: 'eu-central-1', sesCells: CELLS });
    expect(fromList.stack.cells).toEqual(stack.cells);
  });
});

describe('the functions start with the cells the stack gives them', () => {
  const run = promisify(execFile);
  test.each(['create-domain', 'verifier', 'scheduler'] as const)(
    '%s',
    async (name) => {
      const env: Record<string, string> = {
        PATH: process.env.PATH ?? '',
        AWS_REGION: 'eu-central-1',
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
      };
      for (const [k, v] of Object.entries(environmentOf(stack, template, name)))
        env[k] = typeof v === 'string' ? v : 'resolved-at-deploy';
      // The cells are parsed when first used: ask for them as a request would.
      const script = `await import('./functions/${name}.ts'); const { cellsConfig } = await import('./src/config.ts'); console.log(JSON.stringify(cellsConfig()));`;
      const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        env,
        cwd: process.cwd(),
      });
      const config = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
      expect(config).toMatchObject({ quota: 500, counted: true });
      expect(config.cells.map((c: { id: string }) => c.id)).toEqual(['c1', 'c2', 'c3']);
    },
    60_000,
  );
});
