import { createTask } from 'node-cron';
import { latestSlotAtOrBefore, nextSlotAfter, slotKey, assertSchedulable } from '../../src/domain/schedule';

const DIGEST = '0 9 * * 1-5';
const BERLIN = 'Europe/Berlin';
const at = (iso: string): Date => new Date(iso);
const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

describe('weekday 09:00 digest in Europe/Berlin (winter, UTC+1)', () => {
  it('on Monday before 9, the latest slot is Friday 09:00', () => {
    // Monday 23 November 2026, 08:30 in Berlin.
    expect(iso(latestSlotAtOrBefore(DIGEST, BERLIN, at('2026-11-23T07:30:00Z')))).toBe('2026-11-20T08:00:00.000Z');
  });

  it('exactly at 09:00, the latest slot is that very slot', () => {
    expect(iso(latestSlotAtOrBefore(DIGEST, BERLIN, at('2026-11-23T08:00:00.000Z')))).toBe('2026-11-23T08:00:00.000Z');
  });

  it('a millisecond either side of 09:00 falls on either side of the slot', () => {
    expect(iso(latestSlotAtOrBefore(DIGEST, BERLIN, at('2026-11-23T07:59:59.999Z')))).toBe('2026-11-20T08:00:00.000Z');
    expect(iso(latestSlotAtOrBefore(DIGEST, BERLIN, at('2026-11-23T08:00:00.001Z')))).toBe('2026-11-23T08:00:00.000Z');
  });

  it('over the weekend, the latest slot is Friday', () => {
    expect(iso(latestSlotAtOrBefore(DIGEST, BERLIN, at('2026-11-21T12:00:00Z')))).toBe('2026-11-20T08:00:00.000Z');
    expect(iso(latestSlotAtOrBefore(DIGEST, BERLIN, at('2026-11-22T22:59:00Z')))).toBe('2026-11-20T08:00:00.000Z');
  });

  it('the next slot is strictly after now, skipping the weekend', () => {
    expect(iso(nextSlotAfter(DIGEST, BERLIN, at('2026-11-20T08:00:00Z')))).toBe('2026-11-23T08:00:00.000Z');
    expect(iso(nextSlotAfter(DIGEST, BERLIN, at('2026-11-23T07:59:59.999Z')))).toBe('2026-11-23T08:00:00.000Z');
  });

  it('reads the cron in the given zone, not UTC', () => {
    expect(iso(latestSlotAtOrBefore(DIGEST, 'UTC', at('2026-11-23T08:30:00Z')))).toBe('2026-11-20T09:00:00.000Z');
    expect(iso(latestSlotAtOrBefore(DIGEST, 'America/Los_Angeles', at('2026-11-23T18:00:00Z')))).toBe('2026-11-23T17:00:00.000Z');
  });
});

describe('daylight saving time', () => {
  it('09:00 CEST after the spring change is 07:00 UTC; Friday before it was 08:00 UTC', () => {
    // Monday 30 March 2026, 08:30 CEST: the latest slot is still Friday 27 March 09:00 CET.
    expect(iso(latestSlotAtOrBefore(DIGEST, BERLIN, at('2026-03-30T06:30:00Z')))).toBe('2026-03-27T08:00:00.000Z');
    expect(iso(latestSlotAtOrBefore(DIGEST, BERLIN, at('2026-03-30T07:00:00Z')))).toBe('2026-03-30T07:00:00.000Z');
    expect(iso(nextSlotAfter(DIGEST, BERLIN, at('2026-03-27T12:00:00Z')))).toBe('2026-03-30T07:00:00.000Z');
  });

  it('09:00 EST after New York falls back is 14:00 UTC', () => {
    expect(iso(nextSlotAfter(DIGEST, 'America/New_York', at('2026-10-30T20:00:00Z')))).toBe('2026-11-02T14:00:00.000Z');
  });

  it('both 02:30s of an autumn night share one minute key, so the job runs once for them', () => {
    const first = at('2026-10-25T00:30:00Z'); // 02:30 CEST
    const second = at('2026-10-25T01:30:00Z'); // 02:30 CET, an hour later
    expect(slotKey('cleanup', first, BERLIN, 'minute')).toBe('cleanup:2026-10-25T02:30');
    expect(slotKey('cleanup', second, BERLIN, 'minute')).toBe('cleanup:2026-10-25T02:30');
  });

  it('gives one digest key per weekday through a week with a clock change', () => {
    const keys = new Set<string>();
    // Every 15 minutes from Thursday 26 March to Thursday 2 April 2026.
    for (let t = Date.parse('2026-03-26T00:00:00Z'); t < Date.parse('2026-04-02T00:00:00Z'); t += 15 * 60_000) {
      const slot = latestSlotAtOrBefore(DIGEST, BERLIN, new Date(t));
      if (slot) keys.add(slotKey('digest', slot, BERLIN, 'day'));
    }
    expect([...keys].sort()).toEqual([
      'digest:2026-03-25',
      'digest:2026-03-26',
      'digest:2026-03-27',
      'digest:2026-03-30',
      'digest:2026-03-31',
      'digest:2026-04-01',
    ]);
  });
});

