// The after-close check-in asked exactly once when two real `npm run job -- check-ins`
// processes run at the same moment against one SQLite database, as two replicas' passes (or an
// operator beside the schedule) would.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Actions } from '../../src/slack/ids';
import { freshSqlite, type TestDb } from '../support/db';
import { FakeSlack } from '../support/fakeSlack';
import { findAction, startHarness } from '../support/harness';
import { runNpm } from '../support/processes';
import { SIGNING_SECRET } from '../support/slackRequests';

jest.setTimeout(300_000);

const TEAM = 'T_ACME';
const NEVER = '0 0 1 1 *';

let fake: FakeSlack;
let t: TestDb;
let stateDir: string;

beforeEach(async () => {
  fake = await new FakeSlack().start();
  t = await freshSqlite();
  stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'mistakes-check-ins-'));
});

afterEach(async () => {
  await t.close();
  await fake.stop();
  fs.rmSync(stateDir, { recursive: true, force: true });
});

it('asks once when two processes run the check-in pass at the same time', async () => {
  // A customer satisfied long enough ago that the check-in is due now.
  const h = await startHarness({ t, fake });
  const m = h.bot.deps.mistakes;
  const ids: number[] = [];
  for (const customer of ['Harbor Bakery', 'Corner Shop']) {
    const { mistake } = await m.report(TEAM, 'UBOB', {
      customer,
      whatHappened: 'Wrong address on the delivery.',
      impact: 'No flour for the weekend market.',
      severity: 'high',
      category: 'delivery',
      ownerId: 'UBOB',
    });
    const ref = { teamId: TEAM, mistakeId: mistake.id };
    await m.completeStep(ref, 'UBOB', 'apologize');
    await m.completeStep(ref, 'UBOB', 'ask', { customerAnswer: 'The flour by Friday.' });
    await m.completeStep(ref, 'UBOB', 'make_right', { remedyKind: 'refund', remedyValue: 'Delivery fee back' });
    await m.markSatisfied(ref, 'UBOB');
    ids.push(mistake.id);
  }
  await h.deliver();
  await h.close();
  await t.db.mistake.updateMany({ where: { id: { in: ids } }, data: { checkInDueAt: new Date(Date.now() - 60_000) } });

  const env = {
    SLACK_BOT_TOKEN: 'xoxb-check-in-test',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_APP_TOKEN: '',
    SLACK_API_URL: fake.url,
    DATABASE_URL: t.url,
    STATE_DIR: stateDir,
    ESCALATION_CHANNEL_ID: 'CESCALATIONS',
    DIGEST_CHANNEL_ID: 'CDIGEST0001',
    ESCALATION_CONTACT: '',
    ADMIN_USER_IDS: '',
    TIMEZONE: 'UTC',
    DIGEST_CRON: NEVER,
    REMINDER_CRON: NEVER,
    ESCALATION_CRON: NEVER,
    OFFICE_HOURS: '00:00-24:00',
    OFFICE_DAYS: 'mon-sun',
    CHECK_IN_AFTER: '30d',
    LOG_LEVEL: 'warn',
  };
  // Built once first, so the two runs only race on the pass itself.
  expect((await runNpm(['run', 'build', '--silent'], env)).code).toBe(0);
  const runs = await Promise.all([
    runNpm(['run', 'job', '--silent', '--', 'check-ins'], env),
    runNpm(['run', 'job', '--silent', '--', 'check-ins'], env),
  ]);
  for (const run of runs) {
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/^Check-ins: /);
  }
  const said = runs.map((r) => r.stdout).join('\n');
  const asked = [...said.matchAll(/Check-ins: (\d+) owners? asked/g)].reduce((n, m) => n + Number(m[1]), 0);
  expect(asked).toBe(2);

  const dms = fake.called('chat.postMessage').filter((c) => c.args.channel === 'UBOB' && findAction(c.args.blocks, Actions.checkInCameBack));
  expect(dms).toHaveLength(2);
  expect(new Set(dms.map((d) => JSON.parse(findAction(d.args.blocks, Actions.checkInCameBack).value).m))).toEqual(new Set(ids));
  expect(await t.db.timelineEvent.count({ where: { kind: 'check_in_asked' } })).toBe(2);
  expect(await t.db.mistake.count({ where: { id: { in: ids }, checkInsSent: 1, checkInDueAt: null } })).toBe(2);
});
