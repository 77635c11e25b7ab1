import { formatMoney } from '../../domain/customer';
// Insights as Slack shows them: `/mistake stats` (an ephemeral message) and App Home's Insights
// section, from the figures of src/domain/insights.ts. Came-back rate and value at risk appear as
// soon as the figures carry them (see `Figures`), and are left out until then.

import type { KnownBlock } from '@slack/types';
import { formatDuration } from '../../domain/durations';
import {
  type BreakdownRow,
  type Figures,
  type InsightsStats,
  STATS_WINDOWS,
  TIME_LABELS,
  TIME_MEASURES,
  type WeekPoint,
} from '../../domain/insights';
import { CATEGORY_LABELS, type Category } from '../../domain/playbook';
import { context, fields, header, section, severityText } from './blocks';
import type { EphemeralMessage } from './lists';
import { formatDay, mention, plural, truncate, userText } from './text';

/** Rows each breakdown shows at most (the rest are summed up in one line). */
export const BREAKDOWN_ROWS = 10;

const duration = (ms: number | null): string => (ms === null ? '—' : ms <= 0 ? 'at once' : formatDuration(ms));
const percent = (rate: number | null | undefined): string => (rate === null || rate === undefined ? '—' : `${Math.round(rate * 100)}%`);

/** "▲ 12 pts" / "▼ 3 pts" / "no change" between two rates; empty when either is unknown. */
function rateChange(now: number | null | undefined, before: number | null | undefined): string {
  if (now === null || now === undefined || before === null || before === undefined) return '';
  const pts = Math.round((now - before) * 100);
  return pts === 0 ? ' (no change)' : ` (${pts > 0 ? '▲' : '▼'} ${Math.abs(pts)} pts)`;
}

function timeField(label: string, now: Figures['times'][keyof Figures['times']], before: Figures['times'][keyof Figures['times']]): string {
  const was = before.n === 0 ? 'none before' : `was ${duration(before.median)} · ${duration(before.p90)}`;
  return `*${label}*\nmedian ${duration(now.median)} · p90 ${duration(now.p90)}\n_${was}_`;
}

function rateField(label: string, now: number | null | undefined, before: number | null | undefined): string {
  return `*${label}*\n${percent(now)}${rateChange(now, before)}\n_was ${percent(before)}_`;
}

/** The team-level figures: four times, then the rates (and the optional ones once they exist). */
export function figuresBlocks(stats: InsightsStats): KnownBlock[] {
  const { current: c, previous: p } = stats;
  const times = TIME_MEASURES.map((m) => timeField(TIME_LABELS[m], c.times[m], p.times[m]));
  const rates = [
    `*Reported*\n${c.reported}\n_was ${p.reported}_`,
    rateField('Recovery rate', c.recoveryRate, p.recoveryRate),
    rateField('Escalation rate', c.escalationRate, p.escalationRate),
    rateField('Reopen rate', c.reopenRate, p.reopenRate),
  ];
  if (c.cameBackRate !== undefined) rates.push(rateField('Came-back rate', c.cameBackRate, p.cameBackRate));
  if (c.valueAtRisk !== undefined) {
    const sums = c.valueAtRisk.map((v) => `kept ${formatMoney(v.kept, v.currency)} · lost ${formatMoney(v.lost, v.currency)}`);
    rates.push(`*Value at risk* (after the check-in)\n${sums.length > 0 ? sums.join('\n') : 'no answers yet'}`);
  }
  return [fields(...times), fields(...rates)];
}

function categoryLabel(key: string): string {
  if (key === '') return 'No category';
  return Object.hasOwn(CATEGORY_LABELS, key) ? CATEGORY_LABELS[key as Category] : userText(key, 40);
}

function breakdownLine(label: string, row: BreakdownRow): string {
  const c = row.current;
  const parts = [
    `${c.reported} reported (was ${row.previous.reported})`,
    `recovery ${percent(c.recoveryRate)}${rateChange(c.recoveryRate, row.previous.recoveryRate)}`,
    `median apology ${duration(c.times.apologize.median)}`,
  ];
  return `• ${label}: ${parts.join(', ')}`;
}

function breakdownSection(title: string, rows: BreakdownRow[], label: (key: string) => string): KnownBlock {
  if (rows.length === 0) return section(`*${title}*\nNothing in this window.`);
  const shown = rows.slice(0, BREAKDOWN_ROWS).map((r) => breakdownLine(label(r.key), r));
  const rest = rows.length - shown.length;
  if (rest > 0) shown.push(`… and ${rest} more`);
  return section(`*${title}*\n${shown.join('\n')}`);
}

