import type { KnownBlock } from '@slack/types';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../src/domain/durations';
import type { ReminderItem } from '../../src/services/reminderTypes';
import { Actions, decodeValue } from '../../src/slack/ids';
import { renderReminder, SNOOZE_OPTIONS } from '../../src/slack/views/reminders';
import { checkLimits } from '../support/limits';

const NOW = new Date('2024-03-05T10:00:00Z');
const CTX = { now: NOW, timeZone: 'Europe/Berlin', workspaceUrl: 'https://acme.slack.com/' };
const OWNER = 'U0ALICE';

function step(overrides: Partial<ReminderItem> = {}): ReminderItem {
  return {
    kind: 'step',
    mistakeId: 7,
    mistakeVersion: 3,
    customer: 'Globex',
    severity: 'medium',
    label: 'Apologize',
    step: 'apologize',
    dueAt: new Date(NOW.getTime() - 2 * HOUR_MS),
    channelId: 'C0ESCALATE',
    threadTs: '1709000000.000100',
    reminderCount: 0,
    ...overrides,
  };
}

function preventionItem(overrides: Partial<ReminderItem> = {}): ReminderItem {
  return step({
    kind: 'prevention',
    mistakeId: 9,
    mistakeVersion: 12,
    customer: 'Initech',
    label: 'Add a second check before dispatch',
    step: undefined,
    preventionId: 41,
    dueAt: new Date(NOW.getTime() - 3 * DAY_MS),
    ...overrides,
  });
}

interface Element {
  type: string;
  action_id?: string;
  value?: string;
  text?: { text: string };
  options?: { text: { type: string; text: string }; value: string }[];
}

const sections = (blocks: KnownBlock[]) => blocks.filter((b) => b.type === 'section').map((b) => (b as { text: { text: string } }).text.text);
const actionRows = (blocks: KnownBlock[]) =>
  blocks.filter((b) => b.type === 'actions').map((b) => (b as unknown as { elements: Element[] }).elements);

/**
 * The shared checker does not know overflow menus yet, so those are checked here against
 * Slack's overflow limits (2–5 options, 75-character labels, 150-character values).
 */
function limitProblems(message: { text: string; blocks: KnownBlock[] }): string[] {
  const problems = checkLimits('message', message).filter((p) => !p.endsWith('unexpected element type "overflow"'));
  for (const row of actionRows(message.blocks)) {
    for (const e of row.filter((x) => x.type === 'overflow')) {
      const options = e.options ?? [];
      if (options.length < 2 || options.length > 5) problems.push(`overflow: ${options.length} options`);
      for (const o of options) {
        if (o.text.type !== 'plain_text' || [...o.text.text].length > 75) problems.push(`overflow option text: ${o.text.text}`);
        if (o.value.length > 150) problems.push(`overflow option value: ${o.value}`);
      }
    }
  }
  return problems;
}

