import type { Db, Tx } from '../db/client';
import { isUniqueViolation } from '../db/errors';
import { inTransaction, inUrgentTransaction } from '../db/transaction';
import { type Mistake, Prisma, type RecoveryStep } from '../generated/prisma/client';
import { routeFor } from '../domain/routes';
import { encodeInteractionPayload } from '../domain/clicks';
import type { DeliveryRequest } from '../domain/deliveries';
import {
  type Actor,
  assertCanClose,
  assertCanLogContact,
  assertCanMarkCustomerNoteSent,
  assertCanAnswerCheckIn,
  assertCanCompletePrevention,
  assertCanCompleteStep,
  assertCanMarkNotSatisfied,
  assertCanMarkSatisfied,
  assertCanReassign,
  assertCanReopen,
  assertCanSkipStep,
  assertCanStartRca,
  cleanText,
  CONFLICT_MESSAGE,
  type MistakeSnapshot,
  type MistakeState,
  PlaybookError,
  type RcaInput,
  type Severity,
  REMEDY_KINDS,
  type RemedyKind,
  RECOVERING_STATES,
  scheduleSteps,
  stateAfterStep,
  STEP_KINDS,
  type StepKind,
  stepsAfter,
  TEXT_LIMITS,
  validateRca,
  isReadyToClose,
  currentChasedStep,
  RCA_STEP,
  RCA_STEP_POSITION,
  preventionComplete,
  rankingDueAt,
  urgencyOf,
  type ChasedStep,
  type EscalationReason,
  type MovedOn,
  resolvesEscalation,
  isAnswerKind,
} from '../domain/playbook';
import { type ContactInput, type RawContact, validateContact } from '../domain/contacts';
import { type CheckInAnswer, nextCheckInAfter } from '../domain/checkIn';
import { customerKey } from '../domain/customer';
import { validateReport, type RawReport } from '../domain/report';
import { encodeTimelineDetails, movedOn, type TimelineDetails } from '../domain/timeline';
import { type WebhookMistake, webhookMessage } from '../domain/webhooks';
import type { Clock } from './clock';
import { ClickAlreadyApplied, formKey, markClickApplied } from './interactions';
import { enqueue } from './outbox';
import type { SettingsService, WorkspacePolicy } from './settings';
import { insertRows, loadMistake, type MistakeChange, mistakeView, toSnapshot, type MistakeRecord, updateMistake } from './records';
import { liveDirectMessages } from './sentMessages';
import { type MistakeView, snapshotOf } from './views';

export interface MistakeRef {
  teamId: string;
  mistakeId: number;
  /** The version the person was looking at (a modal's metadata); a newer one means a conflict. */
  expectedVersion?: number;
  /** The stored click this change applies: marked applied in the same transaction, so once. */
  clickId?: number;
  /** The Slack view id of the form this change comes from: recorded with it, so a repeat is known. */
  formId?: string;
}

interface PendingEvent {
  details: TimelineDetails;
  actorId: string | null;
  /** Post a thread reply for it (most events), and DM these people about it. */
  reply: boolean;
  dm: string[];
}

type RankedStep = { kind: string; status: string; position: number; dueAt: Date };

interface ChangeContext {
  tx: Tx;
  record: MistakeRecord;
  actor: Actor;
  policy: WorkspacePolicy;
  now: Date;
  /** Mistake columns to write along with the version bump. */
  set: MistakeChange;
  /**
   * The steps as this change leaves them (what App Home's ranking needs of them): whatever writes
   * a step's status or due time updates it here too, and the ranking is stored from it.
   */
  steps: RankedStep[];
  event(details: TimelineDetails, options?: { dm?: string[]; reply?: boolean }): void;
  deliver(...requests: DeliveryRequest[]): void;
  /** People whose App Home shows this mistake and must be refreshed. */
  homes: Set<string>;
}

export interface ReportResult {
  mistake: MistakeRecord;
  /** True when the same submission had already been stored: nothing new was created. */
  duplicate: boolean;
}

export interface StepData {
  customerAnswer?: string;
  remedyKind?: string;
  remedyValue?: string;
  note?: string;
}

/** Each step time and the milliseconds from the report kept beside it (insights read those). */
const STEP_TIME_COLUMNS = [
  ['ownedAt', 'msToOwn'],
  ['apologizedAt', 'msToApologize'],
  ['madeRightAt', 'msToMakeRight'],
  ['satisfiedAt', 'msToSatisfied'],
] as const;

/** The longest a reminder may be snoozed: snoozing quiets it, it must not bury it. */
const MAX_SNOOZE_MS = 30 * 24 * 3_600_000;

/**
 * The playbook applied to stored mistakes. Each method is one transaction: it loads the mistake,
 * asks the domain module whether the change is allowed, writes the change, its timeline events
 * and the Slack deliveries they need, and bumps the mistake's version so that of two concurrent
 * changes only one wins.
 */
export class MistakeService {
  constructor(
    private readonly db: Db,
    private readonly settings: SettingsService,
    private readonly clock: Clock,
    private readonly options: { homeRefreshDelayMs?: number; webhooks?: boolean } = {},
  ) {}

  /**
   * The webhook delivery for a timeline event, when webhooks are on and its kind is sent: queued
   * in the same transaction as the event, once (its outbox key is the event's id).
   */
  private webhook(
    teamId: string,
    event: { id: number; at: Date; actorId: string | null; details: TimelineDetails },
    mistake: WebhookMistake,
  ): DeliveryRequest[] {
    if (!this.options.webhooks) return [];
    const message = webhookMessage({ teamId, eventId: event.id, at: event.at, actorId: event.actorId, details: event.details, mistake });
    if (!message) return [];
    return [{ kind: 'webhook', mistakeId: mistake.id, eventId: event.id, webhookId: message.id, type: message.type, body: message.body }];
  }

  /** App Home refreshes a change queues wait this long, so a burst of changes publishes once. */
  private get queueing() {
    return { homeDelayMs: this.options.homeRefreshDelayMs ?? 0 };
  }

