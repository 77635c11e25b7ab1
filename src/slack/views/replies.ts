// What the bot says about a mistake outside the card: a short thread reply for every step (who did
// what, with the customer's answer or the remedy), the DM that tells someone a recovery or a
// prevention step is theirs, and the separate "Escalation" message in the channel.

import type { KnownBlock } from '@slack/types';
import {
  ESCALATION_REASON_LABELS,
  type EscalationReason,
  RECOVERING_STATES,
  REMEDY_LABELS,
  STEP_KINDS,
  STEP_LABELS,
  type StepKind,
  CHASED_STEP_LABELS,
  currentChasedStep,
  customerAskedForMore,
  nextStep,
  RCA_STEP,
  STEP_DONE_LABELS,
} from '../../domain/playbook';
import { CONTACT_CHANNEL_LABELS } from '../../domain/contacts';
import { type CheckInAnswer, isCheckInAnswer } from '../../domain/checkIn';
import { draftCustomerNote } from '../../domain/customerNote';
import type { Offer } from '../../domain/deliveries';
import type { TimelineEvent } from '../../domain/timeline';
import { type EscalationView, type MistakeView, snapshotOf, stepOf } from '../../services/views';
import { Actions } from '../ids';
import {
  actions,
  button,
  CHECK_IN_LABELS,
  context,
  jsonLength,
  LABELS,
  linkButton,
  longSections,
  nextStepButtons,
  refValue,
  repeatText,
  type RenderContext,
  section,
  severityShort,
  stateLabel,
} from './blocks';
import {
  codePointLength,
  composedText,
  contactMention,
  FALLBACK_TEXT_MAX,
  link,
  mention,
  notificationText,
  quote,
  SLACK_LIMITS,
  slackDate,
  formatDay,
  truncate,
  userText,
} from './text';

export interface RenderedMessage {
  text: string;
  blocks?: KnownBlock[];
}

/** How much user text a thread reply quotes: enough to read in the thread, within one section. */
const REPLY_TEXT = {
  answer: 2000,
  remedy: 500,
  reason: 1000,
  comment: 1000,
  rca: 900,
  prevention: 200,
  customer: 100,
  summary: 500,
  apology: 2500,
};

/** Who did it; a change with no person behind it was made by the bot's scheduled checks. */
function who(actorId: string | null): string {
  return actorId ? mention(actorId) : 'The bot';
}

/** "Next: *Apologize*, due …" for the step after `kind`, while that step is still to do. */
function nextAfter(m: MistakeView, kind: StepKind, ctx: RenderContext): string {
  const next = STEP_KINDS[STEP_KINDS.indexOf(kind) + 1];
  if (!next) return '';
  const s = stepOf(m, next);
  if (s?.status !== 'pending' || !RECOVERING_STATES.includes(m.state)) return '';
  return ` ${nextPhrase(next)}, due ${slackDate(s.dueAt, ctx.timeZone)}.`;
}

function nextPhrase(kind: StepKind): string {
  return kind === 'confirm_satisfied' ? 'Next: check that the customer is satisfied' : `Next: *${STEP_LABELS[kind]}*`;
}

function reasonLabel(reason: string): string | undefined {
  return Object.hasOwn(ESCALATION_REASON_LABELS, reason) ? ESCALATION_REASON_LABELS[reason as EscalationReason] : undefined;
}

/** When a step put back by "not satisfied" or a reopen is due again, while it waits. */
function dueAgain(m: MistakeView, kind: StepKind, ctx: RenderContext): string {
  const s = stepOf(m, kind);
  return s && s.status === 'pending' && RECOVERING_STATES.includes(m.state) ? `, due ${slackDate(s.dueAt, ctx.timeZone)}` : '';
}

/**
 * A message's notification text: its first line without the bot's formatting marks, short, and
 * never cut in the middle of a mention or an escape.
 */
function fallback(text: string): string {
  const firstLine = notificationText(text.split('\n')[0] ?? text);
  if (codePointLength(firstLine) <= FALLBACK_TEXT_MAX) return firstLine;
  const cut = truncate(firstLine, FALLBACK_TEXT_MAX - 1)
    .replace(/…$/, '')
    .replace(/<[^>]*$/, '')
    .replace(/&[a-z]*$/, '');
  return `${cut.trimEnd()}…`;
}

