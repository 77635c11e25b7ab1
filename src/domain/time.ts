// Time in a named time zone, with no Slack and no database: every conversion between an instant
// and the wall-clock time the team reads, and the one cache of Intl formatters.
//
// Everything goes through Intl.DateTimeFormat rather than fixed offsets: an offset taken once is
// wrong for half the year wherever daylight saving time applies, and the team's "9 o'clock" is a
// wall-clock time, not a UTC one.
//
// The rule for wall-clock times that daylight saving makes odd:
//   A wall-clock time means the first instant at which the zone's clock reads that time or later.
// So a time skipped when clocks go forward means the first instant after the gap (02:30 on the
// night 02:00 jumps to 03:00 means 03:00), and a time that happens twice when clocks go back
// means its first occurrence (the earlier 02:30). One sentence covers both, so office openings,
// digest slots and due dates cannot pick different answers on the same night, and it is
// monotonic: a later wall-clock time never maps to an earlier instant.
//
// A local day runs from its first instant (its midnight by the rule above) up to the next day's
// first instant. Its end is therefore not "23:59:59 by the rule": where clocks go back at
// midnight (Cairo, Beirut) that would be the first of two 23:59:59s, an hour early; where they
// jump from 23:00 to 00:00 (Nuuk) it would be in the next day.

const SECOND_MS = 1000;
const DAY_MS = 86_400_000;

/** A calendar date, with no time zone: 1 ≤ month ≤ 12. */
export interface LocalDate {
  year: number;
  month: number;
  day: number;
}

export interface LocalParts extends LocalDate {
  hour: number;
  minute: number;
  /** 1 = Monday … 7 = Sunday. */
  isoWeekday: number;
}

// ---------------------------------------------------------------------------------------------
// Formatters.

// Building an Intl.DateTimeFormat costs far more than using one (it was most of a digest's render
// time, and schedulers read the clock every tick): one per options, locale and zone, made once.
// Options are told apart by identity, so callers pass module-level constants.
const formatters = new WeakMap<Intl.DateTimeFormatOptions, Map<string, Intl.DateTimeFormat>>();

/**
 * The one cached Intl.DateTimeFormat for `options` in `timeZone`. Throws a RangeError for a zone
 * Intl does not know; display code that must not fail catches it and asks for UTC.
 */
export function dateTimeFormat(timeZone: string, options: Intl.DateTimeFormatOptions, locale = 'en-GB'): Intl.DateTimeFormat {
  let byZone = formatters.get(options);
  if (!byZone) {
    byZone = new Map();
    formatters.set(options, byZone);
  }
  const key = `${locale}|${timeZone}`;
  let found = byZone.get(key);
  if (!found) {
    found = new Intl.DateTimeFormat(locale, { ...options, timeZone });
    byZone.set(key, found);
  }
  return found;
}

/** dateTimeFormat for text people read: an unknown zone reads as UTC rather than failing the message. */
export function displayDateTimeFormat(timeZone: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  try {
    return dateTimeFormat(timeZone, options);
  } catch {
    return dateTimeFormat('UTC', options);
  }
}

const WALL_CLOCK: Intl.DateTimeFormatOptions = {
  // hourCycle h23, not hour12: false: the latter renders midnight as "24" in some engines.
  hourCycle: 'h23',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
  second: 'numeric',
};

