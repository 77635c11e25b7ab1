// Small Block Kit pieces the card, the thread, the DMs, App Home and the lists share, so a button
// or a severity reads the same everywhere.

import type {
  ActionsBlock,
  Button,
  ContextBlock,
  DividerBlock,
  HeaderBlock,
  KnownBlock,
  MrkdwnElement,
  PlainTextElement,
  SectionBlock,
  SectionBlockAccessory,
} from '@slack/types';
import {
  type MistakeState,
  RECOVERING_STATES,
  type Severity,
  SEVERITIES,
  STATE_LABELS,
  STATES,
  LABELS,
  STEP_LABELS,
  STEP_TODO_LABELS,
  type StepKind,
} from '../../domain/playbook';
import type { CheckInAnswer } from '../../domain/checkIn';
import { formatMoney, ordinal, REPEAT_WINDOW_DAYS } from '../../domain/customer';
import type { MistakeSummary } from '../../services/queries';
import type { EarlierMistakeView, MoneyView } from '../../services/views';
import { Actions, encodeValue } from '../ids';
import { codePointLength, formatDue, link, mention, SLACK_LIMITS, slackDate, threadUrl, truncate, userText } from './text';

/** What every renderer needs to know to write times: when "now" is and where the team is. */
export interface RenderContext {
  now: Date;
  timeZone: string;
}

/** Renderers that link to threads also need the workspace's URL (from auth.test), when known. */
export interface LinkContext extends RenderContext {
  workspaceUrl?: string;
}

// ---------------------------------------------------------------------------------------------
// Words.

export const SEVERITY_LABELS: Record<Severity, string> = {
  low: 'Low',
  medium: 'Medium',
  high: 'High',
  critical: 'Critical',
};

/** Rule 8: severity sets how fast each step is due; critical is "on the fly". */
export const SEVERITY_HINTS: Record<Severity, string> = {
  low: 'when it fits: days are fine',
  medium: 'soon: within a day',
  high: 'today: hours, not days',
  critical: 'on the fly: minutes, not days',
};

export function isSeverity(value: unknown): value is Severity {
  return SEVERITIES.includes(value as Severity);
}

export function isState(value: unknown): value is MistakeState {
  return STATES.includes(value as MistakeState);
}

/** Severity in mrkdwn; a critical one carries an unmissable marker. */
export function severityText(severity: string): string {
  if (!isSeverity(severity)) return userText(severity, 40);
  if (severity === 'critical') return `:rotating_light: *Critical* (${SEVERITY_HINTS.critical})`;
  return SEVERITY_LABELS[severity];
}

/** Severity in one short word or two, for lists. */
export function severityShort(severity: string): string {
  if (!isSeverity(severity)) return userText(severity, 40);
  return severity === 'critical' ? ':rotating_light: *Critical*' : SEVERITY_LABELS[severity];
}

export function stateLabel(state: string): string {
  return isState(state) ? STATE_LABELS[state] : userText(state, 60);
}

/** The one label table (the playbook's words), for views that import their words from here. */
export { LABELS, STEP_TODO_LABELS };

// ---------------------------------------------------------------------------------------------
// Blocks.

export const md = (text: string): MrkdwnElement => ({ type: 'mrkdwn', text });
export const plain = (text: string): PlainTextElement => ({ type: 'plain_text', text, emoji: true });

export function header(text: string): HeaderBlock {
  return { type: 'header', text: plain(truncate(text, SLACK_LIMITS.headerText)) };
}

export function section(text: string, accessory?: SectionBlockAccessory): SectionBlock {
  const block: SectionBlock = { type: 'section', text: md(truncate(text, SLACK_LIMITS.sectionText)) };
  if (accessory) block.accessory = accessory;
  return block;
}

export function fields(...texts: string[]): SectionBlock {
  return {
    type: 'section',
    fields: texts.slice(0, SLACK_LIMITS.sectionFields).map((t) => md(truncate(t, SLACK_LIMITS.sectionFieldText))),
  };
}

export function context(...texts: string[]): ContextBlock {
  return {
    type: 'context',
    elements: texts.slice(0, SLACK_LIMITS.contextElements).map((t) => md(truncate(t, SLACK_LIMITS.contextElementText))),
  };
}

export const divider = (): DividerBlock => ({ type: 'divider' });

export function actions(elements: Button[]): ActionsBlock {
  return { type: 'actions', elements: elements.slice(0, SLACK_LIMITS.actionsElements) };
}

/**
 * A long text under a title, whole, over as many sections as it takes (a section holds 3,000
 * characters): cut at a line break, else between words, never inside an escape like `&amp;`.
 */
export function longSections(title: string, escaped: string): SectionBlock[] {
  const room = SLACK_LIMITS.sectionText - 10;
  const chunks: string[] = [];
  let rest = `${title}\n${escaped}`;
  while (codePointLength(rest) > room) {
    const head = [...rest].slice(0, room).join('');
    let cut = head.lastIndexOf('\n');
    if (cut < room / 2) cut = head.lastIndexOf(' ');
    if (cut < room / 2) {
      cut = head.length;
      const amp = head.lastIndexOf('&');
      if (amp >= 0 && !head.slice(amp).includes(';')) cut = amp;
    }
    chunks.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).replace(/^[\n ]/, '');
  }
  chunks.push(rest);
  return chunks.map((text) => section(text));
}

