/** EventBridge-scheduled: queues checks for every domain that is due. */
import { enqueueDueChecks } from '../src/services/scheduler.js';
import { logger } from '../src/observability.js';

export const handler = async () => {
  const run = await enqueueDueChecks();
  logger.info('scheduled checks queued', { ...run });
  return run;
};
