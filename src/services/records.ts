import type { Tx } from '../db/client';
import type { Escalation, Prisma } from '../generated/prisma/client';
import {
  type MistakeSnapshot,
  type MistakeState,
  type PreventionStatus,
  RCA_STEP,
  type Severity,
  STEP_KINDS,
  type StepKind,
  type StepStatus,
} from '../domain/playbook';
import { type EscalationView, type MistakeView, type MoneyView, snapshotOf } from './views';

/** Everything the rules and the card need about one mistake, read in one query. */
export const MISTAKE_INCLUDE = {
  steps: { orderBy: { position: 'asc' } },
  rca: true,
  prevention: { orderBy: { id: 'asc' } },
} as const satisfies Prisma.MistakeInclude;

export type MistakeRecord = Prisma.MistakeGetPayload<{ include: typeof MISTAKE_INCLUDE }>;

export async function loadMistake(tx: Tx, teamId: string, mistakeId: number): Promise<MistakeRecord | null> {
  if (!Number.isSafeInteger(mistakeId) || mistakeId <= 0) return null;
  // The team is part of the lookup: a mistake of another workspace does not exist for this one.
  return tx.mistake.findFirst({ where: { id: mistakeId, teamId }, include: MISTAKE_INCLUDE });
}

/**
 * The one place a stored mistake becomes the plain shape the views (and, through `snapshotOf`,
 * the playbook's rules) read.
 */
export function mistakeView(record: MistakeRecord): MistakeView {
  const rcaStep = record.steps.find((s) => s.kind === RCA_STEP) ?? null;
  return {
    id: record.id,
    teamId: record.teamId,
    version: record.version,
    customer: record.customer,
    account: record.account,
    customerLink: record.customerLink,
    customerKey: record.customerKey,
    value: moneyOf(record.valueMinor, record.valueCurrency),
    whatHappened: record.whatHappened,
    impact: record.impact,
    severity: record.severity as Severity,
    category: record.category,
    reporterId: record.reporterId,
    ownerId: record.ownerId,
    state: record.state as MistakeState,
    channelId: record.channelId,
    threadTs: record.threadTs,
    escalationLevel: record.escalationLevel,
    escalatedAt: record.escalatedAt,
    escalationReason: record.escalationReason,
    apologizedAt: record.apologizedAt,
    satisfiedAt: record.satisfiedAt,
    closedAt: record.closedAt,
    createdAt: record.createdAt,
    outcome: record.outcome,
    checkInDueAt: record.checkInDueAt,
    checkInAskedAt: record.checkInAskedAt,
    checkInsSent: record.checkInsSent,
    customerNoteSentAt: record.customerNoteSentAt,
    customerNoteSentById: record.customerNoteSentById,
    // The stored steps also hold the root-cause analysis once it is chased.
    steps: record.steps
      .filter((s) => STEP_KINDS.includes(s.kind as StepKind))
      .map((s) => ({
        kind: s.kind as StepKind,
        status: s.status as StepStatus,
        dueAt: s.dueAt,
        doneById: s.doneById,
        doneAt: s.doneAt,
        skipReason: s.skipReason,
        customerAnswer: s.customerAnswer,
        remedyKind: s.remedyKind,
        remedyValue: s.remedyValue,
        note: s.note,
        snoozedUntil: s.snoozedUntil,
        reminderCount: s.reminderCount,
      })),
    rcaStep: rcaStep
      ? { status: rcaStep.status as StepStatus, dueAt: rcaStep.dueAt, snoozedUntil: rcaStep.snoozedUntil, reminderCount: rcaStep.reminderCount }
      : null,
    rca: record.rca
      ? {
          whatHappened: record.rca.whatHappened,
          causes: record.rca.causes,
          whatChanges: record.rca.whatChanges,
          authorId: record.rca.authorId,
          createdAt: record.rca.createdAt,
        }
      : null,
    prevention: record.prevention.map((p) => ({
      id: p.id,
      description: p.description,
      ownerId: p.ownerId,
      dueAt: p.dueAt,
      status: p.status as PreventionStatus,
      doneById: p.doneById,
      doneAt: p.doneAt,
      snoozedUntil: p.snoozedUntil,
      reminderCount: p.reminderCount,
    })),
  };
}

/** Both halves of a stored amount, or none: a half-written one is not shown. */
export function moneyOf(minor: number | null, currency: string | null): MoneyView | null {
  return minor !== null && currency ? { minor, currency } : null;
}

export function toSnapshot(record: MistakeRecord): MistakeSnapshot {
  return snapshotOf(mistakeView(record));
}

/** An escalation row as its post shows it. */
export function escalationView(row: Pick<Escalation, 'level' | 'reason' | 'text' | 'at' | 'resolvedAt'>): EscalationView {
  return { level: row.level, reason: row.reason, text: row.text, at: row.at, resolvedAt: row.resolvedAt };
}
