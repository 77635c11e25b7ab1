// Data for the benchmark.
//  - seedClickMistakes: mistakes reported through the real service (so every click on them is
//    valid), then marked as delivered the way the delivery worker would have left them.
//  - seedDigestWorkspace: a workspace's whole history (1k–100k mistakes) written with raw SQL in
//    big transactions, shaped as the service writes it: five recovery steps per mistake in
//    playbook order, timeline events, escalations, root-cause analyses, prevention steps.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Db } from '../src/db/client';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../src/domain/durations';
import { STEP_KINDS, type Severity, type StepKind } from '../src/domain/playbook';
import { systemClock } from '../src/services/clock';
import { MistakeService } from '../src/services/mistakes';
import { SettingsService, type WorkspaceDefaults } from '../src/services/settings';

export const CLICK_TEAM = 'T_ACME';

export const BENCH_DEFAULTS: WorkspaceDefaults = {
  escalationChannelId: 'CESCALATIONS',
  digestChannelId: 'CDIGEST0001',
  timezone: 'Europe/Berlin',
  sla: { stepMs: { critical: 30 * MINUTE_MS, high: 4 * HOUR_MS, medium: DAY_MS, low: 3 * DAY_MS } },
  reminderIntervalMs: 4 * HOUR_MS,
  escalateAfterMs: DAY_MS,
  reminderCap: 3,
  officeHours: { startMinute: 540, endMinute: 1080, days: [1, 2, 3, 4, 5] },
  adminUserIds: [],
};

/** A team of `n` people with Slack-shaped user ids. */
export function people(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `U0BENCH${String(i + 1).padStart(3, '0')}`);
}

export interface ClickMistake {
  id: number;
  ownerId: string;
  threadTs: string;
  version: number;
}

/**
 * Reports `count` mistakes with the service, each owned by its reporter (so its next step is
 * Apologize), then sets each card's thread ts and marks the queued posts as sent: the state the
 * delivery worker leaves behind, without making the benchmark wait for tens of thousands of posts.
 * Bounded by `maxMs`: fewer are returned if the time runs out.
 */
