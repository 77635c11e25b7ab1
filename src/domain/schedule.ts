// Schedule math for cron jobs that run in the team's timezone, with no Slack and no database.
//
// The scheduler fires jobs; this module answers "which slot is this run for?" so a job can be
// recorded under a key and run exactly once per slot, however many instances race for it, and
// so a slot missed while the bot was down can be found and caught up.
//
// What an expression means is node-cron's to say, since node-cron fires the jobs: it parses and
// validates the text (readCron, the only check config makes), and its own matcher decides which
// days match. That matcher runs here on the wall-clock time line (read as UTC), so it never sees
// daylight saving; the times it names are then placed on the real time line by ./time's one
// rule: a time the clocks skip runs at the first instant after the gap (03:00 for a skipped
// 02:30), once; a time that happens twice runs at its first occurrence, once. node-cron itself
// never fires a skipped time, which is why the digest runs on its own timer (jobs/scheduler.ts).

import { createTask, validateDetailed, type ScheduledTask } from 'node-cron';
import {
  formatLocalDate,
  formatLocalTime,
  instantOfWallClock,
  isValidTimeZone,
  localParts,
  offsetShiftNear,
  wallClockAsUtc,
  wallParts,
} from './time';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;
const SECOND_MS = 1000;

/** How far back a missed slot is still caught up: a week's worth, plus a day of slack. */
export const CATCH_UP_WINDOW_MS = 8 * DAY_MS;

// The search for a next run gives up after this many days: the calendar's dates and weekdays
// repeat every 28 years (1901-2099), so an expression that has not come round by then never will
// ("the 29th of February, a Monday" waits up to 28 years).
const HORIZON_DAYS = 29 * 366;

/** One expression, read once: the times of day it names and node-cron's matcher for its days. */
interface Cron {
  seconds: number[];
  minutes: number[];
  hours: number[];
  months: Set<number>;
  /** node-cron's matcher, in UTC so the Dates it is given are wall-clock times. */
  matcher: Pick<ScheduledTask, 'match'>;
  /** node-cron's verdict per day (Date.UTC of its midnight): asked again on every tick. */
  days: Map<number, boolean>;
}

const MAX_CACHED_DAYS = 4096;

interface Unreadable {
  /** Why, as the end of a sentence: "61 is a invalid expression for minute". */
  reason: string;
  /** The whole sentence, for the person who wrote the expression. */
  problem: string;
}

const crons = new Map<string, Cron | Unreadable>();

const ascending = (values: readonly (number | string)[]): number[] => [...new Set(values.map(Number))].sort((a, b) => a - b);

/** The expression as node-cron reads it, or why it cannot be used. */
function readCron(expression: string): Cron | Unreadable {
  const known = crons.get(expression);
  if (known !== undefined) return known;
  let result: Cron | Unreadable;
  const validation = validateDetailed(expression);
  if (!validation.valid || !validation.fields) {
    const reason = validation.errors[0]?.message ?? 'not understood';
    result = { reason, problem: `"${expression}" is not a cron expression (${reason})` };
  } else {
    const { second, minute, hour, month } = validation.fields;
    // A task that is never started, only asked whether a time matches; destroyed at once so it
    // does not sit in node-cron's registry (its matcher works all the same).
    const task = createTask(expression, () => undefined, { timezone: 'UTC' });
    void task.destroy();
    const cron: Cron = {
      seconds: ascending(second),
      minutes: ascending(minute),
      hours: ascending(hour),
      months: new Set(ascending(month)),
      matcher: task,
      days: new Map(),
    };
    // Any start would do: the horizon is a whole calendar cycle.
    result =
      firstWallAfter(cron, Date.now()) === null
        ? { reason: 'it names no date that ever comes', problem: `"${expression}" never runs: it names no date that ever comes` }
        : cron;
  }
  crons.set(expression, result);
  return result;
}

const unreadable = (cron: Cron | Unreadable): cron is Unreadable => 'problem' in cron;

/**
 * Why the scheduler cannot run `expression`, in a sentence; null when it can. Configuration
 * checks each expression here, once: the same reading fires the jobs and computes their slots.
 */
export function cronProblem(expression: string): string | null {
  const cron = readCron(expression);
  return unreadable(cron) ? cron.problem : null;
}

function cronOrThrow(expression: string, timeZone: string): Cron {
  if (!isValidTimeZone(timeZone)) {
    throw new Error(`Unknown timezone "${timeZone}": use an IANA name such as Europe/Berlin.`);
  }
  const cron = readCron(expression);
  if (unreadable(cron)) throw new Error(`Invalid cron expression "${expression}": ${cron.reason}.`);
  return cron;
}

/** Throws with a readable reason when the expression or timezone can't be used for slots. */
export function assertSchedulable(cron: string, timeZone: string): void {
  cronOrThrow(cron, timeZone);
}

// ---------------------------------------------------------------------------------------------
// The wall-clock time line: Date.UTC(...) numbers that read as the team's clock.

function dayMatches(cron: Cron, dayStart: number): boolean {
  if (!cron.months.has(new Date(dayStart).getUTCMonth() + 1)) return false;
  let matches = cron.days.get(dayStart);
  if (matches === undefined) {
    if (cron.days.size >= MAX_CACHED_DAYS) cron.days.clear();
    // The first time of day the expression names matches by construction, so the answer is
    // node-cron's verdict on the day (day of month AND day of week, L, W, #).
    const first = dayStart + cron.hours[0]! * HOUR_MS + cron.minutes[0]! * MINUTE_MS + cron.seconds[0]! * SECOND_MS;
    matches = cron.matcher.match(new Date(first));
    cron.days.set(dayStart, matches);
  }
  return matches;
}

