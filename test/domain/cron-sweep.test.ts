// One meaning for a cron expression: a year of minutes, minute by minute, comparing the instants
// node-cron fires (its own code: the Runner arms each run with timeMatcher.getNextMatch(previous
// run), and every run it fires passes timeMatcher.match) with the slots the schedule computes,
// for a corpus of expressions in zones with and without daylight saving.
//
// They agree on every minute except where node-cron cannot follow the wall clock, and there the
// documented rule applies and each case is named:
// - skipped: the clocks skip a time the expression names; node-cron never fires it, the slot runs
//   at the first instant after the gap;
// - doubled: the clocks show a named time twice; the slot is the first occurrence, node-cron
//   fires whichever occurrence its own conversion picks (the second east of UTC), and both carry
//   the same wall-clock minute, so the run is keyed once.
import { createTask, type ScheduledTask } from 'node-cron';
import { latestSlotAtOrBefore, nextSlotAfter, slotKey, type Slot } from '../../src/domain/schedule';
import { zoneReference, type ZoneReference } from '../support/zoneReference';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const START = Date.UTC(2026, 0, 1);
const END = Date.UTC(2027, 0, 1);

const DST_ZONES = [
  'Europe/Berlin',
  'America/New_York',
  // A half-hour change.
  'Australia/Lord_Howe',
  // Clocks jump from 23:00 to the next day's 00:00 (spring) and go back at midnight (autumn).
  'America/Godthab',
  // Changes at midnight, south and north.
  'America/Santiago',
  'Africa/Cairo',
];
const ALL_ZONES = ['UTC', 'Asia/Kolkata', ...DST_ZONES];

/** Each expression with the zones it is walked in (the frequent ones in a few, to stay quick). */
const CORPUS: Array<[string, string[]]> = [
  ['0 9 * * 1-5', ALL_ZONES], // the default digest
  ['*/15 * * * *', ['UTC', 'Europe/Berlin', 'Australia/Lord_Howe']], // the default reminders
  ['30 2 * * *', ALL_ZONES],
  ['15,45 1-3 * * *', ALL_ZONES], // a list and a range across the usual change hours
  ['*/20 8-18/2 * * mon-fri', ['UTC', 'Europe/Berlin', 'America/New_York']], // a stepped range and day names
  ['0 9 13 * 5', ALL_ZONES], // day of month AND day of week: Friday the 13th
  ['0 0 1-7 * 1', ALL_ZONES], // day-of-month range AND weekday: the first Monday
  ['0 23 * * 6', ALL_ZONES], // Saturday 23:00, skipped in Nuuk the night its clocks go forward
  ['5 0 * 3,4,9,10 *', ALL_ZONES], // just after midnight in the months clocks change at midnight
  ['0 0 L * *', ALL_ZONES], // the last day of each month
  ['30 0 2 * * sun', ALL_ZONES], // six fields: second 30 of 02:00 on Sundays
  ['0 */30 0-3 * * *', ['UTC', ...DST_ZONES]], // six fields with a stepped minute
];

type NodeCronTask = ScheduledTask & { timeMatcher: { getNextMatch(after: Date): Date } };

/** The instants node-cron fires in [START, END): the Runner's own next-run computation, chained. */
function nodeCronFires(task: NodeCronTask): number[] {
  const fires: number[] = [];
  let at = new Date(START - 1000);
  for (;;) {
    at = task.timeMatcher.getNextMatch(at);
    if (at.getTime() >= END) return fires;
    fires.push(at.getTime());
  }
}

/** The slots the schedule computes in [START, END), in order. */
function computedSlots(cron: string, zone: string): Slot[] {
  const slots: Slot[] = [];
  let at = new Date(START - 1);
  for (;;) {
    const slot = nextSlotAfter(cron, zone, at);
    if (slot.getTime() >= END) return slots;
    slots.push(slot);
    at = slot;
  }
}

const isSkipped = (ref: ZoneReference, wall: number) => ref.reading(ref.firstReadingAtLeast(wall)) !== wall;
/** An instant whose wall-clock time also happened earlier (the second pass of an autumn hour). */
const isSecondPass = (ref: ZoneReference, instant: number) => ref.firstReadingAtLeast(ref.reading(instant)) < instant;

interface Outcome {
  minutes: number;
  agreed: number;
  skipped: string[];
  doubled: string[];
  unexplained: string[];
}