export async function seedClickMistakes(db: Db, count: number, maxMs: number): Promise<ClickMistake[]> {
  const settings = new SettingsService(db, BENCH_DEFAULTS, 60_000, systemClock);
  const service = new MistakeService(db, settings, systemClock);
  const owners = people(40);
  const deadline = Date.now() + maxMs;
  const severities: Severity[] = ['low', 'medium', 'medium', 'high', 'critical'];
  const seeded: Array<{ id: number; ownerId: string }> = [];
  let next = 0;
  // Four at a time: PostgreSQL runs them side by side; SQLite takes its transactions in turn.
  const worker = async () => {
    while (next < count && Date.now() < deadline) {
      const i = next++;
      const ownerId = owners[i % owners.length]!;
      const { mistake } = await service.report(CLICK_TEAM, ownerId, {
        customer: `Customer ${i + 1}`,
        whatHappened: 'Their order was shipped to the old address although they had updated it last week.',
        impact: 'They waited four extra days and had to call us twice.',
        severity: severities[i % severities.length],
        category: 'delivery',
        ownerId,
      });
      seeded.push({ id: mistake.id, ownerId });
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  seeded.sort((a, b) => a.id - b.id);
  await db.$executeRawUnsafe(`UPDATE "Mistake" SET "threadTs" = '1700000000.' || "id" WHERE "threadTs" IS NULL`);
  await db.delivery.updateMany({ where: { status: 'pending' }, data: { status: 'sent', sentAt: new Date() } });
  const result: ClickMistake[] = [];
  // In slices: Prisma does not split a long `in` list, and SQLite caps bound parameters.
  for (let i = 0; i < seeded.length; i += 500) {
    const rows = await db.mistake.findMany({
      where: { id: { in: seeded.slice(i, i + 500).map((s) => s.id) } },
      select: { id: true, ownerId: true, threadTs: true, version: true },
      orderBy: { id: 'asc' },
    });
    result.push(...rows.map((r) => ({ id: r.id, ownerId: r.ownerId!, threadTs: r.threadTs!, version: r.version })));
  }
  return result;
}

// ---------------------------------------------------------------------------------------------

/** Small deterministic PRNG (mulberry32), so every run seeds the same workspace. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** DateTime as Prisma's SQLite adapter writes it. */
const iso = (ms: number): string => new Date(ms).toISOString().replace('Z', '+00:00');

const SLA_MS: Record<Severity, number> = BENCH_DEFAULTS.sla.stepMs;
const CUSTOMERS = [
  'Harbor Bakery',
  'Globex',
  'Initech',
  'Umbrella Travel',
  'Stark Florists',
  'Wayne Hardware',
  'Hooli Books',
  'Soylent Foods',
  'Acme Pets',
  'Vandelay Imports',
];
const CATEGORIES = ['order', 'billing', 'delivery', 'quality', 'communication', 'service', 'technical', 'other'];
const REMEDIES = ['credit', 'refund', 'replacement', 'free_item', 'expedite', 'discount'];

export interface DigestWorkspace {
  teamId: string;
  now: Date;
  since: Date;
  /** What was written, for the report. */
  rows: { mistakes: number; steps: number; events: number; prevention: number; rca: number; escalations: number };
  shape: {
    open: number;
    overdueMistakes: number;
    neverApologized: number;
    awaitingRca: number;
    preventing: number;
    overduePrevention: number;
    eventsSinceLastDigest: number;
  };
}

type OpenState = 'reported' | 'recovering' | 'escalated' | 'awaiting_rca' | 'preventing';

/**
 * Writes a workspace with `n` mistakes, 10% of them open, into the SQLite file (already migrated).
 * Mistakes were reported over the last two years; most open ones are recent, some are months old
 * and still owe the customer an apology. "Since the last digest" is the last 24 hours.
 */
export function seedDigestWorkspace(file: string, n: number, nowMs: number): DigestWorkspace {
  // The workspace the fake Slack's token is installed in, so the bot itself can serve it (f.).
  const teamId = 'T_ACME';
  const rand = prng(n);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const users = people(60);
  const span = 730 * DAY_MS;
  const since = nowMs - DAY_MS;

  // Which mistakes are open: 70% among the newest 15%, 30% spread over the older ones.
  const openCount = Math.round(n / 10);
  const recentFrom = Math.floor(n * 0.85);
  const open = new Set<number>();
  const choose = (from: number, to: number, k: number) => {
    for (let guard = 0; open.size < k && guard < k * 50; guard++) open.add(from + Math.floor(rand() * (to - from)));
  };
  choose(recentFrom + 1, n + 1, Math.round(openCount * 0.7));
  choose(1, recentFrom + 1, openCount);

  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = OFF');
  sqlite.pragma('foreign_keys = OFF');
  const insertMistake = sqlite.prepare(
    `INSERT INTO "Mistake" ("id","teamId","customer","whatHappened","impact","severity","category","reporterId","ownerId","state","version","channelId","threadTs","submissionKey","escalationLevel","escalatedAt","escalationReason","outcome","apologizedAt","satisfiedAt","closedAt","createdAt","updatedAt") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
  );
  const insertStep = sqlite.prepare(
    `INSERT INTO "RecoveryStep" ("teamId","mistakeId","kind","position","status","dueAt","doneById","doneAt","skipReason","customerAnswer","remedyKind","remedyValue","note","snoozedUntil","lastRemindedAt","reminderCount") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
  );
  const insertEvent = sqlite.prepare(`INSERT INTO "TimelineEvent" ("teamId","mistakeId","actorId","kind","details","at") VALUES (?,?,?,?,?,?)`);
  const insertRca = sqlite.prepare(
    `INSERT INTO "RootCauseAnalysis" ("teamId","mistakeId","whatHappened","causes","whatChanges","authorId","createdAt") VALUES (?,?,?,?,?,?,?)`,
  );
  const insertPrevention = sqlite.prepare(
    `INSERT INTO "PreventionAction" ("teamId","mistakeId","description","ownerId","dueAt","status","doneById","doneAt","snoozedUntil","lastRemindedAt","reminderCount","createdAt") VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`,
  );
  const insertEscalation = sqlite.prepare(`INSERT INTO "Escalation" ("teamId","mistakeId","key","level","reason","at") VALUES (?,?,?,?,?,?)`);

  const rows = { mistakes: 0, steps: 0, events: 0, prevention: 0, rca: 0, escalations: 0 };
  const shape = { open: 0, overdueMistakes: 0, neverApologized: 0, awaitingRca: 0, preventing: 0, overduePrevention: 0, eventsSinceLastDigest: 0 };

  const writeOne = (id: number) => {
    const isOpen = open.has(id);
    const severity: Severity = ((r) => (r < 0.25 ? 'low' : r < 0.7 ? 'medium' : r < 0.95 ? 'high' : 'critical'))(rand());
    const sla = SLA_MS[severity];
    // Reported over the last two years, in id order; open old ones were reported long ago.
    let createdAt = nowMs - span + Math.floor((span * (id - 1)) / n) + Math.floor(rand() * HOUR_MS);
    createdAt = Math.min(createdAt, nowMs - 5 * MINUTE_MS);
    const reporterId = pick(users);
    const ownedAtReport = rand() < 0.7;
    const ownerId = ownedAtReport ? reporterId : pick(users);

    let state: OpenState | 'closed' = 'closed';
    if (isOpen) {
      const r = rand();
      state = r < 0.1 ? 'reported' : r < 0.55 ? 'recovering' : r < 0.65 ? 'escalated' : r < 0.8 ? 'awaiting_rca' : 'preventing';
      if (state === 'reported' && ownedAtReport) state = 'recovering';
    }
    // The current step (index into STEP_KINDS); 5 = all recovery steps done.
    let current = 5;
    if (state === 'reported') current = 0;
    if (state === 'recovering' || state === 'escalated') {
      const old = id <= recentFrom;
      const r = rand();
      // Months-old open mistakes are mostly the forgotten ones: never apologized.
      current = old && r < 0.7 ? 1 : r < 0.4 ? 1 : r < 0.65 ? 2 : r < 0.85 ? 3 : 4;
    }

    // When each step was done: a fraction of its SLA after the previous one. Compressed to fit
    // before now (a mistake reported an hour ago cannot have been closed a day later).
    const offsets: number[] = [];
    let t = 0;
    for (let k = 0; k < 5; k++) {
      t += k === 0 && ownedAtReport ? 0 : Math.floor(sla * (0.1 + rand() * 1.3));
      offsets.push(t);
    }
    const afterRecovery = DAY_MS * (1 + rand() * 6);
    const preventionSpan = DAY_MS * (3 + rand() * 20);
    const total = state === 'closed' ? t + afterRecovery + preventionSpan : state === 'preventing' ? t + afterRecovery : t;
    const room = nowMs - createdAt - MINUTE_MS;
    const scale = total > room ? room / total : 1;
    const at = (offset: number) => createdAt + Math.floor(offset * scale);
    const doneAt = offsets.map((o) => at(o));
    const rcaAt = at(t + afterRecovery);
    const closedAt = at(total);

    const apologized = current > 1;
    const satisfied = current === 5;
    const notSatisfiedOnce = satisfied && rand() < 0.05;
    const escalations: Array<{ key: string; reason: string; at: number }> = [];
    if (state === 'escalated') {
      escalations.push({
        key: `overdue:${STEP_KINDS[current]}`,
        reason: 'overdue',
        at: Math.min(nowMs - MINUTE_MS, at(offsets[current - 1] ?? 0) + 2 * sla),
      });
    }
    if (notSatisfiedOnce) escalations.push({ key: 'not_satisfied:1', reason: 'not_satisfied', at: doneAt[4]! - 1 });

    let lastActivity = createdAt;
    const events: Array<[string | null, string, string, number]> = [];
    const event = (actor: string | null, kind: string, details: Record<string, unknown>, when: number) => {
      events.push([actor, kind, JSON.stringify(details), when]);
      lastActivity = Math.max(lastActivity, when);
    };
    event(reporterId, 'reported', { ownerId, severity, ownedAtReport }, createdAt);

    // Steps, in playbook order: done before the current one, pending from it on.
    let previousDone = createdAt;
    let overdue = false;
    STEP_KINDS.forEach((kind: StepKind, position) => {
      const done = position < current;
      let status = done ? 'done' : 'pending';
      let skipReason: string | null = null;
      let customerAnswer: string | null = null;
      let remedyKind: string | null = null;
      let remedyValue: string | null = null;
      let note: string | null = null;
      if (done && kind === 'make_right' && rand() < 0.05) {
        status = 'skipped';
        skipReason = 'The customer asked for nothing more than the apology.';
      }
      if (done && kind === 'ask') customerAnswer = 'Please deliver it by Friday and waive the shipping fee.';
      if (done && kind === 'make_right' && status === 'done') {
        remedyKind = pick(REMEDIES);
        remedyValue = 'Shipping fee refunded and the order expedited';
      }
      if (done && kind === 'confirm_satisfied' && rand() < 0.3) note = 'They thanked us for the quick fix.';
      const doneTime = done ? doneAt[position]! : null;
      // Pending steps fall due one SLA after another, counted from the last step done.
      const dueAt = done ? doneTime! : previousDone + (position - current + 1) * sla;
      if (done) previousDone = doneTime!;
      if (!done && dueAt < nowMs) overdue = true;
      const overdueNow = !done && dueAt < nowMs;
      insertStep.run(
        teamId,
        id,
        kind,
        position,
        status,
        iso(dueAt),
        done ? ownerId : null,
        doneTime === null ? null : iso(doneTime),
        skipReason,
        customerAnswer,
        remedyKind,
        remedyValue,
        note,
        !done && rand() < 0.05 ? iso(nowMs + 2 * HOUR_MS) : null,
        overdueNow ? iso(nowMs - Math.floor(rand() * 4 * HOUR_MS)) : null,
        overdueNow ? 1 + Math.floor(rand() * 3) : 0,
      );
      rows.steps++;
      if (done) {
        if (kind === 'own') {
          if (!ownedAtReport) event(ownerId, 'owned', { step: 'own' }, doneTime!);
        } else if (kind === 'confirm_satisfied') {
          if (notSatisfiedOnce) event(ownerId, 'not_satisfied', { comment: 'The replacement arrived damaged too.' }, doneTime! - 2);
          event(ownerId, 'satisfied', note ? { comment: note } : {}, doneTime!);
        } else if (status === 'skipped') {
          event(ownerId, 'step_skipped', { step: kind, reason: skipReason }, doneTime!);
        } else {
          const details: Record<string, unknown> = { step: kind };
          if (customerAnswer) details.customerAnswer = customerAnswer;
          if (remedyKind) Object.assign(details, { remedyKind, remedyValue });
          event(ownerId, 'step_done', details, doneTime!);
        }
      }
    });
    for (const [level, e] of escalations.entries()) {
      insertEscalation.run(teamId, id, e.key, level + 1, e.reason, iso(e.at));
      rows.escalations++;
      event(null, 'escalated', { level: level + 1, reason: e.reason, key: e.key }, e.at);
    }

    if (state === 'preventing' || state === 'closed') {
      insertRca.run(
        teamId,
        id,
        'The address change was saved in the CRM but the warehouse export still read the old field.',
        'Two address fields exist and the export job was never moved to the new one.',
        'One address field, and the export reads it; a check compares both until the old one is dropped.',
        ownerId,
        iso(rcaAt),
      );
      rows.rca++;
      const actions = 1 + Math.floor(rand() * 3);
      event(ownerId, 'rca_submitted', { preventionCount: actions }, rcaAt);
      let stillOpen = 0;
      for (let a = 0; a < actions; a++) {
        const actionOwner = pick(users);
        const isDone = state === 'closed' || (a < actions - 1 && rand() < 0.5);
        // Open ones: some already past their due date.
        const dueAt = isDone
          ? rcaAt + (7 + Math.floor(rand() * 14)) * DAY_MS
          : rand() < 0.4
            ? nowMs - Math.floor(rand() * 10 * DAY_MS) - HOUR_MS
            : nowMs + Math.floor(rand() * 14 * DAY_MS) + HOUR_MS;
        const doneTime = isDone ? Math.min(closedAt, rcaAt + Math.floor(rand() * (closedAt - rcaAt + 1))) : null;
        insertPrevention.run(
          teamId,
          id,
          `Prevention step ${a + 1}: move the export to the new address field`,
          actionOwner,
          iso(dueAt),
          isDone ? 'done' : 'open',
          isDone ? actionOwner : null,
          doneTime === null ? null : iso(doneTime),
          null,
          null,
          0,
          iso(rcaAt),
        );
        rows.prevention++;
        if (isDone) event(actionOwner, 'prevention_done', { preventionId: rows.prevention, description: 'Prevention step' }, doneTime!);
        else {
          stillOpen++;
          if (dueAt < nowMs) shape.overduePrevention++;
        }
      }
      if (state === 'preventing' && stillOpen === 0) throw new Error('a preventing mistake needs an open prevention step');
      if (state === 'closed') event(ownerId, 'closed', {}, closedAt);
    }

    insertMistake.run(
      id,
      teamId,
      `${pick(CUSTOMERS)} #${id}`,
      'Their order was shipped to the old address although they had updated it the week before.',
      'They waited four extra days for stock they needed for a weekend market.',
      severity,
      pick(CATEGORIES),
      reporterId,
      ownerId,
      state,
      1 + events.length - 1,
      'CESCALATIONS',
      `1690000000.${String(id).padStart(6, '0')}`,
      `V${id}`,
      escalations.length,
      escalations.length ? iso(escalations[escalations.length - 1]!.at) : null,
      escalations.length ? 'Overdue' : null,
      satisfied ? 'recovered' : null,
      apologized ? iso(doneAt[1]!) : null,
      satisfied ? iso(doneAt[4]!) : null,
      state === 'closed' ? iso(closedAt) : null,
      iso(createdAt),
      iso(lastActivity),
    );
    rows.mistakes++;
    for (const [actor, kind, details, when] of events) {
      insertEvent.run(teamId, id, actor, kind, details, iso(when));
      rows.events++;
      if (when > since && ['step_done', 'satisfied', 'not_satisfied'].includes(kind)) shape.eventsSinceLastDigest++;
    }
    if (isOpen) shape.open++;
    if (overdue && (state === 'reported' || state === 'recovering' || state === 'escalated')) shape.overdueMistakes++;
    if (!apologized && (state === 'reported' || state === 'recovering' || state === 'escalated')) shape.neverApologized++;
    if (state === 'awaiting_rca') shape.awaitingRca++;
    if (state === 'preventing') shape.preventing++;
  };

  // Big transactions: all of a workspace in chunks of 10k mistakes.
  sqlite
    .prepare(
      `INSERT INTO "WorkspaceSettings" ("teamId","escalationChannelId","digestChannelId","timezone","createdAt","updatedAt") VALUES (?,?,?,?,?,?)`,
    )
    .run(teamId, 'CESCALATIONS', 'CDIGEST0001', 'Europe/Berlin', iso(nowMs - span - DAY_MS), iso(nowMs));
  const chunk = sqlite.transaction((from: number, to: number) => {
    for (let id = from; id <= to; id++) writeOne(id);
  });
  for (let from = 1; from <= n; from += 10_000) chunk(from, Math.min(n, from + 9_999));
  // What the service keeps on each mistake for insights, as the insights migration fills it in.
  sqlite.exec(`UPDATE "Mistake" SET
    "ownedAt" = (SELECT s."doneAt" FROM "RecoveryStep" s WHERE s."mistakeId" = "Mistake"."id" AND s."kind" = 'own' AND s."status" = 'done'),
    "madeRightAt" = (SELECT s."doneAt" FROM "RecoveryStep" s WHERE s."mistakeId" = "Mistake"."id" AND s."kind" = 'make_right' AND s."status" = 'done'),
    "reopenCount" = (SELECT COUNT(*) FROM "TimelineEvent" e WHERE e."mistakeId" = "Mistake"."id" AND e."kind" = 'reopened')`);
  // App Home's stored ranking and each customer's latest answer, as their migrations fill them in.
  const migrations = path.join(process.cwd(), 'prisma', 'migrations');
  for (const suffix of ['_ranking_columns', '_stats_columns']) {
    const name = fs.readdirSync(migrations).find((n) => n.endsWith(suffix))!;
    const migration = fs.readFileSync(path.join(migrations, name, 'migration.sql'), 'utf8');
    sqlite.exec(migration.slice(migration.indexOf('-- Backfill')));
  }
  sqlite.pragma('wal_checkpoint(TRUNCATE)');
  sqlite.close();
  return { teamId, now: new Date(nowMs), since: new Date(since), rows, shape };
}