  async report(teamId: string, reporterId: string, raw: RawReport, options: { submissionKey?: string } = {}): Promise<ReportResult> {
    const policy = await this.settings.forTeam(teamId);
    const validation = validateReport(raw, reporterId, { defaultCurrency: policy.defaultCurrency });
    if (!validation.ok) {
      const [field, message] = Object.entries(validation.errors)[0]!;
      throw new ReportValidationError(validation.errors, message!, field);
    }
    const input = validation.value;
    const submissionKey = options.submissionKey ?? null;
    if (!routeFor(policy, input.category).channelId) {
      // A form saved before is not refused now (Slack delivered it again after the admins changed it).
      const existing = submissionKey ? await this.findBySubmission(teamId, submissionKey) : null;
      if (existing) return { mistake: existing, duplicate: true };
      // A workspace installed with "Add to Slack" whose admins have not chosen its channel yet.
      const message =
        'No escalation channel is set for this workspace yet, so this was not saved. An admin chooses it in the app’s Home tab → Settings; keep this form open and submit it again once that is done.';
      throw new ReportValidationError({ whatHappened: message }, message, 'whatHappened');
    }
    try {
      // Urgent: the person who reported it is waiting for the form to close.
      const mistake = await inUrgentTransaction(this.db, async (tx) => {
        const now = this.clock.now();
        // Whoever reports a mistake and keeps it owns it from that moment; someone it is handed
        // to owns it by clicking "Own it".
        const ownedAtReport = input.ownerId === reporterId;
        const pendingKinds = ownedAtReport ? STEP_KINDS.slice(1) : STEP_KINDS;
        const due = scheduleSteps(input.severity, policy.sla, now, pendingKinds);
        const state = ownedAtReport ? 'recovering' : 'reported';
        const stepRows = STEP_KINDS.map((kind, position) => ({
          teamId,
          kind,
          position,
          status: ownedAtReport && kind === 'own' ? 'done' : 'pending',
          dueAt: due.get(kind) ?? now,
          doneById: ownedAtReport && kind === 'own' ? reporterId : null,
          doneAt: ownedAtReport && kind === 'own' ? now : null,
        }));
        const nextDueAt = rankingDueAt(state, stepRows);
        // Written as SQL with every column given (nothing to compile, nothing read back).
        const row: Omit<Mistake, 'id'> = {
          teamId,
          customer: input.customer,
          account: input.account,
          customerLink: input.link,
          valueMinor: input.value?.minor ?? null,
          valueCurrency: input.value?.currency ?? null,
          customerKey: customerKey(input.customer, input.account),
          whatHappened: input.whatHappened,
          impact: input.impact,
          severity: input.severity,
          // Stored as '' when not given: the column predates optional categories.
          category: input.category ?? '',
          reporterId,
          ownerId: input.ownerId,
          state,
          version: 1,
          // A routed category's card and thread live in its own channel.
          channelId: routeFor(policy, input.category).channelId,
          threadTs: null,
          submissionKey,
          escalationLevel: 0,
          escalatedAt: null,
          escalationReason: null,
          outcome: null,
          checkInDueAt: null,
          checkInAskedAt: null,
          checkInsSent: 0,
          customerNoteSentAt: null,
          customerNoteSentById: null,
          apologizedAt: null,
          satisfiedAt: null,
          closedAt: null,
          createdAt: now,
          updatedAt: now,
          ownedAt: ownedAtReport ? now : null,
          madeRightAt: null,
          reopenCount: 0,
          answerKind: null,
          answeredAt: null,
          firstAnsweredAt: null,
          msToOwn: ownedAtReport ? 0 : null,
          msToApologize: null,
          msToMakeRight: null,
          msToSatisfied: null,
          nextDueAt,
          urgency: urgencyOf(state, input.severity, nextDueAt),
        };
        const [mistakeId] = await insertRows(tx, 'Mistake', [row]);
        const created: Mistake = { id: mistakeId!, ...row };
        const stepsWritten: Array<Omit<RecoveryStep, 'id'>> = stepRows.map((step) => ({
          ...step,
          mistakeId: created.id,
          skipReason: null,
          customerAnswer: null,
          remedyKind: null,
          remedyValue: null,
          note: null,
          snoozedUntil: null,
          lastRemindedAt: null,
          reminderCount: 0,
        }));
        const stepIds = await insertRows(tx, 'RecoveryStep', stepsWritten);
        const steps: RecoveryStep[] = stepsWritten.map((step, i) => ({ id: stepIds[i]!, ...step }));
        const reportedDetails: TimelineDetails = { kind: 'reported', ownerId: input.ownerId, severity: input.severity, ownedAtReport };
        const [eventId] = await insertRows(tx, 'TimelineEvent', [
          { teamId, mistakeId: created.id, actorId: reporterId, kind: 'reported', details: encodeTimelineDetails(reportedDetails), at: now },
        ]);
        const reported = { id: eventId! };
        // The card first (it is the thread parent), then a reply telling the owner they own it,
        // then the reporter's private "reported as Mistake #N" with its thread's link.
        const deliveries: DeliveryRequest[] = [
          { kind: 'card', mistakeId: created.id },
          { kind: 'reply', mistakeId: created.id, eventId: reported.id },
          { kind: 'dm', mistakeId: created.id, eventId: reported.id, userId: reporterId },
        ];
        if (!ownedAtReport) deliveries.push({ kind: 'dm', mistakeId: created.id, eventId: reported.id, userId: input.ownerId });
        for (const userId of [...new Set([input.ownerId, reporterId])].sort()) deliveries.push({ kind: 'home', userId });
        deliveries.push(
          ...this.webhook(teamId, { id: reported.id, at: now, actorId: reporterId, details: reportedDetails }, webhookMistakeOf(created, {})),
        );
        await enqueue(tx, teamId, deliveries, now, this.queueing);
        const record: MistakeRecord = { ...created, steps, rca: null, prevention: [], contacts: [] };
        return record;
      });
      return { mistake, duplicate: false };
    } catch (error) {
      // The same submission delivered twice (at once, or again later): the unique key lets exactly
      // one in, so it is not looked up before every report for the rare repeat.
      if (submissionKey && isUniqueViolation(error)) {
        const existing = await this.findBySubmission(teamId, submissionKey);
        if (existing) return { mistake: existing, duplicate: true };
      }
      throw error;
    }
  }

