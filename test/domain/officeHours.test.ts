import {
  isWithinOfficeHours,
  nextOfficeOpening,
  parseOfficeDays,
  parseOfficeHours,
  parseOfficeHoursRange,
  type OfficeHours,
} from '../../src/domain/officeHours';
import { isValidTimeZone, localDate, localParts, zonedWallTimeToInstant } from '../../src/domain/time';

const at = (iso: string): Date => new Date(iso);
const WEEKDAYS_9_TO_6: OfficeHours = { startMinute: 9 * 60, endMinute: 18 * 60, days: [1, 2, 3, 4, 5] };

describe('parseOfficeHours', () => {
  it('parses the defaults', () => {
    expect(parseOfficeHours('09:00-18:00', 'mon-fri')).toEqual(WEEKDAYS_9_TO_6);
  });

  it('accepts lists, ranges, full names, any case and spaces', () => {
    expect(parseOfficeDays('mon,tue,thu-sat')).toEqual([1, 2, 4, 5, 6]);
    expect(parseOfficeDays(' Mon , WED-fri ')).toEqual([1, 3, 4, 5]);
    expect(parseOfficeDays('sunday')).toEqual([7]);
    expect(parseOfficeDays('sat-sun')).toEqual([6, 7]);
    expect(parseOfficeDays('mon,mon-tue')).toEqual([1, 2]);
  });

  it('lets a range wrap past Sunday', () => {
    expect(parseOfficeDays('fri-mon')).toEqual([1, 5, 6, 7]);
  });

  it('accepts single-digit hours and 24:00 as the end of the day', () => {
    expect(parseOfficeHoursRange('8:30-17:15')).toEqual({ startMinute: 510, endMinute: 1035 });
    expect(parseOfficeHoursRange('00:00-24:00')).toEqual({ startMinute: 0, endMinute: 1440 });
  });

  it.each(['9-18', '09:00', '09:00-18:00-20:00', '25:00-26:00', '09:60-18:00', '18:00-09:00', '09:00-09:00', '24:00-24:00', ''])(
    'refuses the hours %p with a sentence',
    (hours) => {
      const result = parseOfficeHoursRange(hours);
      expect(typeof result).toBe('string');
      expect(result).toMatch(/HH:MM|closes before it opens|24:00/);
    },
  );

  it.each(['', ' , ', 'funday', 'mon-funday', 'mon-tue-wed', '1-5'])('refuses the days %p', (days) => {
    expect(typeof parseOfficeDays(days)).toBe('string');
  });

  it('reports both parts when both are wrong', () => {
    const result = parseOfficeHours('9 to 5', 'weekdays');
    expect(typeof result).toBe('string');
    expect(result).toContain('"9 to 5"');
    expect(result).toContain('"weekdays"');
  });
});

describe('localParts and localDate', () => {
  it('gives Auckland its own date, a day ahead of UTC', () => {
    // 23:30 UTC on Sunday is 12:30 on Monday in New Zealand summer (UTC+13).
    const now = at('2026-11-22T23:30:00Z');
    expect(localParts(now, 'Pacific/Auckland')).toEqual({
      year: 2026,
      month: 11,
      day: 23,
      hour: 12,
      minute: 30,
      isoWeekday: 1,
    });
    expect(localDate(now, 'Pacific/Auckland')).toBe('2026-11-23');
    expect(localDate(now, 'UTC')).toBe('2026-11-22');
  });

  it('gives Los Angeles the previous evening', () => {
    const now = at('2026-11-23T05:00:00Z');
    expect(localParts(now, 'America/Los_Angeles')).toMatchObject({ day: 22, hour: 21, isoWeekday: 7 });
    expect(localDate(now, 'America/Los_Angeles')).toBe('2026-11-22');
  });

  it('reads midnight as hour 0, not 24', () => {
    expect(localParts(at('2026-11-23T00:00:00Z'), 'UTC')).toMatchObject({ day: 23, hour: 0, minute: 0 });
  });

  it('zero-pads the date', () => {
    expect(localDate(at('2026-03-05T12:00:00Z'), 'Europe/Berlin')).toBe('2026-03-05');
  });
});

