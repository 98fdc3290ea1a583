/** What the infrastructure tests share: building the app like bin/app.ts, and reading its template. */
import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import type { CfnResource, Environment } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { DomainsStack, stackConfigFromContext, stackName } from '../../lib/domains-stack.js';
import { NOT_FOUND_FUNCTION, backgroundFunctions, routes } from '../../src/routes.js';

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

export const allFunctionNames = [NOT_FOUND_FUNCTION, ...routes.map((r) => r.name), ...backgroundFunctions.map((b) => b.name)];

export function logicalId(stack: DomainsStack, construct: { node: { defaultChild?: unknown } }): string {
  return stack.getLogicalId(construct.node.defaultChild as CfnResource);
}

export function functionLogicalId(stack: DomainsStack, name: string): string {
  const fn = stack.functions.get(name);
  if (!fn) throw new Error(`no function ${name}`);
  return logicalId(stack, fn.fn);
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
export function environmentOf(stack: DomainsStack, template: Template, name: string): Json {
  const fn = template.findResources('AWS::Lambda::Function')[functionLogicalId(stack, name)] as { Properties: Json } | undefined;
  if (!fn) throw new Error(`no function ${name} in the template`);
  return (fn.Properties.Environment as { Variables: Json }).Variables;
}
