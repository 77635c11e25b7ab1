// Office hours in a named timezone, with no Slack and no database. Wall-clock times go through
// ./time, whose one rule places an opening that daylight saving skips or doubles.

import { addDays, localParts, startOfLocalDay, zonedWallTimeToInstant } from './time';

export interface OfficeHours {
  /** Minutes after local midnight when the office opens (inclusive). */
  startMinute: number;
  /** Minutes after local midnight when it closes (exclusive); 1440 means midnight at day's end. */
  endMinute: number;
  /** ISO weekdays the office is open: 1 = Monday … 7 = Sunday, ascending, no duplicates. */
  days: number[];
}

const DAY_MINUTES = 24 * 60;

const DAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const FULL_DAY_NAMES = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];

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
  const errors = [typeof range === 'string' ? range : null, typeof dayList === 'string' ? dayList : null].filter((e): e is string => e !== null);
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
    const date = addDays(today, offset);
    if (!hours.days.includes(date.isoWeekday)) continue;
    const opening = zonedWallTimeToInstant(date.year, date.month, date.day, hours.startMinute, timeZone);
    // A window lying wholly inside a spring-forward gap does not happen that day.
    if (opening.getTime() > now.getTime() && isWithinOfficeHours(opening, timeZone, hours)) return opening;
  }
  throw new Error('Office hours have no office days, so the office never opens.');
}

/** "Tomorrow" for a snooze: when office hours open on the next working day after today. */
export function startOfNextWorkingDay(now: Date, timeZone: string, hours: OfficeHours): Date {
  // Tomorrow by the calendar: 24 hours on from late on the evening before a 23-hour day is
  // already the day after tomorrow.
  return nextOfficeOpening(startOfLocalDay(addDays(localParts(now, timeZone), 1), timeZone), timeZone, hours);
}
