import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import type { Db } from '../db/client';
import { DAY_MS } from '../domain/durations';
import { type ExportWindow, STATS_WINDOWS } from '../domain/insights';
import { majorUnits } from '../domain/customer';
import { STEP_KINDS } from '../domain/playbook';

export { type ExportWindow, parseExportWindow } from '../domain/insights';

/**
 * Rows read per query: memory stays flat however many mistakes are exported. Measured with the
 * bot's start flags over 100k mistakes: 100 rows a batch peaks about 8 MB lower than 500, and
 * 2,000 about 30 MB higher, for a few seconds more in all.
 */
export const EXPORT_BATCH = 100;

const iso = (d: Date | null | undefined): string => (d ? d.toISOString() : '');

export const EXPORT_COLUMNS = [
  'id',
  'reported_at',
  'customer',
  'account',
  'customer_link',
  'value_at_risk',
  'currency',
  'what_happened',
  'impact',
  'severity',
  'category',
  'state',
  'outcome',
  'reporter_id',
  'owner_id',
  ...STEP_KINDS.flatMap((k) => [`${k}_status`, `${k}_done_at`]),
  'customer_answer',
  'remedy_kind',
  'remedy_value',
  'skip_reason',
  'first_owned_at',
  'apologized_at',
  'first_made_right_at',
  'satisfied_at',
  'closed_at',
  'escalation_level',
  'escalated_at',
  'escalation_reason',
  'reopen_count',
  'rca_what_happened',
  'rca_causes',
  'rca_what_changes',
  'rca_author_id',
  'rca_at',
] as const;

/**
 * One row per mistake, every field, the step times, the outcome and the RCA summary, as CSV.
 * Read in batches by id (keyset pagination) and written through csv-stringify as a stream, with
 * its formula escaping on: text starting with = + - @ (or a tab or carriage return) is prefixed
 * with ' so a spreadsheet shows it as text, never runs it. `who` limits it to the mistakes a
 * person reported or owns (everyone but admins).
 */
export async function writeExportCsv(
  db: Db,
  teamId: string,
  options: { window: ExportWindow; now: Date; who?: string },
  out: Writable,
): Promise<number> {
  const from = options.window === 'all' ? null : new Date(options.now.getTime() - STATS_WINDOWS[options.window] * DAY_MS);
  let rows = 0;
  async function* batches(): AsyncGenerator<string[]> {
    let after = 0;
    for (;;) {
      const batch = await db.mistake.findMany({
        where: {
          teamId,
          id: { gt: after },
          ...(from ? { createdAt: { gt: from, lte: options.now } } : {}),
          ...(options.who ? { OR: [{ reporterId: options.who }, { ownerId: options.who }] } : {}),
        },
        orderBy: { id: 'asc' },
        take: EXPORT_BATCH,
        // Only what the CSV has: whole rows would be read (and collected) for nothing.
        select: {
          id: true,
          createdAt: true,
          customer: true,
          account: true,
          customerLink: true,
          valueMinor: true,
          valueCurrency: true,
          whatHappened: true,
          impact: true,
          severity: true,
          category: true,
          state: true,
          outcome: true,
          reporterId: true,
          ownerId: true,
          ownedAt: true,
          apologizedAt: true,
          madeRightAt: true,
          satisfiedAt: true,
          closedAt: true,
          escalationLevel: true,
          escalatedAt: true,
          escalationReason: true,
          reopenCount: true,
          steps: { select: { kind: true, status: true, doneAt: true, customerAnswer: true, remedyKind: true, remedyValue: true, skipReason: true } },
          rca: { select: { whatHappened: true, causes: true, whatChanges: true, authorId: true, createdAt: true } },
        },
      });
      for (const m of batch) {
        const step = (kind: string) => m.steps.find((s) => s.kind === kind);
        const ask = step('ask');
        const makeRight = step('make_right');
        rows++;
        yield [
          String(m.id),
          iso(m.createdAt),
          m.customer,
          m.account ?? '',
          m.customerLink ?? '',
          m.valueMinor !== null && m.valueCurrency ? majorUnits(m.valueMinor, m.valueCurrency) : '',
          m.valueMinor !== null ? (m.valueCurrency ?? '') : '',
          m.whatHappened,
          m.impact,
          m.severity,
          m.category,
          m.state,
          m.outcome ?? '',
          m.reporterId,
          m.ownerId ?? '',
          ...STEP_KINDS.flatMap((k) => [step(k)?.status ?? '', iso(step(k)?.doneAt)]),
          ask?.customerAnswer ?? '',
          makeRight?.remedyKind ?? '',
          makeRight?.remedyValue ?? '',
          m.steps
            .map((s) => s.skipReason)
            .filter(Boolean)
            .join('; '),
          iso(m.ownedAt),
          iso(m.apologizedAt),
          iso(m.madeRightAt),
          iso(m.satisfiedAt),
          iso(m.closedAt),
          String(m.escalationLevel),
          iso(m.escalatedAt),
          m.escalationReason ?? '',
          String(m.reopenCount),
          m.rca?.whatHappened ?? '',
          m.rca?.causes ?? '',
          m.rca?.whatChanges ?? '',
          m.rca?.authorId ?? '',
          iso(m.rca?.createdAt),
        ];
      }
      if (batch.length < EXPORT_BATCH) return;
      after = batch[batch.length - 1]!.id;
    }
  }
  await pipeline(Readable.from(batches()), stringify({ header: true, columns: [...EXPORT_COLUMNS], escape_formulas: true }), out);
  return rows;
}
