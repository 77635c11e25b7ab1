// Office hours and wall-clock time in a named timezone, with no Slack and no database.
//
// Everything goes through Intl.DateTimeFormat rather than fixed offsets: an offset taken once is
// wrong for half the year wherever daylight saving time applies, and the team's "9 o'clock" is
// a wall-clock time, not a UTC one.

export interface OfficeHours {
  /** Minutes after local midnight when the office opens (inclusive). */
  startMinute: number;
  /** Minutes after local midnight when it closes (exclusive); 1440 means midnight at day's end. */
  endMinute: number;
  /** ISO weekdays the office is open: 1 = Monday … 7 = Sunday, ascending, no duplicates. */
  days: number[];
}

export interface LocalParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  /** 1 = Monday … 7 = Sunday. */
  isoWeekday: number;
}

const MINUTE_MS = 60_000;
const DAY_MINUTES = 24 * 60;

const DAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const FULL_DAY_NAMES = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];

// Building a DateTimeFormat costs far more than using one; schedulers call these every tick.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      // hourCycle h23, not hour12: false: the latter renders midnight as "24" in some engines.
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** True when Intl knows the zone (an IANA name such as "Europe/Berlin", or "UTC"). */
export function isValidTimeZone(timeZone: string): boolean {
  if (typeof timeZone !== 'string' || timeZone.trim() === '') return false;
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

interface WallClock extends LocalParts {
  second: number;
}

function wallClock(instant: number, timeZone: string): WallClock {
  const values: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(instant))) {
    if (part.type !== 'literal') values[part.type] = Number(part.value);
  }
  const year = values.year!;
  const month = values.month!;
  const day = values.day!;
  // Weekday from the calendar date, not from a localised name that could change with locale data.
  const weekday = new Date(Date.UTC(year, month - 1, day)).getUTCDay();
  return {
    year,
    month,
    day,
    hour: values.hour!,
    minute: values.minute!,
    second: values.second!,
    isoWeekday: weekday === 0 ? 7 : weekday,
  };
}

