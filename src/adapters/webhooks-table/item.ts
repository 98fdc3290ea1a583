/**
 * The WebhookEndpoint item: its stored shape (a valibot schema every read goes through), its mapping
 * to the service's `WebhookEndpoint`, and the conditional update the entity's files share. Absent
 * and null read alike; null fields are not stored. Keys: table-keys.ts.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import * as v from 'valibot';
import { ddb, tableName } from '../dynamodb-client.js';
import { ConditionFailed, type Item, parseItem, write } from '../table-io.js';
import { ITEM_EXISTS, webhookKey } from '../table-keys.js';

/** Names the store in the 503 a throttled or failing call becomes. */
export const STORE = 'The webhook store';

export interface WebhookEndpoint {
  readonly id: string;
  readonly teamId: string;
  readonly url: string;
  readonly events: string[];
  readonly description: string | null;
  readonly enabled: boolean;
  /** Why the service switched the endpoint off (e.g. `gone`); null while enabled or switched off by the team. */
  readonly disabledReason: string | null;
  /** When the current run of failed deliveries began; null after a success. */
  readonly failingSince: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** The signing secret, sealed with KMS (base64). */
  readonly secretSealed: string;
  /** After a rotation, the secret it replaced, which still signs deliveries until `previousSecretUntil`. */
  readonly previousSecretSealed: string | null;
  readonly previousSecretUntil: string | null;
}

export interface WebhookChange {
  readonly url?: string;
  readonly events?: readonly string[];
  /** null clears it. */
  readonly description?: string | null;
  readonly enabled?: boolean;
}

const optionalString = v.nullish(v.string());
const WebhookItemSchema = v.object({
  id: v.string(),
  teamId: v.string(),
  url: v.string(),
  events: v.array(v.string()),
  description: optionalString,
  enabled: v.boolean(),
  disabledReason: optionalString,
  failingSince: optionalString,
  createdAt: v.string(),
  updatedAt: v.string(),
  secretSealed: v.string(),
  previousSecretSealed: optionalString,
  previousSecretUntil: optionalString,
});

/** The service's view of a stored endpoint; a malformed item is a MalformedItemError. */
export function fromItem(item: Item): WebhookEndpoint {
  const w = parseItem(WebhookItemSchema, item, 'WebhookEndpoint');
  return {
    id: w.id,
    teamId: w.teamId,
    url: w.url,
    events: w.events,
    description: w.description ?? null,
    enabled: w.enabled,
    disabledReason: w.disabledReason ?? null,
    failingSince: w.failingSince ?? null,
    createdAt: w.createdAt,
    updatedAt: w.updatedAt,
    secretSealed: w.secretSealed,
    previousSecretSealed: w.previousSecretSealed ?? null,
    previousSecretUntil: w.previousSecretUntil ?? null,
  };
}

export function toItem(w: WebhookEndpoint): Item {
  const fields = Object.entries({ ...w, events: [...w.events] }).filter(([, value]) => value !== null);
  return { ...webhookKey(w.teamId, w.id), entity: 'WebhookEndpoint', ...Object.fromEntries(fields) };
}
export type Expression = {
  set: string[];
  remove: string[];
  names: Record<string, string>;
  values: Record<string, unknown>;
};

/** One conditional update of an existing endpoint: the endpoint as it now is, or null when the condition failed. */
export async function updateIf(teamId: string, id: string, e: Expression, condition = ITEM_EXISTS) {
  const update = [`SET ${e.set.join(', ')}`, ...(e.remove.length > 0 ? [`REMOVE ${e.remove.join(', ')}`] : [])];
  const out = await write(STORE, () =>
    ddb.send(
      new UpdateCommand({
        TableName: tableName,
        Key: webhookKey(teamId, id),
        UpdateExpression: update.join(' '),
        ConditionExpression: condition,
        ExpressionAttributeNames: e.names,
        ExpressionAttributeValues: e.values,
        ReturnValues: 'ALL_NEW',
      }),
    ),
  );
  return out instanceof ConditionFailed || !out.Attributes ? null : fromItem(out.Attributes);
}

/** An expression that sets `fields` (null: removes the attribute) and `updatedAt`. */
export function setting(fields: Record<string, unknown>, now: string): Expression {
  const e: Expression = {
    set: ['#updatedAt = :updatedAt'],
    remove: [],
    names: { '#updatedAt': 'updatedAt' },
    values: { ':updatedAt': now },
  };
  for (const [name, value] of Object.entries(fields)) {
    if (value === undefined) continue;
    e.names[`#${name}`] = name;
    if (value === null) e.remove.push(`#${name}`);
    else {
      e.set.push(`#${name} = :${name}`);
      e.values[`:${name}`] = value;
    }
  }
  return e;
}