describe('isValidTimeZone', () => {
  it('knows IANA names and refuses the rest', () => {
    expect(isValidTimeZone('Europe/Berlin')).toBe(true);
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
  });
});

describe('isWithinOfficeHours', () => {
  it('uses the local wall clock, opening inclusive and closing exclusive (Berlin winter, UTC+1)', () => {
    // Monday 23 November 2026.
    expect(isWithinOfficeHours(at('2026-11-23T07:59:00Z'), 'Europe/Berlin', WEEKDAYS_9_TO_6)).toBe(false);
    expect(isWithinOfficeHours(at('2026-11-23T08:00:00Z'), 'Europe/Berlin', WEEKDAYS_9_TO_6)).toBe(true);
    expect(isWithinOfficeHours(at('2026-11-23T16:59:00Z'), 'Europe/Berlin', WEEKDAYS_9_TO_6)).toBe(true);
    expect(isWithinOfficeHours(at('2026-11-23T17:00:00Z'), 'Europe/Berlin', WEEKDAYS_9_TO_6)).toBe(false);
  });

  it('moves with daylight saving time (Berlin, clocks forward on 29 March 2026)', () => {
    // 07:00 UTC is 08:00 on Friday (CET) but 09:00 on Monday (CEST).
    expect(isWithinOfficeHours(at('2026-03-27T07:00:00Z'), 'Europe/Berlin', WEEKDAYS_9_TO_6)).toBe(false);
    expect(isWithinOfficeHours(at('2026-03-30T07:00:00Z'), 'Europe/Berlin', WEEKDAYS_9_TO_6)).toBe(true);
  });

  it('is closed on days off, judged by the local day', () => {
    expect(isWithinOfficeHours(at('2026-11-21T10:00:00Z'), 'UTC', WEEKDAYS_9_TO_6)).toBe(false);
    // Sunday 21:00 UTC is Monday 10:00 in Auckland: open there.
    expect(isWithinOfficeHours(at('2026-11-22T21:00:00Z'), 'Pacific/Auckland', WEEKDAYS_9_TO_6)).toBe(true);
    expect(isWithinOfficeHours(at('2026-11-22T21:00:00Z'), 'UTC', WEEKDAYS_9_TO_6)).toBe(false);
  });

  it('treats 00:00-24:00 as the whole day', () => {
    const allDay: OfficeHours = { startMinute: 0, endMinute: 1440, days: [1, 2, 3, 4, 5, 6, 7] };
    expect(isWithinOfficeHours(at('2026-11-23T23:59:59Z'), 'UTC', allDay)).toBe(true);
    expect(isWithinOfficeHours(at('2026-11-23T00:00:00Z'), 'UTC', allDay)).toBe(true);
  });
});

