// The card: the one top-level message each mistake has in the escalation channel. It is the
// thread's parent and the control surface: it always shows the current state, and its buttons
// are only ever the ones for what can be done next.

import type { Button, KnownBlock } from '@slack/types';
import {
  CATEGORY_LABELS,
  customerAskedForMore,
  type Category,
  nextStep,
  preventionComplete,
  RECOVERING_STATES,
  REMEDY_LABELS,
  type RemedyKind,
  STEP_DONE_LABELS,
  STEP_KINDS,
  STEP_LABELS,
} from '../../domain/playbook';
import { isCheckInAnswer } from '../../domain/checkIn';
import { type MistakeView, type PreventionView, snapshotOf, stepOf, type StepView } from '../../services/views';
import { Actions } from '../ids';
import {
  actions,
  assemble,
  button,
  CHECK_IN_LABELS,
  context,
  customerRecordText,
  divider,
  fields,
  header,
  jsonLength,
  LABELS,
  nextStepButtons,
  refValue,
  type RenderContext,
  repeatText,
  section,
  severityText,
  snoozedNote,
  stateLabel,
  STEP_TODO_LABELS,
} from './blocks';
import {
  codePointLength,
  composedText,
  FALLBACK_TEXT_MAX,
  formatDay,
  mention,
  quote,
  SLACK_LIMITS,
  slackDate,
  truncate,
  userPlainText,
  userText,
} from './text';

/**
 * How much of each text the card shows. The full text lives in the database and the thread; the
 * card is read at a glance, and all of it has to fit in one message (50 blocks, ~12k characters).
 */
const CARD_TEXT = {
  story: 600,
  answer: 600,
  remedy: 300,
  reason: 300,
  escalation: 300,
  rca: 500,
  prevention: 200,
};

const RECOVERY_LINE = {
  done: ':white_check_mark:',
  skipped: ':fast_forward:',
  current: ':arrow_right:',
  later: ':white_small_square:',
};

export function renderCard(m: MistakeView, ctx: RenderContext & { workspaceUrl?: string }): { text: string; blocks: KnownBlock[] } {
  const text = cardFallback(m);
  // Long texts in every field at once (or text made of emoji, which JSON counts twice) can push a
  // card past Slack's size limit: render again with shorter excerpts until it fits.
  let blocks: KnownBlock[] = [];
  for (const scale of [1, 0.5, 0.25, 0.1]) {
    blocks = cardBlocks(m, ctx, scale);
    if (blocks.length <= SLACK_LIMITS.messageBlocks && jsonLength(blocks) <= SLACK_LIMITS.messageBlocksJson) break;
  }
  return { text, blocks };
}

function cardFallback(m: MistakeView): string {
  const next = nextStep(snapshotOf(m));
  const what = next ? ` · next: ${STEP_TODO_LABELS[next.kind]}` : '';
  // The notification text names no one: the card is posted once and edited often, and the
  // owner is told in the thread.
  return truncate(`Mistake #${m.id} · ${userText(m.customer, 100)}: ${stateLabel(m.state)}${what}`, FALLBACK_TEXT_MAX);
}

