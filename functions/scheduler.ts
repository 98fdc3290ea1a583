/**
 * EventBridge-scheduled: queues checks for every domain that is due at the event's scheduled time
 * (`time`), which is also what lets a test run the schedule at a moment it chooses.
 */
import type { ScheduledEvent } from 'aws-lambda';
import { logger } from '../src/observability.js';
import { enqueueDueChecks } from '../src/services/scheduler.js';

export const handler = async (event: Partial<ScheduledEvent> = {}) => {
  const at = event.time ? Date.parse(event.time) : Date.now();
  const run = await enqueueDueChecks(Number.isNaN(at) ? Date.now() : at);
  logger.info('scheduled checks queued', { ...run });
  return run;
};
