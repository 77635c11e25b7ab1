// The reminder DM: one message per owner per reminder pass, with every overdue recovery step and
// prevention step they have, each with a button to do it now and a menu to snooze it.

import type { ActionsBlockElement, KnownBlock, Overflow } from '@slack/types';
import { CHASED_STEP_DONE_LABELS, RCA_STEP, SEVERITIES } from '../../domain/playbook';
import type { ReminderItem, ReminderOutcome } from '../../services/reminderTypes';
import { Actions, encodeValue } from '../ids';
import { assemble, button, context, LABELS, nextStepButtons, plain, refValue, section, severityShort, stateLabel } from './blocks';
import { FALLBACK_TEXT_MAX, formatDay, formatDue, link, mention, SLACK_LIMITS, slackDate, threadUrl, truncate, userText } from './text';

export interface ReminderContext {
  now: Date;
  timeZone: string;
  /** The workspace's web address (auth.test), for thread links; Slack's app_redirect is used without it. */
  workspaceUrl?: string;
}

/** The snooze menu's choices; 0 minutes means "tomorrow when office hours start". */
export const SNOOZE_OPTIONS: readonly { label: string; minutes: number }[] = [
  { label: 'Snooze 1 hour', minutes: 60 },
  { label: 'Snooze 4 hours', minutes: 240 },
  { label: 'Snooze until tomorrow', minutes: 0 },
];

const CUSTOMER_MAX = 80;
const LABEL_MAX = 150;

/**
 * The reminder DM. Sent, it lists what is overdue; edited later (items marked `settled`), each
 * item done since shows what happened instead of its buttons, and each snoozed since says until
 * when in place of its snooze menu. `live` names the mistakes whose items still have buttons.
 */
export function renderReminder(ownerId: string, items: ReminderItem[], ctx: ReminderContext): { text: string; blocks: KnownBlock[]; live: number[] } {
  if (items.length === 0) {
    const text = 'Nothing of yours is overdue. Thank you!';
    return { text, blocks: [section(text)], live: [] };
  }
  const sorted = [...items].sort(mostUrgentFirst);
  const open = sorted.filter((i) => !i.settled);
  const live = [...new Set(open.map((i) => i.mistakeId))];
  if (open.length === 0) {
    const allDone = sorted.every((i) => i.settled?.how === 'done' || i.settled?.how === 'skipped');
    const done = allDone ? 'Everything in this reminder is done. Thank you!' : 'Nothing in this reminder waits on you any more.';
    const blocks = assemble(
      [section(`Hi ${mention(ownerId)}. ${done}`)],
      sorted.map((item) => itemBlocks(item, ctx)),
      [],
      { blocks: SLACK_LIMITS.messageBlocks, json: SLACK_LIMITS.messageBlocksJson },
      (hidden) => context(`… and ${hidden} more`),
    );
    return { text: done, blocks, live };
  }
  const opening = openingSentence(open);
  // Everything left snoozed since it was sent: no call to snooze, and no alarm either.
  const allSnoozed = open.every((i) => i.snoozedUntil);
  const head = [
    section(
      allSnoozed
        ? `Hi ${mention(ownerId)}. What is left here is snoozed: we'll remind you again when it's due, or do it now if you can.`
        : `Hi ${mention(ownerId)}. ${opening} Here is what is overdue, most urgent first: do it now, or snooze it if you can't yet.`,
    ),
  ];
  // A DM is a message: 50 blocks and ~13,000 characters of blocks at most, or Slack refuses all of it.
  const blocks = assemble(
    head,
    sorted.map((item) => itemBlocks(item, ctx)),
    [],
    { blocks: SLACK_LIMITS.messageBlocks, json: SLACK_LIMITS.messageBlocksJson },
    (hidden) => context(`… and ${hidden} more in App Home`),
  );
  const first = open[0]!;
  const firstLine = `${userText(first.customer, 60)} (${userText(first.label, 60)}, ${formatDue(first.dueAt, ctx.now, ctx.timeZone)})`;
  const rest = open.length > 1 ? ` and ${open.length - 1} more` : '';
  const lead = allSnoozed ? 'Snoozed' : opening.replace(/\.$/, '');
  return { text: truncate(`${lead}: ${firstLine}${rest}`, FALLBACK_TEXT_MAX), blocks, live };
}

