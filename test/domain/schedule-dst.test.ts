// Daylight saving against an independent reference: for every zone below and every day of 2026,
// a daily cron has exactly one slot per local day; on the days clocks change, a skipped time is
// placed at the first minute after the gap and a doubled one at its first occurrence, found by
// scanning the day minute by minute with Intl alone.
import { latestSlotAtOrBefore, nextSlotAfter, slotKey } from '../../src/domain/schedule';

const ZONES = [
  'Europe/Berlin',
  'America/New_York',
  'Australia/Sydney',
  // Clocks change at midnight: on the spring day the local date starts at 01:00.
  'America/Santiago',
  // A half-hour change.
  'Australia/Lord_Howe',
  'Pacific/Chatham',
  'UTC',
];
const TIMES = ['00:00', '00:30', '01:59', '02:00', '02:30', '02:45', '03:00'];

const formatters = new Map<string, Intl.DateTimeFormat>();
/** The reference: local date and minute of an instant, straight from Intl. */
function wall(t: number, zone: string): { date: string; minute: number } {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
    formatters.set(zone, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(t)).map((x) => [x.type, x.value]));
  return { date: `${p.year}-${p.month}-${p.day}`, minute: Number(p.hour) * 60 + Number(p.minute) };
}

/** The first instant of local `date` whose wall clock reads `minute` or later (minute by minute). */
function reference(date: string, minute: number, zone: string): number | null {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const start = Date.UTC(y, m - 1, d) - 16 * 3_600_000;
  for (let t = start; t < start + 40 * 3_600_000; t += 60_000) {
    const w = wall(t, zone);
    if (w.date === date && w.minute >= minute) return t;
    if (w.date > date) return null;
  }
  return null;
}

function daysOf2026(): string[] {
  const days: string[] = [];
  for (let t = Date.UTC(2026, 0, 1); t < Date.UTC(2027, 0, 1); t += 86_400_000) days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

/** Local dates around which the zone's offset changes (checked at each UTC noon). */
function changeDays(zone: string): string[] {
  const offset = (t: number) => {
    const w = wall(t, zone);
    const [y, m, d] = w.date.split('-').map(Number) as [number, number, number];
    return Date.UTC(y, m - 1, d) + w.minute * 60_000 - Math.floor(t / 60_000) * 60_000;
  };
  const out = new Set<string>();
  for (let t = Date.UTC(2026, 0, 1, 12); t < Date.UTC(2027, 0, 1); t += 86_400_000) {
    if (offset(t) !== offset(t + 86_400_000)) {
      for (const delta of [-1, 0, 1, 2]) out.add(new Date(t + delta * 86_400_000).toISOString().slice(0, 10));
    }
  }
  return [...out].sort();
}

describe.each(ZONES)('daily crons through 2026 in %s', (zone) => {
  it.each(TIMES)('one slot per local day at %s, placed as the minute-by-minute reference says on change days', (time) => {
    const [hh, mm] = time.split(':').map(Number) as [number, number];
    const cron = `${mm} ${hh} * * *`;
    // Every day of the year: walking from slot to slot gives each local date exactly once.
    const keys: string[] = [];
    let at = new Date(Date.UTC(2025, 11, 30));
    for (;;) {
      const slot = nextSlotAfter(cron, zone, at);
      if (slot.getTime() >= Date.UTC(2027, 0, 1, 12)) break;
      keys.push(slotKey('digest', slot, zone, 'day'));
      at = slot;
    }
    const dated = keys.filter((k) => k.startsWith('digest:2026-'));
    expect(new Set(dated).size).toBe(dated.length);
    expect(dated).toEqual(daysOf2026().map((d) => `digest:${d}`));

    for (const day of changeDays(zone)) {
      const expected = reference(day, hh * 60 + mm, zone);
      if (expected === null) continue;
      const before = new Date(expected - 1);
      expect(nextSlotAfter(cron, zone, before).toISOString()).toBe(new Date(expected).toISOString());
      expect(latestSlotAtOrBefore(cron, zone, new Date(expected))?.toISOString()).toBe(new Date(expected).toISOString());
      // Seen from any moment of the next hours, the latest slot is still that one, with its day's key.
      for (const later of [1, 30, 61, 119]) {
        const seen = new Date(expected + later * 60_000);
        const slot = latestSlotAtOrBefore(cron, zone, seen);
        expect(slot).not.toBeNull();
        expect(slotKey('digest', slot!, zone, 'day')).toBe(`digest:${wall(slot!.getTime(), zone).date}`);
        expect(slot!.getTime()).toBeGreaterThanOrEqual(expected);
      }
    }
  });
});

describe('the nights clocks change in Berlin', () => {
  const BERLIN = 'Europe/Berlin';

  it('runs a 02:30 that does not happen (29 March 2026) at 03:00, the first minute after the gap', () => {
    expect(nextSlotAfter('30 2 * * *', BERLIN, new Date('2026-03-28T23:00:00Z')).toISOString()).toBe('2026-03-29T01:00:00.000Z');
    // Every moment of that day after 03:00 sees that day's slot, not the day before's.
    for (let t = Date.parse('2026-03-29T01:00:00Z'); t < Date.parse('2026-03-30T00:30:00Z'); t += 15 * 60_000) {
      const slot = latestSlotAtOrBefore('30 2 * * *', BERLIN, new Date(t));
      expect(slotKey('digest', slot!, BERLIN, 'day')).toBe('digest:2026-03-29');
    }
  });

  it('runs a 02:30 that happens twice (25 October 2026) once, at its first occurrence', () => {
    expect(nextSlotAfter('30 2 * * *', BERLIN, new Date('2026-10-24T23:00:00Z')).toISOString()).toBe('2026-10-25T00:30:00.000Z');
    expect(nextSlotAfter('30 2 * * *', BERLIN, new Date('2026-10-25T00:30:00Z')).toISOString()).toBe('2026-10-26T01:30:00.000Z');
    expect(latestSlotAtOrBefore('30 2 * * *', BERLIN, new Date('2026-10-25T01:45:00Z'))?.toISOString()).toBe('2026-10-25T00:30:00.000Z');
  });

  it('keeps every quarter hour of the doubled night on the first pass, keyed by wall clock', () => {
    // Seen from the second 02:10, the latest quarter-hour slot is the first 02:45, not 02:00.
    expect(latestSlotAtOrBefore('*/15 * * * *', BERLIN, new Date('2026-10-25T01:10:00Z'))?.toISOString()).toBe('2026-10-25T00:45:00.000Z');
    expect(nextSlotAfter('*/15 * * * *', BERLIN, new Date('2026-10-25T00:50:00Z')).toISOString()).toBe('2026-10-25T02:00:00.000Z');
  });
});