/** `notice`, when given, is what the notification says instead of the first line of `main`. */
function reply(main: string, extra: KnownBlock[] = [], notice?: string): RenderedMessage {
  return { text: fallback(notice ?? main), blocks: [section(main), ...extra] };
}

// ---------------------------------------------------------------------------------------------
// Thread replies.

/**
 * The thread reply for one timeline event. Every step does two visible things: the card changes,
 * and this reply records who did what.
 */
export function renderTimelineReply(event: TimelineEvent, m: MistakeView, ctx: RenderContext): RenderedMessage {
  const actor = who(event.actorId);
  const customer = `*${userText(m.customer, REPLY_TEXT.customer)}*`;

  switch (event.kind) {
    case 'reported': {
      const { ownerId } = event;
      const urgent = m.severity === 'critical' ? ' It is critical: minutes, not days.' : '';
      // The first reply carries the whole report: the card shows only the start of long texts.
      const story = fullReport(m);
      if (event.ownedAtReport) {
        return reply(`${mention(ownerId)}, you own this recovery.${nextAfter(m, 'own', ctx)}${urgent}`, story);
      }
      const own = stepOf(m, 'own');
      const due = own && own.status === 'pending' ? ` It is due ${slackDate(own.dueAt, ctx.timeZone)}.` : '';
      return reply(
        `${mention(ownerId)}, ${who(event.actorId)} asked you to own this recovery for ${customer}. Click *${LABELS.own}* on the card to take it.${due}${urgent}`,
        story,
      );
    }

    case 'owned':
      return reply(`${actor} owns this recovery.${nextAfter(m, 'own', ctx)}`);

    case 'step_done': {
      const noteBlock = event.note ? [section(`_Note:_ ${userText(event.note, REPLY_TEXT.comment)}`)] : [];
      if (event.step === 'apologize') {
        // How it was made and the words kept, when the owner recorded them (the apology form).
        const how = event.contactChannel ? ` (${CONTACT_CHANNEL_LABELS[event.contactChannel].toLowerCase()})` : '';
        const summary = event.contactSummary ? `\n${quote(userText(event.contactSummary, REPLY_TEXT.summary))}` : '';
        const words = event.apology ? [section(`_The apology, as sent by ${actor}:_\n${quote(userText(event.apology, REPLY_TEXT.apology))}`)] : [];
        const next = event.nextContactAt ? ` Next contact planned for ${formatDay(event.nextContactAt, ctx.timeZone)}.` : '';
        return reply(
          `${actor} apologized to ${customer}${how}.${summary}\n${`${nextAfter(m, 'apologize', ctx)}${next}`.trim()}`.trimEnd(),
          [...words, ...noteBlock],
          `${actor} apologized to ${customer}${how}.`,
        );
      }
      if (event.step === 'ask') {
        const answer = event.customerAnswer;
        const said = answer ? `\n${quote(userText(answer, REPLY_TEXT.answer))}` : '';
        const notice = answer ? `${actor} asked ${customer} what they would like: “${userText(answer.replace(/\s+/g, ' '), 120)}”` : undefined;
        return reply(`${actor} asked ${customer} what they would like.${said}\n${nextAfter(m, 'ask', ctx).trim()}`.trimEnd(), noteBlock, notice);
      }
      if (event.step === 'make_right') {
        const value = event.remedyValue;
        const given = `*${event.remedyKind ? REMEDY_LABELS[event.remedyKind] : 'A remedy'}*${value ? `: ${userText(value, REPLY_TEXT.remedy)}` : ''}`;
        return reply(`${actor} made it right: ${given}.${nextAfter(m, 'make_right', ctx)}`, noteBlock);
      }
      return reply(`${actor} did *${STEP_LABELS[event.step]}*.`, noteBlock);
    }

    case 'step_skipped': {
      const why = event.reason ? `\n${quote(userText(event.reason, REPLY_TEXT.reason))}` : '';
      if (event.step === 'make_right') {
        return reply(
          `${actor} recorded that ${customer} asked for nothing more than the apology. Their reason:${why}\n${nextAfter(m, 'make_right', ctx).trim()}`.trimEnd(),
        );
      }
      return reply(`${actor} skipped *${STEP_LABELS[event.step]}*.${why}`);
    }

    case 'satisfied': {
      const said = event.comment ? `\n${quote(userText(event.comment, REPLY_TEXT.comment))}` : '';
      // Whether the RCA already existed when the customer was satisfied (a reopened recovery).
      const rcaBefore = m.rca !== null && m.rca.createdAt.getTime() <= event.at.getTime();
      const then = rcaBefore
        ? 'The prevention steps from the root-cause analysis carry on.'
        : 'The root-cause analysis is now open: what in our process let this happen? Causes, not culprits. Use *Root-cause analysis* on the card.';
      return reply(`:white_check_mark: ${actor} confirmed ${customer} is satisfied.${said}\n${then}`);
    }

    case 'not_satisfied': {
      const needs = event.comment ? ` What they still need:\n${quote(userText(event.comment, REPLY_TEXT.comment))}` : '';
      return reply(
        `${actor} says ${customer} is not satisfied yet.${needs}\nThis recovery is escalated and goes back to *Make it right*${dueAgain(m, 'make_right', ctx)}.`,
      );
    }

    case 'escalated': {
      const label = reasonLabel(event.reason);
      const why = event.text ? `: ${composedText(event.text, REPLY_TEXT.reason, [m.ownerId, m.reporterId])}` : label ? `: ${label}` : '';
      return reply(`:warning: *Escalated*${event.level ? ` (level ${event.level})` : ''}${why}`);
    }

    case 'reassigned': {
      const { from, to } = event;
      const own = stepOf(m, 'own');
      const mustOwn = to !== event.actorId && m.ownerId === to && own?.status === 'pending' && RECOVERING_STATES.includes(m.state);
      const then = mustOwn ? ` ${mention(to)}, click *Own it* on the card to take it.` : '';
      if (to === event.actorId) {
        return reply(`${actor} took over this recovery${from ? ` from ${mention(from)}` : ''}.${then}`);
      }
      const handed =
        from && from !== event.actorId ? `handed this recovery from ${mention(from)} to ${mention(to)}` : `handed this recovery to ${mention(to)}`;
      return reply(`${actor} ${handed}.${then}`);
    }

    case 'reopened': {
      const why = event.reason ? `\n${quote(userText(event.reason, REPLY_TEXT.reason))}` : '';
      const owner = m.ownerId && m.ownerId !== event.actorId ? `${mention(m.ownerId)}, back` : 'Back';
      return reply(
        `${actor} reopened this recovery: the customer needs more.${why}\n${owner} to *${LABELS.makeRight}*${dueAgain(m, 'make_right', ctx)}.`,
      );
    }

    case 'rca_submitted':
      return rcaReply(event, m, ctx);

    case 'prevention_done': {
      const description = event.description;
      const done = m.prevention.filter((x) => x.status === 'done').length;
      const what = description ? `: ${userText(description, REPLY_TEXT.prevention)}` : '';
      return reply(`${actor} finished a prevention step${what}. ${done} of ${m.prevention.length} done.`);
    }

    case 'contact_logged': {
      const how = CONTACT_CHANNEL_LABELS[event.channel].toLowerCase();
      const next = event.nextContactAt ? `\nNext contact planned for ${formatDay(event.nextContactAt, ctx.timeZone)}.` : '';
      return reply(
        `${actor} was in touch with ${customer} (${how}).\n${quote(userText(event.summary, REPLY_TEXT.summary))}${next}`,
        [],
        `${actor} was in touch with ${customer} (${how}).`,
      );
    }

    case 'closed':
      return reply(
        `:white_check_mark: Recovered and closed. ${customer} is satisfied, the root-cause analysis is written and every prevention step is done. Thank you.`,
      );

    case 'customer_note_drafted': {
      const main = `:memo: Every prevention step is done, so ${customer} can be told it won't happen again. Here is a draft built from the root-cause analysis; edit it as you like and send it yourself, then click *${LABELS.markSent}*.`;
      if (!m.rca) return reply(main);
      const draft = draftCustomerNote({ customer: m.customer, whatChanges: m.rca.whatChanges });
      return {
        text: fallback(main),
        blocks: [
          section(main),
          section(quote(userText(draft, REPLY_TEXT.rca * 2))),
          context('The bot never writes to the customer. Closing the recovery does not wait for this note.'),
          actions([button(LABELS.markSent, Actions.customerNoteSent, refValue({ id: m.id, version: m.version }), 'primary')]),
        ],
      };
    }

    case 'customer_note_sent':
      return reply(`${actor} sent ${customer} the note that it won't happen again.`);

    case 'check_in_asked':
      return reply(`${mention(m.ownerId)} was asked whether ${customer} came back.`);

    case 'check_in_answered':
      return reply(`${actor} checked in on ${customer}: ${checkInSentence(event.answer, m, ctx)}`);

    case 'snoozed': {
      const p = event.preventionId !== undefined ? m.prevention.find((x) => x.id === event.preventionId) : undefined;
      const what =
        event.step && event.step !== RCA_STEP
          ? `*${STEP_LABELS[event.step]}*`
          : p
            ? `the prevention step “${userText(p.description, REPLY_TEXT.prevention)}”`
            : event.contactId !== undefined
              ? `the *${LABELS.nextContact.toLowerCase()}* with ${customer}`
              : 'this recovery';
      return reply(`${actor} snoozed the reminders for ${what} until ${slackDate(event.until, ctx.timeZone)}.`);
    }
  }
}