  private async findBySubmission(teamId: string, submissionKey: string): Promise<MistakeRecord | null> {
    const row = await this.db.mistake.findUnique({
      where: { teamId_submissionKey: { teamId, submissionKey } },
      select: { id: true },
    });
    return row ? loadMistake(this.db, teamId, row.id) : null;
  }

  /** Rules 1–4: own it, apologize, ask what they want (with the answer), make it right (with the remedy). */
  async completeStep(ref: MistakeRef, userId: string, kind: StepKind, data: StepData = {}): Promise<void> {
    if (kind === 'confirm_satisfied') return this.markSatisfied(ref, userId, data.note);
    return this.change(ref, userId, async (c) => {
      const snapshot = toSnapshot(c.record);
      assertCanCompleteStep(snapshot, c.actor, kind);
      const fields: Record<string, string | Date | null> = {
        status: 'done',
        doneById: c.actor.userId,
        doneAt: c.now,
        snoozedUntil: null,
      };
      const said: { customerAnswer?: string; remedyKind?: RemedyKind; remedyValue?: string; note?: string } = {};
      if (kind === 'ask') {
        said.customerAnswer = cleanText(data.customerAnswer, "The customer's answer", TEXT_LIMITS.answer, 'answer');
        fields.customerAnswer = said.customerAnswer;
      }
      if (kind === 'make_right') {
        const remedyKind = data.remedyKind as RemedyKind;
        if (!REMEDY_KINDS.includes(remedyKind)) {
          throw new PlaybookError('invalid_input', 'Choose what was given to make it right.', 'remedy_kind');
        }
        said.remedyKind = remedyKind;
        said.remedyValue = cleanText(data.remedyValue, 'What was given', TEXT_LIMITS.remedyValue, 'remedy_value');
        fields.remedyKind = said.remedyKind;
        fields.remedyValue = said.remedyValue;
      }
      const note = cleanText(data.note, 'The note', TEXT_LIMITS.comment, 'note', { optional: true });
      if (note) {
        fields.note = note;
        said.note = note;
      }
      await this.finishStep(c, kind, fields);
      const next = stateAfterStep(snapshot, kind);
      if (next !== c.record.state) c.set.state = next;
      if (kind === 'apologize') c.set.apologizedAt = c.now;
      // The first time only: "time to own" and "time to make it right" (insights).
      if (kind === 'own' && !c.record.ownedAt) c.set.ownedAt = c.now;
      if (kind === 'make_right' && !c.record.madeRightAt) c.set.madeRightAt = c.now;
      c.event(kind === 'own' ? { kind: 'owned', step: 'own', note: said.note } : { kind: 'step_done', step: kind, ...said });
      return undefined;
    });
  }

  /**
   * Rule 2 with rule 12: the apology as the owner made it, through the apology form: how it was
   * made and what was said (a logged contact), and the words they kept. The bot sends nothing to
   * the customer; it records that the owner did. The step is done exactly as a plain Apologize.
   */
  async apologize(ref: MistakeRef, userId: string, raw: RawContact): Promise<void> {
    const policy = await this.settings.forTeam(ref.teamId);
    const input = validateContact(raw, this.clock.now(), policy.timezone);
    return this.change(ref, userId, async (c) => {
      const snapshot = toSnapshot(c.record);
      assertCanCompleteStep(snapshot, c.actor, 'apologize');
      const contact = await this.storeContact(c, input);
      await this.finishStep(c, 'apologize', { status: 'done', doneById: c.actor.userId, doneAt: c.now, snoozedUntil: null });
      c.set.apologizedAt = c.now;
      c.event({
        kind: 'step_done',
        step: 'apologize',
        contactId: contact.id,
        contactChannel: input.channel,
        contactSummary: input.summary,
        ...(input.apology ? { apology: input.apology } : {}),
        ...(input.nextContactAt ? { nextContactAt: input.nextContactAt } : {}),
      });
      return undefined;
    });
  }

  /**
   * Rule 12: a contact with the customer, by the owner or an admin. It settles the next contact
   * planned before it (that contact has now happened), and may plan the next one, which is then
   * reminded like a step until the next contact is logged or the mistake is closed.
   */
  async logContact(ref: MistakeRef, userId: string, raw: RawContact): Promise<void> {
    const policy = await this.settings.forTeam(ref.teamId);
    const input = validateContact({ ...raw, apology: undefined }, this.clock.now(), policy.timezone);
    return this.change(ref, userId, async (c) => {
      assertCanLogContact(toSnapshot(c.record), c.actor, { planningNext: input.nextContactAt !== null });
      const contact = await this.storeContact(c, input);
      c.event({
        kind: 'contact_logged',
        contactId: contact.id,
        channel: input.channel,
        summary: input.summary,
        ...(input.nextContactAt ? { nextContactAt: input.nextContactAt } : {}),
      });
      return undefined;
    });
  }

  /** Puts off the reminders of a planned next contact until `until`; the planned day stays. */
  async snoozeContact(ref: MistakeRef, userId: string, contactId: number, until: Date): Promise<void> {
    return this.change(ref, userId, async (c) => {
      assertCanLogContact(toSnapshot(c.record), c.actor);
      if (!Number.isFinite(until.getTime()) || until.getTime() - c.now.getTime() > MAX_SNOOZE_MS) {
        throw new PlaybookError('invalid_input', 'A reminder can be snoozed for 30 days at most. Nothing was changed.');
      }
      if (until.getTime() <= c.now.getTime()) throw new PlaybookError('invalid_input', 'Snooze until a time in the future.');
      const updated = await c.tx.customerContact.updateMany({
        where: { id: contactId, mistakeId: c.record.id, followUp: 'open' },
        data: { snoozedUntil: until },
      });
      if (updated.count !== 1) throw new PlaybookError('already_done', 'That next contact was logged already; there is nothing to snooze.');
      c.event({ kind: 'snoozed', contactId, until }, { reply: false });
      return undefined;
    });
  }

