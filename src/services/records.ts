import type { Tx } from '../db/client';
import { type Escalation, type Mistake, Prisma, type RecoveryStep, type RootCauseAnalysis, type TimelineEvent } from '../generated/prisma/client';
import {
  type MistakeSnapshot,
  type MistakeState,
  OPEN_STATES,
  type PreventionStatus,
  RCA_STEP,
  RECOVERING_STATES,
  SEVERITY_RANK,
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
  // The next contact the owner planned, while it waits (one at most: logging a contact settles it).
  contacts: { where: { followUp: 'open' }, orderBy: { id: 'desc' }, take: 1, select: { id: true, nextContactAt: true, snoozedUntil: true } },
} as const satisfies Prisma.MistakeInclude;

export type MistakeRecord = Prisma.MistakeGetPayload<{ include: typeof MISTAKE_INCLUDE }>;

export async function loadMistake(tx: Tx, teamId: string, mistakeId: number): Promise<MistakeRecord | null> {
  if (!Number.isSafeInteger(mistakeId) || mistakeId <= 0) return null;
  // The team is part of the lookup: a mistake of another workspace does not exist for this one.
  return (await loadMistakes(tx, teamId, [mistakeId]))[0] ?? null;
}

// Every column of a recovery step and of an analysis, read alongside their mistake's. The checks
// below make a column added to the schema a compile error here until it is read too.
const STEP_COLUMNS = [
  'id',
  'teamId',
  'mistakeId',
  'kind',
  'position',
  'status',
  'dueAt',
  'doneById',
  'doneAt',
  'skipReason',
  'customerAnswer',
  'remedyKind',
  'remedyValue',
  'note',
  'snoozedUntil',
  'lastRemindedAt',
  'reminderCount',
] as const satisfies ReadonlyArray<keyof RecoveryStep>;
const RCA_COLUMNS = ['id', 'teamId', 'mistakeId', 'whatHappened', 'causes', 'whatChanges', 'authorId', 'createdAt'] as const satisfies ReadonlyArray<
  keyof RootCauseAnalysis
>;
type AllListed<T, Listed> = Exclude<keyof T, Listed> extends never ? true : never;
const stepColumnsComplete: AllListed<RecoveryStep, (typeof STEP_COLUMNS)[number]> = true;
const rcaColumnsComplete: AllListed<RootCauseAnalysis, (typeof RCA_COLUMNS)[number]> = true;
void stepColumnsComplete;
void rcaColumnsComplete;

// The planned next contact, as MISTAKE_INCLUDE selects it.
const CONTACT_COLUMNS = ['id', 'nextContactAt', 'snoozedUntil'] as const;
type PlannedContact = MistakeRecord['contacts'][number];

const JOINED_COLUMNS = Prisma.raw(
  [
    ...STEP_COLUMNS.map((c) => `s."${c}" AS "s_${c}"`),
    ...RCA_COLUMNS.map((c) => `r."${c}" AS "r_${c}"`),
    ...CONTACT_COLUMNS.map((c) => `c."${c}" AS "c_${c}"`),
  ].join(', '),
);

type Row = Record<string, unknown>;

function pick<T>(row: Row, prefix: string, columns: readonly string[]): T {
  const out: Row = {};
  for (const c of columns) out[c] = row[`${prefix}${c}`];
  return out as T;
}

/**
 * Mistakes of one workspace by id, as `findMany({ include: MISTAKE_INCLUDE })` returns them (in
 * the order of `ids`), in one statement: each mistake with its steps (one row each), its
 * analysis and its planned next contact. Prevention steps, which exist only once an analysis is written, take a second one
 * when any of them has one.
 */
export async function loadMistakes(tx: Tx, teamId: string, ids: number[]): Promise<MistakeRecord[]> {
  const wanted = ids.filter((id) => Number.isSafeInteger(id) && id > 0);
  if (wanted.length === 0) return [];
  const found = await loadMistakesWhere(tx, teamId, { ids: wanted });
  return wanted.map((id) => found.get(id)).filter((r): r is MistakeRecord => r !== undefined);
}