/** Rule 8: critical first ("on the fly"), then the longest overdue. */
function mostUrgentFirst(a: ReminderItem, b: ReminderItem): number {
  const bySeverity = SEVERITIES.indexOf(b.severity) - SEVERITIES.indexOf(a.severity);
  return bySeverity !== 0 ? bySeverity : a.dueAt.getTime() - b.dueAt.getTime();
}

function openingSentence(items: ReminderItem[]): string {
  const customers = new Set(items.filter((i) => i.kind === 'step' && i.step !== RCA_STEP).map((i) => i.mistakeId)).size;
  const analyses = items.filter((i) => i.step === RCA_STEP).length;
  const prevention = items.filter((i) => i.kind === 'prevention').length;
  const contacts = items.filter((i) => i.kind === 'contact').length;
  const parts = [
    customers === 0 ? '' : customers === 1 ? 'a customer is waiting on you' : 'a few customers are waiting on you',
    analyses === 0 ? '' : analyses === 1 ? 'a root-cause analysis is due from you' : `${analyses} root-cause analyses are due from you`,
    prevention === 0
      ? ''
      : prevention === 1
        ? 'a prevention step you committed to is overdue'
        : `${prevention} prevention steps you committed to are overdue`,
    contacts === 0 ? '' : contacts === 1 ? 'a customer contact you planned is due' : `${contacts} customer contacts you planned are due`,
  ].filter((p) => p !== '');
  const joined = parts.length > 1 ? `${parts.slice(0, -1).join(', ')}, and ${parts[parts.length - 1]}` : (parts[0] ?? '');
  return `${joined.charAt(0).toUpperCase()}${joined.slice(1)}.`;
}

function itemBlocks(item: ReminderItem, ctx: ReminderContext): KnownBlock[] {
  const name = userText(item.customer, CUSTOMER_MAX) || '(no name)';
  const customer = item.threadTs ? `*${link(threadUrl(ctx.workspaceUrl, item.channelId, item.threadTs), name)}*` : `*${name}*`;
  // Critical is "on the fly" (rule 8): it leads the line so it cannot be skimmed past.
  const severity = severityShort(item.severity);
  const first = item.severity === 'critical' ? `${severity} · ${customer}` : `${customer} · ${severity}`;
  const label = userText(item.label, LABEL_MAX);
  if (item.kind === 'contact') {
    // A planned contact is due on a day, not at a time: it reads as that day.
    const planned = `*${LABELS.nextContact}* with the customer, planned for ${formatDay(item.dueAt, ctx.timeZone)}`;
    if (item.settled) return [section(`${first}\n${outcomeText(item, item.settled, ctx)}`)];
    const reminded = item.reminderCount > 0 ? ` · reminded ${item.reminderCount} ${item.reminderCount === 1 ? 'time' : 'times'} before` : '';
    const blocks: KnownBlock[] = [section(`${first}\n${planned}${reminded}${snoozedText(item, ctx)}`)];
    const elements = itemActions(item);
    if (elements.length > 0) blocks.push({ type: 'actions', elements });
    return blocks;
  }
  if (item.settled) {
    const outcome = outcomeText(item, item.settled, ctx);
    return [section(item.kind === 'prevention' ? `*Prevention step:* ${label}\nFor ${first}\n${outcome}` : `${first}\n${outcome}`)];
  }
  const due = formatDue(item.dueAt, ctx.now, ctx.timeZone);
  const reminded = item.reminderCount > 0 ? ` · reminded ${item.reminderCount} ${item.reminderCount === 1 ? 'time' : 'times'} before` : '';
  const text =
    item.kind === 'prevention' ? `*Prevention step:* ${label}\nFor ${first} · *${due}*${reminded}` : `${first}\n*${label}* · *${due}*${reminded}`;
  const blocks: KnownBlock[] = [section(text + snoozedText(item, ctx))];
  const elements = itemActions(item);
  if (elements.length > 0) blocks.push({ type: 'actions', elements });
  return blocks;
}

