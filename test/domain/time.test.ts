// The time module's own contract, case by case; time-sweep.test.ts checks it against an
// independent reference over every zone and every day of two years.
import type { webApi } from '@slack/bolt';
import { slackTimeZones } from '../../src/notify/people';
import { cronProblem } from '../../src/domain/schedule';
import {
  addDays,
  dateTimeFormat,
  displayDateTimeFormat,
  endOfLocalDay,
  formatLocalDate,
  formatLocalTime,
  instantOfWallClock,
  localParts,
  parseLocalDate,
  startOfLocalDay,
  wallClockAsUtc,
} from '../../src/domain/time';

const iso = (d: Date): string => d.toISOString();

describe('the rule: the first instant the clock reads a time or later', () => {
  it('places an ordinary time exactly, to the millisecond', () => {
    expect(iso(instantOfWallClock(Date.UTC(2026, 6, 1, 9, 0, 30, 250), 'Europe/Berlin'))).toBe('2026-07-01T07:00:30.250Z');
    expect(wallClockAsUtc(new Date('2026-07-01T07:00:30.250Z'), 'Europe/Berlin')).toBe(Date.UTC(2026, 6, 1, 9, 0, 30, 250));
  });

  it('places a skipped time at the first instant after the gap', () => {
    // Berlin, 29 March 2026: 02:00 CET jumps to 03:00 CEST at 01:00 UTC.
    expect(iso(instantOfWallClock(Date.UTC(2026, 2, 29, 2, 30), 'Europe/Berlin'))).toBe('2026-03-29T01:00:00.000Z');
    // Lord Howe, 4 October 2026: 02:00 jumps to 02:30 (a half-hour change) at 15:30 UTC.
    expect(iso(instantOfWallClock(Date.UTC(2026, 9, 4, 2, 10), 'Australia/Lord_Howe'))).toBe('2026-10-03T15:30:00.000Z');
  });

  it('places a doubled time at its first occurrence', () => {
    // Berlin, 25 October 2026: 03:00 CEST goes back to 02:00 CET at 01:00 UTC.
    expect(iso(instantOfWallClock(Date.UTC(2026, 9, 25, 2, 30), 'Europe/Berlin'))).toBe('2026-10-25T00:30:00.000Z');
    // New York, 1 November 2026: 02:00 EDT goes back to 01:00 EST at 06:00 UTC.
    expect(iso(instantOfWallClock(Date.UTC(2026, 10, 1, 1, 30), 'America/New_York'))).toBe('2026-11-01T05:30:00.000Z');
  });
});

describe('local days', () => {
  it('start at the end of the gap where midnight is skipped (Santiago, 6 September 2026)', () => {
    expect(iso(startOfLocalDay({ year: 2026, month: 9, day: 6 }, 'America/Santiago'))).toBe('2026-09-06T04:00:00.000Z');
    expect(localParts(startOfLocalDay({ year: 2026, month: 9, day: 6 }, 'America/Santiago'), 'America/Santiago')).toMatchObject({
      hour: 1,
      minute: 0,
    });
  });

  it('end one second before the next day starts, however long they are', () => {
    // The Saturday before that Sunday ends at 23:59:59 -04.
    expect(iso(endOfLocalDay({ year: 2026, month: 9, day: 5 }, 'America/Santiago'))).toBe('2026-09-06T03:59:59.000Z');
    // Santiago, 4 April 2026: 24:00 -03 goes back to 23:00 -04; the day ends at the second 23:59:59.
    expect(iso(endOfLocalDay({ year: 2026, month: 4, day: 4 }, 'America/Santiago'))).toBe('2026-04-05T03:59:59.000Z');
  });
});

describe('calendar dates', () => {
  it('reads a date picker value only when it is a real date', () => {
    expect(parseLocalDate('2028-02-29')).toEqual({ year: 2028, month: 2, day: 29 });
    for (const text of ['2026-02-29', '2026-13-01', '2026-04-31', '2026-1-05', '05/01/2026', '']) {
      expect(parseLocalDate(text)).toBeNull();
    }
  });

  it('adds days by the calendar, across months and years, with the weekday', () => {
    expect(addDays({ year: 2026, month: 12, day: 31 }, 1)).toEqual({ year: 2027, month: 1, day: 1, isoWeekday: 5 });
    expect(addDays({ year: 2026, month: 3, day: 1 }, -1)).toEqual({ year: 2026, month: 2, day: 28, isoWeekday: 6 });
    expect(addDays({ year: 2026, month: 3, day: 29 }, 0).isoWeekday).toBe(7);
  });

  it('writes dates and times zero-padded', () => {
    expect(formatLocalDate({ year: 2026, month: 3, day: 5 })).toBe('2026-03-05');
    expect(formatLocalTime({ hour: 9, minute: 5 })).toBe('09:05');
  });
});

describe('formatters', () => {
  const SHAPE: Intl.DateTimeFormatOptions = { day: 'numeric', month: 'short' };

  it('are made once per options, zone and locale', () => {
    expect(dateTimeFormat('Europe/Berlin', SHAPE)).toBe(dateTimeFormat('Europe/Berlin', SHAPE));
    expect(dateTimeFormat('Europe/Berlin', SHAPE)).not.toBe(dateTimeFormat('Asia/Tokyo', SHAPE));
    expect(dateTimeFormat('Europe/Berlin', SHAPE, 'en-US')).not.toBe(dateTimeFormat('Europe/Berlin', SHAPE));
  });

  it('refuse an unknown zone, except for display, which reads it as UTC', () => {
    expect(() => dateTimeFormat('Mars/Olympus_Mons', SHAPE)).toThrow(RangeError);
    const late = new Date('2026-03-05T23:30:00Z');
    expect(displayDateTimeFormat('Mars/Olympus_Mons', SHAPE).format(late)).toBe('5 Mar');
    expect(displayDateTimeFormat('Asia/Tokyo', SHAPE).format(late)).toBe('6 Mar');
  });
});

describe("a person's own time zone from Slack", () => {
  const clientWith = (tz: string | undefined) => {
    const client = { users: { info: async () => ({ ok: true, user: { tz } }) } } as unknown as webApi.WebClient;
    return { forTeam: async () => client };
  };

  it('is used when this runtime knows it, and left to the workspace zone when not', async () => {
    expect(await slackTimeZones(clientWith('Asia/Kolkata'))('U1', 'T_ACME')).toBe('Asia/Kolkata');
    expect(await slackTimeZones(clientWith('Mars/Olympus_Mons'))('U1', 'T_ACME')).toBeUndefined();
    expect(await slackTimeZones(clientWith(undefined))('U1', 'T_ACME')).toBeUndefined();
  });
});

describe('cron expressions', () => {
  it('are read once, as node-cron reads them, with a sentence for each problem', () => {
    expect(cronProblem('0 9 * * 1-5')).toBeNull();
    expect(cronProblem('0 9 13 * fri')).toBeNull();
    expect(cronProblem('0 0 L * *')).toBeNull();
    expect(cronProblem('61 9 * * *')).toBe('"61 9 * * *" is not a cron expression (61 is a invalid expression for minute)');
    expect(cronProblem('0 0 30 2 *')).toMatch(/^"0 0 30 2 \*" is not a cron expression \(.*impossible day of month/);
    // node-cron accepts it, but no February has a day 30 before its last.
    expect(cronProblem('0 0 L-30 2 *')).toBe('"0 0 L-30 2 *" never runs: it names no date that ever comes');
  });
});
