import type { Db } from '../db/client';
import { inTransaction } from '../db/transaction';
import { isWithinOfficeHours } from '../domain/officeHours';
import { CHASED_STEP_LABELS, type ChasedStep, type MistakeState, RCA_STEP, RECOVERING_STATES, type Severity, STEP_KINDS } from '../domain/playbook';
import type { Clock } from './clock';
import { enqueue } from './outbox';
import type { ReminderItem, ReminderOutcome } from './reminderTypes';
import type { SettingsService } from './settings';

export interface ReminderPassResult {
  /** Owners who were sent a DM. */
  owners: number;
  /** Items reminded. */
  items: number;
  /** Items left for later because their owner is outside office hours. */
  waitingForOfficeHours: number;
}

/** Someone's own timezone, where Slack knows it; undefined falls back to the workspace's. */
export type TimeZoneOf = (userId: string, teamId: string) => Promise<string | undefined>;

/**
 * The steps the bot chases: a recovery step while the customer waits for it, and the
 * root-cause analysis once they are satisfied and until it is written (rules 6 and 7).
 */
const CHASED = {
  OR: [
    { kind: { in: [...STEP_KINDS] as string[] }, mistake: { state: { in: [...RECOVERING_STATES] as string[] } } },
    { kind: RCA_STEP, mistake: { state: 'awaiting_rca', rca: { is: null } } },
  ],
};

interface Candidate {
  ownerId: string;
  severity: Severity;
  kind: 'step' | 'prevention' | 'contact';
  id: number;
}

/** What one reminder DM lists. */
export interface ReminderItemIds {
  steps: number[];
  prevention: number[];
  contacts: number[];
}

/**
 * Reminders for overdue recovery steps and prevention steps: one DM per owner per pass, each item
 * at most once per reminder interval, never while it is snoozed, never after it is done, only in
 * its owner's office hours unless the mistake is critical, and not past the reminder cap (the
 * escalation pass takes over there).
 */
export class ReminderService {
  constructor(
    private readonly db: Db,
    private readonly settings: SettingsService,
    private readonly clock: Clock,
  ) {}

  async pass(teamId: string, timeZoneOf: TimeZoneOf = async () => undefined): Promise<ReminderPassResult> {
    const policy = await this.settings.forTeam(teamId);
    const now = this.clock.now();
    const remindedBefore = new Date(now.getTime() - policy.reminderIntervalMs);
    const due = {
      dueAt: { lt: now },
      reminderCount: { lt: policy.reminderCap },
      AND: [
        { OR: [{ snoozedUntil: null }, { snoozedUntil: { lte: now } }] },
        { OR: [{ lastRemindedAt: null }, { lastRemindedAt: { lte: remindedBefore } }] },
      ],
    };
    // A planned next contact: reminded from the start of its day (in office hours) until the
    // contact is logged or the mistake closed. No cap: nothing escalates it, so it never goes quiet.
    const contactDue = {
      nextContactAt: { lt: now },
      AND: [
        { OR: [{ snoozedUntil: null }, { snoozedUntil: { lte: now } }] },
        { OR: [{ lastRemindedAt: null }, { lastRemindedAt: { lte: remindedBefore } }] },
      ],
    };
    const [steps, prevention, contacts] = await Promise.all([
      this.db.recoveryStep.findMany({
        where: { teamId, status: 'pending', ...due, ...CHASED, mistake: { ownerId: { not: null } } },
        select: {
          id: true,
          position: true,
          mistake: {
            select: {
              ownerId: true,
              severity: true,
              // Only the step the recovery waits on is reminded, not the ones after it.
              steps: { where: { status: 'pending' }, orderBy: { position: 'asc' }, take: 1, select: { id: true } },
            },
          },
        },
      }),
      this.db.preventionAction.findMany({
        where: { teamId, status: 'open', ...due, mistake: { state: 'preventing' } },
        select: { id: true, ownerId: true, mistake: { select: { severity: true } } },
      }),
      this.db.customerContact.findMany({
        where: { teamId, followUp: 'open', ...contactDue, mistake: { state: { not: 'closed' }, ownerId: { not: null } } },
        select: { id: true, mistake: { select: { ownerId: true, severity: true } } },
      }),
    ]);

    const candidates: Candidate[] = [
      ...steps
        .filter((s) => s.mistake.steps[0]?.id === s.id)
        .map((s) => ({ ownerId: s.mistake.ownerId!, severity: s.mistake.severity as Severity, kind: 'step' as const, id: s.id })),
      ...prevention.map((p) => ({ ownerId: p.ownerId, severity: p.mistake.severity as Severity, kind: 'prevention' as const, id: p.id })),
      ...contacts.map((k) => ({ ownerId: k.mistake.ownerId!, severity: k.mistake.severity as Severity, kind: 'contact' as const, id: k.id })),
    ];
    const byOwner = new Map<string, Candidate[]>();
    for (const c of candidates) byOwner.set(c.ownerId, [...(byOwner.get(c.ownerId) ?? []), c]);

    const result: ReminderPassResult = { owners: 0, items: 0, waitingForOfficeHours: 0 };
    for (const [ownerId, items] of byOwner) {
      const zone = (await timeZoneOf(ownerId, teamId).catch(() => undefined)) ?? policy.timezone;
      const inHours = isWithinOfficeHours(now, zone, policy.officeHours);
      // Critical mistakes are "on the fly": they do not wait for anyone's office hours.
      const sendable = items.filter((i) => inHours || i.severity === 'critical');
      result.waitingForOfficeHours += items.length - sendable.length;
      if (sendable.length === 0) continue;
      const sent = await this.remindOwner(teamId, ownerId, sendable, now, remindedBefore);
      if (sent > 0) {
        result.owners++;
        result.items += sent;
      }
    }
    return result;
  }