  /** Stores a contact; the next contact planned before it has now happened, so it stops reminding. */
  private async storeContact(c: ChangeContext, input: ContactInput): Promise<{ id: number }> {
    await c.tx.customerContact.updateMany({ where: { mistakeId: c.record.id, followUp: 'open' }, data: { followUp: 'done' } });
    return c.tx.customerContact.create({
      data: {
        teamId: c.record.teamId,
        mistakeId: c.record.id,
        authorId: c.actor.userId,
        channel: input.channel,
        summary: input.summary,
        apology: input.apology,
        nextContactAt: input.nextContactAt,
        followUp: input.nextContactAt ? 'open' : 'none',
        at: c.now,
      },
      select: { id: true },
    });
  }

  /** Rule 4: the owner may record that the customer asked for nothing more, with that reason. */
  async skipStep(ref: MistakeRef, userId: string, kind: StepKind, reason: string): Promise<void> {
    return this.change(ref, userId, async (c) => {
      const cleanReason = assertCanSkipStep(toSnapshot(c.record), c.actor, kind, reason);
      await this.finishStep(c, kind, {
        status: 'skipped',
        skipReason: cleanReason,
        doneById: c.actor.userId,
        doneAt: c.now,
        snoozedUntil: null,
      });
      c.event({ kind: 'step_skipped', step: kind, reason: cleanReason });
      return undefined;
    });
  }

  /** Rule 5: the customer is satisfied; the root-cause analysis opens (rule 6). */
  async markSatisfied(ref: MistakeRef, userId: string, comment?: string): Promise<void> {
    return this.change(ref, userId, async (c) => {
      const snapshot = toSnapshot(c.record);
      assertCanMarkSatisfied(snapshot, c.actor);
      const note = cleanText(comment, 'The comment', TEXT_LIMITS.comment, 'comment', { optional: true });
      await this.updateStep(c, 'confirm_satisfied', {
        status: 'done',
        doneById: c.actor.userId,
        doneAt: c.now,
        note: note || null,
        snoozedUntil: null,
      });
      c.set.satisfiedAt = c.now;
      c.set.outcome = 'recovered';
      // The after-close check-in counts from now (CHECK_IN_AFTER; off: never).
      c.set.checkInDueAt = c.policy.checkInAfterMs === null ? null : new Date(c.now.getTime() + c.policy.checkInAfterMs);
      c.set.checkInAskedAt = null;
      c.set.checkInsSent = 0;
      // A reopened mistake that already has its RCA goes back to its prevention steps.
      const next: MistakeState = c.record.rca ? 'preventing' : 'awaiting_rca';
      c.set.state = next;
      if (next === 'awaiting_rca') await this.chaseRca(c);
      c.event(note ? { kind: 'satisfied', comment: note } : { kind: 'satisfied' });
      if (next === 'preventing' && isReadyToClose({ ...snapshot, state: 'preventing' })) {
        c.set.state = 'closed';
        c.set.closedAt = c.now;
        c.event({ kind: 'closed' });
      }
      return undefined;
    });
  }

  /** Rule 5: a customer who is not satisfied is escalated, never silently closed. */
  async markNotSatisfied(ref: MistakeRef, userId: string, comment: string): Promise<void> {
    return this.change(ref, userId, async (c) => {
      assertCanMarkNotSatisfied(toSnapshot(c.record), c.actor);
      const note = cleanText(comment, 'What the customer still needs', TEXT_LIMITS.comment, 'comment');
      // Back to making it right: the remedy so far was not enough.
      await this.putBack(c, ['make_right', 'confirm_satisfied']);
      c.set.state = 'escalated';
      c.set.checkInDueAt = null;
      c.set.checkInAskedAt = null;
      c.event({ kind: 'not_satisfied', comment: note });
      const count = await c.tx.escalation.count({ where: { mistakeId: c.record.id, key: { startsWith: 'not_satisfied:' } } });
      // One click, one thread reply: the "not satisfied" reply already says it is escalated.
      await this.escalateWithin(
        c,
        { key: `not_satisfied:${count + 1}`, reason: 'not_satisfied', text: `The customer is not satisfied: ${note}`, needs: note },
        { reply: false },
      );
      return undefined;
    });
  }

  /** Ownership is set at report time or by Reassign, never claimed by whoever clicks first. */
  async reassign(ref: MistakeRef, userId: string, newOwnerId: string): Promise<void> {
    return this.change(ref, userId, async (c) => {
      assertCanReassign(toSnapshot(c.record), c.actor, newOwnerId);
      const previous = c.record.ownerId;
      c.set.ownerId = newOwnerId;
      c.homes.add(newOwnerId);
      if (RECOVERING_STATES.includes(c.record.state as MistakeState)) {
        // The new owner owns it by saying so, unless they are the one handing it to themselves.
        const selfAssigned = newOwnerId === c.actor.userId;
        const ownDue = scheduleSteps(c.record.severity as Severity, c.policy.sla, c.now, ['own']).get('own')!;
        await this.updateStep(c, 'own', {
          status: selfAssigned ? 'done' : 'pending',
          doneById: selfAssigned ? newOwnerId : null,
          doneAt: selfAssigned ? c.now : null,
          dueAt: ownDue,
          reminderCount: 0,
          lastRemindedAt: null,
          snoozedUntil: null,
        });
        if (selfAssigned && !c.record.ownedAt) c.set.ownedAt = c.now;
        if (c.record.state === 'recovering' && !selfAssigned) c.set.state = 'reported';
        if (c.record.state === 'reported' && selfAssigned) c.set.state = 'recovering';
      }
      // The analysis is the new owner's now: their own time for it, and their own reminders.
      if (c.record.state === 'awaiting_rca' && !c.record.rca) await this.chaseRca(c);
      c.event({ kind: 'reassigned', from: previous, to: newOwnerId }, { dm: newOwnerId !== c.actor.userId ? [newOwnerId] : [] });
      return undefined;
    });
  }

