// Durations in configuration are written the way people say them: "30m", "4h", "1d", "90s",
// "1h30m" or "0" (immediately). A bare number is minutes.

const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

export const MINUTE_MS = UNIT_MS.m!;
export const HOUR_MS = UNIT_MS.h!;
export const DAY_MS = UNIT_MS.d!;

/** Parses a duration into milliseconds, or returns null when it is not one. */
export function parseDuration(text: string): number | null {
  const trimmed = text.trim().toLowerCase();
  if (/^\d+$/.test(trimmed)) {
    const ms = Number(trimmed) * MINUTE_MS;
    return Number.isSafeInteger(ms) ? ms : null;
  }
  if (!/^(\d+\s*[smhdw]\s*)+$/.test(trimmed)) return null;
  let total = 0;
  for (const match of trimmed.matchAll(/(\d+)\s*([smhdw])/g)) {
    total += Number(match[1]) * UNIT_MS[match[2]!]!;
  }
  return Number.isSafeInteger(total) ? total : null;
}

/** "1d 4h", "30m", "now" — the short human form used on cards and in reminders. */
export function formatDuration(ms: number): string {
  if (ms <= 0) return 'now';
  // Under a day, round to the minute first, so 59m40s reads "1h" and never "60m".
  const rounded = ms < DAY_MS ? Math.max(MINUTE_MS, Math.round(ms / MINUTE_MS) * MINUTE_MS) : ms;
  const days = Math.floor(rounded / DAY_MS);
  const hours = Math.floor((rounded % DAY_MS) / HOUR_MS);
  const minutes = Math.floor((rounded % HOUR_MS) / MINUTE_MS);
  const parts: string[] = [];
  if (days) parts.push(`${days}d`);
  if (hours) parts.push(`${hours}h`);
  if (minutes && days === 0) parts.push(`${minutes}m`);
  return parts.length ? parts.join(' ') : '1m';
}
