// Schedule math for cron jobs that run in the team's timezone, with no Slack and no database.
//
// The scheduler fires jobs; this module answers "which slot is this run for?" so a job can be
// recorded under a key and run exactly once per slot, however many instances race for it, and
// so a slot missed while the bot was down can be found and caught up.
//
// A cron names wall-clock times, and daylight saving makes some of them odd: in spring a time
// like 02:30 does not happen at all, in autumn it happens twice. Slots are read on the local
// (wall-clock) time line and then placed on the real one: a skipped time runs at the first
// minute after the gap (03:00 for a skipped 02:30), once; a doubled one at its first occurrence,
// once. Both the catch-up (latestSlotAtOrBefore) and the scheduler (nextSlotAfter) use this.

import { CronExpressionParser, type CronExpression } from 'cron-parser';
import { isValidTimeZone, localParts, offsetShiftNear, wallClockAsUtc, zonedWallTimeToInstant } from './officeHours';

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/** How far back a missed slot is still caught up: a week's worth, plus a day of slack. */
export const CATCH_UP_WINDOW_MS = 8 * DAY_MS;

// A sparse cron (e.g. "Friday the 13th") can need hundreds of candidates between matches.
const MAX_CANDIDATES = 20_000;

interface Compiled {
  /** Generates candidates; every one matches all fields but maybe the day of the month. */
  candidates: CronExpression;
  /** When set, a candidate counts only if this also matches it. */
  alsoMatches?: CronExpression;
}

function restricted(field: string): boolean {
  return field !== '*' && field !== '?';
}

function checkZone(timeZone: string): void {
  if (!isValidTimeZone(timeZone)) {
    throw new Error(`Unknown timezone "${timeZone}": use an IANA name such as Europe/Berlin.`);
  }
}

/** Candidates are generated on the wall-clock time line, read as if it were UTC. */
function compile(cron: string, timeZone: string, options: { currentDate: Date; startDate?: Date }): Compiled {
  checkZone(timeZone);
  const parse = (expression: string): CronExpression => {
    try {
      return CronExpressionParser.parse(expression, { tz: 'UTC', ...options });
    } catch (error) {
      throw new Error(`Invalid cron expression "${cron}": ${(error as Error).message}`);
    }
  };
  const fields = cron.trim().split(/\s+/);
  const dayOfMonth = fields[fields.length - 3];
  const dayOfWeek = fields[fields.length - 1];
  // node-cron, which fires the other jobs, requires BOTH day fields to match when both are set;
  // cron-parser follows classic cron and accepts EITHER. Slots must agree with the scheduler, so
  // generate from the weekday form and keep only candidates the day-of-month form also matches.
  if (
    (fields.length === 5 || fields.length === 6) &&
    dayOfMonth !== undefined &&
    dayOfWeek !== undefined &&
    restricted(dayOfMonth) &&
    restricted(dayOfWeek)
  ) {
    const byWeekday = [...fields];
    byWeekday[fields.length - 3] = '*';
    const byMonthDay = [...fields];
    byMonthDay[fields.length - 1] = '*';
    return { candidates: parse(byWeekday.join(' ')), alsoMatches: parse(byMonthDay.join(' ')) };
  }
  return { candidates: parse(cron) };
}

/**
 * The real instant of a wall-clock time (given as a Date whose UTC fields read it): its first
 * occurrence when it happens twice, the end of the gap when it does not happen at all.
 */
function placed(wall: Date, timeZone: string): Date {
  const minuteOfDay = wall.getUTCHours() * 60 + wall.getUTCMinutes();
  const instant = zonedWallTimeToInstant(wall.getUTCFullYear(), wall.getUTCMonth() + 1, wall.getUTCDate(), minuteOfDay, timeZone);
  const minute = Math.floor(wall.getTime() / MINUTE_MS) * MINUTE_MS;
  const exact = wallClockAsUtc(instant, timeZone) === minute;
  return exact ? new Date(instant.getTime() + (wall.getTime() - minute)) : instant;
}

/** Throws with a readable reason when the expression or timezone can't be used for slots. */
export function assertSchedulable(cron: string, timeZone: string): void {
  compile(cron, timeZone, { currentDate: new Date() });
}

/**
 * The most recent scheduled instant at or before `now`, looking back at most
 * CATCH_UP_WINDOW_MS; null when there was none in that window.
 */
export function latestSlotAtOrBefore(cron: string, timeZone: string, now: Date): Date | null {
  // Wall times up to a clock change ahead of now's can lie before now (the first pass of an
  // autumn hour, seen from the second); placing is monotonic, so the first one found at or
  // before now is the latest.
  checkZone(timeZone);
  const wallNow = wallClockAsUtc(now, timeZone);
  const shift = offsetShiftNear(now, timeZone);
  // cron-parser's prev() is strictly before its current date; slots fall on whole seconds, so
  // starting one millisecond later makes a run exactly on the slot count as that slot.
  const { candidates, alsoMatches } = compile(cron, timeZone, {
    currentDate: new Date(wallNow + shift + 1),
    startDate: new Date(wallNow - CATCH_UP_WINDOW_MS),
  });
  for (let i = 0; i < MAX_CANDIDATES; i++) {
    if (!candidates.hasPrev()) return null;
    const wall = candidates.prev().toDate();
    if (alsoMatches && !alsoMatches.includesDate(wall)) continue;
    const slot = placed(wall, timeZone);
    if (slot.getTime() > now.getTime()) continue;
    return now.getTime() - slot.getTime() <= CATCH_UP_WINDOW_MS ? slot : null;
  }
  return null;
}

/** The first scheduled instant strictly after `now`. */
export function nextSlotAfter(cron: string, timeZone: string, now: Date): Date {
  checkZone(timeZone);
  const wallNow = wallClockAsUtc(now, timeZone);
  const shift = offsetShiftNear(now, timeZone);
  const { candidates, alsoMatches } = compile(cron, timeZone, { currentDate: new Date(wallNow - shift - 1) });
  for (let i = 0; i < MAX_CANDIDATES; i++) {
    const wall = candidates.next().toDate();
    if (alsoMatches && !alsoMatches.includesDate(wall)) continue;
    const slot = placed(wall, timeZone);
    if (slot.getTime() > now.getTime()) return slot;
  }
  throw new Error(`The cron expression "${cron}" has no upcoming run that the scheduler would fire.`);
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/**
 * A stable name for one run of a job, in the job's timezone: `digest:2026-11-23` (day) or
 * `reminders:2026-11-23T09:15` (minute). Keys are wall-clock, so the two 02:30s of an autumn
 * daylight-saving change share a key and the job runs once for them.
 */
export function slotKey(job: string, slot: Date, timeZone: string, granularity: 'day' | 'minute'): string {
  const p = localParts(slot, timeZone);
  const date = `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}`;
  return granularity === 'day' ? `${job}:${date}` : `${job}:${date}T${pad(p.hour)}:${pad(p.minute)}`;
}