  /** The customer needs more after all: back to making it right and confirming. */
  async reopen(ref: MistakeRef, userId: string, reason: string): Promise<void> {
    return this.change(ref, userId, async (c) => {
      const steps = assertCanReopen(toSnapshot(c.record), c.actor);
      const why = cleanText(reason, 'The reason for reopening', TEXT_LIMITS.reason, 'reason');
      await this.putBack(c, steps as StepKind[]);
      // The analysis waits for the customer to be satisfied again (rule 6): nothing to chase until then.
      await c.tx.recoveryStep.deleteMany({ where: { mistakeId: c.record.id, kind: RCA_STEP, status: 'pending' } });
      c.set.state = 'recovering';
      c.set.reopenCount = c.record.reopenCount + 1;
      c.set.satisfiedAt = null;
      c.set.outcome = null;
      c.set.closedAt = null;
      c.set.checkInDueAt = null;
      c.set.checkInAskedAt = null;
      // The owner hears it from the bot, with the step to do, unless they reopened it themselves.
      const owner = c.record.ownerId;
      c.event({ kind: 'reopened', reason: why }, { dm: owner && owner !== c.actor.userId ? [owner] : [] });
      return undefined;
    });
  }

  /** Rules 6 and 7: the blameless RCA, once the customer is satisfied, with prevention steps. */
  async submitRca(ref: MistakeRef, userId: string, input: RcaInput): Promise<void> {
    return this.change(ref, userId, async (c) => {
      assertCanStartRca(toSnapshot(c.record), c.actor);
      const rca = validateRca(input, c.now);
      await c.tx.rootCauseAnalysis.create({
        data: {
          teamId: c.record.teamId,
          mistakeId: c.record.id,
          whatHappened: rca.whatHappened,
          causes: rca.causes,
          whatChanges: rca.whatChanges,
          authorId: c.actor.userId,
          createdAt: c.now,
        },
      });
      for (const p of rca.prevention) {
        await c.tx.preventionAction.create({
          data: {
            teamId: c.record.teamId,
            mistakeId: c.record.id,
            description: p.description,
            ownerId: p.ownerId,
            dueAt: p.dueAt,
            createdAt: c.now,
          },
        });
        c.homes.add(p.ownerId);
      }
      await this.updateStep(c, RCA_STEP, { status: 'done', doneById: c.actor.userId, doneAt: c.now, snoozedUntil: null });
      c.set.state = 'preventing';
      const others = [...new Set(rca.prevention.map((p) => p.ownerId))].filter((u) => u !== c.actor.userId);
      c.event({ kind: 'rca_submitted', preventionCount: rca.prevention.length }, { dm: others });
      return undefined;
    });
  }

  /** Rule 7: each prevention step is done by its owner; the last one closes the mistake. */
  async completePrevention(ref: MistakeRef, userId: string, preventionId: number): Promise<void> {
    return this.change(ref, userId, async (c) => {
      const snapshot = toSnapshot(c.record);
      const action = snapshot.prevention?.find((p) => p.id === preventionId);
      if (!action) {
        throw new PlaybookError('not_found', "That prevention step doesn't belong to this mistake.");
      }
      assertCanCompletePrevention(snapshot, c.actor, action);
      const updated = await c.tx.preventionAction.updateMany({
        where: { id: preventionId, mistakeId: c.record.id, status: 'open' },
        data: { status: 'done', doneById: c.actor.userId, doneAt: c.now, snoozedUntil: null },
      });
      if (updated.count !== 1) throw new PlaybookError('conflict', CONFLICT_MESSAGE);
      c.homes.add(action.ownerId);
      c.event({ kind: 'prevention_done', preventionId, description: action.description });
      const after = {
        ...snapshot,
        prevention: snapshot.prevention!.map((p) => (p.id === preventionId ? { ...p, status: 'done' as const } : p)),
      };
      if (isReadyToClose(after)) {
        // Every prevention step is done: the customer can be told it won't happen again.
        c.event({ kind: 'customer_note_drafted' });
        c.set.state = 'closed';
        c.set.closedAt = c.now;
        c.event({ kind: 'closed' });
      }
      return undefined;
    });
  }

  async close(ref: MistakeRef, userId: string): Promise<void> {
    return this.change(ref, userId, async (c) => {
      assertCanClose(toSnapshot(c.record), c.actor);
      c.set.state = 'closed';
      c.set.closedAt = c.now;
      c.event({ kind: 'closed' });
      return undefined;
    });
  }

  /**
   * Puts off the reminders for the current step (or one prevention step) until `until`. The due
   * time stays as it was: snoozing quiets the reminders, it does not move the promise.
   */
  async snooze(ref: MistakeRef, userId: string, until: Date, preventionId?: number): Promise<void> {
    return this.change(ref, userId, async (c) => {
      const snapshot = toSnapshot(c.record);
      if (!Number.isFinite(until.getTime()) || until.getTime() - c.now.getTime() > MAX_SNOOZE_MS) {
        throw new PlaybookError('invalid_input', 'A reminder can be snoozed for 30 days at most. Nothing was changed.');
      }
      if (until.getTime() <= c.now.getTime()) {
        throw new PlaybookError('invalid_input', 'Snooze until a time in the future.');
      }
      if (preventionId !== undefined) {
        const action = snapshot.prevention?.find((p) => p.id === preventionId);
        if (!action) throw new PlaybookError('not_found', "That prevention step doesn't belong to this mistake.");
        assertCanCompletePrevention(snapshot, c.actor, action);
        await c.tx.preventionAction.updateMany({ where: { id: preventionId }, data: { snoozedUntil: until } });
        c.event({ kind: 'snoozed', preventionId, until }, { reply: false });
        return undefined;
      }
      const current = currentChasedStep(snapshot);
      if (!current) throw new PlaybookError('already_done', 'There is no step waiting on this mistake any more.');
      if (current.kind === RCA_STEP) assertCanStartRca(snapshot, c.actor);
      else if (current.kind !== 'confirm_satisfied') assertCanCompleteStep(snapshot, c.actor, current.kind);
      else assertCanMarkSatisfied(snapshot, c.actor);
      await this.updateStep(c, current.kind, { snoozedUntil: until });
      c.event({ kind: 'snoozed', step: current.kind, until }, { reply: false });
      return undefined;
    });
  }