describe('minute- and second-level crons', () => {
  it('finds the quarter-hour slot and keys it by local minute', () => {
    const slot = latestSlotAtOrBefore('*/15 * * * *', 'America/Los_Angeles', at('2026-11-23T17:14:59Z'));
    expect(iso(slot)).toBe('2026-11-23T17:00:00.000Z');
    expect(slotKey('reminders', slot!, 'America/Los_Angeles', 'minute')).toBe('reminders:2026-11-23T09:00');
    expect(iso(nextSlotAfter('*/15 * * * *', 'America/Los_Angeles', at('2026-11-23T17:14:59Z')))).toBe('2026-11-23T17:15:00.000Z');
  });

  it('handles a six-field cron with seconds', () => {
    expect(iso(latestSlotAtOrBefore('*/10 * * * * *', 'UTC', at('2026-11-23T08:00:05.500Z')))).toBe('2026-11-23T08:00:00.000Z');
    expect(iso(nextSlotAfter('*/10 * * * * *', 'UTC', at('2026-11-23T08:00:05.500Z')))).toBe('2026-11-23T08:00:10.000Z');
  });
});

describe('the look-back window', () => {
  it('returns null when the last slot is more than 8 days ago', () => {
    expect(latestSlotAtOrBefore('0 9 1 1 *', 'UTC', at('2026-11-23T12:00:00Z'))).toBeNull();
    expect(latestSlotAtOrBefore('0 9 13 * *', 'UTC', at('2026-11-22T09:00:01Z'))).toBeNull();
  });

  it('still finds a slot just inside it', () => {
    expect(iso(latestSlotAtOrBefore('0 9 1 1 *', 'UTC', at('2026-01-05T12:00:00Z')))).toBe('2026-01-01T09:00:00.000Z');
    expect(iso(latestSlotAtOrBefore('0 9 * * 1', BERLIN, at('2026-11-30T07:59:00Z')))).toBe('2026-11-23T08:00:00.000Z');
  });
});

describe('day-of-month together with day-of-week', () => {
  // node-cron, which fires the jobs, requires both to match ("Friday the 13th"), while
  // classic cron would run on every Friday and every 13th.
  it('agrees with the scheduler: both fields must match', () => {
    expect(iso(nextSlotAfter('0 9 13 * 5', 'UTC', at('2026-01-01T00:00:00Z')))).toBe('2026-02-13T09:00:00.000Z');
    expect(iso(nextSlotAfter('0 9 13 * fri', 'UTC', at('2026-02-13T09:00:00Z')))).toBe('2026-03-13T09:00:00.000Z');
    expect(iso(latestSlotAtOrBefore('0 9 13 * 5', 'UTC', at('2026-02-20T00:00:00Z')))).toBe('2026-02-13T09:00:00.000Z');
    // 2 January 2026 is a Friday but not the 13th.
    expect(latestSlotAtOrBefore('0 9 13 * 5', 'UTC', at('2026-01-05T00:00:00Z'))).toBeNull();
  });
});

describe('agreement with node-cron, which fires the jobs', () => {
  it.each([
    ['0 9 * * 1-5', 'Europe/Berlin'],
    ['0 9 13 * 5', 'UTC'],
    ['*/15 * * * *', 'America/Los_Angeles'],
    ['0 0 L * *', 'Pacific/Auckland'],
    ['30 8 * * mon,wed', 'America/New_York'],
  ])('every slot found for %p in %s is one node-cron fires at', (cron, zone) => {
    const task = createTask(cron, () => undefined, { timezone: zone });
    try {
      let now = at('2026-02-25T00:00:00Z');
      for (let i = 0; i < 40; i++) {
        const slot = nextSlotAfter(cron, zone, now);
        expect(task.match(slot)).toBe(true);
        expect(iso(latestSlotAtOrBefore(cron, zone, slot))).toBe(iso(slot));
        now = slot;
      }
    } finally {
      void task.destroy();
    }
  });
});

describe('slotKey', () => {
  it('uses the local date of the slot, not the UTC one', () => {
    const slot = at('2026-11-22T20:00:00Z'); // Monday 09:00 in Auckland
    expect(slotKey('digest', slot, 'Pacific/Auckland', 'day')).toBe('digest:2026-11-23');
    expect(slotKey('digest', slot, 'UTC', 'day')).toBe('digest:2026-11-22');
    expect(slotKey('reminders', slot, 'Pacific/Auckland', 'minute')).toBe('reminders:2026-11-23T09:00');
  });
});

describe('bad input', () => {
  it('throws a readable error for an invalid cron or timezone', () => {
    expect(() => nextSlotAfter('61 9 * * *', 'UTC', new Date())).toThrow(/Invalid cron expression "61 9 \* \* \*"/);
    expect(() => latestSlotAtOrBefore(DIGEST, 'Mars/Olympus_Mons', new Date())).toThrow(/Unknown timezone/);
    expect(() => assertSchedulable('not a cron', 'UTC')).toThrow(/Invalid cron expression/);
    expect(() => assertSchedulable(DIGEST, BERLIN)).not.toThrow();
  });
});
