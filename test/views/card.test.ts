import { Actions, decodeValue } from '../../src/slack/ids';
import { renderCard } from '../../src/slack/views/card';
import { codePointLength } from '../../src/slack/views/text';
import { checkLimits } from '../support/limits';
import { allText, at, buttonLabels, buttons, CTX, DAY, HOUR, mistake, OTHER, OWNER, prevention, type Stage } from './fixtures';

const STAGES: Stage[] = ['reported', 'recovering', 'asked', 'made_right', 'skipped', 'escalated', 'awaiting_rca', 'preventing', 'closed'];

describe('the card', () => {
  it('offers only the next step, plus Reassign and Reopen where they apply', () => {
    const labels = (stage: Stage) => buttonLabels(renderCard(mistake(stage), CTX).blocks);
    expect(labels('reported')).toEqual(['Own it', 'Log contact', 'Reassign']);
    expect(labels('recovering')).toEqual(['Apologize', 'Log contact', 'Reassign']);
    expect(labels('asked')).toEqual(['Make it right', 'Nothing more needed', 'Log contact', 'Reassign']);
    expect(labels('made_right')).toEqual(['Customer satisfied', 'Not satisfied', 'Log contact', 'Reassign']);
    expect(labels('skipped')).toEqual(['Customer satisfied', 'Not satisfied', 'Log contact', 'Reassign']);
    // The customer said they need more: "nothing more" would contradict them.
    expect(labels('escalated')).toEqual(['Make it right', 'Log contact', 'Reassign']);
    expect(labels('awaiting_rca')).toEqual(['Root-cause analysis', 'Log contact', 'Reassign', 'Reopen']);
    expect(labels('preventing')).toEqual(['Done', 'Log contact', 'Reassign', 'Reopen']);
    expect(labels('closed')).toEqual(['Log contact', 'Reopen']);
  });

  it('uses the ids module for every button and styles satisfied / not satisfied', () => {
    const found = buttons(renderCard(mistake('made_right'), CTX).blocks);
    expect(found.map((b) => b.action_id)).toEqual([Actions.satisfied, Actions.notSatisfied, Actions.logContact, Actions.reassign]);
    expect(found[0]!.style).toBe('primary');
    expect(found[1]!.style).toBe('danger');
    const skip = buttons(renderCard(mistake('asked'), CTX).blocks).find((b) => b.text === 'Nothing more needed');
    expect(skip?.action_id).toBe(Actions.skipMakeRight);
  });

  it('never offers the root-cause analysis before the customer is satisfied', () => {
    for (const stage of STAGES) {
      const ids = buttons(renderCard(mistake(stage), CTX).blocks).map((b) => b.action_id);
      expect(ids.includes(Actions.rootCauseAnalysis)).toBe(stage === 'awaiting_rca');
    }
    // It is listed as a later step, greyed, before that.
    const card = renderCard(mistake('made_right'), CTX);
    const contextText = card.blocks
      .filter((b) => b.type === 'context')
      .map((b) => allText(b))
      .join('\n');
    expect(contextText).toContain('Root-cause analysis: after the customer is satisfied');
  });

  it('does not offer the RCA again once it is written', () => {
    const m = mistake('awaiting_rca');
    const withRca = { ...m, rca: mistake('preventing').rca };
    expect(buttons(renderCard(withRca, CTX).blocks).map((b) => b.action_id)).not.toContain(Actions.rootCauseAnalysis);
  });

  it('puts the mistake id and the version the person saw in every button value', () => {
    for (const stage of STAGES) {
      const m = mistake(stage);
      for (const b of buttons(renderCard(m, CTX).blocks)) {
        const value = decodeValue(b.value);
        expect(value).not.toBeNull();
        expect(value!.m).toBe(m.id);
        expect(value!.v).toBe(m.version);
      }
    }
  });

  it('gives each open prevention step its own Done button with its id', () => {
    const m = mistake('preventing');
    const done = buttons(renderCard(m, CTX).blocks).filter((b) => b.action_id === Actions.preventionDone);
    expect(done).toHaveLength(1);
    expect(decodeValue(done[0]!.value)).toEqual({ m: m.id, v: m.version, p: 1 });
    const text = allText(renderCard(m, CTX).blocks);
    expect(text).toContain('1 of 2 done');
    expect(text).toContain(`Done by <@${OTHER}>`);
  });

  it('shows the header, severity, state, owner, reporter and category', () => {
    const card = renderCard(mistake('recovering', { severity: 'critical' }), CTX);
    const text = allText(card.blocks);
    expect(card.blocks[0]).toMatchObject({ type: 'header', text: { text: ':rotating_light: Mistake #42 · Acme Ltd' } });
    expect(text).toContain(':rotating_light: *Critical* (on the fly: minutes, not days)');
    expect(text).toContain('*State*\nRecovering');
    expect(text).toContain(`*Owner*\n<@${OWNER}>`);
    expect(text).toContain('*Reported by*\n<@U0REPORTER>');
    expect(text).toContain('Delivery / shipping');
    expect(card.text).toBe('Mistake #42 · Acme Ltd: Recovering · next: Apologize');
  });

  it('walks the checklist in playbook order with who and when, and the current step due', () => {
    const text = allText(renderCard(mistake('asked'), CTX).blocks);
    const order = ['*Owned*', '*Apologized*', '*Asked what they want*', '*Make it right*', 'Customer satisfied?'];
    const positions = order.map((label) => text.indexOf(label));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(text).toMatch(/:arrow_right: \*Make it right\* · due <!date\^\d+\^/);
    expect(text).toContain(`*Apologized* · <@${OWNER}> · <!date^`);
    expect(text).toContain('*What the customer asked for*\n>A refund of the delivery fee, and the order by Friday.');
  });

  it('marks an overdue step', () => {
    const late = { ...CTX, now: at(3 * DAY) };
    expect(allText(renderCard(mistake('recovering'), late).blocks)).toMatch(/\*Apologize\* · due <!date[^>]+> · \*overdue\*/);
  });

  it('says who must take it when the owner has not owned it yet, and offers no Own it without an owner', () => {
    expect(allText(renderCard(mistake('reported'), CTX).blocks)).toContain(`waiting for <@${OWNER}> to take it`);
    const unowned = renderCard(mistake('reported', { ownerId: null }), CTX);
    expect(buttonLabels(unowned.blocks)).toEqual(['Log contact', 'Reassign']);
    expect(allText(unowned.blocks)).toContain('nobody owns it yet');
  });

  it('shows the remedy, and a skip with the customer’s reason', () => {
    expect(allText(renderCard(mistake('made_right'), CTX).blocks)).toContain('*How we made it right*\nRefund: €12 back to their card');
    expect(allText(renderCard(mistake('skipped'), CTX).blocks)).toContain(
      '*Make it right* · the customer asked for nothing more: “They only wanted an apology.”',
    );
  });

  it('shows an escalation with its reason, and what was given so far', () => {
    const text = allText(renderCard(mistake('escalated'), CTX).blocks);
    expect(text).toContain(':warning: *Escalated* (level 1)');
    expect(text).toContain('they wanted the fee back, not credit');
    expect(text).toContain('*Given so far* (the customer needed more)\nCredit: €5 store credit');
  });

  it('keeps a past escalation as a quiet note once recovered', () => {
    const m = mistake('awaiting_rca', { escalationLevel: 1, escalationReason: 'Overdue.' });
    const context = renderCard(m, CTX)
      .blocks.filter((b) => b.type === 'context')
      .map(allText)
      .join('\n');
    expect(context).toContain('Was escalated (level 1)');
  });

  it('shows the RCA summary in preventing, and a recovered line when closed', () => {
    const preventing = allText(renderCard(mistake('preventing'), CTX).blocks);
    expect(preventing).toContain('*Causes:* The address change in the CRM did not reach the dispatch list.');
    expect(preventing).toContain('*What changes:* Dispatch reads addresses from the CRM');
    const closed = allText(renderCard(mistake('closed'), CTX).blocks);
    expect(closed).toContain('*Recovered and closed*');
  });

  it('escapes what people typed everywhere on the card', () => {
    const m = mistake('escalated', {
      customer: '<!channel> Acme <@U123>',
      whatHappened: 'Sent to <!here> & <https://evil.example|a link>',
      impact: '<!everyone>',
      escalationReason: `"Apologize" is overdue (owner <@${OWNER}>). <!channel>`,
    });
    m.steps = m.steps.map((s) => (s.kind === 'ask' ? { ...s, customerAnswer: '<@U999> wants <!channel>' } : s));
    const card = renderCard(m, CTX);
    const json = JSON.stringify(card);
    for (const raw of ['<!channel>', '<@U123>', '<!here>', '<https://evil', '<!everyone>', '<@U999>']) {
      expect(json).not.toContain(raw);
    }
    expect(allText(card.blocks)).toContain('&lt;!channel&gt; Acme &lt;@U123&gt;');
    expect(card.text).toContain('&lt;!channel&gt;');
    // The app's own mention of the owner survives inside the escalation reason.
    expect(allText(card.blocks)).toContain(`(owner <@${OWNER}>)`);
  });

  it('truncates long text visibly, keeping emoji and right-to-left text intact', () => {
    const m = mistake('asked', { whatHappened: 'a'.repeat(5000), impact: '😀'.repeat(5000), customer: 'שלום 🚚 Acme' });
    const card = renderCard(m, CTX);
    const sections = card.blocks.filter((b) => b.type === 'section').map(allText);
    const what = sections.find((t) => t.startsWith('*What happened*'))!;
    expect(what.endsWith('…')).toBe(true);
    expect(codePointLength(what)).toBeLessThan(700);
    const impact = sections.find((t) => t.startsWith('*Impact on the customer*'))!;
    expect(impact).toMatch(/😀…$/);
    expect(allText(card.blocks[0])).toContain('שלום 🚚 Acme');
  });

  it('caps a long customer name in the header at 150 characters', () => {
    const card = renderCard(mistake('recovering', { customer: '&'.repeat(500) }), CTX);
    const header = allText(card.blocks[0]);
    expect(codePointLength(header)).toBeLessThanOrEqual(150);
    expect(header).toMatch(/(&amp;)+…$/);
  });

  it('stays within every Slack limit at every stage', () => {
    for (const stage of STAGES) {
      expect(checkLimits('message', renderCard(mistake(stage), CTX))).toEqual([]);
    }
  });

  it('stays within the limits with 20 prevention steps, saying how many are not shown', () => {
    const m = mistake('preventing');
    m.prevention = Array.from({ length: 20 }, (_, i) =>
      prevention(m.id, i + 1, { description: `Step ${i + 1}: ${'x'.repeat(480)}`, ownerId: i % 2 ? OWNER : OTHER }),
    );
    const card = renderCard(m, CTX);
    expect(checkLimits('message', card)).toEqual([]);
    const shown = buttons(card.blocks).filter((b) => b.action_id === Actions.preventionDone).length;
    expect(shown).toBeGreaterThan(0);
    expect(shown).toBeLessThan(20);
    expect(allText(card.blocks)).toContain(`… and ${20 - shown} more prevention steps`);
    // Reassign and Reopen stay reachable after a long list.
    expect(buttonLabels(card.blocks).slice(-2)).toEqual(['Reassign', 'Reopen']);
  });

  it('stays within the limits when every text is as long as allowed and made of emoji', () => {
    const huge = '🧯<&>'.repeat(1000);
    const m = mistake('preventing', {
      customer: huge.slice(0, 200),
      whatHappened: huge,
      impact: huge,
      escalationLevel: 3,
      escalationReason: huge,
    });
    m.steps = m.steps.map((s) => ({ ...s, customerAnswer: huge, remedyValue: huge, note: huge, skipReason: huge }));
    m.rca = { ...m.rca!, whatHappened: huge, causes: huge, whatChanges: huge };
    m.prevention = Array.from({ length: 20 }, (_, i) => prevention(m.id, i + 1, { description: huge.slice(0, 500) }));
    const card = renderCard(m, CTX);
    expect(checkLimits('message', card)).toEqual([]);
    expect(buttonLabels(card.blocks)).toContain('Reopen');
  });

  it('shows snoozed reminders on the current step', () => {
    const m = mistake('recovering');
    m.steps = m.steps.map((s) => (s.kind === 'apologize' ? { ...s, snoozedUntil: at(5 * HOUR) } : s));
    expect(allText(renderCard(m, CTX).blocks)).toContain('reminders snoozed until <!date^');
  });
});
