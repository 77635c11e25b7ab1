import cron from 'node-cron';
import type { Schedules } from '../config';
import type { Logger } from '../logger';
import type { Jobs } from './index';

/**
 * Runs the passes on their cron schedules in the workspace timezone. The schedule only decides
 * when a pass looks; what it may send is decided inside the pass (claims, office hours), so a
 * changed cron or an extra replica cannot make anything go out twice or out of hours.
 */
export function startScheduler(jobs: Jobs, schedules: Schedules, timezone: string, logger: Logger): () => Promise<void> {
  const run = (name: string, pass: () => Promise<unknown>) => async () => {
    try {
      const result = await pass();
      logger.debug('scheduled pass done', { job: name, result });
    } catch (error) {
      logger.error('scheduled pass failed', { job: name, error: error instanceof Error ? error.stack : String(error) });
    }
  };
  const options = { timezone, noOverlap: true };
  const tasks = [
    cron.schedule(schedules.digest, run('digest', () => jobs.digest()), { ...options, name: 'digest' }),
    // The reminder schedule also catches up a digest missed while the bot was down.
    cron.schedule(
      schedules.reminders,
      run('reminders', async () => [await jobs.reminders(), await jobs.digest()]),
      { ...options, name: 'reminders' },
    ),
    cron.schedule(schedules.escalations, run('escalations', () => jobs.escalations()), { ...options, name: 'escalations' }),
    cron.schedule(schedules.deliveries, run('deliveries', () => jobs.deliveries()), { ...options, name: 'deliveries' }),
  ];
  // Catch up at start-up rather than waiting for the first tick.
  void run('startup', async () => [await jobs.digest(), await jobs.deliveries()])();
  return async () => {
    for (const task of tasks) await task.destroy();
  };
}
