import type { Tx } from '../db/client';
import type { Prisma } from '../generated/prisma/client';
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

type StepRow = MistakeRecord['steps'][number];

/** The recovery steps of a mistake (its stored steps also hold the root-cause analysis once due). */
export function recoverySteps(record: Pick<MistakeRecord, 'steps'>): StepRow[] {
  return record.steps.filter((s) => STEP_KINDS.includes(s.kind as StepKind));
}

/** The root-cause analysis as a chased step, once the customer has been marked satisfied. */
export function rcaStepOf(record: Pick<MistakeRecord, 'steps'>): StepRow | null {
  return record.steps.find((s) => s.kind === RCA_STEP) ?? null;
}

export function toSnapshot(record: MistakeRecord): MistakeSnapshot {
  const rcaStep = rcaStepOf(record);
  return {
    id: record.id,
    state: record.state as MistakeState,
    severity: record.severity as Severity,
    ownerId: record.ownerId,
    reporterId: record.reporterId,
    createdAt: record.createdAt,
    hasRca: record.rca !== null,
    rcaStep: rcaStep
      ? {
          status: rcaStep.status as StepStatus,
          dueAt: rcaStep.dueAt,
          snoozedUntil: rcaStep.snoozedUntil,
          reminderCount: rcaStep.reminderCount,
        }
      : null,
    steps: recoverySteps(record).map((s) => ({
      kind: s.kind as StepKind,
      status: s.status as StepStatus,
      dueAt: s.dueAt,
      doneAt: s.doneAt,
      doneById: s.doneById,
      skipReason: s.skipReason,
      customerAnswer: s.customerAnswer,
      remedyKind: s.remedyKind,
      remedyValue: s.remedyValue,
      note: s.note,
      snoozedUntil: s.snoozedUntil,
      reminderCount: s.reminderCount,
    })),
    prevention: record.prevention.map((p) => ({
      id: p.id,
      description: p.description,
      ownerId: p.ownerId,
      dueAt: p.dueAt,
      status: p.status as PreventionStatus,
      snoozedUntil: p.snoozedUntil,
      reminderCount: p.reminderCount,
    })),
  };
}