function cardBlocks(m: MistakeView, ctx: RenderContext & { workspaceUrl?: string }, scale: number): KnownBlock[] {
  const limit = (n: number) => Math.max(40, Math.floor(n * scale));
  const state = m.state;
  const critical = m.severity === 'critical';

  const title = `${critical ? ':rotating_light: ' : ''}Mistake #${m.id} · `;
  const head: KnownBlock[] = [
    header(title + userPlainText(m.customer, SLACK_LIMITS.headerText - codePointLength(title))),
    fields(
      `*Severity*\n${severityText(m.severity)}`,
      `*State*\n${stateLabel(m.state)}`,
      `*Owner*\n${mention(m.ownerId)}`,
      `*Reported by*\n${mention(m.reporterId)} · ${slackDate(m.createdAt, ctx.timeZone)}`,
      `*Category*\n${categoryText(m.category)}`,
    ),
  ];
  const record = customerRecordText(m);
  if (record) head.push(context(record));
  const repeat = repeatText(m.customer, m.earlier, ctx.workspaceUrl);
  if (repeat) head.push(section(repeat));

  if (m.escalationLevel > 0) {
    const why = m.escalationReason ? `: ${composedText(m.escalationReason, limit(CARD_TEXT.escalation), [m.ownerId, m.reporterId])}` : '';
    const when = m.escalatedAt ? ` · ${slackDate(m.escalatedAt, ctx.timeZone)}` : '';
    if (state === 'escalated') {
      head.push(section(`:warning: *Escalated* (level ${m.escalationLevel})${when}${why}`));
    } else {
      head.push(context(`Was escalated (level ${m.escalationLevel})${when}${why}`));
    }
  }

  const story = userText(m.whatHappened, limit(CARD_TEXT.story));
  const impact = userText(m.impact, limit(CARD_TEXT.story));
  head.push(section(`*What happened*\n${story}`), section(`*Impact on the customer*\n${impact}`));
  // The card is read at a glance; whoever needs the rest is told where it is.
  if (story !== userText(m.whatHappened, Infinity) || impact !== userText(m.impact, Infinity)) {
    head.push(context('This is the start of the report: the full report is the first reply in the thread.'));
  }
  head.push(divider(), ...checklist(m, ctx, limit));

  const ask = stepOf(m, 'ask');
  if (ask?.customerAnswer) {
    head.push(section(`*What the customer asked for*\n${quote(userText(ask.customerAnswer, limit(CARD_TEXT.answer)))}`));
  }
  const makeRight = stepOf(m, 'make_right');
  if (makeRight?.remedyKind) {
    // After "not satisfied" or a reopen the step is pending again, but what was given still counts.
    const title = makeRight.status === 'done' ? '*How we made it right*' : '*Given so far* (the customer needed more)';
    head.push(section(`${title}\n${remedyText(makeRight, limit(CARD_TEXT.remedy))}`));
  }

  // Rule 12: the next contact the owner planned, until it is logged (nothing is planned once closed).
  if (m.nextContact && state !== 'closed') {
    const planned = m.nextContact;
    const overdue = planned.at.getTime() < ctx.now.getTime() ? ' · *due*' : '';
    head.push(
      section(
        `*${LABELS.nextContact}* with the customer: ${formatDay(planned.at, ctx.timeZone)}${overdue}${snoozedNote(planned.snoozedUntil, ctx)}. Use *${LABELS.logContact}* once you have been in touch.`,
      ),
    );
  }

  if (m.rca) {
    const r = limit(CARD_TEXT.rca);
    head.push(
      divider(),
      section(
        `*Root-cause analysis* (causes, not culprits) by ${mention(m.rca.authorId)}\n` +
          `*What happened:* ${userText(m.rca.whatHappened, r)}\n` +
          `*Causes:* ${userText(m.rca.causes, r)}\n` +
          `*What changes:* ${userText(m.rca.whatChanges, r)}`,
      ),
    );
  }

  const groups: KnownBlock[][] = [];
  if (m.prevention.length > 0) {
    const done = m.prevention.filter((p) => p.status === 'done').length;
    head.push(section(`*Prevention steps* · ${done} of ${m.prevention.length} done`));
    const open = m.prevention.filter((p) => p.status !== 'done');
    const finished = m.prevention.filter((p) => p.status === 'done');
    for (const p of [...open, ...finished]) groups.push([preventionBlock(m, p, ctx, limit(CARD_TEXT.prevention))]);
  }

  const tail: KnownBlock[] = [];
  if (state === 'closed') {
    const when = m.closedAt ? ` ${slackDate(m.closedAt, ctx.timeZone)}` : '';
    tail.push(section(`:white_check_mark: *Recovered and closed*${when}. The customer is satisfied, and every prevention step is done.`));
  }
  if (preventionComplete(m)) {
    tail.push(
      context(
        m.customerNoteSentAt
          ? `:memo: *It won't happen again:* the note was sent to the customer by ${mention(m.customerNoteSentById)} · ${slackDate(m.customerNoteSentAt, ctx.timeZone)}`
          : `:memo: *It won't happen again:* a draft note to the customer is in the thread; click *${LABELS.markSent}* there once it is sent.`,
      ),
    );
  }
  const checkIn = checkInText(m, ctx);
  if (checkIn) tail.push(section(checkIn));
  const buttons = cardButtons(m);
  if (buttons.length > 0) tail.push(actions(buttons));
  tail.push(context(`Mistake #${m.id} · every step is recorded in this thread.`));

  return assemble(head, groups, tail, { blocks: SLACK_LIMITS.messageBlocks, json: SLACK_LIMITS.messageBlocksJson }, (hidden) =>
    context(`… and ${hidden} more prevention step${hidden === 1 ? '' : 's'}, listed in the thread.`),
  );
}

