import type { ChasedStep, MistakeState, Severity } from '../domain/playbook';

/** One overdue thing in an owner's reminder DM: a recovery step, a prevention step, or a planned next contact. */
export interface ReminderItem {
  kind: 'step' | 'prevention' | 'contact';
  mistakeId: number;
  mistakeVersion: number;
  customer: string;
  severity: Severity;
  /** The step's playbook label, or the prevention step's description. */
  label: string;
  /** A recovery step, or the root-cause analysis once the customer is satisfied. */
  step?: ChasedStep;
  /** The stored step's id (what a reminder remembers, to edit it later). */
  stepId?: number;
  preventionId?: number;
  /** The logged contact that planned this next contact. */
  contactId?: number;
  dueAt: Date;
  channelId: string;
  threadTs: string | null;
  /** The customer told us they need more: "nothing more needed" is not offered. */
  customerAskedForMore?: boolean;
  /** Reminders sent before this one. */
  reminderCount: number;
  /** Set when a reminder already sent is edited and this item no longer waits on its recipient. */
  settled?: ReminderOutcome;
  /**
   * Set when a reminder already sent is edited and its recipient snoozed this item since: it still
   * waits on them and keeps its buttons to do it now, without the snooze menu.
   */
  snoozedUntil?: Date;
}

/** What became of a reminded item: done (or skipped) by someone, handed to someone else, or moved on. */
export type ReminderOutcome =
  | { how: 'done' | 'skipped'; byId: string | null; at: Date | null }
  /** A planned next contact, logged (or planned anew) since. */
  | { how: 'contacted' }
  | { how: 'handed_over'; toId: string | null }
  | { how: 'moved_on'; state: MistakeState };