function compare(cron: string, zone: string): Outcome {
  const ref = zoneReference(zone, START - 20 * DAY_MS, END + 20 * DAY_MS);
  const task = createTask(cron, () => undefined, { timezone: zone }) as NodeCronTask;
  const fires = nodeCronFires(task);
  const slots = computedSlots(cron, zone);
  const local = (t: number) => new Date(ref.reading(t)).toISOString().slice(0, 19);
  const outcome: Outcome = { minutes: 0, agreed: 0, skipped: [], doubled: [], unexplained: [] };
  const slotInstants = new Set(slots.map((s) => s.getTime()));

  for (const f of fires) {
    // Each run node-cron fires passes its own matcher.
    if (!task.match(new Date(f))) outcome.unexplained.push(`node-cron fired ${local(f)} but does not match it`);
  }

  let i = 0;
  let j = 0;
  for (let minute = START; minute < END; minute += MINUTE_MS) {
    outcome.minutes++;
    const fired: number[] = [];
    const slotted: Slot[] = [];
    while (i < fires.length && fires[i]! < minute + MINUTE_MS) fired.push(fires[i++]!);
    while (j < slots.length && slots[j]!.getTime() < minute + MINUTE_MS) slotted.push(slots[j++]!);
    if (fired.length === 0 && slotted.length === 0) continue;
    const slotTimes = slotted.map((s) => s.getTime());
    if (fired.length === slotted.length && fired.every((f, k) => f === slotTimes[k])) {
      outcome.agreed += fired.length;
      continue;
    }
    for (const s of slotted) {
      if (fired.includes(s.getTime())) continue;
      if (isSkipped(ref, s.wall)) {
        // The rule: the first instant after the gap, which node-cron never fires.
        if (s.getTime() === ref.firstReadingAtLeast(s.wall))
          outcome.skipped.push(`${new Date(s.wall).toISOString().slice(0, 19)} runs at ${local(s.getTime())}`);
        else outcome.unexplained.push(`slot for skipped ${new Date(s.wall).toISOString()} at ${local(s.getTime())}`);
      } else if (fires.some((f) => f > s.getTime() && ref.reading(f) === s.wall && isSecondPass(ref, f))) {
        outcome.doubled.push(`${local(s.getTime())}: the slot is the first pass, node-cron fires the second`);
      } else {
        outcome.unexplained.push(`slot ${local(s.getTime())} (${s.toISOString()}) that node-cron does not fire`);
      }
    }
    for (const f of fired) {
      if (slotTimes.includes(f)) continue;
      const first = ref.firstReadingAtLeast(ref.reading(f));
      // No second run: the slot a job fired here belongs to was already due on the first pass.
      const owner = latestSlotAtOrBefore(cron, zone, new Date(f))?.getTime();
      if (isSecondPass(ref, f) && slotInstants.has(first) && owner !== undefined && slotInstants.has(owner) && owner >= first && owner < f) {
        outcome.doubled.push(`${local(f)}: node-cron fires the second pass, the slot is the first`);
      } else {
        outcome.unexplained.push(`node-cron fires ${local(f)} (${new Date(f).toISOString()}) with no slot`);
      }
    }
  }
  void task.destroy();
  return outcome;
}

const totals = { pairs: 0, minutes: 0, agreed: 0, skipped: 0, doubled: 0 };
const outcomes = new Map<string, Outcome>();

afterAll(() => {
  process.stdout.write(
    `cron sweep: ${totals.pairs} expression-zone pairs, ${totals.minutes} minutes compared; ${totals.agreed} runs agreed, ` +
      `${totals.skipped} skipped times run at the end of the gap, ${totals.doubled} doubled-time runs on a different pass\n`,
  );
});

describe.each(CORPUS)('"%s"', (cron, zones) => {
  it.each(zones)('in %s: every minute of 2026 agrees with node-cron or follows the rule', (zone) => {
    const outcome = compare(cron, zone);
    outcomes.set(`${cron}|${zone}`, outcome);
    totals.pairs++;
    totals.minutes += outcome.minutes;
    totals.agreed += outcome.agreed;
    totals.skipped += outcome.skipped.length;
    totals.doubled += outcome.doubled.length;
    expect(outcome.unexplained).toEqual([]);
    expect(outcome.agreed).toBeGreaterThan(0);
    if (zone === 'UTC' || zone === 'Asia/Kolkata') {
      // No daylight saving: nothing to explain.
      expect([...outcome.skipped, ...outcome.doubled]).toEqual([]);
    }
  });
});

describe('what the rule does where node-cron cannot follow the clock', () => {
  it('a 02:30 Berlin skips in spring runs at 03:00; the doubled one runs once, on the first pass', () => {
    const outcome = outcomes.get('30 2 * * *|Europe/Berlin') ?? compare('30 2 * * *', 'Europe/Berlin');
    expect(outcome.skipped).toEqual(['2026-03-29T02:30:00 runs at 2026-03-29T03:00:00']);
    // node-cron picks the second 02:30 in Berlin; the slot is the first, keyed by the same minute.
    expect(outcome.doubled).toEqual([
      '2026-10-25T02:30:00: the slot is the first pass, node-cron fires the second',
      '2026-10-25T02:30:00: node-cron fires the second pass, the slot is the first',
    ]);
  });

  it('New York: a 02:30 skipped in March, and node-cron already fires the first 01:15 and 01:45 in November', () => {
    const outcome = outcomes.get('15,45 1-3 * * *|America/New_York') ?? compare('15,45 1-3 * * *', 'America/New_York');
    expect(outcome.skipped).toEqual(['2026-03-08T02:15:00 runs at 2026-03-08T03:00:00']);
    expect(outcome.doubled).toEqual([]);
  });

  it("Nuuk's Saturday 23:00 on the night its clocks jump to Sunday runs at the jump, still Saturday's", () => {
    const outcome = outcomes.get('0 23 * * 6|America/Godthab') ?? compare('0 23 * * 6', 'America/Godthab');
    expect(outcome.skipped).toEqual(['2026-03-28T23:00:00 runs at 2026-03-29T00:00:00']);
    const slot = nextSlotAfter('0 23 * * 6', 'America/Godthab', new Date('2026-03-28T12:00:00Z'));
    expect(slotKey('digest', slot, 'America/Godthab', 'day')).toBe('digest:2026-03-28');
  });
});
