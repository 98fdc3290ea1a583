/**
 * What a function may touch, as each entry of the route table (routes.ts) declares it. The stack
 * turns grants into least-privilege IAM statements (lib/grants.ts).
 */
import type { PartitionKeyPattern } from './adapters/table-keys.js';

/** What a function may touch; the stack turns this into least-privilege IAM statements. */
export interface Grants {
  /**
   * Item actions on the table, per family of items: the stack limits each action to the partition
   * keys of the families listed for it (`dynamodb:LeadingKeys`), so, for example, no function can
   * write an API key. A transaction is authorized item by item with these same actions.
   */
  readonly table: readonly TableGrant[];
  /**
   * Item actions on the SES cells' counters (`CELL#<cellId>`): granted only when the stack counts
   * placements (cells configured), since only then are they read or written.
   */
  readonly cellCounters?: readonly TableAction[];
  /** Query on the table's indexes (GSI1: the due-time entries the scheduler reads). */
  readonly queryIndexes: boolean;
  /** SES actions (v2 and v1 names share the `ses:` prefix); the stack scopes each by its kind. */
  readonly ses: readonly SesAction[];
  /** May send to the verify queue. */
  readonly sendToVerifyQueue: boolean;
  /** May send to the webhook delivery queue (the fan-out, the delivery worker, the replay); absent: no. */
  readonly sendToDeliveryQueue?: boolean;
  /**
   * Uses of the stack's KMS key that seals webhook signing secrets: Encrypt to seal a new secret,
   * Decrypt to sign with one. The stack allows them on that one key only.
   */
  readonly secrets: readonly SecretAction[];
}

export interface TableGrant {
  /** One item family's partition keys (see PARTITION_KEYS). */
  readonly keys: PartitionKeyPattern;
  readonly actions: readonly TableAction[];
}

export type TableAction =
  | 'dynamodb:GetItem'
  | 'dynamodb:Query'
  | 'dynamodb:PutItem'
  | 'dynamodb:UpdateItem'
  | 'dynamodb:DeleteItem';

export type SesAction =
  | 'ses:CreateEmailIdentity'
  | 'ses:TagResource'
  | 'ses:GetEmailIdentity'
  | 'ses:PutEmailIdentityMailFromAttributes'
  | 'ses:PutEmailIdentityDkimSigningAttributes'
  | 'ses:DeleteEmailIdentity'
  | 'ses:VerifyDomainIdentity';

export type SecretAction = 'kms:Encrypt' | 'kms:Decrypt';
