// The weekly insights post and the stats headline read as sentences ("1 mistake", not "1 mistakes"), and the chart counts in whole numbers.
import { computeStats, type StatsRow, weeklySeries } from '../../src/domain/insights';
import { headline, insightsPostText } from '../../src/slack/views/insights';
import { chartSpec } from '../../src/slack/views/insightsChart';

const NOW = new Date('2026-11-24T12:00:00Z');

function row(hoursAgo: number): StatsRow {
  return {
    createdAt: NOW.getTime() - hoursAgo * 3_600_000,
    category: 'delivery',
    severity: 'high',
    ownerId: 'UBOB',
    own: 60_000,
    apologize: 120_000,
    makeRight: 600_000,
    satisfied: 900_000,
    escalated: false,
    reopened: false,
  };
}

it('counts one mistake and one customer in the singular, and more in the plural', () => {
  const one = [row(5)];
  const stats = computeStats('90d', NOW, one, [], { byOwner: false });
  const text = insightsPostText(weeklySeries(NOW, 12, one, []), stats, 'UTC');
  expect(text).toMatch(/: 1 mistake reported, \d+ customers? recovered\./);
  expect(text).not.toMatch(/\b1 mistakes\b|\b1 customers\b/);
  expect(headline(stats)).toMatch(/^Last 90 days: 1 mistake reported,/);

  const two = [row(5), row(30)];
  expect(headline(computeStats('90d', NOW, two, [], { byOwner: false }))).toMatch(/^Last 90 days: 2 mistakes reported,/);
});

it('draws the weekly counts on whole-number ticks, however small or large they are', () => {
  const start = Date.parse('2026-09-07T00:00:00Z');
  for (const counts of [[0], [1], [3], [7], [23], [140]]) {
    const weeks = Array.from({ length: 12 }, (_, i) => ({
      start: new Date(start + i * 7 * 86_400_000),
      reported: i === 11 ? counts[0]! : 0,
      recovered: 0,
      medianToApologizeMs: null,
    }));
    const layer = (chartSpec(weeks, 'Europe/Berlin') as any).layer[0];
    const ticks: number[] = layer.encoding.y.axis.values;
    expect(ticks.every((t) => Number.isInteger(t))).toBe(true);
    expect(ticks.length).toBeLessThanOrEqual(7);
    expect(ticks[ticks.length - 1]).toBeGreaterThanOrEqual(Math.max(1, counts[0]!));
    expect(layer.encoding.y.scale.domain).toEqual([0, ticks[ticks.length - 1]]);
  }
});
