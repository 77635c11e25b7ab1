// Every zone Intl knows, every day of 2026 and 2027, against an independent reference (the
// Temporal polyfill's offsets and transitions, test/support/zoneReference.ts):
// - a prevention step due on a day is due at the last second of that day where the team is;
// - office hours open and close where the team's clock says, and "next opening" and a snooze
//   until tomorrow land on the first open instant;
// - on the days the clocks change, a wall-clock time is placed by the one rule (the first instant
//   the clock reads it or later), minute by minute around the change;
// - a daily digest has exactly one slot per local day, keyed by that day, placed by the rule.
// Minutes are sampled where they matter (office boundaries, slot times, around each change)
// rather than every minute of every day, which keeps the sweep inside the test run.
import type { OfficeHours } from '../../src/domain/officeHours';
import { isWithinOfficeHours, nextOfficeOpening, startOfNextWorkingDay } from '../../src/domain/officeHours';
import { latestSlotAtOrBefore, nextSlotAfter, slotKey } from '../../src/domain/schedule';
import { zonedWallTimeToInstant } from '../../src/domain/time';
import { endOfDay } from '../../src/slack/views/modals';
import { zoneReference, type ZoneReference } from '../support/zoneReference';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

const FIRST_DAY = Date.UTC(2026, 0, 1);
const END = Date.UTC(2028, 0, 1);

/** The zone-days issue 13 found the two old converters disagreeing on. */
const NAMED: Array<[string, string]> = [
  ['Africa/Cairo', '2026-10-29'],
  ['Asia/Beirut', '2026-10-24'],
  ['America/Godthab', '2026-03-28'],
  ['America/Scoresbysund', '2026-03-28'],
];
const ZONES = [...new Set([...Intl.supportedValuesOf('timeZone'), 'UTC', ...NAMED.map(([zone]) => zone)])].sort();

const WEEKDAYS_9_TO_6: OfficeHours = { startMinute: 9 * 60, endMinute: 18 * 60, days: [1, 2, 3, 4, 5] };
const EVERY_DAY_9_TO_6: OfficeHours = { ...WEEKDAYS_9_TO_6, days: [1, 2, 3, 4, 5, 6, 7] };
const DIGEST = '0 9 * * 1-5';

const iso = (t: number): string => new Date(t).toISOString();
const isoDate = (dayStart: number): string => iso(dayStart).slice(0, 10);
const isoWeekday = (dayStart: number): number => new Date(dayStart).getUTCDay() || 7;

/** Office hours as the reference reads them: [open, close) on the wall clock of an office day. */
function windowOf(hours: OfficeHours) {
  return (dayStart: number): [number, number] | null =>
    hours.days.includes(isoWeekday(dayStart)) ? [dayStart + hours.startMinute * MINUTE_MS, dayStart + hours.endMinute * MINUTE_MS] : null;
}

function refWithin(ref: ZoneReference, instant: number, hours: OfficeHours): boolean {
  const reading = ref.reading(instant);
  const dayStart = Math.floor(reading / DAY_MS) * DAY_MS;
  const window = windowOf(hours)(dayStart);
  return window !== null && reading >= window[0] && reading < window[1];
}

/** A daily cron at the middle of each stretch of wall-clock time a change skips or doubles. */
function changeCrons(ref: ZoneReference): string[] {
  const crons = new Set<string>();
  for (const t of ref.transitions) {
    const middle = t.at + Math.min(t.before, t.after) + Math.abs(t.after - t.before) / 2;
    const minuteOfDay = Math.floor((middle % DAY_MS) / MINUTE_MS);
    crons.add(`${minuteOfDay % 60} ${Math.floor(minuteOfDay / 60)} * * *`);
  }
  return [...crons];
}