  /**
   * Claims each item for this interval with a compare-and-set on its last reminder time, and
   * queues the owner's DM in the same transaction: two passes racing never both claim an item,
   * and a crash never leaves an item marked reminded without its DM queued.
   */
  private async remindOwner(teamId: string, ownerId: string, items: Candidate[], now: Date, remindedBefore: Date): Promise<number> {
    return inTransaction(this.db, async (tx) => {
      const claimed: ReminderItemIds = { steps: [], prevention: [], contacts: [] };
      const stillDue = { OR: [{ lastRemindedAt: null }, { lastRemindedAt: { lte: remindedBefore } }] };
      for (const item of items) {
        const data = { lastRemindedAt: now, reminderCount: { increment: 1 } };
        const updated =
          item.kind === 'step'
            ? await tx.recoveryStep.updateMany({ where: { id: item.id, status: 'pending', ...stillDue }, data })
            : item.kind === 'prevention'
              ? await tx.preventionAction.updateMany({ where: { id: item.id, status: 'open', ...stillDue }, data })
              : await tx.customerContact.updateMany({ where: { id: item.id, followUp: 'open', ...stillDue }, data });
        if (updated.count !== 1) continue;
        (item.kind === 'step' ? claimed.steps : item.kind === 'prevention' ? claimed.prevention : claimed.contacts).push(item.id);
        await tx.reminderSent.create({
          data: { teamId, ownerId, itemKind: item.kind, itemId: item.id, window: now.toISOString(), sentAt: now },
        });
      }
      const count = claimed.steps.length + claimed.prevention.length + claimed.contacts.length;
      if (count > 0) {
        const { contacts, ...rest } = claimed;
        await enqueue(
          tx,
          teamId,
          [{ kind: 'reminder', userId: ownerId, pass: now.toISOString(), ...rest, ...(contacts.length > 0 ? { contacts } : {}) }],
          now,
        );
      }
      return count;
    });
  }

