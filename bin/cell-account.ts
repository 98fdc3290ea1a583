/**
 * CDK app for the account of an SES cell (docs/deploy.md, "More SES cells"): the role the Domains
 * API stack assumes there. Deployed with that account's credentials:
 *
 *   npx cdk deploy --app "npx tsx bin/cell-account.ts" -c stage=prod -c apiAccount=111122223333 \
 *     -c cellRegions=eu-central-1,eu-west-1
 *
 * cdk-nag's AWS Solutions checks run as for the main app.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { cellAccountConfigFromContext } from '../lib/cell-account-config.js';
import { CellAccountStack } from '../lib/cell-account-stack.js';

const app = new App();
const config = cellAccountConfigFromContext(app.node, process.env.CDK_DEFAULT_REGION);

new CellAccountStack(app, `KrafterDomainsSesCell-${config.stage}`, {
  ...config,
  description: `SES cell of the Krafter Domains API (${config.stage})`,
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});

Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