/**
 * The report as it was written, whole: what happened and the impact on the customer, each over
 * as many sections as it takes. If even that would not fit one message (text made of characters
 * Slack's size limit counts many times over), it is cut, visibly.
 */
function fullReport(m: MistakeView): KnownBlock[] {
  for (const max of [Infinity, 2000, 1000]) {
    const blocks: KnownBlock[] = [
      ...longSections('*What happened*', userText(m.whatHappened, max)),
      ...longSections('*Impact on the customer*', userText(m.impact, max)),
    ];
    // Room is kept for the reply's own first section.
    if (jsonLength(blocks) <= SLACK_LIMITS.messageBlocksJson - 4000) return blocks;
  }
  return [
    section(`*What happened*\n${userText(m.whatHappened, 500)}`),
    section(`*Impact on the customer*\n${userText(m.impact, 500)}`),
    context('The report is too long for one Slack message; it is kept whole in the bot’s records.'),
  ];
}

/** The blameless RCA in the thread, with every prevention step's owner and due date (rule 7). */
function rcaReply(event: TimelineEvent, m: MistakeView, ctx: RenderContext): RenderedMessage {
  const actor = who(event.actorId);
  const main = `${actor} wrote the root-cause analysis. Causes, not culprits.`;
  if (!m.rca) return reply(main);
  const r = REPLY_TEXT.rca;
  const extra: KnownBlock[] = [
    section(`*What happened*\n${userText(m.rca.whatHappened, r)}`),
    section(`*Why it happened*\n${userText(m.rca.causes, r)}`),
    section(`*What changes*\n${userText(m.rca.whatChanges, r)}`),
  ];
  if (m.prevention.length > 0) {
    extra.push(section(preventionList(m, ctx)));
  }
  return { text: fallback(main), blocks: [section(main), ...extra] };
}