  /**
   * The items of a queued reminder that are still outstanding when it is sent; with `settled`,
   * also those that no longer are, each with what happened (to edit a reminder already sent to
   * `settled.recipientId`), and those still theirs but snoozed past `settled.now`.
   */
  async itemsFor(teamId: string, ids: ReminderItemIds, settled?: { recipientId: string; now: Date }): Promise<ReminderItem[]> {
    const { steps, prevention, contacts } = ids;
    const [stepRows, preventionRows, contactRows] = await Promise.all([
      this.db.recoveryStep.findMany({
        where: { teamId, id: { in: steps }, ...(settled ? {} : { status: 'pending', ...CHASED }) },
        include: {
          mistake: {
            include: {
              // The step the mistake waits on now: a step "not satisfied" reset is pending again
              // but waits behind making it right.
              steps: { where: { status: 'pending' }, orderBy: { position: 'asc' }, take: 1, select: { id: true } },
            },
          },
        },
        orderBy: { id: 'asc' },
      }),
      this.db.preventionAction.findMany({
        where: { teamId, id: { in: prevention }, ...(settled ? {} : { status: 'open', mistake: { state: 'preventing' } }) },
        include: { mistake: true },
        orderBy: { id: 'asc' },
      }),
      contacts.length === 0
        ? Promise.resolve([])
        : this.db.customerContact.findMany({
            where: { teamId, id: { in: contacts }, ...(settled ? {} : { followUp: 'open', mistake: { state: { not: 'closed' } } }) },
            include: { mistake: true },
            orderBy: { id: 'asc' },
          }),
    ]);
    const recipient = settled?.recipientId;
    /** An item still its recipient's, with its snooze while that lasts. */
    const stillTheirs = (item: ReminderItem, snoozedUntil: Date | null): ReminderItem =>
      snoozedUntil && settled && snoozedUntil > settled.now ? { ...item, snoozedUntil } : item;
    const current = (s: (typeof stepRows)[number]) => s.mistake.steps[0]?.id === s.id;
    return [
      ...stepRows
        .filter((s) => settled || current(s))
        .map((s) => {
          const item: ReminderItem = {
            kind: 'step',
            mistakeId: s.mistakeId,
            mistakeVersion: s.mistake.version,
            customer: s.mistake.customer,
            severity: s.mistake.severity as Severity,
            label: CHASED_STEP_LABELS[s.kind as ChasedStep] ?? s.kind,
            step: s.kind as ChasedStep,
            stepId: s.id,
            dueAt: s.dueAt,
            channelId: s.mistake.channelId,
            threadTs: s.mistake.threadTs,
            // Making it right again after "not satisfied" or a reopen: what was given is still on it.
            customerAskedForMore: !!(s.remedyKind || s.skipReason),
            reminderCount: s.reminderCount - 1,
          };
          if (recipient === undefined) return item;
          const state = s.mistake.state as MistakeState;
          const chased =
            s.status === 'pending' &&
            current(s) &&
            (s.kind === RCA_STEP ? state === 'awaiting_rca' : RECOVERING_STATES.includes(state)) &&
            s.mistake.ownerId === recipient;
          if (chased) return stillTheirs(item, s.snoozedUntil);
          const outcome: ReminderOutcome =
            s.status === 'done'
              ? { how: 'done', byId: s.doneById, at: s.doneAt }
              : s.status === 'skipped'
                ? { how: 'skipped', byId: s.doneById, at: s.doneAt }
                : s.mistake.ownerId !== recipient
                  ? { how: 'handed_over', toId: s.mistake.ownerId }
                  : { how: 'moved_on', state };
          return { ...item, settled: outcome };
        }),
      ...preventionRows.map((p) => {
        const item: ReminderItem = {
          kind: 'prevention',
          mistakeId: p.mistakeId,
          mistakeVersion: p.mistake.version,
          customer: p.mistake.customer,
          severity: p.mistake.severity as Severity,
          label: p.description,
          preventionId: p.id,
          dueAt: p.dueAt,
          channelId: p.mistake.channelId,
          threadTs: p.mistake.threadTs,
          reminderCount: p.reminderCount - 1,
        };
        if (recipient === undefined) return item;
        if (p.status === 'open' && p.mistake.state === 'preventing') return stillTheirs(item, p.snoozedUntil);
        const outcome: ReminderOutcome =
          p.status === 'done' ? { how: 'done', byId: p.doneById, at: p.doneAt } : { how: 'moved_on', state: p.mistake.state as MistakeState };
        return { ...item, settled: outcome };
      }),
      ...contactRows
        .filter((k) => k.nextContactAt !== null)
        .map((k) => {
          const item: ReminderItem = {
            kind: 'contact',
            mistakeId: k.mistakeId,
            mistakeVersion: k.mistake.version,
            customer: k.mistake.customer,
            severity: k.mistake.severity as Severity,
            label: 'Next contact with the customer',
            contactId: k.id,
            dueAt: k.nextContactAt!,
            channelId: k.mistake.channelId,
            threadTs: k.mistake.threadTs,
            reminderCount: k.reminderCount - 1,
          };
          if (recipient === undefined) return item;
          const state = k.mistake.state as MistakeState;
          if (k.followUp === 'open' && state !== 'closed' && k.mistake.ownerId === recipient) return stillTheirs(item, k.snoozedUntil);
          const outcome: ReminderOutcome =
            k.followUp === 'done'
              ? { how: 'contacted' }
              : k.followUp === 'closed'
                ? { how: 'moved_on', state: 'closed' }
                : k.mistake.ownerId !== recipient
                  ? { how: 'handed_over', toId: k.mistake.ownerId }
                  : { how: 'moved_on', state };
          return { ...item, settled: outcome };
        }),
    ];
  }
}