/** The after-close check-in: the answer (the mistake's outcome), or when the owner is asked. */
function checkInText(m: MistakeView, ctx: RenderContext): string {
  const answer = isCheckInAnswer(m.outcome) ? m.outcome : null;
  const parts: string[] = [];
  if (answer) {
    const mark = answer === 'came_back' ? ':tada:' : answer === 'lost' ? ':broken_heart:' : ':hourglass:';
    parts.push(`${mark} *Did they come back?* ${CHECK_IN_LABELS[answer]}`);
  }
  if (m.checkInAskedAt) parts.push(`Check-in: ${mention(m.ownerId)} was asked whether they came back ${slackDate(m.checkInAskedAt, ctx.timeZone)}`);
  else if (m.checkInDueAt) parts.push(`Check-in with ${mention(m.ownerId)} ${slackDate(m.checkInDueAt, ctx.timeZone)}: did they come back?`);
  return parts.join('\n');
}

function categoryText(category: string): string {
  if (category === '') return '_not given_';
  return Object.hasOwn(CATEGORY_LABELS, category) ? CATEGORY_LABELS[category as Category] : userText(category, 40);
}

function remedyText(s: StepView, max: number): string {
  const kind = s.remedyKind
    ? Object.hasOwn(REMEDY_LABELS, s.remedyKind)
      ? REMEDY_LABELS[s.remedyKind as RemedyKind]
      : userText(s.remedyKind, 40)
    : '';
  return `${kind}${s.remedyValue ? `: ${userText(s.remedyValue, max)}` : ''}`;
}

/**
 * The playbook as a checklist in its order: done steps with who and when, a skipped step with the
 * customer's reason, the current step with its due time, later steps greyed (a context block is
 * Slack's only grey). The root-cause analysis is listed as a later step, never offered early.
 */
function checklist(m: MistakeView, ctx: RenderContext, limit: (n: number) => number): KnownBlock[] {
  const current = nextStep(snapshotOf(m));
  const lines: { text: string; grey: boolean }[] = [];
  const when = (at: Date | null) => (at ? ` · ${slackDate(at, ctx.timeZone)}` : '');
  const by = (id: string | null) => (id ? ` ${mention(id)}` : '');

  for (const kind of STEP_KINDS) {
    const s = stepOf(m, kind);
    if (!s) continue;
    if (s.status === 'done') {
      const note = s.note ? `: “${userText(s.note, limit(CARD_TEXT.reason))}”` : '';
      lines.push({ text: `${RECOVERY_LINE.done} *${STEP_DONE_LABELS[kind]}* ·${by(s.doneById)}${when(s.doneAt)}${note}`, grey: false });
    } else if (s.status === 'skipped') {
      const reason = s.skipReason ? `: “${userText(s.skipReason, limit(CARD_TEXT.reason))}”` : '';
      const what = kind === 'make_right' ? 'the customer asked for nothing more' : 'skipped';
      lines.push({ text: `${RECOVERY_LINE.skipped} *${STEP_LABELS[kind]}* · ${what}${reason} ·${by(s.doneById)}${when(s.doneAt)}`, grey: false });
    } else if (current && current.kind === kind) {
      const who =
        kind === 'own'
          ? m.ownerId
            ? ` · waiting for ${mention(m.ownerId)} to take it`
            : ' · nobody owns it yet: use *Reassign* to give it to someone'
          : '';
      lines.push({
        text: `${RECOVERY_LINE.current} *${STEP_TODO_LABELS[kind]}*${who} · due ${slackDate(s.dueAt, ctx.timeZone)}${dueNotes(s, ctx)}`,
        grey: false,
      });
    } else {
      lines.push({ text: `${RECOVERY_LINE.later} ${STEP_TODO_LABELS[kind]}`, grey: true });
    }
  }

  if (m.rca) {
    lines.push({ text: `${RECOVERY_LINE.done} *${LABELS.rootCauseAnalysis}* ·${by(m.rca.authorId)}${when(m.rca.createdAt)}`, grey: false });
  } else if (m.state === 'awaiting_rca') {
    // Rules 6 and 7: the analysis is chased like a step, so it shows its due time like one.
    const r = m.rcaStep;
    const due = r && r.status === 'pending' ? ` · due ${slackDate(r.dueAt, ctx.timeZone)}${dueNotes(r, ctx)}` : '';
    lines.push({
      text: `${RECOVERY_LINE.current} *${LABELS.rootCauseAnalysis}*${due} · the customer is satisfied; now the why: what in our process let this happen?`,
      grey: false,
    });
  } else {
    lines.push({ text: `${RECOVERY_LINE.later} ${LABELS.rootCauseAnalysis}: after the customer is satisfied`, grey: true });
  }

  if (m.prevention.length === 0) {
    lines.push({ text: `${RECOVERY_LINE.later} Prevention steps, each with an owner and a due date`, grey: true });
  } else if (m.prevention.every((p) => p.status === 'done')) {
    lines.push({ text: `${RECOVERY_LINE.done} *Prevention steps* · all done`, grey: false });
  } else {
    const marker = m.state === 'preventing' ? RECOVERY_LINE.current : RECOVERY_LINE.later;
    lines.push({ text: `${marker} *Prevention steps* · in progress`, grey: m.state !== 'preventing' });
  }

  // Consecutive lines of the same tone share a block, keeping the checklist in playbook order.
  const blocks: KnownBlock[] = [];
  let run: typeof lines = [];
  const flush = () => {
    if (run.length === 0) return;
    const text = run.map((l) => l.text).join('\n');
    blocks.push(run[0]!.grey ? context(text) : section(text));
    run = [];
  };
  for (const line of lines) {
    if (run.length > 0 && run[0]!.grey !== line.grey) flush();
    run.push(line);
  }
  flush();
  return blocks;
}

