import { DAY_MS, formatDuration, HOUR_MS, MINUTE_MS, parseDuration } from '../../src/domain/durations';

const SECOND_MS = 1000;

describe('the unit constants', () => {
  it('are what they say', () => {
    expect(MINUTE_MS).toBe(60 * SECOND_MS);
    expect(HOUR_MS).toBe(60 * MINUTE_MS);
    expect(DAY_MS).toBe(24 * HOUR_MS);
  });
});

describe('parseDuration', () => {
  it.each([
    ['30m', 30 * MINUTE_MS],
    ['4h', 4 * HOUR_MS],
    ['1d', DAY_MS],
    ['1w', 7 * DAY_MS],
    ['90s', 90 * SECOND_MS],
    ['1h30m', HOUR_MS + 30 * MINUTE_MS],
    ['1d 4h', DAY_MS + 4 * HOUR_MS],
    ['1h 30m 15s', HOUR_MS + 30 * MINUTE_MS + 15 * SECOND_MS],
    ['0', 0],
    ['0m', 0],
    ['15', 15 * MINUTE_MS],
    ['120', 2 * HOUR_MS],
    [' 2 h ', 2 * HOUR_MS],
    ['4H', 4 * HOUR_MS],
    ['1D2H', DAY_MS + 2 * HOUR_MS],
  ])('reads %j as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '   ', 'abc', '5x', '-1h', '-15', '1.5h', '1.5', 'h', '1h30', 'm30', '1 h x', '1h,30m', '30 minutes', '+1h'])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeNull();
  });

  it('refuses a number too large to be a duration', () => {
    expect(parseDuration('9'.repeat(400))).toBeNull();
    expect(parseDuration(`${'9'.repeat(30)}d`)).toBeNull();
  });
});

describe('formatDuration', () => {
  it.each([
    [0, 'now'],
    [-5 * MINUTE_MS, 'now'],
    [10 * SECOND_MS, '1m'],
    [MINUTE_MS, '1m'],
    [90 * SECOND_MS, '2m'],
    [30 * MINUTE_MS, '30m'],
    [HOUR_MS, '1h'],
    [HOUR_MS + 30 * MINUTE_MS, '1h 30m'],
    [4 * HOUR_MS, '4h'],
    [DAY_MS, '1d'],
    [DAY_MS + 4 * HOUR_MS, '1d 4h'],
    [DAY_MS + 4 * HOUR_MS + 20 * MINUTE_MS, '1d 4h'],
    [DAY_MS + 20 * MINUTE_MS, '1d'],
    [3 * DAY_MS, '3d'],
  ])('formats %d ms as %j', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it.each([
    [59 * MINUTE_MS + 40 * SECOND_MS, '1h'],
    [HOUR_MS + 59 * MINUTE_MS + 50 * SECOND_MS, '2h'],
    [23 * HOUR_MS + 59 * MINUTE_MS + 45 * SECOND_MS, '1d'],
  ])('rounds %d ms up into the next unit, never showing "60m" (%j)', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('reads back what parseDuration reads', () => {
    for (const text of ['30m', '4h', '1d', '1h 30m', '1d 4h']) {
      expect(formatDuration(parseDuration(text)!)).toBe(text);
    }
  });
});