/** "• description · owner · due date" lines, as many as fit in one section, then how many more. */
function preventionList(m: MistakeView, ctx: RenderContext): string {
  const title = `*Prevention steps*, so it does not happen again:`;
  const lines: string[] = [];
  let length = codePointLength(title);
  const room = SLACK_LIMITS.sectionText - 100;
  for (const [index, p] of m.prevention.entries()) {
    const done = p.status === 'done' ? ' · done' : '';
    const line = `• ${userText(p.description, REPLY_TEXT.prevention)} · ${mention(p.ownerId)} · due ${slackDate(p.dueAt, ctx.timeZone)}${done}`;
    const n = codePointLength(line) + 1;
    if (length + n > room) {
      lines.push(`… and ${m.prevention.length - index} more, on the card.`);
      break;
    }
    lines.push(line);
    length += n;
  }
  return [title, ...lines].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Direct messages.

/** A DM with buttons: what they were for when it was sent, and whether they still are. */
export interface DirectMessageRender extends RenderedMessage {
  /** What its buttons are for (null: it has none). Kept so a later edit can tell if that is done. */
  offered: Offer | null;
  /** Whether its buttons are still what waits on its recipient. */
  live: boolean;
}

/**
 * What a DM about `event` offers its recipient right now: the owner's step to do (the next
 * recovery step, or the root-cause analysis once the customer is satisfied), or the recipient's
 * open prevention steps; null when nothing waits on them.
 */
export function offerOf(event: TimelineEvent, m: MistakeView, recipientId: string | null): Offer | null {
  if (event.kind === 'check_in_asked') {
    // Only the latest question, while it is unanswered, and only to the owner.
    const open = m.checkInAskedAt !== null && m.checkInsSent === event.number;
    return open && recipientId !== null && recipientId === m.ownerId ? 'check_in' : null;
  }
  if (event.kind === 'rca_submitted') {
    const mine = m.prevention.some((p) => p.status !== 'done' && (!recipientId || p.ownerId === recipientId));
    return m.state === 'preventing' && mine ? 'prevention' : null;
  }
  if (!recipientId || recipientId !== m.ownerId) return null;
  return currentChasedStep(snapshotOf(m))?.kind ?? null;
}

/**
 * The DM telling someone a recovery is theirs (reported with them as owner, reassigned to them,
 * reopened), that the root-cause analysis gave them prevention steps, or (to the reporter) that
 * the report landed; with the thread link and the buttons they need. Rendered again when the
 * mistake changes (`offered` is then what it offered when sent): once that is done, the DM says
 * what happened instead of offering it, so its buttons never go stale.
 */
export function renderOwnerDm(
  event: TimelineEvent,
  m: MistakeView,
  ctx: RenderContext & { threadUrl: string; workspaceUrl?: string; recipientId?: string; offered?: Offer | null },
): DirectMessageRender {
  const customer = `*${userText(m.customer, REPLY_TEXT.customer)}*`;
  const open = linkButton(LABELS.openThread, ctx.threadUrl);
  const ref = { id: m.id, version: m.version };
  const urgent = m.severity === 'critical' ? ' It is critical: minutes, not days.' : '';

  if (event.kind === 'reported' && ctx.recipientId === m.reporterId) {
    return { ...renderReportConfirmation(m, ctx), offered: null, live: false };
  }

  const recipientId = ctx.recipientId ?? (event.kind === 'reassigned' ? event.to : event.kind === 'reported' ? event.ownerId : m.ownerId);
  const now = offerOf(event, m, recipientId);
  const offered = ctx.offered === undefined ? now : ctx.offered;
  const live = offered !== null && now === offered;
  // The state only while the DM is live (edited with every change): a settled DM is no longer
  // edited, and a state in it would go stale ("Recovering" long after it closed); the thread link
  // shows where it stands.
  const about = `Mistake #${m.id} · ${severityShort(m.severity)}${live ? ` · ${stateLabel(m.state)}` : ''}`;

  if (event.kind === 'check_in_asked') return checkInDm(m, ctx, { offered, live, about, open, customer });

  if (event.kind === 'rca_submitted') {
    const mine = m.prevention.filter((p) => (live ? p.status !== 'done' : true) && (!recipientId || p.ownerId === recipientId));
    const main = `${who(event.actorId)} wrote the root-cause analysis for ${customer}, and it gives you ${
      mine.length === 1 ? 'a prevention step' : 'prevention steps'
    }: the changes that make sure it does not happen again.`;
    const blocks: KnownBlock[] = [section(main), context(about)];
    // A DM is one message: keep well inside its block count, with room for the link and the note.
    const shown = mine.slice(0, 20);
    for (const p of shown) {
      const description = userText(p.description, REPLY_TEXT.prevention);
      if (p.status === 'done') {
        const when = p.doneAt ? ` · ${slackDate(p.doneAt, ctx.timeZone)}` : '';
        blocks.push(section(`${description}\n:white_check_mark: *${LABELS.done}* · ${mention(p.doneById)}${when}`));
        continue;
      }
      const overdue = p.dueAt.getTime() < ctx.now.getTime() ? ' · *overdue*' : '';
      const done = live ? button(LABELS.done, Actions.preventionDone, refValue(ref, p.id), 'primary') : undefined;
      blocks.push(section(`${description}\n${mention(p.ownerId)} · due ${slackDate(p.dueAt, ctx.timeZone)}${overdue}`, done));
    }
    if (mine.length > shown.length) blocks.push(context(`… and ${mine.length - shown.length} more, on the card.`));
    if (!live) blocks.push(context(m.state === 'closed' ? 'This mistake is closed. Thank you.' : 'Nothing here waits on you any more.'));
    blocks.push(actions([open]));
    return { text: fallback(main), blocks, offered, live };
  }

  let main: string;
  if (event.kind === 'reopened') {
    const reason = event.reason;
    const why = reason ? ` Why:\n${quote(userText(reason, REPLY_TEXT.reason))}\n` : ' ';
    main = `${who(event.actorId)} reopened the recovery for ${customer}: the customer needs more.${why}Back to *${LABELS.makeRight}*, then check they are satisfied.${urgent}`;
  } else if (event.kind === 'reported') {
    main = `${who(event.actorId)} reported a mistake made to ${customer} and asked you to own the recovery. Click *${LABELS.own}* to take it; then apologize, ask what they would like, and make it right.${urgent}`;
  } else if (event.kind === 'reassigned') {
    const from = event.from;
    const fromText = from && from !== event.actorId ? ` from ${mention(from)}` : '';
    const then =
      offered === 'own' ? ` Click *${LABELS.own}* to take it.` : offered === RCA_STEP ? ` The *${LABELS.rootCauseAnalysis}* is yours to write.` : '';
    main = `${who(event.actorId)} handed you the recovery for ${customer}${fromText}.${then}${urgent}`;
  } else {
    main = `There is news on the recovery for ${customer}: ${stateLabel(m.state)}.`;
  }

  const snapshot = snapshotOf(m);
  const story = section(`*What happened*\n${userText(m.whatHappened, 500)}`);
  if (!live) {
    const outcome = offered ? offerOutcome(m, offered, recipientId, ctx) : null;
    const blocks: KnownBlock[] = [section(main), context(about)];
    if (outcome) blocks.push(section(outcome));
    blocks.push(story, actions([open]));
    return { text: fallback(main), blocks, offered, live };
  }
  const current = currentChasedStep(snapshot)!;
  const buttons = nextStepButtons(ref, m.state, nextStep(snapshot)?.kind ?? null, {
    hasRca: m.rca !== null,
    hasOwner: true,
    customer: m.customer,
    nothingMore: !customerAskedForMore(snapshot),
  });
  const due = ` · ${CHASED_STEP_LABELS[current.kind]} due ${slackDate(current.dueAt, ctx.timeZone)}`;
  return {
    text: fallback(main),
    blocks: [section(main), context(`${about}${due}`), story, actions([...buttons, open])],
    offered,
    live,
  };
}

/** "came back.", "has not come back yet; …", "is lost: …" after the customer's name. */
function checkInSentence(answer: CheckInAnswer, m: MistakeView, ctx: RenderContext): string {
  if (answer === 'came_back') return 'they came back. :tada:';
  if (answer === 'lost') return 'we lost them. They are on the win-back list in the digest.';
  return m.checkInDueAt
    ? `they have not come back yet. The owner is asked once more ${slackDate(m.checkInDueAt, ctx.timeZone)}.`
    : 'they have not come back yet.';
}

/** The after-close check-in DM: did the customer come back? Its buttons, until it is answered. */
function checkInDm(
  m: MistakeView,
  ctx: RenderContext,
  d: { offered: Offer | null; live: boolean; about: string; open: ReturnType<typeof linkButton>; customer: string },
): DirectMessageRender {
  const since = m.satisfiedAt ? ` (satisfied ${slackDate(m.satisfiedAt, ctx.timeZone)})` : '';
  const main = `:wave: Time to check in on ${d.customer}${since}. Did they come back to us?`;
  const blocks: KnownBlock[] = [section(main), context(d.about)];
  if (d.live) {
    const ref = refValue({ id: m.id, version: m.version });
    blocks.push(
      actions([
        button(LABELS.cameBack, Actions.checkInCameBack, ref, 'primary'),
        button(LABELS.notYet, Actions.checkInNotYet, ref),
        button(LABELS.lostThem, Actions.checkInLost, ref, 'danger'),
        d.open,
      ]),
    );
  } else {
    const answer = isCheckInAnswer(m.outcome) ? `*${CHECK_IN_LABELS[m.outcome]}*` : null;
    blocks.push(section(answer ? `Answered: ${answer}. Thank you.` : 'Nothing here waits on you any more.'), actions([d.open]));
  }
  return { text: fallback(main), blocks, offered: d.offered, live: d.live };
}

/** What became of what a DM offered, in place of its buttons. */
function offerOutcome(m: MistakeView, offered: Offer, recipientId: string | null, ctx: RenderContext): string {
  const when = (at: Date | null | undefined) => (at ? ` · ${slackDate(at, ctx.timeZone)}` : '');
  const next = m.state !== 'closed' && m.ownerId === recipientId ? ' What is next is on the card.' : '';
  if (offered === RCA_STEP && m.rca) {
    return `:white_check_mark: *${LABELS.rcaWritten}* · ${mention(m.rca.authorId)}${when(m.rca.createdAt)}.${next}`;
  }
  if (offered !== RCA_STEP && offered !== 'prevention' && offered !== 'check_in') {
    const s = stepOf(m, offered);
    if (s?.status === 'done') return `:white_check_mark: *${STEP_DONE_LABELS[offered]}* · ${mention(s.doneById)}${when(s.doneAt)}.${next}`;
    if (s?.status === 'skipped') {
      return `:fast_forward: *${LABELS.makeRight}* · ${LABELS.nothingMore.toLowerCase()} · ${mention(s.doneById)}${when(s.doneAt)}.${next}`;
    }
  }
  if (m.state === 'closed') return 'This mistake is closed; nothing here waits on you.';
  if (m.ownerId !== recipientId) return `This recovery is now ${mention(m.ownerId)}’s; nothing here waits on you.`;
  return `Nothing here waits on you any more: the recovery is at ${stateLabel(m.state)}.${next}`;
}

/**
 * The reporter's private confirmation that the report landed, sent once the card is posted so it
 * can link to the thread (a DM, not an ephemeral: a modal's submission does not say which channel
 * /mistake was typed in, and an ephemeral needs a channel the bot can post in).
 */
export function renderReportConfirmation(m: MistakeView, ctx: RenderContext & { threadUrl: string; workspaceUrl?: string }): RenderedMessage {
  const customer = `*${userText(m.customer, REPLY_TEXT.customer)}*`;
  const next = nextStep(snapshotOf(m));
  const yours = m.ownerId === m.reporterId;
  const then = yours
    ? next
      ? `You own the recovery: next, *${STEP_LABELS[next.kind]}*, due ${slackDate(next.dueAt, ctx.timeZone)}. The buttons are on the card.`
      : 'You own the recovery; the card shows every step.'
    : `${mention(m.ownerId)} is asked to own the recovery; the card shows every step.`;
  const main = `:white_check_mark: Reported as ${link(ctx.threadUrl, `Mistake #${m.id}`)}: ${customer}. Thank you for owning it.\n${then}`;
  const repeat = repeatText(m.customer, m.earlier, ctx.workspaceUrl);
  return {
    text: fallback(`Reported as Mistake #${m.id} (${userText(m.customer, 60)}). Its thread: ${link(ctx.threadUrl, 'open it')}`),
    blocks: [section(main), ...(repeat ? [section(repeat)] : []), actions([linkButton(LABELS.openThread, ctx.threadUrl)])],
  };
}

// ---------------------------------------------------------------------------------------------
// Escalations.

/**
 * Who an escalation calls, beyond the owner (rules 1 and 5: an escalation must reach someone new):
 * the escalation contact when there is one; otherwise the reporter and the admins; and when they
 * are all the owner too, everyone active in the channel, so it never reaches only the owner.
 */
export function escalationAudience(
  m: Pick<MistakeView, 'ownerId' | 'reporterId'>,
  contact: string | null,
  adminUserIds: readonly string[],
): string[] {
  const group = contactMention(contact);
  if (group) return [group];
  const people = [...new Set([m.reporterId, ...adminUserIds])].filter((u) => u && u !== m.ownerId);
  return people.length > 0 ? people.map(mention) : ['<!here>'];
}

/** How the mistake moved on past an escalation, from the timeline event that did it. */
export function resolutionText(event: TimelineEvent | null): string {
  if (!event) return 'the mistake moved on';
  const actor = who(event.actorId);
  switch (event.kind) {
    case 'satisfied':
      return `${actor} confirmed the customer is satisfied`;
    case 'reassigned':
      if (event.to === event.actorId) return `${actor} took over the recovery`;
      return `${actor} handed the recovery to ${mention(event.to)}`;
    case 'closed':
      return 'the mistake is closed: the customer is satisfied, the root-cause analysis is written and every prevention step is done';
    case 'owned':
      return `${actor} owned it`;
    case 'step_done':
      return `${actor} did *${STEP_LABELS[event.step]}*`;
    case 'step_skipped':
      return `${actor} recorded that the customer asked for nothing more`;
    case 'rca_submitted':
      return `${actor} wrote the *${LABELS.rootCauseAnalysis}*`;
    case 'prevention_done':
      return `${actor} finished the prevention step`;
    default:
      return `${actor} moved the mistake on`;
  }
}

/**
 * The escalation, posted as its own message in the escalation channel (never folded into the
 * card, so it is seen): says "Escalation", calls someone beyond the owner, says why, and offers
 * what they can do: open the thread, or hand the recovery to someone. Once the mistake moves on
 * it is edited to say it is resolved, and how, and its Reassign button goes.
 */
export function renderEscalation(
  m: MistakeView,
  escalation: EscalationView,
  ctx: RenderContext & {
    contact: string | null;
    adminUserIds: readonly string[];
    threadUrl: string;
    /** The timeline event that resolved it, once it is resolved. */
    resolvedBy?: TimelineEvent | null;
  },
): RenderedMessage {
  const customer = `*${userText(m.customer, REPLY_TEXT.customer)}*`;
  const label = reasonLabel(escalation.reason) ?? userText(escalation.reason, 200);
  const why = escalationWhy(m, escalation);
  const about = `level ${escalation.level} · Mistake #${m.id} · ${customer}`;
  const when = context(`Escalated ${slackDate(escalation.at, ctx.timeZone)}`);
  const open = linkButton(LABELS.openThread, ctx.threadUrl);

  if (escalation.resolvedAt) {
    const how = resolutionText(ctx.resolvedBy ?? null);
    const main =
      `:white_check_mark: *Escalation resolved* · ${about}\n*Was escalated because:* ${why}` +
      `\n*Resolved:* ${how} · ${slackDate(escalation.resolvedAt, ctx.timeZone)}`;
    return {
      text: fallback(`Escalation resolved: Mistake #${m.id} (${userText(m.customer, 60)}): ${how}.`),
      blocks: [section(main), when, actions([open])],
    };
  }

  const audience = escalationAudience(m, ctx.contact, ctx.adminUserIds).join(' ');
  const main = `:rotating_light: *Escalation* · ${about}\n*Why:* ${why}`;
  const people =
    `*Owner:* ${mention(m.ownerId)} · *Severity:* ${severityShort(m.severity)} · *State:* ${stateLabel(m.state)}` +
    `\n${audience}, this recovery needs you: open the thread, or hand it to someone who can recover the customer now.`;
  const buttons = [open];
  if (m.state !== 'closed') buttons.push(button(LABELS.reassign, Actions.reassign, refValue({ id: m.id, version: m.version })));
  return {
    text: fallback(`Escalation: Mistake #${m.id} (${userText(m.customer, 60)}), ${label}. ${audience}, this needs you. Owner ${mention(m.ownerId)}.`),
    blocks: [section(main), section(people), when, actions(buttons)],
  };
}

/** Why, in one place: what the customer still needs, or the playbook's sentence. */
function escalationWhy(m: MistakeView, escalation: EscalationView): string {
  const label = reasonLabel(escalation.reason) ?? userText(escalation.reason, 200);
  if (escalation.reason === 'not_satisfied') {
    const needs = escalation.text ? `\n${quote(userText(escalation.text, REPLY_TEXT.reason))}` : '';
    return `the customer is not satisfied.${needs ? ` What they still need:${needs}` : ''}`;
  }
  if (escalation.text) return composedText(escalation.text, REPLY_TEXT.reason, [m.ownerId, m.reporterId]);
  // Escalations stored before their sentence was kept: the mistake has the latest one's.
  const detail =
    m.escalationReason && m.escalationLevel === escalation.level
      ? `\n${quote(composedText(m.escalationReason, REPLY_TEXT.reason, [m.ownerId, m.reporterId]))}`
      : '';
  return `${label}${detail}`;
}