  /** Records an escalation (once per key) from a scheduled pass; returns false if it was already recorded. */
  async escalate(teamId: string, mistakeId: number, escalation: { key: string; reason: EscalationReason; text: string }): Promise<boolean> {
    let created = false;
    try {
      await this.change({ teamId, mistakeId }, null, async (c) => {
        created = await this.escalateWithin(c, escalation);
        if (!created) throw new AlreadyEscalated();
        if (RECOVERING_STATES.includes(c.record.state as MistakeState)) c.set.state = 'escalated';
        return undefined;
      });
    } catch (error) {
      // Another replica's pass recorded the same escalation first.
      if (error instanceof AlreadyEscalated || isUniqueViolation(error)) return false;
      throw error;
    }
    return created;
  }

  /**
   * The after-close check-in falls due: its owner gets a DM asking whether the customer came
   * back. Only if it is still due as `dueAt` (another replica's pass, or an earlier run, may have
   * asked already): false then, and nothing is sent.
   */
  async askCheckIn(teamId: string, mistakeId: number, dueAt: Date): Promise<boolean> {
    let asked = false;
    try {
      await this.change({ teamId, mistakeId }, null, async (c) => {
        const due = c.record.checkInDueAt;
        if (!due || due.getTime() !== dueAt.getTime() || due > c.now || !c.record.ownerId) throw new CheckInNotDue();
        const number = c.record.checkInsSent + 1;
        c.set.checkInDueAt = null;
        c.set.checkInAskedAt = c.now;
        c.set.checkInsSent = number;
        // The question is the owner's DM; the thread hears the answer.
        c.event({ kind: 'check_in_asked', number }, { reply: false, dm: [c.record.ownerId] });
        asked = true;
        return undefined;
      });
    } catch (error) {
      if (error instanceof CheckInNotDue) return false;
      throw error;
    }
    return asked;
  }

  /**
   * The "it won't happen again" note drafted in the thread was sent to the customer (by a person:
   * the bot never writes to the customer). Closing never waits for it.
   */
  async markCustomerNoteSent(ref: MistakeRef, userId: string): Promise<void> {
    return this.change(ref, userId, async (c) => {
      const { record } = c;
      assertCanMarkCustomerNoteSent(
        {
          ownerId: record.ownerId,
          reporterId: record.reporterId,
          preventionDone: preventionComplete(record),
          alreadySent: record.customerNoteSentAt !== null,
        },
        c.actor,
      );
      c.set.customerNoteSentAt = c.now;
      c.set.customerNoteSentById = c.actor.userId;
      c.event({ kind: 'customer_note_sent' });
      return undefined;
    });
  }

  /** The owner (or an admin) answers the check-in: the answer is the mistake's outcome. */
  async answerCheckIn(ref: MistakeRef, userId: string, answer: CheckInAnswer): Promise<void> {
    return this.change(ref, userId, async (c) => {
      assertCanAnswerCheckIn({ ownerId: c.record.ownerId, asked: c.record.checkInAskedAt !== null }, c.actor);
      c.set.outcome = answer;
      c.set.checkInAskedAt = null;
      c.set.checkInDueAt = nextCheckInAfter(answer, c.record.checkInsSent, c.now, c.policy.checkInAfterMs);
      c.event({ kind: 'check_in_answered', answer });
      return undefined;
    });
  }

  /**
   * Runs a guard against the mistake as it is now without changing it: a button that opens a
   * modal asks first, so a refusal (an RCA before the customer is satisfied, a stranger's click)
   * is explained at once instead of after someone has typed into a form.
   */
  async precheck(ref: MistakeRef, userId: string, guard: (m: MistakeSnapshot, actor: Actor) => void): Promise<MistakeView> {
    const record = await loadMistake(this.db, ref.teamId, ref.mistakeId);
    if (!record) {
      throw new PlaybookError('not_found', "That mistake doesn't exist in this workspace. Nothing was changed.");
    }
    const policy = await this.settings.forTeam(ref.teamId);
    const view = mistakeView(record);
    guard(snapshotOf(view), {
      userId,
      isAdmin: policy.adminUserIds.includes(userId),
      isEscalationContact: routeFor(policy, view.category).contact === userId,
    });
    return view;
  }

  /** Queues a fresh card (after a stale click, so the person sees what is true now). */
  async refreshCard(teamId: string, mistakeId: number): Promise<void> {
    const exists = await this.db.mistake.findFirst({ where: { id: mistakeId, teamId }, select: { id: true } });
    if (!exists) return;
    await inTransaction(this.db, (tx) => enqueue(tx, teamId, [{ kind: 'card', mistakeId }], this.clock.now()));
  }

  /**
   * `/mistake export`: queues the CSV for `userId`'s DM (the team's for an admin, else the
   * mistakes they reported or own). `key` names the request, so a repeated command is one export.
   */
  async requestExport(teamId: string, userId: string, window: string, key: string): Promise<void> {
    const policy = await this.settings.forTeam(teamId);
    const admin = policy.adminUserIds.includes(userId);
    const now = this.clock.now();
    await inTransaction(this.db, (tx) => enqueue(tx, teamId, [{ kind: 'export', key, userId, window, requestedAt: now, admin }], now));
  }

  async refreshHome(teamId: string, userId: string): Promise<void> {
    await inTransaction(this.db, (tx) => enqueue(tx, teamId, [{ kind: 'home', userId }], this.clock.now()));
  }

  // -------------------------------------------------------------------------------------------

  /**
   * `text` is the sentence the card shows; `needs`, for "not satisfied", is what the customer
   * still needs, which the escalation post quotes on its own.
   */
  private async escalateWithin(
    c: ChangeContext,
    escalation: { key: string; reason: EscalationReason; text: string; needs?: string },
    options: { reply?: boolean } = {},
  ): Promise<boolean> {
    const exists = await c.tx.escalation.findUnique({
      where: { mistakeId_key: { mistakeId: c.record.id, key: escalation.key } },
      select: { id: true },
    });
    if (exists) return false;
    const level = c.record.escalationLevel + 1;
    const row = await c.tx.escalation.create({
      data: {
        teamId: c.record.teamId,
        mistakeId: c.record.id,
        key: escalation.key,
        level,
        reason: escalation.reason,
        text: escalation.needs ?? escalation.text,
        at: c.now,
      },
    });
    c.set.escalationLevel = level;
    c.set.escalatedAt = c.now;
    c.set.escalationReason = escalation.text;
    c.event({ kind: 'escalated', level, reason: escalation.reason, text: escalation.text, key: escalation.key }, { reply: options.reply ?? true });
    c.deliver({ kind: 'escalation', mistakeId: c.record.id, escalationId: row.id });
    return true;
  }

