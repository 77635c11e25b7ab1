import type { KnownBlock } from '@slack/types';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../src/domain/durations';
import type { Severity, StepKind } from '../../src/domain/playbook';
import type { DigestData, DigestMistake, DigestOverduePrevention, DigestOverdueStep } from '../../src/services/digest';
import { renderDigest } from '../../src/slack/views/digest';
import { checkLimits } from '../support/limits';

const NOW = new Date('2024-03-05T08:00:00Z');
const TZ = 'Europe/Berlin';
const URL = 'https://acme.slack.com/';
const CHANNEL = 'C0ESCALATE';

let nextId = 1;
let nextTs = 1_709_000_000;

function mistake(customer: string, overrides: Partial<DigestMistake> = {}): DigestMistake {
  const id = nextId++;
  return {
    id,
    customer,
    account: null,
    customerLink: null,
    value: null,
    severity: 'medium',
    state: 'recovering',
    ownerId: 'U0ALICE',
    channelId: CHANNEL,
    threadTs: `${nextTs++}.000100`,
    createdAt: new Date(NOW.getTime() - 2 * DAY_MS),
    ...overrides,
  };
}

function overdueStep(customer: string, step: StepKind, overdueByMs: number, overrides: Partial<DigestMistake> = {}): DigestOverdueStep {
  return { ...mistake(customer, overrides), step, dueAt: new Date(NOW.getTime() - overdueByMs) };
}

function prevention(description: string, ownerId: string, overdueByMs: number, customer: string): DigestOverduePrevention {
  return {
    id: nextId++,
    description,
    ownerId,
    dueAt: new Date(NOW.getTime() - overdueByMs),
    mistake: mistake(customer, { state: 'preventing' }),
  };
}

function emptyData(overrides: Partial<DigestData> = {}): DigestData {
  return {
    teamId: 'T1',
    since: new Date(NOW.getTime() - DAY_MS),
    now: NOW,
    counts: { open: 0, overdue: 0, escalated: 0, awaitingRca: 0, closedThisWeek: 0 },
    overdue: [],
    overdueTotal: 0,
    waitingForApology: [],
    waitingForApologyTotal: 0,
    awaitingRca: [],
    overduePrevention: [],
    overduePreventionTotal: 0,
    repeats: [],
    winBack: [],
    winBackTotal: 0,
    cameBack: { cameBack: 0, lost: 0, notYet: 0, rate: null },
    figures: {
      apologized: 0,
      recovered: 0,
      notSatisfied: 0,
      medianToApologyMs: null,
      medianToSatisfiedMs: null,
      recoveryRate: null,
    },
    ...overrides,
  };
}

function seeded(): DigestData {
  const overdue = [
    overdueStep('Globex', 'apologize', 3 * HOUR_MS, { ownerId: 'U0BOB' }),
    overdueStep('Initech', 'make_right', 2 * DAY_MS, { ownerId: 'U0ALICE', severity: 'critical' }),
    overdueStep('Umbrella', 'ask', 30 * MINUTE_MS, { ownerId: 'U0ALICE' }),
    overdueStep('Hooli', 'own', 5 * HOUR_MS, { ownerId: null, threadTs: null }),
  ];
  const waiting = [
    mistake('Stark Industries', { createdAt: new Date(NOW.getTime() - 3 * DAY_MS), ownerId: 'U0BOB' }),
    // Ordered newest first on purpose: the digest puts the oldest at the top itself.
    mistake('Wayne Enterprises', { createdAt: new Date(NOW.getTime() - 120 * DAY_MS), ownerId: 'U0CAROL', state: 'escalated' }),
    mistake('Hooli', { createdAt: new Date(NOW.getTime() - 6 * HOUR_MS), ownerId: null, threadTs: null }),
  ];
  return emptyData({
    counts: { open: 9, overdue: 4, escalated: 1, awaitingRca: 1, closedThisWeek: 3 },
    overdue,
    overdueTotal: 4,
    waitingForApology: waiting,
    waitingForApologyTotal: 3,
    awaitingRca: [mistake('Soylent', { state: 'awaiting_rca', ownerId: 'U0DAVE' })],
    overduePrevention: [prevention('Add a second check before dispatch', 'U0ERIN', 2 * DAY_MS, 'Initrode')],
    overduePreventionTotal: 1,
    figures: {
      apologized: 3,
      recovered: 2,
      notSatisfied: 1,
      medianToApologyMs: 2 * HOUR_MS + 30 * MINUTE_MS,
      medianToSatisfiedMs: DAY_MS + 4 * HOUR_MS,
      recoveryRate: 2 / 3,
    },
  });
}