function sweep(zone: string): string[] {
  const problems: string[] = [];
  const ref = zoneReference(zone, FIRST_DAY - 20 * DAY_MS, END + 20 * DAY_MS);
  // `what` is a function so the description is only written for a mismatch.
  const check = (what: () => string, actual: number | boolean | string | null, expected: number | boolean | string | null) => {
    if (actual !== expected) {
      const show = (v: typeof actual) => (typeof v === 'number' ? iso(v) : String(v));
      problems.push(`${what()}: got ${show(actual)}, expected ${show(expected)}`);
    }
  };

  for (let day = FIRST_DAY; day < END; day += DAY_MS) {
    const date = () => isoDate(day);

    // Due dates: the last second of the day where the team is.
    check(() => `${date()} due date`, endOfDay(isoDate(day), zone)?.getTime() ?? null, ref.lastSecondOfDay(day));

    // Office hours on their boundaries, and the next opening seen from just before.
    const open = ref.firstReadingAtLeast(day + WEEKDAYS_9_TO_6.startMinute * MINUTE_MS);
    const close = ref.firstReadingAtLeast(day + WEEKDAYS_9_TO_6.endMinute * MINUTE_MS);
    for (const t of [open - MINUTE_MS, open, close - MINUTE_MS, close]) {
      check(() => `${date()} open at ${iso(t)}`, isWithinOfficeHours(new Date(t), zone, WEEKDAYS_9_TO_6), refWithin(ref, t, WEEKDAYS_9_TO_6));
    }
    check(
      () => `${date()} next opening after ${iso(open - MINUTE_MS)}`,
      nextOfficeOpening(new Date(open - MINUTE_MS), zone, WEEKDAYS_9_TO_6).getTime(),
      ref.firstInstantInWindow(open - MINUTE_MS, windowOf(WEEKDAYS_9_TO_6), 8),
    );

    // "Tomorrow" for a snooze made late in the evening: the next day's opening, by the calendar.
    const evening = ref.lastSecondOfDay(day) - 30 * MINUTE_MS;
    const tomorrow = ref.firstReadingAtLeast(day + DAY_MS);
    check(
      () => `${date()} snooze until tomorrow from ${iso(evening)}`,
      startOfNextWorkingDay(new Date(evening), zone, EVERY_DAY_9_TO_6).getTime(),
      ref.firstInstantInWindow(tomorrow, windowOf(EVERY_DAY_9_TO_6), 8),
    );
  }

  // Around each change: wall-clock times every 5 minutes from 90 before to 90 after the stretch
  // it skips or doubles, and the minutes either side of its edges, placed by the rule.
  for (const t of ref.transitions) {
    if (t.at < FIRST_DAY || t.at >= END) continue;
    const low = t.at + Math.min(t.before, t.after);
    const high = t.at + Math.max(t.before, t.after);
    const walls = new Set<number>();
    for (let w = Math.floor(low / MINUTE_MS) * MINUTE_MS - 90 * MINUTE_MS; w <= high + 90 * MINUTE_MS; w += 5 * MINUTE_MS) walls.add(w);
    for (const edge of [low, high]) for (const d of [-MINUTE_MS, 0, MINUTE_MS]) walls.add(Math.floor(edge / MINUTE_MS) * MINUTE_MS + d);
    for (const wall of walls) {
      const w = new Date(wall);
      const minuteOfDay = w.getUTCHours() * 60 + w.getUTCMinutes();
      check(
        () => `wall ${iso(wall).slice(0, 16)} (change at ${iso(t.at)})`,
        zonedWallTimeToInstant(w.getUTCFullYear(), w.getUTCMonth() + 1, w.getUTCDate(), minuteOfDay, zone).getTime(),
        ref.firstReadingAtLeast(wall),
      );
    }
  }

  // Digest slots: the default weekday digest, and a daily one in each stretch a change skips or
  // doubles. Walking slot to slot gives every named day once, at the rule's instant, with its key.
  for (const cron of [DIGEST, ...changeCrons(ref)]) {
    const [minute, hour] = cron.split(' ').map(Number) as [number, number];
    const weekdaysOnly = cron === DIGEST;
    let previous: Date | null = null;
    let at = new Date(ref.firstReadingAtLeast(FIRST_DAY) - 1);
    for (let day = FIRST_DAY; day < END; day += DAY_MS) {
      if (weekdaysOnly && isoWeekday(day) > 5) continue;
      const wall = day + hour * HOUR_MS + minute * MINUTE_MS;
      const slot = nextSlotAfter(cron, zone, at);
      const what = () => `"${cron}" on ${isoDate(day)}`;
      const key = `digest:${isoDate(day)}`;
      check(() => `${what()} slot`, slot.getTime(), ref.firstReadingAtLeast(wall));
      check(() => `${what()} key`, slotKey('digest', slot, zone, 'day'), key);
      const seen = latestSlotAtOrBefore(cron, zone, slot);
      check(() => `${what()} latest at the slot`, seen?.getTime() ?? null, slot.getTime());
      check(() => `${what()} latest at the slot's key`, seen ? slotKey('digest', seen, zone, 'day') : null, key);
      if (previous && slot.getTime() - previous.getTime() < 2 * DAY_MS) {
        check(
          () => `${what()} latest just before`,
          latestSlotAtOrBefore(cron, zone, new Date(slot.getTime() - 1))?.getTime() ?? null,
          previous.getTime(),
        );
      }
      previous = slot;
      at = slot;
    }
  }
  return problems;
}

