/**
 * Tells the operator, on EventBridge, that the service switched a webhook endpoint off: a rule can
 * page someone or write to the team. The event names the team, the endpoint and why; never its URL
 * (which may carry the customer's own token) nor its secret.
 */
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { deliveryConfig } from '../config.js';
import { WEBHOOK_DISABLED_DETAIL_TYPE } from '../deployment.js';
import { eventBridge } from './eventbridge-client.js';

const config = deliveryConfig();

export interface WebhookDisabled {
  readonly teamId: string;
  readonly webhookId: string;
  readonly reason: string;
  /** When the run of failures began; null when one answer (a 410) was enough. */
  readonly failingSince: string | null;
  readonly at: string;
}

export async function publishWebhookDisabled(e: WebhookDisabled): Promise<void> {
  const out = await eventBridge.send(
    new PutEventsCommand({
      Entries: [
        {
          Source: config.eventSource,
          DetailType: WEBHOOK_DISABLED_DETAIL_TYPE,
          Detail: JSON.stringify({
            team_id: e.teamId,
            webhook_id: e.webhookId,
            reason: e.reason,
            failing_since: e.failingSince,
            disabled_at: e.at,
          }),
          EventBusName: config.eventBusName,
          Resources: [],
          Time: new Date(e.at),
        },
      ],
    }),
  );
  if ((out.FailedEntryCount ?? 0) > 0) {
    throw new Error(`EventBridge refused the webhook disabled event: ${out.Entries?.[0]?.ErrorCode ?? 'unknown'}`);
  }
}