  /**
   * Marks the escalations this change moved the mistake past as resolved, by the event that did
   * it, and queues the edit of each one's post so it says so.
   */
  private async resolveEscalations(
    tx: Tx,
    mistakeId: number,
    moves: Array<{ moved: MovedOn; eventId: number }>,
    now: Date,
  ): Promise<DeliveryRequest[]> {
    const open = await tx.escalation.findMany({ where: { mistakeId, resolvedAt: null }, select: { id: true, key: true, reason: true } });
    const edits: DeliveryRequest[] = [];
    for (const escalation of open) {
      const by = moves.find((m) => resolvesEscalation(escalation, m.moved));
      if (!by) continue;
      await tx.escalation.updateMany({
        where: { id: escalation.id, resolvedAt: null },
        data: { resolvedAt: now, resolvedEventId: by.eventId },
      });
      edits.push({ kind: 'escalation_update', mistakeId, escalationId: escalation.id });
    }
    return edits;
  }

  /**
   * Steps to do again, each due anew and reminded from scratch. What was given (or the reason
   * nothing more was needed) stays recorded: it is what the customer found not enough, and it
   * keeps "nothing more needed" from being offered again.
   */
  private async putBack(c: ChangeContext, kinds: StepKind[]): Promise<void> {
    const due = scheduleSteps(c.record.severity as Severity, c.policy.sla, c.now, kinds);
    for (const kind of kinds) {
      await this.updateStep(c, kind, {
        status: 'pending',
        doneById: null,
        doneAt: null,
        dueAt: due.get(kind)!,
        reminderCount: 0,
        lastRemindedAt: null,
        snoozedUntil: null,
      });
    }
  }

  private async updateStep(c: ChangeContext, kind: ChasedStep, data: Prisma.RecoveryStepUpdateManyMutationInput) {
    await c.tx.recoveryStep.updateMany({ where: { mistakeId: c.record.id, kind }, data });
    const step = c.steps.find((s) => s.kind === kind);
    if (step && typeof data.status === 'string') step.status = data.status;
    if (step && data.dueAt instanceof Date) step.dueAt = data.dueAt;
  }

  /**
   * Rules 6 and 7: once the customer is satisfied, the root-cause analysis is due to the owner
   * within the severity's time, and chased (reminded, escalated) like a recovery step.
   */
  private async chaseRca(c: ChangeContext): Promise<void> {
    const dueAt = new Date(c.now.getTime() + c.policy.sla.stepMs[c.record.severity as Severity]);
    const fresh = { status: 'pending', dueAt, doneById: null, doneAt: null, snoozedUntil: null, reminderCount: 0, lastRemindedAt: null };
    await c.tx.recoveryStep.upsert({
      where: { mistakeId_kind: { mistakeId: c.record.id, kind: RCA_STEP } },
      create: { teamId: c.record.teamId, mistakeId: c.record.id, kind: RCA_STEP, position: RCA_STEP_POSITION, ...fresh },
      update: fresh,
    });
    c.steps = [...c.steps.filter((s) => s.kind !== RCA_STEP), { kind: RCA_STEP, status: 'pending', position: RCA_STEP_POSITION, dueAt }];
  }

  /**
   * Marks a step done (or skipped) with `fields`, and makes the later pending steps due one SLA
   * period after each other, counted from now: one statement for all of them.
   */
  private async finishStep(c: ChangeContext, kind: StepKind, fields: Record<string, string | Date | null>): Promise<void> {
    const later = stepsAfter(kind).filter((k) => c.record.steps.find((s) => s.kind === k)?.status === 'pending');
    const due = [...scheduleSteps(c.record.severity as Severity, c.policy.sla, c.now, later)];
    // Each column is set on the finished step and left as it is on the others; the ELSE branch
    // gives each CASE its column's type. Column names come from this file, never from input.
    const sets = Object.entries(fields).map(
      ([column, value]) => Prisma.sql`${Prisma.raw(`"${column}"`)} = CASE WHEN "kind" = ${kind} THEN ${value} ELSE ${Prisma.raw(`"${column}"`)} END`,
    );
    if (due.length > 0) {
      const cases = Prisma.join(
        due.map(([k, at]) => Prisma.sql`WHEN ${k} THEN ${at}`),
        ' ',
      );
      sets.push(Prisma.sql`"dueAt" = CASE "kind" ${cases} ELSE "dueAt" END`);
    }
    await c.tx.$executeRaw`
      UPDATE "RecoveryStep" SET ${Prisma.join(sets)}
      WHERE "mistakeId" = ${c.record.id} AND "kind" IN (${Prisma.join([kind, ...due.map(([k]) => k)])})`;
    for (const step of c.steps) {
      if (step.kind === kind && typeof fields.status === 'string') step.status = fields.status;
      const at = due.find(([k]) => k === step.kind)?.[1];
      if (at) step.dueAt = at;
    }
  }

