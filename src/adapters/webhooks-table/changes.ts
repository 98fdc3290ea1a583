/**
 * Changes to an existing endpoint: what the team may change, its secret's rotation, and the delivery
 * health the service keeps (failing since when, switched off and why).
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ddb, tableName } from '../dynamodb-client.js';
import { ConditionFailed, write } from '../table-io.js';
import { ITEM_EXISTS, webhookKey } from '../table-keys.js';
import { STORE, setting, updateIf, type WebhookChange, type WebhookEndpoint } from './item.js';

/**
 * Changes what the team may change; null when the endpoint does not exist. Enabling clears why it was
 * switched off and the failures that led there, so it gets a fresh five days.
 */
export async function updateWebhook(
  teamId: string,
  id: string,
  change: WebhookChange,
): Promise<WebhookEndpoint | null> {
  const { url, events, description, enabled } = change;
  const reenabled = enabled === true ? { disabledReason: null, failingSince: null } : {};
  const fields = { url, events: events && [...events], description, enabled, ...reenabled };
  return updateIf(teamId, id, setting(fields, new Date().toISOString()));
}

/**
 * Gives the endpoint a new sealed secret; the current one becomes the previous secret, which still
 * signs deliveries until `previousUntil`. Null when the endpoint does not exist. A second rotation
 * within that time drops the oldest secret: only the two newest ever sign.
 */
export async function rotateWebhookSecret(
  teamId: string,
  id: string,
  newSealed: string,
  previousUntil: string,
): Promise<WebhookEndpoint | null> {
  const e = setting({ previousSecretUntil: previousUntil, secretSealed: newSealed }, new Date().toISOString());
  // An update's values are read from the item as it was before it: the previous secret is the current one.
  e.set.push('#previousSecretSealed = #secretSealed');
  e.names['#previousSecretSealed'] = 'previousSecretSealed';
  return updateIf(teamId, id, e);
}

/**
 * Switches an enabled endpoint off for `reason` (`gone` after a 410, or failing for too long); the
 * endpoint when this call switched it off, null when it was off already or is gone, so whoever
 * disables it reports that once.
 */
export async function disableWebhook(teamId: string, id: string, reason: string): Promise<WebhookEndpoint | null> {
  const e = setting({ enabled: false, disabledReason: reason }, new Date().toISOString());
  e.values[':on'] = true;
  return updateIf(teamId, id, e, `${ITEM_EXISTS} AND #enabled = :on`);
}

/**
 * Records a failed delivery: `failingSince` becomes `at` unless a run of failures had begun already.
 * The endpoint as it now is, or null when it is gone.
 */
export async function markWebhookFailing(teamId: string, id: string, at: string): Promise<WebhookEndpoint | null> {
  return updateIf(teamId, id, {
    set: ['#failingSince = if_not_exists(#failingSince, :at)'],
    remove: [],
    names: { '#failingSince': 'failingSince' },
    values: { ':at': at },
  });
}

/** Records a successful delivery: the run of failures, if any, ends. False when there was none, or no endpoint. */
export async function clearWebhookFailing(teamId: string, id: string): Promise<boolean> {
  const out = await write(STORE, () =>
    ddb.send(
      new UpdateCommand({
        TableName: tableName,
        Key: webhookKey(teamId, id),
        UpdateExpression: 'REMOVE failingSince',
        ConditionExpression: 'attribute_exists(failingSince)',
      }),
    ),
  );
  return !(out instanceof ConditionFailed);
}