/** True when Intl knows the zone (an IANA name such as "Europe/Berlin", or "UTC"). */
export function isValidTimeZone(timeZone: string): boolean {
  if (typeof timeZone !== 'string' || timeZone.trim() === '') return false;
  try {
    dateTimeFormat(timeZone, WALL_CLOCK, 'en-US');
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Calendar dates (no zone involved).

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** The calendar date and time of a wall-clock time given as a Date.UTC(...) number. */
export function wallParts(wall: number): LocalParts {
  const w = new Date(wall);
  return {
    year: w.getUTCFullYear(),
    month: w.getUTCMonth() + 1,
    day: w.getUTCDate(),
    hour: w.getUTCHours(),
    minute: w.getUTCMinutes(),
    // From the calendar date rather than a localised day name.
    isoWeekday: w.getUTCDay() || 7,
  };
}

/** The date `days` after (or before) `date`, by the calendar: a day is a day, 23 hours or 25. */
export function addDays(date: LocalDate, days: number): LocalDate & { isoWeekday: number } {
  // Date.UTC normalises day overflow, giving plain calendar arithmetic with no zone involved.
  const { year, month, day, isoWeekday } = wallParts(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year, month, day, isoWeekday };
}

/** 'YYYY-MM-DD'. */
export function formatLocalDate(date: LocalDate): string {
  return `${pad(date.year, 4)}-${pad(date.month)}-${pad(date.day)}`;
}

/** 'HH:MM', 24-hour. */
export function formatLocalTime(time: { hour: number; minute: number }): string {
  return `${pad(time.hour)}:${pad(time.minute)}`;
}

/** 'YYYY-MM-DD' (a Slack date picker's value) as a calendar date; null unless it is a real one. */
export function parseLocalDate(text: string): LocalDate | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return null;
  const date = { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
  const check = addDays(date, 0);
  return check.year === date.year && check.month === date.month && check.day === date.day ? date : null;
}

// ---------------------------------------------------------------------------------------------
// Instant → wall clock.

/** The wall clock of a whole-second instant, read from Intl as if it were UTC. */
function wallAsUtc(instant: number, timeZone: string): number {
  const values: Record<string, number> = {};
  for (const part of dateTimeFormat(timeZone, WALL_CLOCK, 'en-US').formatToParts(new Date(instant))) {
    if (part.type !== 'literal') values[part.type] = Number(part.value);
  }
  return Date.UTC(values.year!, values.month! - 1, values.day!, values.hour!, values.minute!, values.second!);
}

function offsetAt(instant: number, timeZone: string): number {
  // The formatter drops sub-second precision; offsets are whole seconds.
  const whole = Math.floor(instant / SECOND_MS) * SECOND_MS;
  return wallAsUtc(whole, timeZone) - whole;
}

// Offsets at UTC midnights, per zone, asked of Intl once: the same few days come up on every
// scheduler tick and every slot, and away from a clock change they answer without formatting.
const midnightOffsets = new Map<string, Map<number, number>>();
const MAX_CACHED_DAYS = 4096;

function offsetAtMidnight(day: number, timeZone: string): number {
  const days = midnightOffsets.get(timeZone);
  const known = days?.get(day);
  if (known !== undefined) return known;
  // Asked first, so a zone Intl refuses leaves nothing behind.
  const offset = offsetAt(day * DAY_MS, timeZone);
  if (!days) midnightOffsets.set(timeZone, new Map([[day, offset]]));
  else {
    if (days.size >= MAX_CACHED_DAYS) days.clear();
    days.set(day, offset);
  }
  return offset;
}

/**
 * The zone's offsets at the UTC midnights a day or more before and after `instant` (or a
 * wall-clock time: no zone is more than 14 hours from UTC). They are equal exactly when no clock
 * change lies in between, because no zone changes its clocks twice within four days (none has
 * since 1970 in the time zone data; the sweep test checks every zone for the years it covers).
 */
function offsetsAround(instant: number, timeZone: string): [number, number] {
  const day = Math.floor(instant / DAY_MS);
  return [offsetAtMidnight(day - 1, timeZone), offsetAtMidnight(day + 2, timeZone)];
}

/**
 * The wall clock of an instant in `timeZone`, to the millisecond, as a number comparable with
 * Date.UTC(...) values: the "naive" local time line that schedules are read on.
 */
export function wallClockAsUtc(instant: Date, timeZone: string): number {
  const t = instant.getTime();
  const [before, after] = offsetsAround(t, timeZone);
  return t + (before === after ? before : offsetAt(t, timeZone));
}

/** How far the zone's UTC offset moves within a day or so of `instant` (0 away from any change). */
export function offsetShiftNear(instant: Date, timeZone: string): number {
  const [before, after] = offsetsAround(instant.getTime(), timeZone);
  return Math.abs(after - before);
}

/** The calendar date and wall-clock time of `now` in `timeZone`. */
export function localParts(now: Date, timeZone: string): LocalParts {
  return wallParts(wallClockAsUtc(now, timeZone));
}

/** 'YYYY-MM-DD' of `now` in `timeZone`: the team's "today", which is not UTC's. */
export function localDate(now: Date, timeZone: string): string {
  return formatLocalDate(localParts(now, timeZone));
}

// ---------------------------------------------------------------------------------------------
// Wall clock → instant, by the rule at the top of this file.

/**
 * The first instant at which the clock in `timeZone` reads `wall` (a wall-clock time as a
 * Date.UTC(...) number) or later: the instant itself for an ordinary time, the first of the two
 * for a time that happens twice, the first instant after the gap for one that is skipped.
 */
export function instantOfWallClock(wall: number, timeZone: string): Date {
  const [before, after] = offsetsAround(wall, timeZone);
  if (before === after) return new Date(wall - before);

  // Near a change: the wall time read with the offset before it and with the offset after it.
  const guesses = [wall - before, wall - after].sort((a, b) => a - b);
  const exact = guesses.find((t) => t + offsetAt(t, timeZone) === wall);
  if (exact !== undefined) return new Date(exact);

  // A gap: before the change the clock reads earlier than `wall`, from it on later. Changes fall
  // on whole seconds, so a binary search over seconds finds the first instant after the gap.
  let lo = Math.floor(guesses[0]! / SECOND_MS) * SECOND_MS;
  let hi = Math.ceil(guesses[1]! / SECOND_MS) * SECOND_MS;
  while (hi - lo > SECOND_MS) {
    const mid = lo + Math.floor((hi - lo) / 2 / SECOND_MS) * SECOND_MS;
    if (wallAsUtc(mid, timeZone) >= wall) hi = mid;
    else lo = mid;
  }
  return new Date(hi);
}

/** The instant of `minuteOfDay` on a calendar date in `timeZone`, by the rule. */
export function zonedWallTimeToInstant(year: number, month: number, day: number, minuteOfDay: number, timeZone: string): Date {
  return instantOfWallClock(Date.UTC(year, month - 1, day, 0, minuteOfDay), timeZone);
}

/** The first instant of a local day: its midnight, or the end of the gap where midnight is skipped. */
export function startOfLocalDay(date: LocalDate, timeZone: string): Date {
  return instantOfWallClock(Date.UTC(date.year, date.month - 1, date.day), timeZone);
}

/**
 * The last whole second of a local day: one second before the next day begins. "Due on Friday"
 * means by the end of Friday where the team works, however long daylight saving makes Friday.
 */
export function endOfLocalDay(date: LocalDate, timeZone: string): Date {
  return new Date(startOfLocalDay(addDays(date, 1), timeZone).getTime() - SECOND_MS);
}
