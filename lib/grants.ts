/**
 * Turns a function's `grants` (src/routes.ts) into IAM statements, and nothing more. The derivation
 * is plain data, so the infrastructure tests and the reliability run compare roles against the same
 * statements the stack writes; `addGrants` puts them on a function's role with the cdk-nag
 * acknowledgements their wildcards need.
 */
import type { Stack } from 'aws-cdk-lib';
import { Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { PARTITION_KEYS } from '../src/adapters/table-keys.js';
import { TABLE_SCHEMA } from '../src/adapters/table-schema.js';
import { OWNER_TAG_KEYS } from '../src/domain/identity-owner.js';
import type { Grants, SesAction, TableAction } from '../src/grants.js';

/** The encryption context keys of a sealed webhook secret (src/adapters/webhook-secrets.ts). */
export const SECRET_CONTEXT_KEYS = ['team', 'webhook'] as const;

import type { ApiFunction } from './api-function.js';

/**
 * How IAM can limit each SES action this service calls, from the Service Authorization Reference
 * (SES v2 and v1 share the `ses:` prefix):
 * - `createTagged`: CreateEmailIdentity takes `aws:RequestTag/<key>` and `aws:TagKeys`: an identity
 *   may only be created tagged with this stage and a domain id.
 * - `tagOnCreate`: TagResource, which SES authorizes for the tags a create carries, under the same
 *   conditions and, besides, only on an identity with no stage tag or this stage's (a new one has
 *   none yet): the role cannot re-tag another stage's identity as its own. An untagged identity made
 *   outside the API is not protected by IAM here; the code never calls TagResource on its own.
 * - `stageOwned`: the calls that change or delete an identity take `aws:ResourceTag/<key>`: only
 *   identities tagged with this stage.
 * - `anyIdentity`: GetEmailIdentity stays unconditioned, since the create must read the tags of an
 *   identity that is not ours to refuse it.
 * - `noResourceType`: listed without a resource type (v1 VerifyDomainIdentity), so IAM honours it
 *   with "*" only, and it takes no tag condition.
 */
export const SES_ACTION_SCOPES: Readonly<
  Record<SesAction, 'createTagged' | 'tagOnCreate' | 'stageOwned' | 'anyIdentity' | 'noResourceType'>
> = {
  'ses:CreateEmailIdentity': 'createTagged',
  'ses:TagResource': 'tagOnCreate',
  'ses:PutEmailIdentityMailFromAttributes': 'stageOwned',
  'ses:PutEmailIdentityDkimSigningAttributes': 'stageOwned',
  'ses:DeleteEmailIdentity': 'stageOwned',
  'ses:GetEmailIdentity': 'anyIdentity',
  'ses:VerifyDomainIdentity': 'noResourceType',
};

/** A function that calls SES to create, change or delete identities; reads alone do not count. */
export function spendsSes(grants: Grants): boolean {
  return grants.ses.some((action) => SES_ACTION_SCOPES[action] !== 'anyIdentity');
}

/** The resources the statements name: ARNs, or placeholders when a test prints them. */
export interface GrantTargets {
  readonly tableArn: string;
  readonly verifyQueueArn: string;
  readonly deliveryQueueArn: string;
  /** The SES identities of the stack's own account in every region it has a cell in. */
  readonly identityArns: readonly string[];
  /** With cells configured: the functions' `cellCounters` grants apply. */
  readonly cellCounters?: boolean;
  /** The roles of the cells in other accounts: the functions that call SES may assume exactly these. */
  readonly cellRoleArns?: readonly string[];
  /** The stage SES identities are tagged with. */
  readonly stage: string;
  /** The KMS key that seals webhook signing secrets. */
  readonly secretsKeyArn: string;
}

export type Conditions = Readonly<Record<string, Readonly<Record<string, unknown>>>>;

export interface GrantStatement {
  /** Which part of the grants it comes from; the stack explains each kind's wildcard to cdk-nag. */
  readonly kind: 'table' | 'indexes' | 'identities' | 'unscoped' | 'queue' | 'secrets' | 'cells';
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  readonly conditions?: Conditions;
}

/** The least-privilege statements `grants` describe. */
export function grantStatements(grants: Grants, targets: GrantTargets): GrantStatement[] {
  const statements: GrantStatement[] = [];
  // One statement per table action, limited to the partition keys of the item families it is
  // granted on. `ForAllValues` holds vacuously for a request without keys (a Scan), which is why
  // only key-addressed actions (item actions and Query) may ever be granted here.
  const keysByAction = new Map<TableAction, Set<string>>();
  const tableGrants = [
    ...grants.table,
    ...(targets.cellCounters && grants.cellCounters
      ? [{ keys: PARTITION_KEYS.cell, actions: grants.cellCounters }]
      : []),
  ];
  for (const { keys, actions } of tableGrants) {
    for (const action of actions) keysByAction.set(action, (keysByAction.get(action) ?? new Set()).add(keys));
  }
  for (const [action, keys] of keysByAction) {
    statements.push({
      kind: 'table',
      actions: [action],
      resources: [targets.tableArn],
      conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...keys].sort() } },
    });
  }
  if (grants.queryIndexes) {
    // Read-only, and left without a key condition: the index's partition keys (DUE#<shard>) are not
    // item families, and what LeadingKeys means on an index query is not what these grants describe.
    statements.push({ kind: 'indexes', actions: ['dynamodb:Query'], resources: [`${targets.tableArn}/index/*`] });
  }

  const ses = (scope: (typeof SES_ACTION_SCOPES)[SesAction]) =>
    grants.ses.filter((a) => SES_ACTION_SCOPES[a] === scope);
  const createConditions = {
    StringEquals: { [`aws:RequestTag/${OWNER_TAG_KEYS.stage}`]: targets.stage },
    // Both owner tags and no others; the domain id's value is only known at run time.
    'ForAllValues:StringEquals': { 'aws:TagKeys': [OWNER_TAG_KEYS.stage, OWNER_TAG_KEYS.domainId] },
    Null: { [`aws:RequestTag/${OWNER_TAG_KEYS.domainId}`]: 'false' },
  };
  const identityStatements: { actions: SesAction[]; conditions?: Conditions }[] = [
    { actions: ses('createTagged'), conditions: createConditions },
    {
      actions: ses('tagOnCreate'),
      conditions: {
        ...createConditions,
        StringEqualsIfExists: { [`aws:ResourceTag/${OWNER_TAG_KEYS.stage}`]: targets.stage },
      },
    },
    {
      actions: ses('stageOwned'),
      conditions: { StringEquals: { [`aws:ResourceTag/${OWNER_TAG_KEYS.stage}`]: targets.stage } },
    },
    { actions: ses('anyIdentity') },
  ];
  // Every cell in another account: its own role holds the SES permissions there (docs/deploy.md).
  const ownAccountSes = targets.identityArns.length > 0;
  for (const { actions, conditions } of identityStatements) {
    if (actions.length === 0 || !ownAccountSes) continue;
    statements.push({ kind: 'identities', actions, resources: targets.identityArns, conditions });
  }
  const unscoped = ses('noResourceType');
  if (unscoped.length > 0 && ownAccountSes) statements.push({ kind: 'unscoped', actions: unscoped, resources: ['*'] });
  const roles = targets.cellRoleArns ?? [];
  if (grants.ses.length > 0 && roles.length > 0) {
    // Exactly the configured roles: never a pattern, so no other role of those accounts can be reached.
    statements.push({ kind: 'cells', actions: ['sts:AssumeRole'], resources: [...new Set(roles)].sort() });
  }

  if (grants.sendToVerifyQueue) {
    statements.push({ kind: 'queue', actions: ['sqs:SendMessage'], resources: [targets.verifyQueueArn] });
  }
  if (grants.sendToDeliveryQueue) {
    statements.push({ kind: 'queue', actions: ['sqs:SendMessage'], resources: [targets.deliveryQueueArn] });
  }
  if (grants.secrets.length > 0) {
    // Only on the one key, and only with the encryption context every sealed secret carries, so the
    // role cannot use the key for anything but webhook secrets. `Null` makes the context required:
    // `ForAllValues` alone would hold for a call without one.
    statements.push({
      kind: 'secrets',
      actions: [...grants.secrets],
      resources: [targets.secretsKeyArn],
      conditions: {
        'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': [...SECRET_CONTEXT_KEYS] },
        Null: { 'kms:EncryptionContextKeys': 'false' },
      },
    });
  }
  return statements;
}

