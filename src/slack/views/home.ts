// App Home: everyone's own open recoveries with their next step, their prevention steps, how the
// team is doing, and the team's open recoveries, most urgent first.

import type { HomeView, KnownBlock } from '@slack/types';
import { byUrgency, type HomeData, type PreventionSummary, type TeamCounts } from '../../services/queries';
import { Actions } from '../ids';
import {
  actions,
  assemble,
  button,
  context,
  divider,
  fields,
  header,
  LABELS,
  type LinkContext,
  refValue,
  section,
  summaryButtons,
  summaryText,
  summaryUrl,
} from './blocks';
import { homeInsightsBlocks } from './insights';
import { formatDue, link, SLACK_LIMITS, userText } from './text';

/**
 * How many rows each list shows. With two blocks per own recovery the whole tab stays under
 * Slack's 100 blocks for a view (about 80 at most), however many mistakes are open.
 */
export const HOME_CAPS = { mine: 15, prevention: 10, team: 25 } as const;

export function homeView(data: HomeData, ctx: LinkContext, options: { settings?: boolean } = {}): HomeView {
  const blocks: KnownBlock[] = [];

  blocks.push(header('Your open recoveries'));
  if (data.mine.length === 0) {
    blocks.push(section('Nothing to recover. Nice.'));
  } else {
    const rows = [...data.mine].sort(byUrgency).map((s) => {
      const buttons = summaryButtons(s);
      const row: KnownBlock[] = [section(summaryText(s, ctx, { showOwner: false }))];
      if (buttons.length > 0) row.push(actions(buttons));
      return row;
    });
    // Only the most urgent are loaded: the rest count towards "… and N more" all the same.
    const unloaded = Math.max(0, data.mineTotal - data.mine.length);
    blocks.push(...assemble([], rows, [], { blocks: 2 * HOME_CAPS.mine + 1, items: HOME_CAPS.mine }, (n) => more(n + unloaded, '/mistake mine')));
  }

  blocks.push(divider(), header('Your prevention steps'));
  if (data.myPrevention.length === 0) {
    blocks.push(context('No prevention steps waiting on you.'));
  } else {
    const rows = data.myPrevention.map((p) => [preventionRow(p, ctx)]);
    blocks.push(...assemble([], rows, [], { blocks: HOME_CAPS.prevention + 1, items: HOME_CAPS.prevention }, (n) => more(n, '/mistake mine')));
  }

  blocks.push(divider(), header('The team'), countsBlock(data.counts));
  if (data.insights) blocks.push(...homeInsightsBlocks(data.insights));

  blocks.push(header("The team's open recoveries"));
  if (data.team.length === 0) {
    blocks.push(section('Nothing open across the team. Every customer we let down has been looked after.'));
  } else {
    const rows = [...data.team].sort(byUrgency).map((s) => [section(summaryText(s, ctx, { showOwner: true }))]);
    const unloaded = Math.max(0, data.counts.open - data.team.length);
    blocks.push(...assemble([], rows, [], { blocks: HOME_CAPS.team + 1, items: HOME_CAPS.team }, (n) => more(n + unloaded, '/mistake list')));
  }

  blocks.push(divider(), context('Report a mistake with `/mistake`. `/mistake help` explains the playbook.'));
  // Admins only: this workspace's channels, times, SLAs, contacts and admins.
  if (options.settings) {
    blocks.push(actions([button(LABELS.settings, Actions.openSettings, 'settings')]));
  }

  // The caps above keep this far below the limit; the slice is the last word if they ever drift.
  return { type: 'home', blocks: blocks.slice(0, SLACK_LIMITS.viewBlocks) };
}

function more(hidden: number, command: string): KnownBlock {
  return context(`… and ${hidden} more: \`${command}\` lists them.`);
}

/** One prevention step with its own Done button (the same action and value as on the card). */
export function preventionRow(p: PreventionSummary, ctx: LinkContext): KnownBlock {
  const url = summaryUrl(p, ctx.workspaceUrl);
  const customer = userText(p.customer, 80);
  const due = formatDue(p.dueAt, ctx.now, ctx.timeZone);
  const overdue = p.dueAt.getTime() < ctx.now.getTime();
  return section(
    `${userText(p.description, 200)}\nFor ${url ? link(url, customer) : customer} · Mistake #${p.mistakeId} · ${overdue ? `*${due}*` : due}`,
    button(LABELS.done, Actions.preventionDone, refValue({ id: p.mistakeId, version: p.mistakeVersion }, p.id), 'primary'),
  );
}

export function countsBlock(counts: TeamCounts): KnownBlock {
  return fields(
    `*Open*\n${counts.open}`,
    `*Overdue*\n${counts.overdue}`,
    `*Escalated*\n${counts.escalated}`,
    `*${LABELS.awaitingRca}*\n${counts.awaitingRca}`,
    `*Closed this week*\n${counts.closedThisWeek}`,
  );
}
