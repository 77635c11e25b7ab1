import type { Tx } from '../db/client';
import type { Prisma } from '../generated/prisma/client';
import type {
  MistakeSnapshot,
  MistakeState,
  PreventionStatus,
  Severity,
  StepKind,
  StepStatus,
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

export function toSnapshot(record: MistakeRecord): MistakeSnapshot {
  return {
    id: record.id,
    state: record.state as MistakeState,
    severity: record.severity as Severity,
    ownerId: record.ownerId,
    reporterId: record.reporterId,
    createdAt: record.createdAt,
    hasRca: record.rca !== null,
    steps: record.steps.map((s) => ({
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
