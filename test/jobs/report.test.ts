// What `npm run job` prints, sentence by sentence.
import type { DigestOutcome, InsightsOutcome } from '../../src/jobs';
import {
  describeCheckIns,
  describeDeliveries,
  describeDigest,
  describeEscalations,
  describeInsights,
  describeReminders,
} from '../../src/jobs/report';

const now = new Date('2026-11-24T07:48:00Z');
const base: DigestOutcome = {
  teamId: 'T_ACME',
  slot: 'digest:2026-11-24',
  status: 'queued',
  next: new Date('2026-11-25T08:00:00Z'),
  timeZone: 'Europe/Berlin',
  channel: 'CDIGEST0001',
};
const ctx = { now, workspaceUrl: 'https://acme.slack.com/' };
const sent = { status: 'sent', channel: 'CDIGEST0001', ts: '1764000000.000100', postedAt: new Date('2026-11-24T07:48:01Z'), lastError: null };

describe('the digest, in words', () => {
  it("says where today's digest went and when the next one goes", () => {
    expect(describeDigest(base, sent, ctx)).toEqual([
      "Today's digest (Tue 24 Nov) was posted at Tue 24 Nov 2026, 08:48 CET in CDIGEST0001: https://acme.slack.com/archives/CDIGEST0001/p1764000000000100.",
      "It counts as today's digest: the schedule will not post another today.",
      'The next scheduled digest goes out Wed 25 Nov 2026, 09:00 CET (in 1d).',
    ]);
  });

  it('says it is waiting for Slack, or what Slack refused and what to do', () => {
    const waiting = { ...sent, status: 'pending', ts: null, postedAt: null, lastError: 'HTTP 503' };
    expect(describeDigest(base, waiting, ctx)[0]).toBe(
      "Today's digest (Tue 24 Nov) is queued and waiting for Slack (last error: HTTP 503) in CDIGEST0001; the bot keeps trying.",
    );
    const refused = { ...waiting, status: 'failed', lastError: 'not_in_channel' };
    expect(describeDigest(base, refused, ctx)[0]).toBe(
      "Today's digest (Tue 24 Nov) was refused by Slack (not_in_channel) in CDIGEST0001: fix that (usually: invite the bot to the channel) and it is posted on its own within 15 minutes.",
    );
  });

  it('when it already went out, says when and where, that nothing was posted, and how to post a copy', () => {
    const already: DigestOutcome = {
      ...base,
      status: 'already-sent',
      existing: { claimedAt: new Date('2026-11-24T08:00:00Z'), completed: true, delivery: { ...sent, postedAt: new Date('2026-11-24T08:00:02Z') } },
    };
    expect(describeDigest(already, null, { ...ctx, now: new Date('2026-11-24T10:00:00Z') })).toEqual([
      "Today's digest (Tue 24 Nov) was posted at Tue 24 Nov 2026, 09:00 CET in CDIGEST0001: https://acme.slack.com/archives/CDIGEST0001/p1764000000000100. Nothing was posted.",
      'To post an extra copy anyway: npm run job -- digest --again',
      'The next scheduled digest goes out Wed 25 Nov 2026, 09:00 CET (in 22h).',
    ]);
  });

  it('marks an extra copy, a late digest and a missing channel', () => {
    expect(describeDigest({ ...base, extra: true }, sent, ctx)[0]).toMatch(
      /^An extra copy of today's digest \(Tue 24 Nov\), marked as one, was posted at/,
    );
    expect(describeDigest({ ...base, extra: true }, sent, ctx)).toHaveLength(2);
    expect(describeDigest({ ...base, late: true }, sent, ctx)[0]).toMatch(
      /^Today's digest \(Tue 24 Nov\), late \(the bot was down at its time\), was posted/,
    );
    expect(describeDigest({ ...base, status: 'no-channel' }, null, ctx)[0]).toBe(
      'No digest was posted: there is no digest channel. Set DIGEST_CHANNEL_ID (or ESCALATION_CHANNEL_ID).',
    );
  });

  it('names the workspace when there are several, and says when the schedule has nothing ahead', () => {
    const lines = describeDigest({ ...base, next: null }, sent, { ...ctx, multipleTeams: true });
    expect(lines[0]).toMatch(/^Today's digest for workspace T_ACME \(Tue 24 Nov\)/);
    expect(lines.at(-1)).toBe('The digest schedule has no run ahead (check DIGEST_CRON).');
  });
});

describe('the other passes, in words', () => {
  it('reminders', () => {
    expect(describeReminders({ owners: 0, items: 0, waitingForOfficeHours: 0 })).toBe('Reminders: nothing is due for a reminder.');
    expect(describeReminders({ owners: 1, items: 1, waitingForOfficeHours: 0 })).toBe('Reminders: 1 item reminded to 1 owner.');
    expect(describeReminders({ owners: 2, items: 5, waitingForOfficeHours: 3 })).toBe(
      'Reminders: 5 items reminded to 2 owners; 3 waiting for office hours.',
    );
    expect(describeReminders({ owners: 0, items: 0, waitingForOfficeHours: 2 })).toBe('Reminders: no reminder sent; 2 waiting for office hours.');
  });

  it('escalations', () => {
    expect(describeEscalations({ escalated: 0 })).toBe('Escalations: nothing needed escalating.');
    expect(describeEscalations({ escalated: 1 })).toBe('Escalations: 1 escalation posted.');
    expect(describeEscalations({ escalated: 3 })).toBe('Escalations: 3 escalations posted.');
  });

  it('check-ins', () => {
    expect(describeCheckIns({ asked: 0, waitingForOfficeHours: 0 })).toBe('Check-ins: no customer is due for a check-in.');
    expect(describeCheckIns({ asked: 1, waitingForOfficeHours: 0 })).toBe('Check-ins: 1 owner asked whether their customer came back.');
    expect(describeCheckIns({ asked: 2, waitingForOfficeHours: 1 })).toBe(
      'Check-ins: 2 owners asked whether their customer came back; 1 waiting for office hours.',
    );
    expect(describeCheckIns({ asked: 0, waitingForOfficeHours: 3 })).toBe('Check-ins: no owner asked; 3 waiting for office hours.');
  });

  it('deliveries', () => {
    expect(describeDeliveries({ sent: 4, retried: 0, failed: 0, deferred: 0 }, { pending: 0, failed: 0 })).toBe(
      'Deliveries: 4 sent. Nothing is waiting.',
    );
    expect(describeDeliveries({ sent: 1, retried: 2, failed: 1, deferred: 0 }, { pending: 2, failed: 1 })).toBe(
      'Deliveries: 1 sent, 2 to retry (Slack did not take them yet), 1 refused by Slack. 2 still waiting; 1 need a person (see /healthz and the error log).',
    );
  });
});

describe('the insights post, in words', () => {
  it("when this week's post already went out, says so and that nothing was posted", () => {
    const already: InsightsOutcome = {
      teamId: 'T_ACME',
      slot: 'insights:2026-11-23',
      status: 'already-sent',
      claimedAt: new Date('2026-11-23T08:00:00Z'),
      next: new Date('2026-11-30T08:00:00Z'),
      timeZone: 'Europe/Berlin',
    };
    expect(describeInsights(already, null, ctx)[0]).toBe(
      "This week's insights post (week of 2026-11-23) already went out, or is on its way (started at Mon 23 Nov 2026, 09:00 CET). Nothing was posted.",
    );
  });
});
