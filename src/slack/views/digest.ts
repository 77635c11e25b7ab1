// The daily digest posted to the team channel: what is open, what is overdue and whose it is,
// which customers are still waiting for an apology, what was recovered, what waits for its
// root-cause analysis and which prevention steps are late.

import type { KnownBlock, SectionBlock } from '@slack/types';
import { DAY_MS, formatDuration } from '../../domain/durations';
import { CAME_BACK_WINDOW_DAYS } from '../../domain/checkIn';
import type { DigestData, DigestMistake, DigestOverdueStep, RecoveryFigures } from '../../services/digest';
import { customerRecordText, divider, fields, header, jsonLength, LABELS, repeatText, section, severityShort, STEP_TODO_LABELS } from './blocks';
import { FALLBACK_TEXT_MAX, formatDateTime, formatDay, link, mention, SLACK_LIMITS, threadUrl, truncate, userText } from './text';

export interface DigestContext {
  timeZone: string;
  /** The workspace's web address (auth.test), for thread links; Slack's app_redirect is used without it. */
  workspaceUrl?: string;
  /** Set when this digest is sent after its slot because the bot was down then. */
  late?: { slot: Date };
  /** Set on an extra copy an operator asked for after the day's digest went out. */
  extra?: { firstPostedAt: Date | null };
  /** The workspace's first digest: there was no "last digest" before it. */
  first?: boolean;
}

const LIST_COMMAND = '`/mistake list`';
const CUSTOMER_MAX = 60;
const DESCRIPTION_MAX = 150;