/** Puts the statements of `grants` on the function's role, each wildcard acknowledged for cdk-nag. */
export function addGrants(stack: Stack, fn: ApiFunction, grants: Grants, targets: GrantTargets): void {
  const statements = grantStatements(grants, targets);
  for (const { actions, resources, conditions } of statements) {
    fn.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: [...actions], resources: [...resources], conditions }),
    );
  }
  const kinds = new Set(statements.map((s) => s.kind));
  if (kinds.has('indexes')) {
    Validations.of(fn.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagSpelling(stack, `${targets.tableArn}/index/*`)}]`,
      reason: `dynamodb:Query only, on the indexes of this table (${TABLE_SCHEMA.indexes.map((i) => i.indexName).join(', ')}).`,
    });
  }
  if (kinds.has('identities')) {
    for (const arn of targets.identityArns) {
      Validations.of(fn.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${nagSpelling(stack, arn)}]`,
        reason:
          "Identities are customers' domains, registered at run time, so no identity name is known at deploy " +
          'time; the ARN is still limited to identities of this account in the SES region, and every call ' +
          "that creates, changes or deletes one is limited by the identity's stage tag.",
      });
    }
  }
  const unscoped = statements.filter((s) => s.kind === 'unscoped').flatMap((s) => s.actions);
  if (unscoped.length > 0) {
    // Acknowledged on the policy itself: the role's own acknowledgement only explains X-Ray.
    const policy = fn.role.node.tryFindChild('DefaultPolicy');
    if (!policy) throw new Error(`${fn.name}: the role has no default policy to acknowledge`);
    Validations.of(policy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        `${unscoped.join(', ')} has no resource type in the Service Authorization Reference (SES v1), so ` +
        'IAM only honours it with "*"; it is needed for the _amazonses TXT verification token. The X-Ray ' +
        'actions of active tracing likewise support no resource scoping.',
    });
  }
}

/**
 * How cdk-nag spells a resource in a finding id: references become `<LogicalId>` or
 * `<LogicalId.Attribute>` and joins are flattened, so an acknowledgement can name the exact finding.
 */
export function nagSpelling(stack: Stack, value: string): string {
  const visit = (node: unknown): string => {
    if (typeof node === 'string') return node;
    if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      if (Array.isArray(o['Fn::Join'])) {
        const [delimiter, parts] = o['Fn::Join'] as [string, unknown[]];
        return parts.map(visit).join(delimiter);
      }
      if (Array.isArray(o['Fn::GetAtt'])) {
        const [resource, attribute] = o['Fn::GetAtt'] as [string, string];
        return `<${resource}.${attribute}>`;
      }
      if (typeof o.Ref === 'string') return `<${o.Ref}>`;
    }
    throw new Error(`Cannot spell ${JSON.stringify(node)} for a cdk-nag acknowledgement`);
  };
  return visit(stack.resolve(value));
}
