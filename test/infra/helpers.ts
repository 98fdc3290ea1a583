/** What the infrastructure tests share: building the app like bin/app.ts, and reading its template. */
import { readFileSync } from 'node:fs';
import type { CfnResource, Environment } from 'aws-cdk-lib';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { DomainsStack } from '../../lib/domains-stack.js';
import { stackConfigFromContext, stackName } from '../../lib/stack-config.js';
import { FUNCTION_NAMES, type FunctionName } from '../../src/routes.js';

const cdkJson = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as {
  context: Record<string, unknown>;
};

export type Json = Record<string, unknown>;

/** Builds the app the way bin/app.ts does, with cdk.json's feature flags and without bundling. */
export function build(context: Record<string, unknown> = {}, env?: Environment) {
  const app = new App({ context: { ...cdkJson.context, 'aws:cdk:bundling-stacks': [], ...context } });
  const config = stackConfigFromContext(app.node);
  const stack = new DomainsStack(app, stackName(config.stage), { ...config, env });
  return { app, stack, template: Template.fromStack(stack) };
}

export const allFunctionNames = FUNCTION_NAMES;

export function logicalId(stack: DomainsStack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as CfnResource);
}

export function functionLogicalId(stack: DomainsStack, name: FunctionName): string {
  return logicalId(stack, stack.functions[name].fn);
}

/** A CloudFormation value as one readable string: `<Id.Attr>` for GetAtt, `<Id>` for Ref. */
export function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  const o = value as Json;
  if (Array.isArray(o['Fn::Join'])) {
    const [delimiter, parts] = o['Fn::Join'] as [string, unknown[]];
    return parts.map(flatten).join(delimiter);
  }
  if (Array.isArray(o['Fn::GetAtt'])) return `<${(o['Fn::GetAtt'] as string[]).join('.')}>`;
  if (typeof o.Ref === 'string') return `<${o.Ref}>`;
  throw new Error(`cannot flatten ${JSON.stringify(value)}`);
}

/** The function's environment variables as synthesized. */
export function environmentOf(stack: DomainsStack, template: Template, name: FunctionName): Json {
  const fn = template.findResources('AWS::Lambda::Function')[functionLogicalId(stack, name)] as
    | { Properties: Json }
    | undefined;
  if (!fn) throw new Error(`no function ${name} in the template`);
  return (fn.Properties.Environment as { Variables: Json }).Variables;
}

/** A JSON value with every object's keys sorted, so two equal policies print alike. */
export function canonical(value: unknown): string {
  const sorted = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sorted);
    if (v && typeof v === 'object')
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k) => [k, sorted((v as Json)[k])]),
      );
    return v;
  };
  return JSON.stringify(sorted(value));
}

export interface PolicyStatementJson {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Json;
}

/** The statements of every policy attached to the function's role. */
export function roleStatements(stack: DomainsStack, template: Template, name: FunctionName): PolicyStatementJson[] {
  const roleId = logicalId(stack, stack.functions[name].role);
  const policies = Object.values(template.findResources('AWS::IAM::Policy')) as { Properties: Json }[];
  return policies
    .filter((p) => (p.Properties.Roles as Json[]).some((r) => r.Ref === roleId))
    .flatMap((p) => (p.Properties.PolicyDocument as { Statement: PolicyStatementJson[] }).Statement);
}

/**
 * Every `action on resource [if condition]` the function's role allows, with the table, the verify
 * queue and the function's own log group named, and conditions printed canonically.
 */
export function permissions(stack: DomainsStack, template: Template, name: FunctionName): string[] {
  const fn = stack.functions[name];
  const names: Record<string, string> = {
    [logicalId(stack, stack.table)]: 'TABLE',
    [logicalId(stack, stack.verifyQueue)]: 'VERIFY_QUEUE',
    [logicalId(stack, stack.deliveryQueue)]: 'DELIVERY_QUEUE',
    [logicalId(stack, stack.webhookSecretsKey)]: 'SECRETS_KEY',
    [logicalId(stack, fn.logGroup)]: 'OWN_LOGS',
  };
  const rename = (s: string) =>
    s.replace(/<([A-Za-z0-9]+)([.>])/g, (_m, id: string, end: string) => `<${names[id] ?? id}${end}`);
  const pairs: string[] = [];
  for (const statement of roleStatements(stack, template, name)) {
    if (statement.Effect !== 'Allow') throw new Error(`${name}: a ${statement.Effect} statement`);
    const condition = statement.Condition === undefined ? '' : ` if ${canonical(statement.Condition)}`;
    const resources = ([] as unknown[]).concat(statement.Resource).map((r) => rename(flatten(r)));
    for (const action of ([] as string[]).concat(statement.Action))
      for (const resource of resources) pairs.push(`${action} on ${resource}${condition}`);
  }
  return pairs.sort();
}

/** ARN pattern of the SES identities of a region, as `flatten` prints it. */
export const identitiesIn = (region: string) => `arn:<AWS::Partition>:ses:${region}:<AWS::AccountId>:identity/*`;