export function renderDigest(data: DigestData, ctx: DigestContext): { text: string; blocks: KnownBlock[] } {
  const day = formatDay(ctx.late?.slot ?? data.now, ctx.timeZone);
  const period = periodText(data, ctx);
  const figures = figuresText(data.figures, period);
  const lateNote = ctx.late
    ? `:hourglass: *This digest is late.* It is the one for ${formatDateTime(ctx.late.slot, ctx.timeZone)}, missed while the bot was down; what it lists is as of now.`
    : null;
  const extraNote = ctx.extra
    ? `:repeat: *An extra copy*, posted on request${
        ctx.extra.firstPostedAt ? `; today's digest went out ${formatDateTime(ctx.extra.firstPostedAt, ctx.timeZone)}` : ''
      }. What it lists is as of now.`
    : null;
  const notes = [lateNote, extraNote].filter((n): n is string => n !== null);

  if (isQuiet(data)) {
    const lines = [`:white_check_mark: *All clear:* no customer is waiting on us today (${day}).`];
    if (figures) lines.push(figures);
    const cameBack = cameBackText(data);
    if (cameBack) lines.push(cameBack);
    lines.push(...notes);
    const prefix = ctx.extra ? 'Extra copy: ' : '';
    return { text: `${prefix}All clear: no customer is waiting on us today.`, blocks: [section(lines.join('\n'))] };
  }

  const head: KnownBlock[] = [header(`Daily recovery digest${ctx.extra ? ' (extra copy)' : ''} — ${day}`)];
  for (const note of notes) head.push(section(note));
  head.push(
    fields(
      `*Open*\n${data.counts.open}`,
      `*Overdue*\n${data.counts.overdue}`,
      `*Escalated*\n${data.counts.escalated}`,
      `*${LABELS.awaitingRca}*\n${data.counts.awaitingRca}`,
      `*Recovered ${period}*\n${data.figures.recovered}`,
      `*Closed this week*\n${data.counts.closedThisWeek}`,
    ),
  );
  if (figures) head.push(section(figures));
  const cameBack = cameBackText(data);
  if (cameBack) head.push(section(cameBack));

  const parts = [
    overduePart(data, ctx),
    waitingPart(data, ctx),
    repeatPart(data, ctx),
    winBackPart(data, ctx),
    rcaPart(data, ctx),
    preventionPart(data, ctx),
  ].filter((p) => p.total > 0);
  head.push(parts.length > 0 ? divider() : section('Nothing is overdue, and every customer has had their apology.'));
  // Slack refuses the whole message past 50 blocks or ~13,000 characters of blocks, so the
  // lists share what is left after the head and each is cut visibly rather than the digest lost.
  const shown = allocate(parts, SLACK_LIMITS.messageBlocksJson - jsonLength(head), SLACK_LIMITS.messageBlocks - head.length);
  const blocks = [...head, ...parts.flatMap((p, i) => renderPart(p, shown[i] ?? 0))];

  const summary = [`${data.counts.open} open`, `${data.counts.overdue} overdue`, `${data.waitingForApologyTotal} still waiting for an apology`];
  if (data.counts.awaitingRca > 0) summary.push(`${data.counts.awaitingRca} ${LABELS.awaitingRca.toLowerCase()}`);
  const title = `${ctx.late ? 'Late daily' : 'Daily'} recovery digest${ctx.extra ? ' (extra copy)' : ''} — ${day}`;
  return { text: truncate(`${title}: ${summary.join(', ')}`, FALLBACK_TEXT_MAX), blocks };
}

function isQuiet(data: DigestData): boolean {
  return (
    data.counts.open === 0 &&
    data.counts.overdue === 0 &&
    data.counts.escalated === 0 &&
    data.counts.awaitingRca === 0 &&
    data.overdueTotal === 0 &&
    data.overdue.length === 0 &&
    data.waitingForApologyTotal === 0 &&
    data.waitingForApology.length === 0 &&
    data.awaitingRca.length === 0 &&
    data.overduePreventionTotal === 0 &&
    data.overduePrevention.length === 0 &&
    data.winBackTotal === 0 &&
    data.repeats.length === 0
  );
}

/**
 * The period the figures cover: since the last digest, or for the very first digest (there was
 * none before it) the time it looks back over.
 */
function periodText(data: DigestData, ctx: DigestContext): string {
  if (!ctx.first) return 'since the last digest';
  const span = data.now.getTime() - data.since.getTime();
  return span === DAY_MS ? 'in the last 24 hours' : `since ${formatDateTime(data.since, ctx.timeZone)}`;
}

/** Customers, each counted once; the recovery rate as the README defines it. */
function figuresText(f: RecoveryFigures, period: string): string | null {
  const parts: string[] = [];
  const customers = (n: number) => `${n} ${n === 1 ? 'customer' : 'customers'}`;
  if (f.apologized > 0) parts.push(`${customers(f.apologized)} apologized to`);
  if (f.recovered > 0 || f.notSatisfied > 0) parts.push(`${f.recovered} recovered, ${f.notSatisfied} still not satisfied`);
  if (f.recoveryRate !== null) parts.push(`recovery rate *${Math.round(f.recoveryRate * 100)}%*`);
  if (f.medianToApologyMs !== null) parts.push(`median time to apology *${formatDuration(f.medianToApologyMs)}*`);
  if (f.medianToSatisfiedMs !== null) parts.push(`median time to satisfied *${formatDuration(f.medianToSatisfiedMs)}*`);
  return parts.length > 0 ? `*${period.charAt(0).toUpperCase()}${period.slice(1)}:* ${parts.join(' · ')}` : null;
}

// ---------------------------------------------------------------------------------------------
// The lists.

interface ListPart {
  /** Title (and an optional nudge) above the lines. */
  heading: string[];
  /** How many there are in all, fetched or not. */
  total: number;
  /** How many entries this digest has the data to show. */
  available: number;
  /** The lines for the first `shown` entries. */
  lines(shown: number): string[];
}

function customerText(m: DigestMistake, ctx: DigestContext): string {
  const name = userText(m.customer, CUSTOMER_MAX) || '(no name)';
  const shown = m.threadTs ? `*${link(threadUrl(ctx.workspaceUrl, m.channelId, m.threadTs), name)}*` : `*${name}*`;
  const record = customerRecordText(m, 30);
  return record ? `${shown} (${record})` : shown;
}

/** The headline outcome: of the customers checked in on in the last 90 days, how many came back. */
function cameBackText(data: DigestData): string | null {
  const c = data.cameBack;
  if (c.cameBack + c.lost + c.notYet === 0) return null;
  const rate = c.rate === null ? '' : ` · came-back rate *${Math.round(c.rate * 100)}%*`;
  const notYet = c.notYet > 0 ? `, ${c.notYet} not yet` : '';
  return `*Did they come back?* Last ${CAME_BACK_WINDOW_DAYS} days: ${c.cameBack} came back, ${c.lost} lost${notYet}${rate}`;
}

function winBackPart(data: DigestData, ctx: DigestContext): ListPart {
  return {
    heading: ['*:broken_heart: Win back*: customers we lost after a mistake. A call from us may still bring them back.'],
    total: data.winBackTotal,
    available: data.winBack.length,
    lines: (shown) => data.winBack.slice(0, shown).map((m) => `• ${customerText(m, ctx)} · ${ownerText(m.ownerId)}`),
  };
}

function repeatPart(data: DigestData, ctx: DigestContext): ListPart {
  return {
    heading: ['*:repeat: Customers hurt again*: reported again within 90 days of an earlier mistake'],
    total: data.repeats.length,
    available: data.repeats.length,
    lines: (shown) =>
      data.repeats.slice(0, shown).map((r) => `• ${customerText(r.mistake, ctx)} · ${repeatText(r.mistake.customer, r.earlier, ctx.workspaceUrl)}`),
  };
}

/** Critical is "on the fly" (rule 8), so it is the one severity a digest line spends room on. */
function criticalMarker(m: DigestMistake): string {
  return m.severity === 'critical' ? ` · ${severityShort(m.severity)}` : '';
}

function ownerText(ownerId: string | null): string {
  return ownerId ? `owner ${mention(ownerId)}` : '_no owner yet_';
}

function overduePart(data: DigestData, ctx: DigestContext): ListPart {
  const byDue = [...data.overdue].sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime());
  // Unowned first: nobody else will pick it up (rule 1). Then owners by their most overdue item.
  const groups = new Map<string | null, DigestOverdueStep[]>();
  if (byDue.some((o) => o.ownerId === null)) groups.set(null, []);
  for (const o of byDue) {
    const group = groups.get(o.ownerId);
    if (group) group.push(o);
    else groups.set(o.ownerId, [o]);
  }
  // Taken round-robin across owners, so a cut list still names everyone who has something overdue.
  const order: DigestOverdueStep[] = [];
  const lists = [...groups.values()];
  for (let rank = 0; order.length < byDue.length; rank++) {
    for (const list of lists) {
      const item = list[rank];
      if (item) order.push(item);
    }
  }
  return {
    heading: [`*:alarm_clock: Overdue, and whose it is* (${Math.max(data.overdueTotal, byDue.length)})`],
    total: Math.max(data.overdueTotal, byDue.length),
    available: order.length,
    lines(shown) {
      const picked = new Set(order.slice(0, shown));
      const lines: string[] = [];
      for (const [ownerId, items] of groups) {
        const mine = items.filter((o) => picked.has(o));
        if (mine.length === 0) continue;
        lines.push(ownerId ? mention(ownerId) : '*No owner yet*');
        for (const o of mine) {
          const by = formatDuration(data.now.getTime() - o.dueAt.getTime());
          lines.push(`• ${customerText(o, ctx)}${criticalMarker(o)} · ${STEP_TODO_LABELS[o.step]} · overdue by ${by}`);
        }
      }
      return lines;
    },
  };
}

function ageText(createdAt: Date, now: Date): string {
  const ms = now.getTime() - createdAt.getTime();
  const days = Math.floor(ms / DAY_MS);
  if (days >= 2) return `${days} days ago`;
  if (days === 1) return '1 day ago';
  return ms > 0 ? `${formatDuration(ms)} ago` : 'just now';
}

function waitingPart(data: DigestData, ctx: DigestContext): ListPart {
  // Rule 9: however old, the oldest first, so a customer forgotten for months is at the top.
  const oldestFirst = [...data.waitingForApology].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  const total = Math.max(data.waitingForApologyTotal, oldestFirst.length);
  return {
    heading: [
      `*:pray: Still waiting for an apology* (${total})`,
      '_These customers never heard "sorry" from us. It is not too late: an apology today still counts._',
    ],
    total,
    available: oldestFirst.length,
    lines: (shown) =>
      oldestFirst
        .slice(0, shown)
        .map((m) => `• ${customerText(m, ctx)}${criticalMarker(m)} · reported ${ageText(m.createdAt, data.now)} · ${ownerText(m.ownerId)}`),
  };
}

function rcaPart(data: DigestData, ctx: DigestContext): ListPart {
  const total = Math.max(data.counts.awaitingRca, data.awaitingRca.length);
  return {
    heading: [`*:mag: ${LABELS.awaitingRca}* (${total}): the customer is satisfied; now the why`],
    total,
    available: data.awaitingRca.length,
    lines: (shown) => data.awaitingRca.slice(0, shown).map((m) => `• ${customerText(m, ctx)} · ${ownerText(m.ownerId)}`),
  };
}

function preventionPart(data: DigestData, ctx: DigestContext): ListPart {
  const byDue = [...data.overduePrevention].sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime());
  const total = Math.max(data.overduePreventionTotal, byDue.length);
  return {
    heading: [`*:hammer_and_wrench: Overdue prevention steps* (${total})`],
    total,
    available: byDue.length,
    lines: (shown) =>
      byDue.slice(0, shown).map((p) => {
        const by = formatDuration(data.now.getTime() - p.dueAt.getTime());
        return `• ${mention(p.ownerId)}: ${userText(p.description, DESCRIPTION_MAX)} · for ${customerText(p.mistake, ctx)} · due ${formatDay(p.dueAt, ctx.timeZone)}, overdue by ${by}`;
      }),
  };
}

function renderPart(part: ListPart, shown: number): SectionBlock[] {
  const lines = [...part.heading, ...part.lines(shown)];
  const hidden = part.total - shown;
  if (hidden > 0) lines.push(`… and ${hidden} more — see ${LIST_COMMAND}`);
  return pack(lines);
}

/** Several lines per section, up to a section's 3,000 characters: blocks are the scarcer budget. */
function pack(lines: string[]): SectionBlock[] {
  const texts: string[] = [];
  let current = '';
  for (const line of lines) {
    if (current && current.length + 1 + line.length > SLACK_LIMITS.sectionText) {
      texts.push(current);
      current = line;
    } else {
      current = current ? `${current}\n${line}` : line;
    }
  }
  if (current) texts.push(current);
  return texts.map((t) => section(t));
}

interface Cost {
  json: number;
  blocks: number;
}

function cost(part: ListPart, shown: number): Cost {
  const blocks = renderPart(part, shown);
  // Inside the message's block array: without this array's brackets, plus the separating comma.
  return { json: jsonLength(blocks) - 1, blocks: blocks.length };
}

/**
 * How many entries of each list to show within `json` characters and `blocks` blocks: each list
 * gets an equal share, and what a short list leaves goes to the longer ones, so a flood of
 * overdue steps never pushes the customers still waiting for an apology out of the digest.
 */
function allocate(parts: ListPart[], json: number, blocks: number): number[] {
  const shown = parts.map(() => 0);
  const bySize = parts.map((part, index) => ({ part, index, full: cost(part, part.available) })).sort((a, b) => a.full.json - b.full.json);
  let leftJson = json;
  let leftBlocks = blocks;
  let left = parts.length;
  for (const { part, index, full } of bySize) {
    const share: Cost = { json: Math.floor(leftJson / left), blocks: Math.floor(leftBlocks / left) };
    const fits = (c: Cost) => c.json <= share.json && c.blocks <= share.blocks;
    let n = part.available;
    if (!fits(full)) {
      // The size grows with every line shown, so the most that fits is found by bisection.
      let lo = 0;
      let hi = part.available - 1;
      while (lo < hi) {
        const mid = Math.ceil((lo + hi) / 2);
        if (fits(cost(part, mid))) lo = mid;
        else hi = mid - 1;
      }
      n = lo;
    }
    const used = cost(part, n);
    shown[index] = n;
    leftJson -= used.json;
    leftBlocks -= used.blocks;
    left -= 1;
  }
  return shown;
}