describe('nextOfficeOpening', () => {
  it('is now when the office is open', () => {
    const now = at('2026-11-23T10:15:00Z');
    expect(nextOfficeOpening(now, 'UTC', WEEKDAYS_9_TO_6).getTime()).toBe(now.getTime());
  });

  it('is later the same day before opening', () => {
    expect(nextOfficeOpening(at('2026-11-23T06:00:00Z'), 'Europe/Berlin', WEEKDAYS_9_TO_6).toISOString()).toBe('2026-11-23T08:00:00.000Z');
  });

  it('skips the weekend after Friday closing', () => {
    // Friday 20 November 2026, 18:30 in Berlin.
    expect(nextOfficeOpening(at('2026-11-20T17:30:00Z'), 'Europe/Berlin', WEEKDAYS_9_TO_6).toISOString()).toBe('2026-11-23T08:00:00.000Z');
  });

  it('opens at 09:00 local across the spring-forward weekend (Berlin)', () => {
    // Friday 27 March 19:00 CET → Monday 30 March 09:00 CEST, which is 07:00 UTC, not 08:00.
    expect(nextOfficeOpening(at('2026-03-27T18:00:00Z'), 'Europe/Berlin', WEEKDAYS_9_TO_6).toISOString()).toBe('2026-03-30T07:00:00.000Z');
  });

  it('opens at 09:00 local across the fall-back weekend (New York)', () => {
    // Friday 30 October 18:00 EDT → Monday 2 November 09:00 EST = 14:00 UTC.
    expect(nextOfficeOpening(at('2026-10-30T22:00:00Z'), 'America/New_York', WEEKDAYS_9_TO_6).toISOString()).toBe('2026-11-02T14:00:00.000Z');
  });

  it('works far from UTC: Auckland and Los Angeles', () => {
    // Saturday 12:00 UTC is Sunday 01:00 in Auckland → Monday 09:00 NZDT = Sunday 20:00 UTC.
    expect(nextOfficeOpening(at('2026-11-21T12:00:00Z'), 'Pacific/Auckland', WEEKDAYS_9_TO_6).toISOString()).toBe('2026-11-22T20:00:00.000Z');
    // Monday 03:00 UTC is still Sunday 19:00 in Los Angeles → Monday 09:00 PST = 17:00 UTC.
    expect(nextOfficeOpening(at('2026-11-23T03:00:00Z'), 'America/Los_Angeles', WEEKDAYS_9_TO_6).toISOString()).toBe('2026-11-23T17:00:00.000Z');
  });

  it('finds the first open instant when the opening time is skipped by the clock change', () => {
    const early: OfficeHours = { startMinute: 2 * 60 + 30, endMinute: 4 * 60, days: [1, 2, 3, 4, 5, 6, 7] };
    // Berlin, Sunday 29 March 2026: 02:00 CET jumps to 03:00 CEST at 01:00 UTC; 02:30 never happens.
    const opening = nextOfficeOpening(at('2026-03-29T00:15:00Z'), 'Europe/Berlin', early);
    expect(opening.toISOString()).toBe('2026-03-29T01:00:00.000Z');
    expect(isWithinOfficeHours(opening, 'Europe/Berlin', early)).toBe(true);
    expect(isWithinOfficeHours(new Date(opening.getTime() - 60_000), 'Europe/Berlin', early)).toBe(false);
  });

  it('throws rather than loop when there are no office days', () => {
    expect(() => nextOfficeOpening(at('2026-11-23T06:00:00Z'), 'UTC', { ...WEEKDAYS_9_TO_6, days: [] })).toThrow(/no office days/);
  });

  it.each(['Europe/Berlin', 'America/New_York', 'Pacific/Auckland', 'America/Los_Angeles', 'Asia/Kolkata'])(
    'over a whole year in %s, returns the first open instant and never a closed one',
    (zone) => {
      const hours: OfficeHours = { startMinute: 8 * 60 + 30, endMinute: 17 * 60, days: [1, 2, 4, 5, 6] };
      const step = 7 * 3_600_000 + 13 * 60_000; // an odd step so every local hour gets visited
      for (let t = Date.parse('2026-01-01T00:00:00Z'); t < Date.parse('2027-01-01T00:00:00Z'); t += step) {
        const now = new Date(t);
        const opening = nextOfficeOpening(now, zone, hours);
        expect(isWithinOfficeHours(opening, zone, hours)).toBe(true);
        if (opening.getTime() !== t) {
          expect(opening.getTime()).toBeGreaterThan(t);
          expect(isWithinOfficeHours(new Date(opening.getTime() - 60_000), zone, hours)).toBe(false);
          expect(localParts(opening, zone)).toMatchObject({ hour: 8, minute: 30 });
          expect(opening.getTime() - t).toBeLessThanOrEqual(4 * 86_400_000);
        }
      }
    },
  );
});

describe('zonedWallTimeToInstant', () => {
  it('picks the earlier of the two 02:30s when clocks go back (Berlin, 25 October 2026)', () => {
    expect(zonedWallTimeToInstant(2026, 10, 25, 150, 'Europe/Berlin').toISOString()).toBe('2026-10-25T00:30:00.000Z');
  });

  it('maps an ordinary wall time exactly, either side of the change', () => {
    expect(zonedWallTimeToInstant(2026, 10, 24, 540, 'Europe/Berlin').toISOString()).toBe('2026-10-24T07:00:00.000Z');
    expect(zonedWallTimeToInstant(2026, 10, 26, 540, 'Europe/Berlin').toISOString()).toBe('2026-10-26T08:00:00.000Z');
  });
});