type Section = { type: 'section'; text?: { text: string }; fields?: { text: string }[] };

function sectionTexts(blocks: KnownBlock[]): string[] {
  return blocks.flatMap((b) => {
    if (b.type !== 'section') return [];
    const s = b as Section;
    return [s.text?.text ?? '', ...(s.fields ?? []).map((f) => f.text)];
  });
}

const allText = (blocks: KnownBlock[]) => sectionTexts(blocks).join('\n');

/** The section that holds a list, from its title to the next list's title. */
function listText(blocks: KnownBlock[], title: string): string {
  const text = allText(blocks);
  const start = text.indexOf(title);
  if (start < 0) return '';
  const next = text.slice(start + title.length).search(/\n\*:[a-z_]+: /);
  return next < 0 ? text.slice(start) : text.slice(start, start + title.length + next);
}

function expectWithinMessageLimits(message: { text: string; blocks: KnownBlock[] }): void {
  expect(checkLimits('message', message)).toEqual([]);
  expect(message.blocks.length).toBeLessThanOrEqual(50);
  expect(JSON.stringify(message.blocks).length).toBeLessThanOrEqual(12_000);
  for (const text of sectionTexts(message.blocks)) expect([...text].length).toBeLessThanOrEqual(3000);
}

describe('renderDigest', () => {
  it('shows a realistic day: header, counts, figures, overdue by owner, apologies owed, RCA, prevention', () => {
    const message = renderDigest(seeded(), { timeZone: TZ, workspaceUrl: URL });
    expectWithinMessageLimits(message);
    const [head] = message.blocks;
    expect(head).toEqual({ type: 'header', text: expect.objectContaining({ text: 'Daily recovery digest — Tue 5 Mar' }) });

    const text = allText(message.blocks);
    expect(text).toContain('*Open*\n9');
    expect(text).toContain('*Overdue*\n4');
    expect(text).toContain('*Escalated*\n1');
    expect(text).toContain('*Awaiting root-cause analysis*\n1');
    expect(text).toContain('*Recovered since the last digest*\n2');
    expect(text).toContain('*Closed this week*\n3');
    expect(text).toContain('median time to apology *2h 30m*');
    expect(text).toContain('median time to satisfied *1d 4h*');
    expect(text).toContain('recovery rate *67%*');
    // The same customers everywhere: 2 recovered in the field and in the figures.
    expect(text).toContain('*Since the last digest:* 3 customers apologized to · 2 recovered, 1 still not satisfied · recovery rate *67%*');
    expect(text).not.toContain('This digest is late');

    // Grouped by owner: the unowned one first, then owners by their most overdue step.
    const overdue = listText(message.blocks, 'Overdue, and whose it is');
    const lines = overdue.split('\n');
    expect(lines[1]).toBe('*No owner yet*');
    expect(lines[2]).toBe('• *Hooli* · Own it · overdue by 5h');
    expect(lines[3]).toBe('<@U0ALICE>');
    expect(lines[4]).toBe(
      `• *<${URL}archives/${CHANNEL}/p${overdueTs(message, 'Initech')}|Initech>* · :rotating_light: *Critical* · Make it right · overdue by 2d`,
    );
    expect(lines[5]).toMatch(/^• \*<https:\/\/acme\.slack\.com\/archives\/C0ESCALATE\/p\d+\|Umbrella>\* · Ask what they want · overdue by 30m$/);
    expect(lines[6]).toBe('<@U0BOB>');
    expect(lines[7]).toMatch(/Globex>\* · Apologize · overdue by 3h$/);
    expect(lines).toHaveLength(8);

    const waiting = listText(message.blocks, 'Still waiting for an apology')
      .split('\n')
      .filter((l) => l.startsWith('• '));
    expect(waiting).toHaveLength(3);
    expect(waiting[0]).toMatch(/Wayne Enterprises>\* · reported 120 days ago · owner <@U0CAROL>$/);
    expect(waiting[1]).toMatch(/Stark Industries>\* · reported 3 days ago · owner <@U0BOB>$/);
    expect(waiting[2]).toBe('• *Hooli* · reported 6h ago · _no owner yet_');

    expect(listText(message.blocks, ':mag: Awaiting root-cause analysis')).toMatch(/Soylent>\* · owner <@U0DAVE>/);
    expect(listText(message.blocks, 'Overdue prevention steps')).toMatch(
      /• <@U0ERIN>: Add a second check before dispatch · for \*<[^|]+\|Initrode>\* · due Sun 3 Mar, overdue by 2d/,
    );
    expect(text).not.toContain('more — see');
    expect(message.text).toBe('Daily recovery digest — Tue 5 Mar: 9 open, 4 overdue, 3 still waiting for an apology, 1 awaiting root-cause analysis');
  });

  it('links without the workspace address through app_redirect', () => {
    const message = renderDigest(seeded(), { timeZone: TZ });
    expect(allText(message.blocks)).toMatch(/<https:\/\/slack\.com\/app_redirect\?channel=C0ESCALATE&message_ts=\d+\.000100\|Globex>/);
  });

  it('says when it is late, and for which slot', () => {
    const slot = new Date('2024-03-04T08:00:00Z');
    const message = renderDigest(seeded(), { timeZone: TZ, late: { slot } });
    expectWithinMessageLimits(message);
    expect(message.blocks[0]).toEqual({ type: 'header', text: expect.objectContaining({ text: 'Daily recovery digest — Mon 4 Mar' }) });
    expect(sectionTexts(message.blocks)[0]).toBe(
      ':hourglass: *This digest is late.* It is the one for Mon 4 Mar 2024, 09:00 CET, missed while the bot was down; what it lists is as of now.',
    );
    expect(message.text).toMatch(/^Late daily recovery digest — Mon 4 Mar: /);
  });

  it('is a one-line all-clear on a quiet day', () => {
    const message = renderDigest(emptyData({ counts: { open: 0, overdue: 0, escalated: 0, awaitingRca: 0, closedThisWeek: 4 } }), {
      timeZone: TZ,
    });
    expectWithinMessageLimits(message);
    expect(message.blocks).toEqual([
      { type: 'section', text: { type: 'mrkdwn', text: ':white_check_mark: *All clear:* no customer is waiting on us today (Tue 5 Mar).' } },
    ]);
    expect(message.text).toBe('All clear: no customer is waiting on us today.');
  });

  it('keeps the figures on a quiet day when something was recovered', () => {
    const data = emptyData({
      counts: { open: 0, overdue: 0, escalated: 0, awaitingRca: 0, closedThisWeek: 0 },
      figures: { apologized: 1, recovered: 1, notSatisfied: 0, medianToApologyMs: 40 * MINUTE_MS, medianToSatisfiedMs: 3 * HOUR_MS, recoveryRate: 1 },
    });
    const message = renderDigest(data, { timeZone: TZ });
    expect(message.blocks).toHaveLength(1);
    expect(sectionTexts(message.blocks)[0]).toBe(
      ':white_check_mark: *All clear:* no customer is waiting on us today (Tue 5 Mar).\n' +
        '*Since the last digest:* 1 customer apologized to · 1 recovered, 0 still not satisfied · recovery rate *100%* · median time to apology *40m* · median time to satisfied *3h*',
    );
  });

  it('never says "since the last digest" on the first one', () => {
    const data = seeded();
    const text = allText(renderDigest(data, { timeZone: TZ, first: true }).blocks);
    expect(text).not.toMatch(/last digest/i);
    expect(text).toContain('*Recovered in the last 24 hours*\n2');
    expect(text).toContain('*In the last 24 hours:* 3 customers apologized to');
  });

  it('leaves the figures out when nothing happened since the last digest', () => {
    const data = seeded();
    data.figures = { apologized: 0, recovered: 0, notSatisfied: 0, medianToApologyMs: null, medianToSatisfiedMs: null, recoveryRate: null };
    const text = allText(renderDigest(data, { timeZone: TZ }).blocks);
    expect(text).not.toContain('Since the last digest');
    expect(text).not.toContain('null');
    expect(text).not.toContain('NaN');
  });

  it('says so when mistakes are open but nothing is overdue or owed an apology', () => {
    const message = renderDigest(emptyData({ counts: { open: 2, overdue: 0, escalated: 0, awaitingRca: 0, closedThisWeek: 0 } }), {
      timeZone: TZ,
    });
    expectWithinMessageLimits(message);
    expect(message.blocks.map((b) => b.type)).toEqual(['header', 'section', 'section']);
    expect(sectionTexts(message.blocks).at(-1)).toBe('Nothing is overdue, and every customer has had their apology.');
    expect(message.text).toBe('Daily recovery digest — Tue 5 Mar: 2 open, 0 overdue, 0 still waiting for an apology');
  });

  it('never lets what people typed ping or link', () => {
    const data = seeded();
    data.waitingForApology[0]!.customer = '<!channel> Acme & <@U0EVIL>';
    data.overduePrevention[0]!.description = 'Tell <!here> about <https://x.io|it>';
    const message = renderDigest(data, { timeZone: TZ, workspaceUrl: URL });
    const text = allText(message.blocks);
    expect(text).toContain('|&lt;!channel&gt; Acme &amp; &lt;@U0EVIL&gt;>*');
    expect(text).toContain('Tell &lt;!here&gt; about &lt;https://x.io|it&gt; · for');
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<!here>');
    expect(text).not.toContain('<@U0EVIL>');
    expect(message.text).not.toContain('<!channel>');
  });

  it('stays within a message’s limits with 500 open mistakes, and says how many more there are', () => {
    const owners = ['U0ALICE', 'U0BOB', 'U0CAROL', 'U0DAVE', 'U0ERIN'];
    const overdue: DigestOverdueStep[] = [];
    const waiting: DigestMistake[] = [];
    const late: DigestOverduePrevention[] = [];
    for (let i = 0; i < 500; i++) {
      const severity: Severity = i % 7 === 0 ? 'critical' : 'high';
      overdue.push(
        overdueStep(`Overdue customer ${i} with a fairly long trading name`, 'apologize', (i + 1) * HOUR_MS, { ownerId: owners[i % 5]!, severity }),
      );
      waiting.push(mistake(`Waiting customer ${i} with a fairly long trading name`, { createdAt: new Date(NOW.getTime() - (i + 1) * DAY_MS) }));
    }
    for (let i = 0; i < 200; i++) {
      late.push(
        prevention(
          `Prevention task ${i}: add a second pair of eyes before anything ships to a customer`,
          owners[i % 5]!,
          (i + 1) * DAY_MS,
          `Customer ${i}`,
        ),
      );
    }
    const data = emptyData({
      counts: { open: 1200, overdue: 500, escalated: 40, awaitingRca: 0, closedThisWeek: 9 },
      overdue,
      overdueTotal: 500,
      waitingForApology: waiting,
      waitingForApologyTotal: 500,
      overduePrevention: late,
      overduePreventionTotal: 200,
    });
    const message = renderDigest(data, { timeZone: TZ, workspaceUrl: URL });
    expectWithinMessageLimits(message);

    const text = allText(message.blocks);
    const shownOverdue = (text.match(/Overdue customer \d+ /g) ?? []).length;
    const shownWaiting = (text.match(/Waiting customer \d+ /g) ?? []).length;
    const shownPrevention = (text.match(/Prevention task \d+:/g) ?? []).length;
    // Every list gets its share: a flood of one never pushes another out.
    expect(shownOverdue).toBeGreaterThan(5);
    expect(shownWaiting).toBeGreaterThan(5);
    expect(shownPrevention).toBeGreaterThan(5);
    // Every owner is named even though the list is cut.
    for (const owner of owners) expect(listText(message.blocks, 'Overdue, and whose it is')).toContain(`<@${owner}>`);

    expect(listText(message.blocks, 'Overdue, and whose it is')).toMatch(new RegExp(`\\n… and ${500 - shownOverdue} more — see \`/mistake list\`$`));
    expect(listText(message.blocks, 'Still waiting for an apology')).toMatch(
      new RegExp(`\\n… and ${500 - shownWaiting} more — see \`/mistake list\`$`),
    );
    // The oldest are the ones shown.
    expect(text).toContain('Waiting customer 499 with');
    expect(text).not.toContain('Waiting customer 0 with');

    const last = sectionTexts(message.blocks).at(-1)!;
    expect(last.endsWith(`… and ${200 - shownPrevention} more — see \`/mistake list\``)).toBe(true);
  });

  it('counts the rows it was not given in "… and N more"', () => {
    const data = seeded();
    data.waitingForApologyTotal = 57;
    const waiting = listText(renderDigest(data, { timeZone: TZ }).blocks, 'Still waiting for an apology');
    expect(waiting).toMatch(/^Still waiting for an apology\* \(57\)\n/);
    expect(waiting).toMatch(/\n… and 54 more — see `\/mistake list`$/);
  });
});

function overdueTs(message: { blocks: KnownBlock[] }, customer: string): string {
  const match = allText(message.blocks).match(new RegExp(`/p(\\d+)\\|${customer}>`));
  return match?.[1] ?? 'missing';
}
