/** The EventBridge client, created once per container (endpoint from `AWS_ENDPOINT_URL_EVENTBRIDGE` when set). */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';

export const eventBridge = new EventBridgeClient({});
