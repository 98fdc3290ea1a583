/** The EventBridge client, created once per container (endpoint from `AWS_ENDPOINT_URL_EVENTBRIDGE` when set). */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { REQUEST_HANDLER } from './request-timeouts.js';

export const eventBridge = new EventBridgeClient({ requestHandler: REQUEST_HANDLER });
