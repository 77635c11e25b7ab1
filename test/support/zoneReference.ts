// An independent reference for wall-clock time in a zone, for the sweep tests: the zone's UTC
// offsets and the instants they change come from the Temporal polyfill (its own search over the
// time zone data, not the app's code), and everything else is plain arithmetic on that
// timeline. Instants are epoch milliseconds; wall-clock times are Date.UTC(...) numbers.
import { Temporal } from '@js-temporal/polyfill';

const DAY_MS = 86_400_000;
const SECOND_MS = 1000;

export interface Transition {
  /** The instant the offset changes. */
  at: number;
  before: number;
  after: number;
}

export interface ZoneReference {
  zone: string;
  transitions: Transition[];
  offsetAt(instant: number): number;
  /** What the zone's clock reads at `instant`. */
  reading(instant: number): number;
  /** The first instant at which the clock reads `wall` or later. */
  firstReadingAtLeast(wall: number): number;
  /** The last whole second whose reading falls on the calendar day starting at `dayStart`. */
  lastSecondOfDay(dayStart: number): number;
  /**
   * The first instant at or after `from` whose reading falls in one of the windows that
   * `windowOn(dayStart)` gives for each day ([start, end) wall-clock pairs, or null), searching
   * `days` days of readings.
   */
  firstInstantInWindow(from: number, windowOn: (dayStart: number) => [number, number] | null, days: number): number | null;
}

export function zoneReference(zone: string, from: number, to: number): ZoneReference {
  let zdt = Temporal.Instant.fromEpochMilliseconds(from).toZonedDateTimeISO(zone);
  const starts = [Number.NEGATIVE_INFINITY];
  const offsets = [zdt.offsetNanoseconds / 1e6];
  const transitions: Transition[] = [];
  for (;;) {
    const next = zdt.getTimeZoneTransition('next');
    if (!next || next.epochMilliseconds > to) break;
    const after = next.offsetNanoseconds / 1e6;
    transitions.push({ at: next.epochMilliseconds, before: offsets[offsets.length - 1]!, after });
    starts.push(next.epochMilliseconds);
    offsets.push(after);
    zdt = next;
  }
  const segments = starts.map((start, k) => ({ start, end: starts[k + 1] ?? Number.POSITIVE_INFINITY, offset: offsets[k]! }));

  const segmentAt = (instant: number) => {
    for (let k = segments.length - 1; k >= 0; k--) if (segments[k]!.start <= instant) return segments[k]!;
    return segments[0]!;
  };
  const offsetAt = (instant: number) => segmentAt(instant).offset;

  return {
    zone,
    transitions,
    offsetAt,
    reading: (instant) => instant + offsetAt(instant),
    firstReadingAtLeast(wall) {
      for (const s of segments) {
        if (s.end + s.offset > wall) return Math.max(s.start, wall - s.offset);
      }
      throw new Error('beyond the timeline');
    },
    lastSecondOfDay(dayStart) {
      let last = Number.NEGATIVE_INFINITY;
      for (const s of segments) {
        const lo = Math.max(s.start, dayStart - s.offset);
        const hi = Math.min(s.end, dayStart + DAY_MS - s.offset);
        if (lo < hi) last = Math.max(last, Math.floor((hi - 1) / SECOND_MS) * SECOND_MS);
      }
      return last;
    },
    firstInstantInWindow(instant, windowOn, days) {
      const limit = instant + days * DAY_MS;
      for (const s of segments) {
        if (s.end <= instant) continue;
        if (s.start > limit) break;
        const start = Math.max(s.start, instant);
        const firstDay = Math.floor((start + s.offset) / DAY_MS) * DAY_MS;
        for (let day = firstDay; day < limit + s.offset && day < s.end + s.offset; day += DAY_MS) {
          const window = windowOn(day);
          if (!window) continue;
          const lo = Math.max(window[0], start + s.offset);
          const hi = Math.min(window[1], s.end + s.offset);
          if (lo < hi) return lo - s.offset;
        }
      }
      return null;
    },
  };
}