/** How long a block list is as JSON: the measure Slack's message size limit is about. */
export function jsonLength(blocks: readonly KnownBlock[]): number {
  return JSON.stringify(blocks).length;
}

/**
 * Puts `head`, as many `groups` as fit, a "… and N more" line for the rest, then `tail` together
 * without going over the surface's block count (and, for messages, its size): a long list is cut
 * visibly rather than making Slack refuse the whole message.
 */
export function assemble(
  head: readonly KnownBlock[],
  groups: readonly (readonly KnownBlock[])[],
  tail: readonly KnownBlock[],
  limits: { blocks: number; json?: number; items?: number },
  more: (hidden: number) => KnownBlock,
): KnownBlock[] {
  const out: KnownBlock[] = [...head];
  // Room is kept for the tail and for the "more" line (sized for the longest number it can show).
  const reserveBlocks = tail.length + 1;
  const reserveJson = jsonLength(tail) + JSON.stringify(more(groups.length)).length + 2;
  let size = jsonLength(out);
  let shown = 0;
  for (const group of groups) {
    if (limits.items !== undefined && shown >= limits.items) break;
    const groupSize = jsonLength(group as KnownBlock[]) - 2 + 1;
    if (out.length + group.length + reserveBlocks > limits.blocks) break;
    if (limits.json !== undefined && size + groupSize + reserveJson > limits.json) break;
    out.push(...group);
    size += groupSize;
    shown += 1;
  }
  if (shown < groups.length) out.push(more(groups.length - shown));
  out.push(...tail);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Buttons.

export interface Ref {
  id: number;
  version: number;
}

/** What every button carries: which mistake and the version the person saw (so stale clicks are caught). */
export function refValue(ref: Ref, preventionId?: number): string {
  return encodeValue(preventionId === undefined ? { m: ref.id, v: ref.version } : { m: ref.id, v: ref.version, p: preventionId });
}

export function button(text: string, actionId: string, value: string, style?: 'primary' | 'danger', confirm?: Button['confirm']): Button {
  const b: Button = { type: 'button', text: plain(truncate(text, SLACK_LIMITS.buttonText)), action_id: actionId, value };
  if (style) b.style = style;
  if (confirm) b.confirm = confirm;
  return b;
}

export function linkButton(text: string, url: string): Button {
  return { type: 'button', text: plain(text), action_id: Actions.openThread, url };
}

/**
 * The buttons for what can be done next, and nothing else: only the current recovery step's
 * (rules 1–5 are done in order), and the root-cause analysis only once the customer is satisfied
 * and none is written yet (rule 6). Reassign and Reopen are added by the card.
 */
export function nextStepButtons(
  ref: Ref,
  state: string,
  next: StepKind | null,
  options: {
    hasRca: boolean;
    hasOwner: boolean;
    customer: string;
    /** False once the customer told us they need more: "nothing more needed" would contradict them. */
    nothingMore?: boolean;
  },
): Button[] {
  const value = refValue(ref);
  if (state === 'awaiting_rca') {
    return options.hasRca ? [] : [button(LABELS.rootCauseAnalysis, Actions.rootCauseAnalysis, value, 'primary')];
  }
  if (!RECOVERING_STATES.includes(state as MistakeState) || next === null) return [];
  switch (next) {
    case 'own':
      // Ownership is given (report or Reassign), never claimed: with no owner there is no one to click it.
      return options.hasOwner ? [button(STEP_LABELS.own, Actions.own, value, 'primary')] : [];
    case 'apologize':
      // A form: the draft apology, and how it was made. Nothing is sent to the customer by the bot.
      return [button(STEP_LABELS.apologize, Actions.apologizeForm, value, 'primary')];
    case 'ask':
      return [button(STEP_LABELS.ask, Actions.ask, value, 'primary')];
    case 'make_right':
      return [
        button(STEP_LABELS.make_right, Actions.makeRight, value, 'primary'),
        ...(options.nothingMore === false ? [] : [button(LABELS.nothingMore, Actions.skipMakeRight, value)]),
      ];
    case 'confirm_satisfied':
      return [
        button(STEP_LABELS.confirm_satisfied, Actions.satisfied, value, 'primary'),
        button(LABELS.notSatisfied, Actions.notSatisfied, value, 'danger'),
      ];
  }
}

// ---------------------------------------------------------------------------------------------
// One mistake in a list (App Home, `/mistake mine`, `/mistake list`).

export function summaryUrl(s: Pick<MistakeSummary, 'channelId' | 'threadTs'>, workspaceUrl?: string): string | null {
  return s.threadTs ? threadUrl(workspaceUrl, s.channelId, s.threadTs) : null;
}

/** " · reminders snoozed until …" while the owner's snooze lasts (card, App Home, lists); '' otherwise. */
export function snoozedNote(until: Date | null, ctx: RenderContext): string {
  return until && until.getTime() > ctx.now.getTime() ? ` · reminders snoozed until ${slackDate(until, ctx.timeZone)}` : '';
}

/** What is next for a mistake, in a few words, with its due time as of `ctx.now`; '' when nothing is. */
export function nextLine(s: MistakeSummary, ctx: RenderContext): string {
  const what = s.nextStep ? STEP_TODO_LABELS[s.nextStep] : s.state === 'awaiting_rca' ? LABELS.rootCauseAnalysis : null;
  if (what) {
    const due = s.nextDueAt ? formatDue(s.nextDueAt, ctx.now, ctx.timeZone) : '';
    const overdue = s.nextDueAt !== null && s.nextDueAt.getTime() < ctx.now.getTime();
    // As the card says it: the owner snoozed the reminders, so nobody wonders why none came.
    return `Next: *${what}*${due ? (overdue ? ` · *${due}*` : ` · ${due}`) : ''}${snoozedNote(s.snoozedUntil, ctx)}`;
  }
  if (s.state === 'preventing') return 'Next: the prevention steps';
  return '';
}

/** Two lines: which customer (linked to the thread), how urgent and where it stands; then what is next. */
export function summaryText(s: MistakeSummary, ctx: LinkContext, options: { showOwner: boolean }): string {
  const url = summaryUrl(s, ctx.workspaceUrl);
  const customer = userText(s.customer, 80);
  const name = url ? `*${link(url, customer)}*` : `*${customer}*`;
  const first = [name, `#${s.id}`, severityShort(s.severity)];
  if (s.state === 'escalated') first.push(`:warning: Escalated${s.escalationLevel > 1 ? ` (level ${s.escalationLevel})` : ''}`);
  else {
    first.push(stateLabel(s.state));
    if (s.escalationLevel > 0) first.push('was escalated');
  }
  const second = [nextLine(s, ctx)].filter((x) => x !== '');
  if (options.showOwner) second.push(`Owner ${mention(s.ownerId)}`);
  if (!s.apologized && RECOVERING_STATES.includes(s.state)) second.push('_no apology yet_');
  const record = customerRecordText(s, 40);
  if (record) second.push(record);
  return second.length > 0 ? `${first.join(' · ')}\n${second.join(' · ')}` : first.join(' · ');
}

/** The buttons a list row offers: the same as the card's next step, so any surface can move it on. */
export function summaryButtons(s: MistakeSummary): Button[] {
  // A summary in awaiting_rca has no RCA yet: writing one moves the mistake on to preventing.
  return nextStepButtons({ id: s.id, version: s.version }, s.state, s.nextStep, {
    hasRca: false,
    hasOwner: s.ownerId !== null,
    customer: s.customer,
    nothingMore: !s.customerAskedForMore,
  });
}

// ---------------------------------------------------------------------------------------------
// The customer as a record.

export interface CustomerRecord {
  account: string | null;
  customerLink: string | null;
  value: MoneyView | null;
}

/** "Account *ACME-42* · <https://…|CRM record> · Value at risk *$1,250.00*", or '' when none was given. */
export function customerRecordText(r: CustomerRecord, max = 80): string {
  const parts: string[] = [];
  if (r.account) parts.push(`Account *${userText(r.account, max)}*`);
  // Stored links are https (checked at report time); shown as a link, never as raw text.
  if (r.customerLink?.startsWith('https://')) parts.push(link(r.customerLink, 'CRM record'));
  if (r.value) parts.push(`Value at risk *${formatMoney(r.value.minor, r.value.currency)}*`);
  return parts.join(' · ');
}

/** How many earlier threads a repeat line links to; the count still says how many there were. */
const EARLIER_LINKS = 10;

/**
 * "3rd mistake for *Harbor Bakery* in 90 days · earlier: #12, #15" (each a link to its thread),
 * or '' when this is the customer's first in the window.
 */
export function repeatText(customer: string, earlier: readonly EarlierMistakeView[] | undefined, workspaceUrl?: string): string {
  if (!earlier || earlier.length === 0) return '';
  const links = earlier
    .slice(0, EARLIER_LINKS)
    .map((e) => (e.threadTs ? link(threadUrl(workspaceUrl, e.channelId, e.threadTs), `#${e.id}`) : `#${e.id}`));
  const more = earlier.length > EARLIER_LINKS ? ` and ${earlier.length - EARLIER_LINKS} more` : '';
  return `:repeat: *${ordinal(earlier.length + 1)} mistake for ${userText(customer, 80)} in ${REPEAT_WINDOW_DAYS} days* · earlier: ${links.join(', ')}${more}`;
}

/** The after-close check-in's answers, in the words of its buttons. */
export const CHECK_IN_LABELS: Record<CheckInAnswer, string> = {
  came_back: LABELS.cameBack,
  not_yet: LABELS.notYet,
  lost: LABELS.lostThem,
};