/** The calendar date and wall-clock time of `now` in `timeZone`. */
export function localParts(now: Date, timeZone: string): LocalParts {
  const { year, month, day, hour, minute, isoWeekday } = wallClock(now.getTime(), timeZone);
  return { year, month, day, hour, minute, isoWeekday };
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** 'YYYY-MM-DD' of `now` in `timeZone`: the team's "today", which is not UTC's. */
export function localDate(now: Date, timeZone: string): string {
  const p = localParts(now, timeZone);
  return `${pad(p.year, 4)}-${pad(p.month)}-${pad(p.day)}`;
}

/** The wall clock of an instant, read as if it were UTC: comparable with Date.UTC(...) values. */
function wallAsUtc(instant: number, timeZone: string): number {
  const w = wallClock(instant, timeZone);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
}

/**
 * The wall clock of an instant in `timeZone`, to the millisecond, as a number comparable with
 * Date.UTC(...) values: the "naive" local time line that schedules are read on.
 */
export function wallClockAsUtc(instant: Date, timeZone: string): number {
  const ms = instant.getTime();
  const whole = Math.floor(ms / 1000) * 1000;
  return wallAsUtc(whole, timeZone) + (ms - whole);
}

/** How far the zone's UTC offset moves within a day of `instant` (0 away from any change). */
export function offsetShiftNear(instant: Date, timeZone: string): number {
  const t = instant.getTime();
  const offsets = [offsetAt(t - DAY_MINUTES * MINUTE_MS, timeZone), offsetAt(t, timeZone), offsetAt(t + DAY_MINUTES * MINUTE_MS, timeZone)];
  return Math.max(...offsets) - Math.min(...offsets);
}

function offsetAt(instant: number, timeZone: string): number {
  // Sub-second precision is dropped by the formatter; compare whole seconds.
  const whole = Math.floor(instant / 1000) * 1000;
  return wallAsUtc(whole, timeZone) - whole;
}

/**
 * The earliest instant whose wall clock in `timeZone` reads the given date and minute, or (when
 * that wall time is skipped by a spring-forward change) the first instant after the gap.
 * When the wall time happens twice (autumn), the earlier one is returned.
 */
export function zonedWallTimeToInstant(
  year: number,
  month: number,
  day: number,
  minuteOfDay: number,
  timeZone: string,
): Date {
  const wall = Date.UTC(year, month - 1, day, 0, minuteOfDay);
  // Offsets a day either side cover any single transition near this wall time.
  const offsets = new Set([
    offsetAt(wall - DAY_MINUTES * MINUTE_MS, timeZone),
    offsetAt(wall, timeZone),
    offsetAt(wall + DAY_MINUTES * MINUTE_MS, timeZone),
  ]);
  const guesses = [...offsets].map((offset) => wall - offset).sort((a, b) => a - b);
  const exact = guesses.find((t) => wallAsUtc(t, timeZone) === wall);
  if (exact !== undefined) return new Date(exact);

  // A gap: before the transition the wall clock reads earlier than `wall`, after it later.
  // Transitions fall on whole minutes, so a binary search over minutes finds it exactly.
  let lo = guesses[0]!;
  let hi = guesses[guesses.length - 1]!;
  while (hi - lo > MINUTE_MS) {
    const mid = lo + Math.floor((hi - lo) / 2 / MINUTE_MS) * MINUTE_MS;
    if (wallAsUtc(mid, timeZone) >= wall) hi = mid;
    else lo = mid;
  }
  return new Date(hi);
}

// ---------------------------------------------------------------------------------------------
// Parsing the configuration text.

function parseClock(text: string): number | null {
  const match = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  if (!match) return null;
  const hour = Number(match[1]);
  const minute = Number(match[2]);
  if (minute > 59) return null;
  if (hour === 24 && minute === 0) return DAY_MINUTES;
  if (hour > 23) return null;
  return hour * 60 + minute;
}

/** "09:00-18:00" → minutes after midnight, or an error sentence. */
export function parseOfficeHoursRange(hours: string): { startMinute: number; endMinute: number } | string {
  const parts = hours.split('-');
  if (parts.length !== 2) {
    return `"${hours}" is not a time range: write it as HH:MM-HH:MM, e.g. 09:00-18:00.`;
  }
  const startMinute = parseClock(parts[0]!);
  const endMinute = parseClock(parts[1]!);
  if (startMinute === null || endMinute === null) {
    return `"${hours}" is not a time range: write it as HH:MM-HH:MM with 24-hour times, e.g. 09:00-18:00.`;
  }
  if (startMinute === DAY_MINUTES) return `"${hours}" opens at 24:00; the day starts at 00:00.`;
  // Overnight ranges would make "which day's hours" ambiguous for the office days.
  if (endMinute <= startMinute) {
    return `"${hours}" closes before it opens: the closing time must be later the same day (use 24:00 for midnight).`;
  }
  return { startMinute, endMinute };
}

function dayIndex(name: string): number | null {
  const lower = name.trim().toLowerCase();
  const short = DAY_NAMES.indexOf(lower as (typeof DAY_NAMES)[number]);
  if (short >= 0) return short + 1;
  const full = FULL_DAY_NAMES.indexOf(lower);
  return full >= 0 ? full + 1 : null;
}

/** "mon-fri", "mon,tue,thu-sat", "fri-mon" (ranges may wrap past Sunday) → ISO weekdays. */
export function parseOfficeDays(days: string): number[] | string {
  const selected = new Set<number>();
  const items = days.split(',').map((item) => item.trim());
  if (items.every((item) => item === '')) {
    return 'No office days given: list days or ranges, e.g. mon-fri or mon,tue,thu-sat.';
  }
  for (const item of items) {
    if (item === '') continue;
    const ends = item.split('-');
    if (ends.length > 2) return `"${item}" is not a day or a day range: write e.g. mon or thu-sat.`;
    const first = dayIndex(ends[0]!);
    const last = ends.length === 2 ? dayIndex(ends[1]!) : first;
    if (first === null || last === null) {
      return `"${item}" is not a day or a day range: use mon, tue, wed, thu, fri, sat, sun (e.g. mon-fri).`;
    }
    for (let d = first, steps = 0; steps < 7; d = (d % 7) + 1, steps++) {
      selected.add(d);
      if (d === last) break;
    }
  }
  return [...selected].sort((a, b) => a - b);
}

/** Parses OFFICE_HOURS and OFFICE_DAYS together; returns the error text when either is wrong. */
export function parseOfficeHours(hours: string, days: string): OfficeHours | string {
  const range = parseOfficeHoursRange(hours);
  const dayList = parseOfficeDays(days);
  const errors = [typeof range === 'string' ? range : null, typeof dayList === 'string' ? dayList : null].filter(
    (e): e is string => e !== null,
  );
  if (errors.length > 0) return errors.join(' ');
  const { startMinute, endMinute } = range as { startMinute: number; endMinute: number };
  return { startMinute, endMinute, days: dayList as number[] };
}

// ---------------------------------------------------------------------------------------------
// Asking the clock.

export function isWithinOfficeHours(now: Date, timeZone: string, hours: OfficeHours): boolean {
  const p = localParts(now, timeZone);
  if (!hours.days.includes(p.isoWeekday)) return false;
  const minute = p.hour * 60 + p.minute;
  return minute >= hours.startMinute && minute < hours.endMinute;
}

/**
 * When the office next opens: `now` itself during office hours, otherwise the next opening on an
 * office day. Computed per local calendar day, so a 09:00 opening stays 09:00 on both sides of a
 * daylight-saving change.
 */
export function nextOfficeOpening(now: Date, timeZone: string, hours: OfficeHours): Date {
  if (isWithinOfficeHours(now, timeZone, hours)) return now;
  const today = localParts(now, timeZone);
  // Eight days: today (if it opens later) plus a full week covers any non-empty set of days.
  for (let offset = 0; offset <= 7; offset++) {
    // Date.UTC normalises day overflow, giving plain calendar arithmetic with no zone involved.
    const date = new Date(Date.UTC(today.year, today.month - 1, today.day + offset));
    const weekday = date.getUTCDay() === 0 ? 7 : date.getUTCDay();
    if (!hours.days.includes(weekday)) continue;
    const opening = zonedWallTimeToInstant(
      date.getUTCFullYear(),
      date.getUTCMonth() + 1,
      date.getUTCDate(),
      hours.startMinute,
      timeZone,
    );
    // A window lying wholly inside a spring-forward gap does not happen that day.
    if (opening.getTime() > now.getTime() && isWithinOfficeHours(opening, timeZone, hours)) return opening;
  }
  throw new Error('Office hours have no office days, so the office never opens.');
}

/** "Tomorrow" for a snooze: when office hours open on the next working day after today. */
export function startOfNextWorkingDay(now: Date, timeZone: string, hours: OfficeHours): Date {
  const tomorrow = localParts(new Date(now.getTime() + 24 * 3_600_000), timeZone);
  const midnight = zonedWallTimeToInstant(tomorrow.year, tomorrow.month, tomorrow.day, 0, timeZone);
  return nextOfficeOpening(midnight, timeZone, hours);
}
