import cron from 'node-cron';
import type { Schedules } from '../config';
import { nextSlotAfter } from '../domain/schedule';
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
  const digest = atEachSlot(
    schedules.digest,
    timezone,
    run('digest', () => jobs.digest()),
  );
  // The weekly insights post, placed like the digest (INSIGHTS_CRON=off: none).
  const insights = schedules.insights
    ? atEachSlot(
        schedules.insights,
        timezone,
        run('insights', () => jobs.insights()),
      )
    : null;
  const tasks = [
    // The reminder schedule also catches up a digest missed while the bot was down.
    cron.schedule(
      schedules.reminders,
      run('reminders', async () => [await jobs.reminders(), await jobs.checkIns(), await jobs.digest()]),
      { ...options, name: 'reminders' },
    ),
    cron.schedule(
      schedules.escalations,
      run('escalations', () => jobs.escalations()),
      { ...options, name: 'escalations' },
    ),
    cron.schedule(
      schedules.deliveries,
      run('deliveries', () => jobs.deliveries()),
      { ...options, name: 'deliveries' },
    ),
  ];
  // Catch up at start-up rather than waiting for the first tick.
  void run('startup', async () => [await jobs.digest(), await jobs.insights(), await jobs.deliveries()])();
  return async () => {
    digest.stop();
    insights?.stop();
    for (const task of tasks) await task.destroy();
  };
}

// Timers are re-armed at least this often, so a changed system clock is noticed.
const MAX_TIMER_MS = 60 * 60_000;

/**
 * Runs `pass` at each slot of `cron` as the slot calculator places it. The digest runs this way
 * rather than on node-cron, which never fires a wall-clock time that daylight saving skips: a
 * 02:30 digest on the night clocks go forward would not go out at all. Here it goes out at the
 * first minute after the gap, and the same calculator keys it, so it goes out once.
 */
function atEachSlot(expression: string, timeZone: string, pass: () => Promise<void>): { stop(): void } {
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  const arm = () => {
    if (stopped) return;
    const now = Date.now();
    const due = nextSlotAfter(expression, timeZone, new Date(now)).getTime();
    timer = setTimeout(
      () => {
        if (Date.now() < due) {
          arm();
          return;
        }
        void pass().finally(arm);
      },
      Math.min(due - now, MAX_TIMER_MS),
    );
    timer.unref?.();
  };
  arm();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