describe('every zone, every day of 2026 and 2027, against the reference', () => {
  it.each(ZONES)('%s', (zone) => {
    expect(sweep(zone)).toEqual([]);
  });
});

describe('the zone-days where the two old converters disagreed', () => {
  // Cairo and Beirut put their clocks back at midnight, so 23:00-24:00 happens twice; Nuuk
  // (Godthab) and Scoresbysund jump from 23:00 straight to the next day's 00:00.
  it.each(NAMED)('%s on %s: due at the end of the day; a 23:30 by the rule', (zone, date) => {
    const ref = zoneReference(zone, Date.parse(`${date}T00:00:00Z`) - 20 * DAY_MS, Date.parse(`${date}T00:00:00Z`) + 20 * DAY_MS);
    const day = Date.parse(`${date}T00:00:00Z`);
    const [y, m, d] = date.split('-').map(Number) as [number, number, number];
    const dueAt = endOfDay(date, zone)!;
    expect(iso(dueAt.getTime())).toBe(iso(ref.lastSecondOfDay(day)));
    const wall = zonedWallTimeToInstant(y, m, d, 23 * 60 + 30, zone);
    expect(iso(wall.getTime())).toBe(iso(ref.firstReadingAtLeast(day + 23.5 * HOUR_MS)));
    const slot = nextSlotAfter('30 23 * * *', zone, new Date(ref.firstReadingAtLeast(day)));
    expect(slot.getTime()).toBe(wall.getTime());
    expect(slotKey('digest', slot, zone, 'day')).toBe(`digest:${date}`);
  });

  it('pins what the rule gives on those days', () => {
    // Cairo, 29 October 2026: 24:00 EEST becomes 23:00 EET at 21:00 UTC. Due at the second 23:59:59;
    // a 23:30 is the first one.
    expect(endOfDay('2026-10-29', 'Africa/Cairo')!.toISOString()).toBe('2026-10-29T21:59:59.000Z');
    expect(zonedWallTimeToInstant(2026, 10, 29, 23 * 60 + 30, 'Africa/Cairo').toISOString()).toBe('2026-10-29T20:30:00.000Z');
    // Beirut, 24 October 2026: the same at 21:00 UTC.
    expect(endOfDay('2026-10-24', 'Asia/Beirut')!.toISOString()).toBe('2026-10-24T21:59:59.000Z');
    expect(zonedWallTimeToInstant(2026, 10, 24, 23 * 60 + 30, 'Asia/Beirut').toISOString()).toBe('2026-10-24T20:30:00.000Z');
    // Nuuk, 28 March 2026: 23:00 (UTC-2) becomes 00:00 (UTC-1) at 01:00 UTC. The day's last
    // second is 22:59:59; a 23:30 that never happens runs at the first instant after the gap,
    // and a digest there is still the 28th's.
    for (const zone of ['America/Godthab', 'America/Scoresbysund']) {
      expect(endOfDay('2026-03-28', zone)!.toISOString()).toBe('2026-03-29T00:59:59.000Z');
      expect(zonedWallTimeToInstant(2026, 3, 28, 23 * 60 + 30, zone).toISOString()).toBe('2026-03-29T01:00:00.000Z');
      const slot = nextSlotAfter('30 23 * * *', zone, new Date('2026-03-28T12:00:00Z'));
      expect(slotKey('digest', slot, zone, 'day')).toBe('digest:2026-03-28');
      const next = nextSlotAfter('30 23 * * *', zone, slot);
      expect([next.toISOString(), slotKey('digest', next, zone, 'day')]).toEqual(['2026-03-30T00:30:00.000Z', 'digest:2026-03-29']);
    }
  });
});