  /**
   * Runs one change to a mistake in a transaction. `actorId` null is the bot itself (a scheduled
   * pass), which the playbook's permission checks do not apply to.
   */
  private async change(ref: MistakeRef, actorId: string | null, apply: (c: ChangeContext) => Promise<undefined>): Promise<void> {
    const policy = await this.settings.forTeam(ref.teamId);
    return inTransaction(this.db, async (tx) => {
      if (ref.clickId !== undefined) {
        if (!(await markClickApplied(tx, ref.clickId, this.clock.now()))) throw new ClickAlreadyApplied(ref.clickId);
      }
      const record = await loadMistake(tx, ref.teamId, ref.mistakeId);
      if (!record) {
        throw new PlaybookError('not_found', "That mistake doesn't exist in this workspace. Nothing was changed.");
      }
      if (ref.expectedVersion !== undefined && ref.expectedVersion !== record.version) {
        throw new PlaybookError('conflict', CONFLICT_MESSAGE);
      }
      const now = this.clock.now();
      const events: PendingEvent[] = [];
      const deliveries: DeliveryRequest[] = [];
      const homes = new Set<string>([record.reporterId]);
      if (record.ownerId) homes.add(record.ownerId);
      const c: ChangeContext = {
        tx,
        record,
        actor: {
          userId: actorId ?? '',
          isAdmin: actorId === null || policy.adminUserIds.includes(actorId),
          isEscalationContact: actorId !== null && routeFor(policy, record.category).contact === actorId,
        },
        policy,
        now,
        set: {},
        steps: record.steps.map(({ kind, status, position, dueAt }) => ({ kind, status, position, dueAt })),
        event: (details, options = {}) => events.push({ details, actorId, reply: options.reply ?? true, dm: options.dm ?? [] }),
        deliver: (...requests) => deliveries.push(...requests),
        homes,
      };
      await apply(c);
      // What insights read is written with what it comes from: the customer's latest answer with
      // its timeline event, the time from the report with each step time.
      const answer = [...events].reverse().find((e) => isAnswerKind(e.details.kind));
      if (answer) {
        c.set.answerKind = answer.details.kind;
        c.set.answeredAt = now;
        if (!record.firstAnsweredAt) c.set.firstAnsweredAt = now;
      }
      for (const [at, ms] of STEP_TIME_COLUMNS) {
        if (!(at in c.set)) continue;
        const value = c.set[at];
        c.set[ms] = value instanceof Date ? value.getTime() - record.createdAt.getTime() : null;
      }
      // A closed mistake plans no more contacts: one still planned is dropped, not kept for a reopen.
      if (c.set.state === 'closed') {
        await tx.customerContact.updateMany({ where: { mistakeId: record.id, followUp: 'open' }, data: { followUp: 'closed' } });
      }
      // App Home's ranking, stored with the change that moves it (the same statement).
      const state = typeof c.set.state === 'string' ? c.set.state : record.state;
      const nextDueAt = rankingDueAt(state, c.steps);
      const updated = await updateMistake(
        tx,
        record.id,
        record.version,
        { ...c.set, nextDueAt, urgency: urgencyOf(state, record.severity, nextDueAt) },
        now,
      );
      if (!updated) throw new PlaybookError('conflict', CONFLICT_MESSAGE);
      if (ref.formId) {
        await tx.interaction.create({
          data: {
            teamId: record.teamId,
            key: formKey(ref.formId),
            userId: actorId ?? '',
            kind: 'form',
            payload: encodeInteractionPayload({ kind: 'form' }),
            status: 'applied',
            receivedAt: now,
            doneAt: now,
          },
        });
      }
      const requests: DeliveryRequest[] = [{ kind: 'card', mistakeId: record.id }];
      const webhooks: DeliveryRequest[] = [];
      const after = webhookMistakeOf(record, c.set);
      const moves: Array<{ moved: MovedOn; eventId: number }> = [];
      // The change's events in one statement; their ids come back in the order given.
      const eventIds = await insertRows(
        tx,
        'TimelineEvent',
        events.map((e) => ({
          teamId: record.teamId,
          mistakeId: record.id,
          actorId: e.actorId,
          kind: e.details.kind,
          details: encodeTimelineDetails(e.details),
          at: now,
        })),
      );
      events.forEach((e, i) => {
        const eventId = eventIds[i]!;
        if (e.reply) requests.push({ kind: 'reply', mistakeId: record.id, eventId });
        for (const userId of e.dm) requests.push({ kind: 'dm', mistakeId: record.id, eventId, userId });
        for (const moved of movedOn(e.details)) moves.push({ moved, eventId });
        webhooks.push(...this.webhook(record.teamId, { id: eventId, at: now, actorId: e.actorId, details: e.details }, after));
      });
      requests.push(...deliveries);
      if (moves.length > 0 && record.escalationLevel > 0) {
        requests.push(...(await this.resolveEscalations(tx, record.id, moves, now)));
      }
      // DMs whose buttons are about this mistake are edited from the new state: a step done
      // shows as done there too, and loses its button.
      for (const dm of await liveDirectMessages(tx, record.id)) requests.push({ kind: 'dm_update', channel: dm.channelId, ts: dm.ts });
      // Always in the same order, so two transactions never lock the same rows crosswise.
      for (const userId of [...homes].sort()) requests.push({ kind: 'home', userId });
      requests.push(...webhooks);
      await enqueue(tx, record.teamId, requests, now, this.queueing);
      // Nothing is read back: whoever needs the new state reads it (the card does, when sent).
    });
  }
}

class AlreadyEscalated extends Error {}
class CheckInNotDue extends Error {}

/** The mistake as a webhook describes it: the stored row with this change's columns applied. */
function webhookMistakeOf(
  row: {
    id: number;
    customer: string;
    severity: string;
    category: string;
    state: string;
    ownerId: string | null;
    reporterId: string;
    channelId: string;
    threadTs: string | null;
  },
  set: Prisma.MistakeUpdateManyMutationInput,
): WebhookMistake {
  const state = typeof set.state === 'string' ? set.state : row.state;
  const ownerId = typeof set.ownerId === 'string' || set.ownerId === null ? set.ownerId : row.ownerId;
  return {
    id: row.id,
    customer: row.customer,
    severity: row.severity,
    category: row.category === '' ? null : row.category,
    state,
    ownerId,
    reporterId: row.reporterId,
    thread: row.threadTs ? { channelId: row.channelId, ts: row.threadTs } : null,
  };
}

/** A report with field problems: every message, by field, for the modal. */
export class ReportValidationError extends PlaybookError {
  constructor(
    readonly errors: Partial<Record<string, string>>,
    message: string,
    field: string,
  ) {
    super('invalid_input', message, field);
  }
}
