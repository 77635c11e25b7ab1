// The weekly insights post and the stats headline read as sentences: "1 mistake", not "1 mistakes".
import { computeStats, type StatsRow, weeklySeries } from '../../src/domain/insights';
import { headline, insightsPostText } from '../../src/slack/views/insights';

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
