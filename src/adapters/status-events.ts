/** Publishes status changes to EventBridge, so the platform can notify customers without polling. */
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { verifierConfig } from '../config.js';
import { eventDetail, STATUS_EVENT_DETAIL_TYPE, type StatusChange } from '../domain/status-change.js';
import { eventBridge } from './eventbridge-client.js';

const config = verifierConfig();

export async function publishStatusChange(c: StatusChange): Promise<void> {
  const out = await eventBridge.send(
    new PutEventsCommand({
      Entries: [
        {
          Source: config.EVENT_SOURCE,
          DetailType: STATUS_EVENT_DETAIL_TYPE,
          Detail: JSON.stringify(eventDetail(c)),
          EventBusName: config.EVENT_BUS_NAME,
          Resources: [],
          Time: new Date(c.at),
        },
      ],
    }),
  );
  if ((out.FailedEntryCount ?? 0) > 0) {
    throw new Error(`EventBridge refused the status event: ${out.Entries?.[0]?.ErrorCode ?? 'unknown'}`);
  }
}
