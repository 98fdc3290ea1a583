/**
 * EventBridge-scheduled: queues checks for every domain that is due at the event's scheduled time
 * (`time`), which is also what lets a test run the schedule at a moment it chooses; then reports how
 * full each SES cell is.
 */
import type { ScheduledEvent } from 'aws-lambda';
import { logger } from '../src/observability.js';
import { reportCellFill } from '../src/services/cell-fill.js';
import { enqueueDueChecks } from '../src/services/scheduler.js';

export const handler = async (event: Partial<ScheduledEvent> = {}) => {
  const at = event.time ? Date.parse(event.time) : Date.now();
  const run = await enqueueDueChecks(Number.isNaN(at) ? Date.now() : at);
  logger.info('scheduled checks queued', { ...run });
  // After the checks: a failure to read the counters must not hold re-verification up.
  const cells = await reportCellFill().catch((err: unknown) => {
    logger.error('cell fill not reported', { error: err as Error });
    return [];
  });
  if (cells.length > 0) logger.info('cell fill', { cells });
  return run;
};