/** The first wall-clock time the expression names strictly after `wall`, or null within the horizon. */
function firstWallAfter(cron: Cron, wall: number): number | null {
  const firstDay = Math.floor(wall / DAY_MS) * DAY_MS;
  for (let i = 0, dayStart = firstDay; i < HORIZON_DAYS; i++, dayStart += DAY_MS) {
    if (!dayMatches(cron, dayStart)) continue;
    for (const hour of cron.hours) {
      if (dayStart + (hour + 1) * HOUR_MS <= wall) continue;
      for (const minute of cron.minutes) {
        for (const second of cron.seconds) {
          const t = dayStart + hour * HOUR_MS + minute * MINUTE_MS + second * SECOND_MS;
          if (t > wall) return t;
        }
      }
    }
  }
  return null;
}

/** The last wall-clock time the expression names at or before `wall`, not before `floor`. */
function lastWallAtOrBefore(cron: Cron, wall: number, floor: number): number | null {
  for (let dayStart = Math.floor(wall / DAY_MS) * DAY_MS; dayStart + DAY_MS > floor; dayStart -= DAY_MS) {
    if (!dayMatches(cron, dayStart)) continue;
    for (let h = cron.hours.length - 1; h >= 0; h--) {
      const hour = cron.hours[h]!;
      if (dayStart + hour * HOUR_MS > wall) continue;
      for (let m = cron.minutes.length - 1; m >= 0; m--) {
        for (let s = cron.seconds.length - 1; s >= 0; s--) {
          const t = dayStart + hour * HOUR_MS + cron.minutes[m]! * MINUTE_MS + cron.seconds[s]! * SECOND_MS;
          if (t <= wall) return t >= floor ? t : null;
        }
      }
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Slots: wall-clock times placed on the real time line.

/**
 * A scheduled run: the instant it runs, carrying the wall-clock time its expression named, so a
 * time that daylight saving skipped is still keyed by its own day (see slotKey).
 */
export type Slot = Date & { readonly wall: number };

function slot(instant: Date, wall: number): Slot {
  return Object.assign(instant, { wall });
}

/**
 * The most recent scheduled instant at or before `now`, looking back at most
 * CATCH_UP_WINDOW_MS; null when there was none in that window. Where the clocks skip several
 * named times, they are one run, named by the first of them.
 */
export function latestSlotAtOrBefore(expression: string, timeZone: string, now: Date): Slot | null {
  const cron = cronOrThrow(expression, timeZone);
  // Wall times up to a clock change ahead of now's can lie before now (the first pass of an
  // autumn hour, seen from the second); placing is monotonic, so the first one found at or
  // before now is the latest.
  const wallNow = wallClockAsUtc(now, timeZone);
  const shift = offsetShiftNear(now, timeZone);
  const floor = wallNow - CATCH_UP_WINDOW_MS;
  let bound = wallNow + shift;
  for (;;) {
    const wall = lastWallAtOrBefore(cron, bound, floor);
    if (wall === null) return null;
    const at = instantOfWallClock(wall, timeZone);
    if (at.getTime() > now.getTime()) {
      bound = wall - 1;
      continue;
    }
    if (now.getTime() - at.getTime() > CATCH_UP_WINDOW_MS) return null;
    let first = wall;
    // Earlier named times share this instant only when they all fell in one gap: near a change.
    while (offsetShiftNear(at, timeZone) > 0) {
      const earlier = lastWallAtOrBefore(cron, first - 1, floor);
      if (earlier === null || instantOfWallClock(earlier, timeZone).getTime() !== at.getTime()) break;
      first = earlier;
    }
    return slot(at, first);
  }
}

/** The first scheduled instant strictly after `now`. */
export function nextSlotAfter(expression: string, timeZone: string, now: Date): Slot {
  const cron = cronOrThrow(expression, timeZone);
  const wallNow = wallClockAsUtc(now, timeZone);
  const shift = offsetShiftNear(now, timeZone);
  let bound = wallNow - shift - 1;
  for (;;) {
    const wall = firstWallAfter(cron, bound);
    if (wall === null) throw new Error(`The cron expression "${expression}" has no upcoming run.`);
    const at = instantOfWallClock(wall, timeZone);
    if (at.getTime() > now.getTime()) return slot(at, wall);
    bound = wall;
  }
}

/**
 * A stable name for one run of a job, in the job's timezone: `digest:2026-11-23` (day) or
 * `reminders:2026-11-23T09:15` (minute). Keys are wall-clock, so the two 02:30s of an autumn
 * daylight-saving change share a key and the job runs once for them. A slot is keyed by the time
 * its expression named (a 23:30 that the clocks skip, run at the next midnight, is still that
 * day's); any other instant by what the clock showed.
 */
export function slotKey(job: string, slot: Date | Slot, timeZone: string, granularity: 'day' | 'minute'): string {
  const p = 'wall' in slot ? wallParts(slot.wall) : localParts(slot, timeZone);
  const date = formatLocalDate(p);
  return granularity === 'day' ? `${job}:${date}` : `${job}:${date}T${formatLocalTime(p)}`;
}