/** " · *overdue*" and " · reminders snoozed until …" for the step being chased now. */
function dueNotes(s: Pick<StepView, 'dueAt' | 'snoozedUntil'>, ctx: RenderContext): string {
  const overdue = s.dueAt.getTime() < ctx.now.getTime() ? ' · *overdue*' : '';
  return overdue + snoozedNote(s.snoozedUntil, ctx);
}

function preventionBlock(m: MistakeView, p: PreventionView, ctx: RenderContext, max: number): KnownBlock {
  const description = userText(p.description, max);
  if (p.status === 'done') {
    const who = p.doneById ? ` by ${mention(p.doneById)}` : '';
    const when = p.doneAt ? ` · ${slackDate(p.doneAt, ctx.timeZone)}` : '';
    return section(`${RECOVERY_LINE.done} ${description}\n_Done${who}${when}_`);
  }
  const overdue = p.dueAt.getTime() < ctx.now.getTime() ? ' · *overdue*' : '';
  const text = `${RECOVERY_LINE.later} ${description}\n${mention(p.ownerId)} · due ${slackDate(p.dueAt, ctx.timeZone)}${overdue}`;
  // A prevention step is done from the card only while the mistake is in its prevention stage.
  if (m.state !== 'preventing') return section(text);
  return section(text, button(LABELS.done, Actions.preventionDone, refValue({ id: m.id, version: m.version }, p.id), 'primary'));
}

function cardButtons(m: MistakeView): Button[] {
  const state = m.state;
  const next = nextStep(snapshotOf(m));
  const buttons = nextStepButtons({ id: m.id, version: m.version }, state, next?.kind ?? null, {
    hasRca: m.rca !== null,
    hasOwner: m.ownerId !== null,
    customer: m.customer,
    nothingMore: !customerAskedForMore(snapshotOf(m)),
  });
  const value = refValue({ id: m.id, version: m.version });
  buttons.push(button(LABELS.logContact, Actions.logContact, value));
  if (state !== 'closed') buttons.push(button(LABELS.reassign, Actions.reassign, value));
  // Reopen is for a recovery that has left the recovering states (rule 5: the customer needs more).
  if (!RECOVERING_STATES.includes(state)) buttons.push(button(LABELS.reopen, Actions.reopen, value));
  return buttons;
}
