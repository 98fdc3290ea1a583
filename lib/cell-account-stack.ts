/**
 * What an SES cell's account needs (deployed there with bin/cell-account.ts, see docs/deploy.md):
 * one role the Domains API stack's functions assume to manage identities in that account. It trusts
 * only the stack's account, and in it only roles tagged as that stage's stack tags its own
 * (`project` = krafter-domains, `stage` = the stage); on the stack's side, only the functions that
 * call SES may assume it, named by its exact ARN. Its SES permissions are the stack's own ones, with the same owner-tag conditions
 * (lib/grants.ts): identities of the cell's regions only, created tagged with the stage, changed or
 * deleted only when tagged with it.
 */
import { ArnFormat, CfnOutput, Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { SesAction } from '../src/grants.js';
import { FUNCTION_GRANTS } from '../src/routes.js';
import { grantStatements, nagSpelling } from './grants.js';
import { PROJECT_TAG, STACK_TAGS } from './stack-config.js';

export interface CellAccountStackProps extends StackProps {
  /** The stage of the Domains API stack that uses this cell. */
  readonly stage: string;
  /** The account the Domains API stack runs in. */
  readonly apiAccount: string;
  /** The SES regions of this account that are cells of the stage. */
  readonly cellRegions: readonly string[];
  /** The role's name; its ARN goes into `roleArn` of each of this account's cells. */
  readonly roleName: string;
}

/** Every SES action some function of the Domains API calls: the role needs no other. */
export const CELL_SES_ACTIONS: readonly SesAction[] = [
  ...new Set(Object.values(FUNCTION_GRANTS).flatMap((g) => g?.ses ?? [])),
].sort();

export const defaultCellRoleName = (stage: string) => `krafter-domains-${stage}-ses-cell`;

export class CellAccountStack extends Stack {
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: CellAccountStackProps) {
    super(scope, id, props);
    this.role = new iam.Role(this, 'SesCellRole', {
      roleName: props.roleName,
      description: `Lets the Krafter Domains API (${props.stage}, account ${props.apiAccount}) manage SES identities here`,
      // Tags rather than role names: CloudFormation may shorten the generated names of the functions' roles.
      assumedBy: new iam.AccountPrincipal(props.apiAccount).withConditions({
        StringEquals: {
          [`aws:PrincipalTag/${STACK_TAGS.project}`]: PROJECT_TAG,
          [`aws:PrincipalTag/${STACK_TAGS.stage}`]: props.stage,
        },
      }),
      // The functions ask for one hour and renew 5 minutes before it ends.
      maxSessionDuration: Duration.hours(1),
    });

    const identityArns = props.cellRegions.map((region) =>
      this.formatArn({
        service: 'ses',
        region,
        resource: 'identity',
        resourceName: '*',
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      }),
    );
    const grants = {
      table: [],
      queryIndexes: false,
      ses: CELL_SES_ACTIONS,
      sendToVerifyQueue: false,
      secrets: [],
    };
    const none = 'arn:aws:iam::000000000000:none';
    const statements = grantStatements(grants, {
      tableArn: none,
      verifyQueueArn: none,
      deliveryQueueArn: none,
      secretsKeyArn: none,
      identityArns,
      stage: props.stage,
    });
    for (const { actions, resources, conditions } of statements) {
      this.role.addToPolicy(new iam.PolicyStatement({ actions: [...actions], resources: [...resources], conditions }));
    }

    const policy = this.role.node.tryFindChild('DefaultPolicy');
    if (!policy) throw new Error('the cell role has no policy');
    for (const arn of identityArns) {
      Validations.of(policy).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${nagSpelling(this, arn)}]`,
        reason: IDENTITY_REASON,
      });
    }
    Validations.of(policy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'ses:VerifyDomainIdentity (SES v1) has no resource type in the Service Authorization Reference, so IAM only ' +
        'honours it with "*"; it returns the _amazonses TXT verification token the API must show.',
    });

    new CfnOutput(this, 'SesCellRoleArn', {
      description: 'roleArn of the cells of this account in SES_CELLS / -c sesCells',
      value: this.role.roleArn,
    });
  }
}

const IDENTITY_REASON =
  "Identities are customers' domains, registered at run time, so no identity name is known at deploy time; the " +
  "ARN is limited to this account's identities in the cell's region, and every call that creates, changes or " +
  "deletes one is limited by the identity's stage tag.";