function windowLine(stats: InsightsStats, timeZone: string): string {
  const days = STATS_WINDOWS[stats.window];
  return `Mistakes reported ${formatDay(stats.from, timeZone)} – ${formatDay(stats.to, timeZone)} (${days} days), against the ${days} days before. Times run from the report; p90 = 9 in 10 were faster.`;
}

/** The answer to `/mistake stats`: figures, then the breakdowns (by owner only for admins). */
export function statsMessage(stats: InsightsStats, ctx: { timeZone: string }): EphemeralMessage {
  const blocks: KnownBlock[] = [
    header(`Insights: the last ${STATS_WINDOWS[stats.window]} days`),
    context(windowLine(stats, ctx.timeZone)),
    ...figuresBlocks(stats),
  ];
  blocks.push(breakdownSection('By category', stats.byCategory, categoryLabel));
  blocks.push(breakdownSection('By severity', stats.bySeverity, (k) => severityText(k)));
  if (stats.byOwner) blocks.push(breakdownSection('By owner (admins only)', stats.byOwner, (k) => (k === '' ? 'No owner' : mention(k))));
  blocks.push(context('`/mistake stats 30d`, `90d` or `365d` picks the window. `/mistake export` sends the data as a CSV file.'));
  return { text: headline(stats), blocks };
}

/** One plain sentence of the headline figures (notifications, screen readers). */
export function headline(stats: InsightsStats): string {
  const c = stats.current;
  return (
    `Last ${STATS_WINDOWS[stats.window]} days: ${plural(c.reported, 'mistake', 'mistakes')} reported, recovery rate ${percent(c.recoveryRate)}, ` +
    `median time to apologize ${duration(c.times.apologize.median)}, escalation rate ${percent(c.escalationRate)}, reopen rate ${percent(c.reopenRate)}.`
  );
}

/** App Home's Insights section: the team-level figures (no breakdowns; `/mistake stats` has them). */
export function homeInsightsBlocks(stats: InsightsStats): KnownBlock[] {
  return [
    header(`Insights (last ${STATS_WINDOWS[stats.window]} days)`),
    ...figuresBlocks(stats),
    context('Against the window before. `/mistake stats` breaks it down by category, severity and (admins) owner.'),
  ];
}

/** What `/mistake stats <word>` answers for a window it does not know. */
export function badWindowMessage(word: string): EphemeralMessage {
  const text = `“${userText(word, 20)}” isn't a window \`/mistake stats\` knows. Use \`30d\`, \`90d\` (the default) or \`365d\`, like \`/mistake stats 30d\`.`;
  return { text: `${word} isn't a window /mistake stats knows. Use 30d, 90d or 365d.`, blocks: [section(text)] };
}

/** The weekly insights post's text: the chart's figures in words (notifications, screen readers). */
export function insightsPostText(weeks: WeekPoint[], stats: InsightsStats, timeZone: string): string {
  const reported = weeks.reduce((n, w) => n + w.reported, 0);
  const recovered = weeks.reduce((n, w) => n + w.recovered, 0);
  const first = weeks[0];
  const last = weeks[weeks.length - 1];
  const trend =
    last?.medianToApologizeMs != null
      ? `This week's median time to apologize: ${duration(last.medianToApologizeMs)}` +
        (first?.medianToApologizeMs != null ? ` (${duration(first.medianToApologizeMs)} twelve weeks ago).` : '.')
      : 'No apology this week.';
  const since = first ? formatDay(first.start, timeZone) : '';
  return `Weekly insights. Since ${since}: ${plural(reported, 'mistake', 'mistakes')} reported, ${plural(recovered, 'customer', 'customers')} recovered. ${trend} ${headline(stats)}`;
}

/** The chart's description for people who cannot see it. */
export function chartAltText(weeks: WeekPoint[]): string {
  const points = weeks.map((w) => `${w.reported} reported, ${w.recovered} recovered`).join('; ');
  return truncate(`Bar chart per week, oldest first: ${points}. Line: median time to apologize per week.`, 1000);
}

/** The weekly insights post: the headline figures in words, then the chart in an image block. */
export function insightsPost(weeks: WeekPoint[], stats: InsightsStats, ctx: { timeZone: string; fileId: string; title: string }): EphemeralMessage {
  const text = insightsPostText(weeks, stats, ctx.timeZone);
  const image = { type: 'image', slack_file: { id: ctx.fileId }, alt_text: chartAltText(weeks), title: { type: 'plain_text', text: ctx.title } };
  return {
    text,
    blocks: [
      header('Weekly insights'),
      section(text.replace(/^Weekly insights\. /, '')),
      image as KnownBlock,
      context('Bars: mistakes reported and customers recovered each week. Line: median time to apologize. `/mistake stats` has the details.'),
    ],
  };
}
