/**
 * CDK app entry (`npx cdk synth|deploy`). Parameters come from context, e.g.
 * `-c stage=prod -c sesRegion=eu-central-1 -c alarmEmail=oncall@example.com`; see
 * stackConfigFromContext and docs/deploy.md. cdk-nag's AWS Solutions checks run as a
 * policy-validation plugin, so any unacknowledged finding fails synthesis.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { DomainsStack } from '../lib/domains-stack.js';
import { stackConfigFromContext, stackName } from '../lib/stack-config.js';

const app = new App();
const config = stackConfigFromContext(app.node);

new DomainsStack(app, stackName(config.stage), {
  ...config,
  description: `Krafter Domains API (${config.stage})`,
  // Whatever account and region the CLI resolved; with none (e.g. offline), the stack is env-agnostic.
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});

Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
