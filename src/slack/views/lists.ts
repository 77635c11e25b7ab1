// The private replies to `/mistake help`, `/mistake mine` and `/mistake list`, and the polite
// refusal anyone gets when a click or a command cannot do what they asked.

import type { KnownBlock } from '@slack/types';
import type { MistakeSummary, PreventionSummary, TeamCounts } from '../../services/queries';
import { actions, assemble, context, divider, LABELS, type LinkContext, section, summaryButtons, summaryText } from './blocks';
import { preventionRow } from './home';
import { FALLBACK_TEXT_MAX, SLACK_LIMITS, plural, truncate, userText } from './text';

export interface EphemeralMessage {
  text: string;
  blocks: KnownBlock[];
}

const MESSAGE_LIMITS = { blocks: SLACK_LIMITS.messageBlocks, json: SLACK_LIMITS.messageBlocksJson };

/** A message never shows more rows than it has blocks: the lists read no more than this. */
export const LIST_LIMIT = SLACK_LIMITS.messageBlocks;

const PLAYBOOK_LINE = `${[LABELS.own, LABELS.apologize, LABELS.ask, LABELS.makeRight, LABELS.satisfied, LABELS.rootCauseAnalysis]
  .map((label) => `*${label}*`)
  .join(' → ')} (causes, not culprits) → prevention steps → closed.`;

/** `unknownWord`: the one word someone typed after `/mistake` that is not a command. */
export function helpMessage(options: { unknownWord?: string } = {}): EphemeralMessage {
  const unknown = options.unknownWord
    ? [
        section(
          `“${userText(options.unknownWord, 60)}” isn't something \`/mistake\` knows, so nothing was reported. ` +
            'To report a mistake with its story filled in, write what happened in a few words, like `/mistake sent the order to the wrong address`.',
        ),
      ]
    : [];
  return {
    text: options.unknownWord
      ? `“${userText(options.unknownWord, 60)}” isn't something /mistake knows. Here is what it does.`
      : '/mistake reports a mistake made to a customer and walks its recovery.',
    blocks: [
      ...unknown,
      section(
        'When we let a customer down, `/mistake` makes sure someone owns it and the customer is recovered. ' +
          'A report opens a thread in the escalation channel; its card shows where the recovery is and has the buttons for the next step.',
      ),
      section(
        '• `/mistake` — report a mistake\n' +
          '• `/mistake <what happened>` — report one with the story already filled in\n' +
          '• `/mistake mine` — your open recoveries and prevention steps\n' +
          "• `/mistake list` — the team's open recoveries, most urgent first\n" +
          '• `/mistake stats [30d|90d|365d]` — how the team recovers: times, rates, breakdowns (default 90d)\n' +
          '• `/mistake export [30d|90d|365d|all]` — the mistakes as a CSV file, sent to you in a DM\n' +
          '• `/mistake help` — this message',
      ),
      section(`*The playbook:* ${PLAYBOOK_LINE}`),
      context(
        'Severity sets how fast each step is due; critical means minutes, not days. The root-cause analysis opens once the customer is satisfied.',
      ),
    ],
  };
}

/** `total`: how many the person has open in all, when `items` holds only the most urgent. */
export function mineMessage(items: MistakeSummary[], prevention: PreventionSummary[], ctx: LinkContext, total = items.length): EphemeralMessage {
  const unloaded = Math.max(0, total - items.length);
  if (items.length === 0 && prevention.length === 0) {
    return { text: 'Nothing to recover. Nice.', blocks: [section('Nothing to recover, and no prevention steps waiting on you. Nice.')] };
  }
  const rows = items.map((s) => {
    const buttons = summaryButtons(s);
    const row: KnownBlock[] = [section(summaryText(s, ctx, { showOwner: false }))];
    if (buttons.length > 0) row.push(actions(buttons));
    return row;
  });
  const head = [section(items.length > 0 ? '*Your open recoveries*, most urgent first' : 'No open recoveries of yours. Nice.')];

  const tail: KnownBlock[] = [];
  if (prevention.length > 0) {
    // The prevention steps go last and get a fixed share, so a long list of recoveries still
    // leaves them room within the message's 50 blocks and ~12k characters.
    tail.push(
      divider(),
      ...assemble(
        [section('*Your prevention steps*')],
        prevention.map((p) => [preventionRow(p, ctx)]),
        [],
        { blocks: 10, json: 4000 },
        (n) => context(`… and ${n} more prevention steps: App Home lists them.`),
      ),
    );
  }
  const blocks = assemble(head, rows, tail, MESSAGE_LIMITS, (n) => context(`… and ${n + unloaded} more: App Home lists them.`));
  const text = `You have ${plural(items.length + unloaded, 'open recovery', 'open recoveries')} and ${plural(prevention.length, 'prevention step', 'prevention steps')}.`;
  return { text, blocks };
}

export function listMessage(items: MistakeSummary[], counts: TeamCounts, ctx: LinkContext): EphemeralMessage {
  const summary =
    `${counts.open} open · ${counts.overdue} overdue · ${counts.escalated} escalated · ` +
    `${counts.awaitingRca} ${LABELS.awaitingRca.toLowerCase()} · ${counts.closedThisWeek} closed this week`;
  if (items.length === 0) {
    return {
      text: 'Nothing open across the team.',
      blocks: [section('Nothing open across the team. Every customer we let down has been looked after.'), context(summary)],
    };
  }
  const rows = items.map((s) => [section(summaryText(s, ctx, { showOwner: true }))]);
  const blocks = assemble(
    [section("*The team's open recoveries*, most urgent first"), context(summary)],
    rows,
    [],
    MESSAGE_LIMITS,
    // `items` holds the most urgent only; the count says how many are open in all.
    (n) => context(`… and ${n + Math.max(0, counts.open - items.length)} more. App Home shows your own first.`),
  );
  return { text: `The team's open recoveries: ${summary}.`, blocks };
}

/**
 * A refusal or a failure, shown only to the person who tried. `text` is written by the app (the
 * playbook's refusals name people with mentions on purpose), so it is not escaped here.
 */
export function errorMessage(text: string): EphemeralMessage {
  return { text: truncate(text, FALLBACK_TEXT_MAX), blocks: [section(text)] };
}
