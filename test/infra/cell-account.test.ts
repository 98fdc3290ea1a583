/**
 * The cell account's CDK app (bin/cell-account.ts): its one role trusts only the Domains API stage's
 * function roles, holds exactly the SES permissions the functions use, with the stack's owner-tag
 * conditions, in the cell's regions only; and cdk-nag passes.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { cellAccountConfigFromContext } from '../../lib/cell-account-config.js';
import { CELL_SES_ACTIONS, CellAccountStack } from '../../lib/cell-account-stack.js';
import { flatten, type Json } from './helpers.js';

function synth(context: Record<string, unknown>, region = 'eu-central-1') {
  const app = new App({ context });
  const config = cellAccountConfigFromContext(app.node, region);
  const stack = new CellAccountStack(app, 'Cell', { ...config, env: { account: '999988887777', region } });
  return { app, stack, template: Template.fromStack(stack) };
}

const { app, template } = synth({ stage: 'prod', apiAccount: '111122223333', cellRegions: 'eu-central-1,eu-west-1' });
const role = Object.values(template.findResources('AWS::IAM::Role'))[0] as { Properties: Json };
const statements = () =>
  (
    Object.values(template.findResources('AWS::IAM::Policy')) as {
      Properties: {
        PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown; Condition?: Json }[] };
      };
    }[]
  ).flatMap((p) => p.Properties.PolicyDocument.Statement);

describe('the SES cell role', () => {
  test("is named for the stage, and trusts only roles of the API account tagged as the stage's stack", () => {
    expect(role.Properties.RoleName).toBe('krafter-domains-prod-ses-cell');
    expect(role.Properties.MaxSessionDuration).toBe(3600);
    const trust = (role.Properties.AssumeRolePolicyDocument as { Statement: Json[] }).Statement;
    expect(trust).toHaveLength(1);
    expect(trust[0]?.Action).toBe('sts:AssumeRole');
    expect(flatten((trust[0]?.Principal as { AWS: unknown } | undefined)?.AWS)).toBe(
      'arn:<AWS::Partition>:iam::111122223333:root',
    );
    // Tagged as the stage's stack tags its functions' roles.
    expect(trust[0]?.Condition).toEqual({
      StringEquals: { 'aws:PrincipalTag/project': 'krafter-domains', 'aws:PrincipalTag/stage': 'prod' },
    });
  });

  test('may call exactly the SES actions the functions call, on identities of its cell regions', () => {
    const actions = statements().flatMap((s) => ([] as string[]).concat(s.Action));
    expect([...new Set(actions)].sort()).toEqual([...CELL_SES_ACTIONS].sort());
    const resources = new Set(statements().flatMap((s) => ([] as unknown[]).concat(s.Resource).map(flatten)));
    expect([...resources].sort()).toEqual([
      '*',
      'arn:<AWS::Partition>:ses:eu-central-1:999988887777:identity/*',
      'arn:<AWS::Partition>:ses:eu-west-1:999988887777:identity/*',
    ]);
    // "*" only for the v1 token call, which has no resource type.
    const star = statements().filter((s) => ([] as unknown[]).concat(s.Resource).includes('*'));
    expect(star.flatMap((s) => ([] as string[]).concat(s.Action))).toEqual(['ses:VerifyDomainIdentity']);
  });

  test('creates only identities tagged with the stage, and changes or deletes only those', () => {
    const of = (action: string) =>
      statements().find((s) => ([] as string[]).concat(s.Action).includes(action))?.Condition as Json | undefined;
    expect(of('ses:CreateEmailIdentity')).toMatchObject({
      StringEquals: { 'aws:RequestTag/krafter:stage': 'prod' },
    });
    for (const action of ['ses:DeleteEmailIdentity', 'ses:PutEmailIdentityMailFromAttributes'])
      expect(of(action)).toEqual({ StringEquals: { 'aws:ResourceTag/krafter:stage': 'prod' } });
  });

  test('cdk-nag: no unacknowledged findings', () => {
    const report = new AwsSolutionsChecks().validateScope(app);
    expect(report.violations.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath)}`)).toEqual(
      [],
    );
  });

  test('one region by default: the stack’s own', () => {
    const one = synth({ stage: 'dev', apiAccount: '111122223333' }, 'us-east-1');
    const resources = Object.values(one.template.findResources('AWS::IAM::Policy')).flatMap((p) =>
      (
        p as { Properties: { PolicyDocument: { Statement: { Resource: unknown }[] } } }
      ).Properties.PolicyDocument.Statement.flatMap((s) => ([] as unknown[]).concat(s.Resource).map(flatten)),
    );
    expect(new Set(resources)).toEqual(new Set(['*', 'arn:<AWS::Partition>:ses:us-east-1:999988887777:identity/*']));
    expect(new AwsSolutionsChecks().validateScope(one.app).violations).toEqual([]);
  });

  test.each([
    [{ stage: 'prod' }, /apiAccount" is required/],
    [{ stage: 'prod', apiAccount: '1234' }, /12-digit/],
    [{ stage: 'Prod!', apiAccount: '111122223333' }, /stage/],
    [{ stage: 'prod', apiAccount: '111122223333', cellRegions: 'Frankfurt' }, /cellRegions/],
    [{ stage: 'prod', apiAccount: '111122223333', roleName: 'a/b' }, /roleName/],
  ])('a bad context stops the synth: %j', (context, message) => {
    expect(() => synth(context)).toThrow(message);
  });
});

test("the Domains API stack tags its functions' roles as the cell role's trust expects", async () => {
  const { build } = await import('./helpers.js');
  const { stack, template } = build({ stage: 'prod', sesRegion: 'eu-central-1' });
  const roles = template.findResources('AWS::IAM::Role') as Record<string, { Properties: { Tags?: Json[] } }>;
  const fnRole = roles[stack.getLogicalId(stack.functions['create-domain'].role.node.defaultChild as never)];
  expect(fnRole?.Properties.Tags).toEqual(
    expect.arrayContaining([
      { Key: 'project', Value: 'krafter-domains' },
      { Key: 'stage', Value: 'prod' },
    ]),
  );
});