describe('renderReminder', () => {
  it('groups every overdue item of one owner into one message, most urgent first', () => {
    const items = [
      step(),
      preventionItem(),
      step({
        mistakeId: 8,
        customer: 'Initrode',
        severity: 'critical',
        label: 'Own it',
        step: 'own',
        dueAt: new Date(NOW.getTime() - 10 * MINUTE_MS),
        reminderCount: 2,
      }),
      step({
        mistakeId: 10,
        customer: 'Umbrella',
        label: 'Customer satisfied',
        step: 'confirm_satisfied',
        dueAt: new Date(NOW.getTime() - DAY_MS),
        threadTs: null,
      }),
    ];
    const message = renderReminder(OWNER, items, CTX);
    expect(limitProblems(message)).toEqual([]);

    const texts = sections(message.blocks);
    expect(texts[0]).toBe(
      "Hi <@U0ALICE>. A few customers are waiting on you, and a prevention step you committed to is overdue. Here is what is overdue, most urgent first: do it now, or snooze it if you can't yet.",
    );
    expect(texts.slice(1)).toEqual([
      ':rotating_light: *Critical* · *<https://acme.slack.com/archives/C0ESCALATE/p1709000000000100|Initrode>*\n*Own it* · *overdue by 10m* · reminded 2 times before',
      '*Prevention step:* Add a second check before dispatch\nFor *<https://acme.slack.com/archives/C0ESCALATE/p1709000000000100|Initech>* · Medium · *overdue by 3d*',
      '*Umbrella* · Medium\n*Customer satisfied* · *overdue by 1d*',
      '*<https://acme.slack.com/archives/C0ESCALATE/p1709000000000100|Globex>* · Medium\n*Apologize* · *overdue by 2h*',
    ]);
    // One section and one row of buttons per item, after the opening.
    expect(message.blocks.map((b) => b.type)).toEqual(['section', ...Array(4).fill(['section', 'actions']).flat()]);
    expect(message.text).toBe(
      'A few customers are waiting on you, and a prevention step you committed to is overdue: Initrode (Own it, overdue by 10m) and 3 more',
    );
  });

  it('speaks to one customer in the singular', () => {
    const message = renderReminder(OWNER, [step()], CTX);
    expect(sections(message.blocks)[0]).toMatch(/^Hi <@U0ALICE>\. A customer is waiting on you\. /);
    expect(message.text).toBe('A customer is waiting on you: Globex (Apologize, overdue by 2h)');
  });

  it('speaks of prevention steps alone without claiming a customer is waiting', () => {
    const message = renderReminder(OWNER, [preventionItem(), preventionItem({ preventionId: 42 })], CTX);
    expect(sections(message.blocks)[0]).toMatch(/^Hi <@U0ALICE>\. 2 prevention steps you committed to are overdue\. /);
  });

  it('offers the card’s own button for each step, carrying the mistake and the version seen', () => {
    const cases = [
      ['own', Actions.own, 'Own it'],
      ['apologize', Actions.apologizeForm, 'Apologize'],
      ['ask', Actions.ask, 'Ask what they want'],
      ['make_right', Actions.makeRight, 'Make it right'],
      ['confirm_satisfied', Actions.satisfied, 'Customer satisfied'],
    ] as const;
    for (const [kind, actionId, label] of cases) {
      const [row] = actionRows(renderReminder(OWNER, [step({ step: kind })], CTX).blocks);
      const [doIt] = row!;
      expect(doIt).toMatchObject({ type: 'button', action_id: actionId, text: { text: label } });
      expect(decodeValue(doIt!.value)).toMatchObject({ m: 7, v: 3 });
      expect(decodeValue(doIt!.value)?.p).toBeUndefined();
      // Action ids must be unique within a block, or Slack refuses the message.
      const ids = row!.map((e) => e.action_id);
      expect(new Set(ids).size).toBe(ids.length);
    }
  });

  it('marks a prevention step done with its own id', () => {
    const [row] = actionRows(renderReminder(OWNER, [preventionItem()], CTX).blocks);
    expect(row![0]).toMatchObject({ type: 'button', action_id: Actions.preventionDone, text: { text: 'Done' } });
    expect(decodeValue(row![0]!.value)).toMatchObject({ m: 9, v: 12, p: 41 });
  });

  it('snoozes from one overflow menu: 1 hour, 4 hours or tomorrow', () => {
    const [stepRow, preventionRow] = actionRows(renderReminder(OWNER, [step(), preventionItem()], CTX).blocks).reverse();
    for (const [row, expected] of [
      [stepRow, { m: 7, v: 3, p: undefined }],
      [preventionRow, { m: 9, v: 12, p: 41 }],
    ] as const) {
      const menus = row!.filter((e) => e.type === 'overflow');
      expect(menus).toHaveLength(1);
      expect(menus[0]!.action_id).toBe(Actions.snooze);
      const options = menus[0]!.options!;
      expect(options.map((o) => o.text.text)).toEqual(['Snooze 1 hour', 'Snooze 4 hours', 'Snooze until tomorrow']);
      expect(options.map((o) => decodeValue(o.value))).toEqual([
        { ...expected, s: 60, c: undefined, ts: undefined },
        { ...expected, s: 240, c: undefined, ts: undefined },
        { ...expected, s: 0, c: undefined, ts: undefined },
      ]);
    }
    expect(SNOOZE_OPTIONS.map((o) => o.minutes)).toEqual([60, 240, 0]);
  });

  it('shows an item snoozed since as snoozed until when, with its buttons to do it now but no snooze menu', () => {
    const until = new Date(NOW.getTime() + HOUR_MS);
    const snoozed = step({ mistakeId: 8, customer: 'Umbrella', snoozedUntil: until });
    const dm = renderReminder(OWNER, [step(), snoozed], CTX);
    const text = sections(dm.blocks).join('\n');
    expect(text).toContain(`*Apologize* · *overdue by 2h* · :zzz: snoozed until <!date^${until.getTime() / 1000}^`);
    // Both rows keep their Apologize button; only the open one offers the snooze menu.
    const rows = actionRows(dm.blocks);
    expect(rows.map((row) => row.map((e) => e.action_id))).toEqual([[Actions.apologizeForm, Actions.snooze], [Actions.apologizeForm]]);
    expect(dm.live.sort()).toEqual([7, 8]);
    expect(text).toContain('do it now, or snooze it');
    // Everything left snoozed: the DM says so, and still offers to do it now.
    const allSnoozed = renderReminder(OWNER, [snoozed], CTX);
    expect(sections(allSnoozed.blocks)[0]).toBe(
      `Hi <@${OWNER}>. What is left here is snoozed: we'll remind you again when it's due, or do it now if you can.`,
    );
    expect(allSnoozed.text).toMatch(/^Snoozed: Umbrella \(Apologize, overdue by 2h\)$/);
    expect(actionRows(allSnoozed.blocks)).toEqual([[expect.objectContaining({ action_id: Actions.apologizeForm })]]);
    expect(allSnoozed.live).toEqual([8]);
    expect(limitProblems(dm)).toEqual([]);
  });

  it('keeps a forged or broken snooze length out', () => {
    expect(decodeValue('{"m":7,"v":3,"s":-5}')).toBeNull();
    expect(decodeValue('{"m":7,"v":3,"s":1.5}')).toBeNull();
    expect(decodeValue('{"m":7,"v":3,"s":"60"}')).toBeNull();
    expect(decodeValue('{"m":7,"v":3}')).toEqual({ m: 7, v: 3, p: undefined, s: undefined, c: undefined, ts: undefined });
  });

  it('never lets what people typed ping or link', () => {
    const message = renderReminder(OWNER, [step({ customer: '<!channel> & co' }), preventionItem({ label: 'Tell <!here>' })], CTX);
    const text = sections(message.blocks).join('\n');
    expect(text).toContain('|&lt;!channel&gt; &amp; co>*');
    expect(text).toContain('Tell &lt;!here&gt;');
    expect(text).not.toMatch(/<!channel>|<!here>/);
    expect(message.text).not.toMatch(/<!channel>|<!here>/);
  });

  it('stays within a message’s limits with many items, and points to App Home for the rest', () => {
    const items = Array.from({ length: 80 }, (_, i) =>
      i % 4 === 0
        ? preventionItem({ mistakeId: 1000 + i, preventionId: 5000 + i, label: `Prevention step ${i} written out at some length, as people do` })
        : step({ mistakeId: 1000 + i, customer: `Customer ${i} with a long trading name`, dueAt: new Date(NOW.getTime() - (i + 1) * HOUR_MS) }),
    );
    const message = renderReminder(OWNER, items, CTX);
    expect(limitProblems(message)).toEqual([]);
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    expect(JSON.stringify(message.blocks).length).toBeLessThanOrEqual(12_000);

    const shown = actionRows(message.blocks).length;
    expect(shown).toBeGreaterThan(3);
    expect(shown).toBeLessThan(80);
    const last = message.blocks.at(-1) as { type: string; elements: { text: string }[] };
    expect(last.type).toBe('context');
    expect(last.elements[0]!.text).toBe(`… and ${80 - shown} more in App Home`);
  });
});