/**
 * The same for a list of ids, or for the mistakes a query selects (`ranked`: a SELECT yielding
 * "id", such as a ranking with its LIMIT), read with it in one statement. Keyed by id, in no
 * particular order.
 */
export async function loadMistakesWhere(
  tx: Tx,
  teamId: string,
  which: { ids: number[] } | { ranked: Prisma.Sql },
): Promise<Map<number, MistakeRecord>> {
  // A ranking is joined rather than used as `IN (subquery)`: SQLite then reads each chosen
  // mistake by its key instead of going through the whole workspace.
  const from = 'ids' in which ? Prisma.sql`"Mistake" m` : Prisma.sql`(${which.ranked}) k JOIN "Mistake" m ON m."id" = k."id"`;
  const where = 'ids' in which ? Prisma.sql`m."id" IN (${Prisma.join(which.ids)}) AND` : Prisma.empty;
  const rows = await tx.$queryRaw<Row[]>`
    SELECT m.*, ${JOINED_COLUMNS}
    FROM ${from}
    LEFT JOIN "RecoveryStep" s ON s."mistakeId" = m."id"
    LEFT JOIN "RootCauseAnalysis" r ON r."mistakeId" = m."id"
    LEFT JOIN "CustomerContact" c ON c."mistakeId" = m."id" AND c."followUp" = 'open'
      AND NOT EXISTS (SELECT 1 FROM "CustomerContact" c2 WHERE c2."mistakeId" = m."id" AND c2."followUp" = 'open' AND c2."id" > c."id")
    WHERE ${where} m."teamId" = ${teamId}
    ORDER BY m."id", s."position"`;
  const byId = new Map<number, MistakeRecord>();
  for (const row of rows) {
    const id = Number(row.id);
    let record = byId.get(id);
    if (!record) {
      const mistake: Row = {};
      for (const [key, value] of Object.entries(row)) if (!/^[src]_/.test(key)) mistake[key] = value;
      mistake.id = id;
      record = {
        ...(mistake as Omit<MistakeRecord, 'steps' | 'rca' | 'prevention' | 'contacts'>),
        steps: [],
        rca: row.r_id === null || row.r_id === undefined ? null : pick<RootCauseAnalysis>(row, 'r_', RCA_COLUMNS),
        prevention: [],
        contacts: row.c_id === null || row.c_id === undefined ? [] : [pick<PlannedContact>(row, 'c_', CONTACT_COLUMNS)],
      };
      byId.set(id, record);
    }
    if (row.s_id !== null && row.s_id !== undefined) record.steps.push(pick<RecoveryStep>(row, 's_', STEP_COLUMNS));
  }
  const withPrevention = [...byId.values()].filter((r) => r.rca || r.state === 'preventing' || r.state === 'closed').map((r) => r.id);
  if (withPrevention.length > 0) {
    const prevention = await tx.preventionAction.findMany({ where: { mistakeId: { in: withPrevention } }, orderBy: { id: 'asc' } });
    for (const p of prevention) byId.get(p.mistakeId)?.prevention.push(p);
  }
  return byId;
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
    nextContact: (() => {
      const planned = record.contacts[0];
      return planned?.nextContactAt ? { contactId: planned.id, at: planned.nextContactAt, snoozedUntil: planned.snoozedUntil } : null;
    })(),
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

/**
 * Works App Home's ranking (Mistake.nextDueAt and urgency) out again from the steps, in the
 * database, for every mistake of `teamId` (of every workspace without it): what the migration
 * that added the columns ran for the mistakes that existed then, for rows written other than
 * through the service (seeded data). Every change stores them itself.
 */
export async function storeRanking(tx: Tx, teamId?: string): Promise<void> {
  const team = teamId === undefined ? Prisma.empty : Prisma.sql`WHERE "teamId" = ${teamId}`;
  const severity = Prisma.raw(
    `CASE "severity" ${Object.entries(SEVERITY_RANK)
      .map(([name, rank]) => `WHEN '${name}' THEN ${rank}`)
      .join(' ')} ELSE ${Object.keys(SEVERITY_RANK).length} END`,
  );
  await tx.$executeRaw`
    UPDATE "Mistake" SET "nextDueAt" = CASE
      WHEN "state" IN (${Prisma.join([...RECOVERING_STATES])}) THEN (
        SELECT s."dueAt" FROM "RecoveryStep" s
        WHERE s."mistakeId" = "Mistake"."id" AND s."status" = 'pending' AND s."kind" IN (${Prisma.join([...STEP_KINDS])})
        ORDER BY s."position" LIMIT 1
      )
      WHEN "state" = 'awaiting_rca' THEN (
        SELECT s."dueAt" FROM "RecoveryStep" s
        WHERE s."mistakeId" = "Mistake"."id" AND s."status" = 'pending' AND s."kind" = ${RCA_STEP}
        LIMIT 1
      )
    END ${team}`;
  await tx.$executeRaw`
    UPDATE "Mistake" SET "urgency" = CASE
      WHEN "state" IN (${Prisma.join([...OPEN_STATES])}) THEN
        CASE WHEN "state" = 'escalated' THEN 0 ELSE 10 END + 2 * ${severity} + CASE WHEN "nextDueAt" IS NULL THEN 1 ELSE 0 END
    END ${team}`;
}

/** The rows `insertRows` writes, by table: every column but the id. */
interface NewRows {
  Mistake: Omit<Mistake, 'id'>;
  RecoveryStep: Omit<RecoveryStep, 'id'>;
  TimelineEvent: Omit<TimelineEvent, 'id'>;
}

/**
 * Writes new rows, given every column but the id, as one SQL statement, and returns their ids in
 * the order given. Used where a person waits on the write (a report before its form closes, the
 * change a click makes): Prisma's model queries cost a compiled query each and read every column
 * back, where the caller already holds every value it wrote. The rows are typed as the whole
 * model less its id, so a new column is a compile error at each caller, not a value left out.
 */
export async function insertRows<T extends keyof NewRows>(tx: Tx, table: T, rows: Array<NewRows[T]>): Promise<number[]> {
  if (rows.length === 0) return [];
  const columns = Object.keys(rows[0]!);
  const names = Prisma.raw(columns.map((c) => `"${c}"`).join(', '));
  const values = rows.map((row) => Prisma.sql`(${Prisma.join(columns.map((c) => (row as Record<string, unknown>)[c] ?? null))})`);
  // RETURNING's order is not promised, but ids are handed out in the order the rows are written
  // (on both databases), so sorted they line up with the rows given.
  const returned = await tx.$queryRaw<Array<{ id: number | bigint }>>`
    INSERT INTO ${Prisma.raw(`"${table}"`)} (${names}) VALUES ${Prisma.join(values)} RETURNING "id"`;
  const ids = returned.map((r) => Number(r.id)).sort((a, b) => a - b);
  if (ids.length !== rows.length) throw new Error(`${table}: ${rows.length} rows written, ${ids.length} ids returned`);
  return ids;
}

/** The columns of a mistake a change may write (its version and update time move by themselves). */
export type MistakeChange = Partial<Omit<Mistake, 'id' | 'teamId' | 'version' | 'createdAt' | 'updatedAt'>>;

/**
 * Writes a change to one mistake, if it is still at `version` (the version moves on): whether
 * it was. One statement as SQL, for the same reason as `insertRows`: a click's change waits on it.
 */
export async function updateMistake(tx: Tx, id: number, version: number, set: MistakeChange, now: Date): Promise<boolean> {
  const assignments = Object.entries(set)
    .filter(([, value]) => value !== undefined)
    .map(([column, value]) => Prisma.sql`${Prisma.raw(`"${column}"`)} = ${value}`);
  const count = await tx.$executeRaw`
    UPDATE "Mistake" SET ${Prisma.join([...assignments, Prisma.sql`"version" = ${version + 1}`, Prisma.sql`"updatedAt" = ${now}`])}
    WHERE "id" = ${id} AND "version" = ${version}`;
  return count === 1;
}