/** " · 💤 snoozed until …" for an item snoozed since the DM was sent. */
function snoozedText(item: ReminderItem, ctx: ReminderContext): string {
  return item.snoozedUntil ? ` · :zzz: snoozed until ${slackDate(item.snoozedUntil, ctx.timeZone)}` : '';
}

/** What happened to an item since it was reminded, in place of its buttons. */
function outcomeText(item: ReminderItem, outcome: ReminderOutcome, ctx: ReminderContext): string {
  const when = (at: Date | null) => (at ? ` · ${slackDate(at, ctx.timeZone)}` : '');
  switch (outcome.how) {
    case 'done': {
      const what = item.kind === 'prevention' ? LABELS.done : item.step ? CHASED_STEP_DONE_LABELS[item.step] : LABELS.done;
      return `:white_check_mark: *${what}* · ${mention(outcome.byId)}${when(outcome.at)}`;
    }
    case 'skipped':
      return `:fast_forward: *${LABELS.makeRight}* · ${LABELS.nothingMore.toLowerCase()} · ${mention(outcome.byId)}${when(outcome.at)}`;
    case 'handed_over':
      return `*${userText(item.label, LABEL_MAX)}* · handed to ${mention(outcome.toId)}: no longer yours`;
    case 'contacted':
      return `:white_check_mark: *${LABELS.nextContact}* logged: it no longer waits on you`;
    case 'moved_on':
      return `*${userText(item.label, LABEL_MAX)}* · no longer waiting on you: the mistake is now ${stateLabel(outcome.state)}`;
  }
}

function itemActions(item: ReminderItem): ActionsBlockElement[] {
  const ref = { id: item.mistakeId, version: item.mistakeVersion };
  if (item.kind === 'contact') {
    if (item.contactId === undefined) return [];
    return [button(LABELS.logContact, Actions.logContact, refValue(ref), 'primary'), ...snoozeMenu(item)];
  }
  if (item.kind === 'prevention') {
    // Without its id a prevention button could only act on the wrong thing.
    if (item.preventionId === undefined) return [];
    return [button(LABELS.done, Actions.preventionDone, refValue(ref, item.preventionId), 'primary'), ...snoozeMenu(item)];
  }
  // The card's own buttons for this step, so "do it now" behaves here exactly as there.
  const options = { hasRca: false, hasOwner: true, customer: item.customer, nothingMore: !item.customerAskedForMore };
  const doIt =
    item.step === RCA_STEP
      ? nextStepButtons(ref, 'awaiting_rca', null, options)
      : item.step
        ? nextStepButtons(ref, 'recovering', item.step, options)
        : [];
  return [...doIt, ...snoozeMenu(item)];
}

/**
 * One overflow menu rather than three buttons: Slack wants action_ids unique within a block,
 * and every snooze is the same action with a different length. None for an item snoozed since.
 */
function snoozeMenu(item: ReminderItem): Overflow[] {
  // Snoozed already: the item says until when instead.
  if (item.snoozedUntil) return [];
  return [
    {
      type: 'overflow',
      action_id: Actions.snooze,
      options: SNOOZE_OPTIONS.map((o) => ({
        text: plain(o.label),
        value: encodeValue(
          item.kind === 'prevention'
            ? { m: item.mistakeId, v: item.mistakeVersion, p: item.preventionId, s: o.minutes }
            : item.kind === 'contact'
              ? { m: item.mistakeId, v: item.mistakeVersion, k: item.contactId, s: o.minutes }
              : { m: item.mistakeId, v: item.mistakeVersion, s: o.minutes },
        ),
      })),
    },
  ];
}
