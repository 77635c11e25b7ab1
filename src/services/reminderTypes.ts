import type { ChasedStep, Severity } from '../domain/playbook';

/** One overdue thing in an owner's reminder DM: a recovery step or a prevention step. */
export interface ReminderItem {
  kind: 'step' | 'prevention';
  mistakeId: number;
  mistakeVersion: number;
  customer: string;
  severity: Severity;
  /** The step's playbook label, or the prevention step's description. */
  label: string;
  /** A recovery step, or the root-cause analysis once the customer is satisfied. */
  step?: ChasedStep;
  preventionId?: number;
  dueAt: Date;
  channelId: string;
  threadTs: string | null;
  /** The customer told us they need more: "nothing more needed" is not offered. */
  customerAskedForMore?: boolean;
  /** Reminders sent before this one. */
  reminderCount: number;
}
