import { decodeTimelineDetails, type TimelineEvent, type TimelineKind } from '../../src/domain/timeline';
import { Actions, decodeValue } from '../../src/slack/ids';
import { escalationAudience, renderEscalation, renderOwnerDm, renderTimelineReply } from '../../src/slack/views/replies';
import { checkLimits } from '../support/limits';
import { allText, at, buttons, CTX, HOUR, mistake, OTHER, OWNER, prevention, REPORTER } from './fixtures';

/** A timeline event stored with these details, read back the way the bot reads it. */
function event(kind: TimelineKind, details: Record<string, unknown> = {}, actorId: string | null = OWNER, when = at(2 * HOUR)): TimelineEvent {
  const decoded = decodeTimelineDetails(kind, JSON.stringify(details));
  if (!decoded) throw new Error(`not a ${kind} event the bot writes: ${JSON.stringify(details)}`);
  return { ...decoded, id: 1, mistakeId: 42, actorId, at: when };
}

const THREAD = 'https://acme.slack.com/archives/C0ESCALATE/p1709542800000100';

describe('thread replies', () => {
  it('tells a reporter-owner they own it, with the next step and its due time', () => {
    const r = renderTimelineReply(event('reported', { ownerId: OWNER, severity: 'high', ownedAtReport: true }), mistake('recovering'), CTX);
    expect(r.text).toMatch(new RegExp(`^<@${OWNER}>, you own this recovery\\. Next: Apologize, due <!date\\^\\d+\\^`));
    expect(checkLimits('message', r)).toEqual([]);
  });

  it('asks a named owner to take it with Own it', () => {
    const r = renderTimelineReply(event('reported', { ownerId: OWNER, severity: 'high', ownedAtReport: false }, REPORTER), mistake('reported'), CTX);
    expect(r.text).toBe(
      `<@${OWNER}>, <@${REPORTER}> asked you to own this recovery for Acme Ltd. Click Own it on the card to take it. It is due ${
        /<!date[^>]+>/.exec(r.text)![0]
      }.`,
    );
  });

  it('says a critical mistake is minutes, not days', () => {
    const r = renderTimelineReply(
      event('reported', { ownerId: OWNER, severity: 'critical', ownedAtReport: true }),
      mistake('recovering', { severity: 'critical' }),
      CTX,
    );
    expect(r.text).toContain('minutes, not days');
  });

  it('records each step with its details', () => {
    const m = mistake('made_right');
    expect(renderTimelineReply(event('owned', { step: 'own' }), mistake('recovering'), CTX).text).toMatch(
      /^<@U0OWNER> owns this recovery\. Next: Apologize/,
    );
    expect(renderTimelineReply(event('step_done', { step: 'apologize' }), mistake('asked'), CTX).text).toBe('<@U0OWNER> apologized to Acme Ltd.');
    const ask = renderTimelineReply(event('step_done', { step: 'ask', customerAnswer: 'The fee back.\nAnd a call.' }), mistake('asked'), CTX);
    expect(allText(ask.blocks)).toContain('what they would like.\n>The fee back.\n>And a call.');
    // The notification carries the answer, not a dangling "What they would like:".
    expect(ask.text).toBe('<@U0OWNER> asked Acme Ltd what they would like: “The fee back. And a call.”');
    expect(allText(ask.blocks)).toContain('Next: *Make it right*, due <!date^');
    const made = renderTimelineReply(event('step_done', { step: 'make_right', remedyKind: 'refund', remedyValue: '€12 back' }), m, CTX);
    expect(made.text).toMatch(/^<@U0OWNER> made it right: Refund: €12 back\. Next: check that the customer is satisfied, due/);
    const skipped = renderTimelineReply(event('step_skipped', { step: 'make_right', reason: 'Only wanted an apology.' }), mistake('skipped'), CTX);
    expect(allText(skipped.blocks)).toContain('asked for nothing more than the apology. Their reason:\n>Only wanted an apology.');
  });

  it('opens the RCA when the customer is satisfied', () => {
    const r = renderTimelineReply(event('satisfied', { comment: 'Happy again.' }), mistake('awaiting_rca'), CTX);
    const text = allText(r.blocks);
    expect(text).toContain(':white_check_mark: <@U0OWNER> confirmed *Acme Ltd* is satisfied.\n>Happy again.');
    expect(text).toContain('The root-cause analysis is now open');
  });

  it('says the prevention steps carry on when the RCA was written before (a reopened recovery)', () => {
    const m = mistake('preventing');
    const r = renderTimelineReply(event('satisfied', {}, OWNER, at(5 * 24 * HOUR)), m, CTX);
    expect(allText(r.blocks)).toContain('The prevention steps from the root-cause analysis carry on.');
  });

  it('escalates when the customer is not satisfied', () => {
    const r = renderTimelineReply(event('not_satisfied', { comment: 'Wanted the fee back.' }), mistake('escalated'), CTX);
    const text = allText(r.blocks);
    expect(text).toContain('is not satisfied yet. What they still need:\n>Wanted the fee back.');
    expect(text).toContain('This recovery is escalated and goes back to *Make it right*, due');
  });

  it('records escalations, reassignments, reopens, prevention and closing', () => {
    const esc = renderTimelineReply(
      event(
        'escalated',
        { level: 2, reason: 'overdue', key: 'overdue:apologize@2024-03-04T17:00:00.000Z', text: `"Apologize" is overdue (owner <@${OWNER}>).` },
        null,
      ),
      mistake('recovering'),
      CTX,
    );
    expect(esc.text).toBe(`:warning: Escalated (level 2): "Apologize" is overdue (owner <@${OWNER}>).`);

    const reassigned = renderTimelineReply(event('reassigned', { from: OWNER, to: OTHER }, REPORTER), mistake('reported', { ownerId: OTHER }), CTX);
    expect(reassigned.text).toBe(
      `<@${REPORTER}> handed this recovery from <@${OWNER}> to <@${OTHER}>. <@${OTHER}>, click Own it on the card to take it.`,
    );

    const took = renderTimelineReply(event('reassigned', { from: OWNER, to: OTHER }, OTHER), mistake('recovering', { ownerId: OTHER }), CTX);
    expect(took.text).toBe(`<@${OTHER}> took over this recovery from <@${OWNER}>.`);

    const reopened = renderTimelineReply(
      event('reopened', { reason: 'The replacement broke too.' }),
      mistake('escalated', { state: 'recovering' }),
      CTX,
    );
    expect(allText(reopened.blocks)).toContain(
      'reopened this recovery: the customer needs more.\n>The replacement broke too.\nBack to *Make it right*, due',
    );

    const done = renderTimelineReply(
      event('prevention_done', { preventionId: 2, description: 'Fix the CRM sync' }, OTHER),
      mistake('preventing'),
      CTX,
    );
    expect(done.text).toBe(`<@${OTHER}> finished a prevention step: Fix the CRM sync. 1 of 2 done.`);

    const closed = renderTimelineReply(event('closed', {}), mistake('closed'), CTX);
    expect(closed.text).toMatch(/^:white_check_mark: Recovered and closed\. Acme Ltd is satisfied/);

    const snoozed = renderTimelineReply(event('snoozed', { step: 'apologize', until: at(6 * HOUR).toISOString() }), mistake('recovering'), CTX);
    expect(snoozed.text).toMatch(/^<@U0OWNER> snoozed the reminders for Apologize until <!date/);
  });

  it('summarises the RCA with every prevention step, owner and due date', () => {
    const m = mistake('preventing');
    const r = renderTimelineReply(event('rca_submitted', { preventionCount: 2 }), m, CTX);
    const text = allText(r.blocks);
    expect(r.text).toBe('<@U0OWNER> wrote the root-cause analysis. Causes, not culprits.');
    expect(text).toContain('*What happened*\nThe parcel went to the old address.');
    expect(text).toContain('*Why it happened*\nThe address change');
    expect(text).toContain('*What changes*\nDispatch reads');
    expect(text).toMatch(/• Add the address check to the dispatch list \(1\) · <@U0OWNER> · due <!date/);
    expect(text).toMatch(/\(2\) · <@U0OTHER> · due <!date[^>]+> · done/);
  });

  it('caps a long prevention list and stays within limits', () => {
    const m = mistake('preventing');
    m.prevention = Array.from({ length: 40 }, (_, i) => prevention(m.id, i + 1, { description: 'p'.repeat(500) }));
    const r = renderTimelineReply(event('rca_submitted', { preventionCount: 40 }), m, CTX);
    expect(allText(r.blocks)).toMatch(/… and \d+ more, on the card\./);
    expect(checkLimits('message', r)).toEqual([]);
  });

  it('escapes user text in every reply', () => {
    const m = mistake('asked', { customer: '<!channel>' });
    const kinds: [TimelineKind, Record<string, unknown>][] = [
      ['step_done', { step: 'ask', customerAnswer: '<!here> <@U123>' }],
      ['step_done', { step: 'make_right', remedyKind: 'refund', remedyValue: '<@U123>', note: '<!channel>' }],
      ['step_skipped', { step: 'make_right', reason: '<!everyone>' }],
      ['satisfied', { comment: '<@U123>' }],
      ['not_satisfied', { comment: '<!channel>' }],
      ['reopened', { reason: '<https://evil.example|x>' }],
      ['escalated', { level: 1, reason: 'not_satisfied', key: 'not_satisfied:1', text: 'The customer is not satisfied: <!channel>' }],
      ['prevention_done', { preventionId: 1, description: '<!channel>' }],
    ];
    for (const [kind, details] of kinds) {
      const json = JSON.stringify(renderTimelineReply(event(kind, details), m, CTX));
      expect(json).not.toMatch(/<!channel>|<!here>|<!everyone>|<@U123>|<https:\/\/evil/);
    }
  });

  it('names the step done, whichever it is', () => {
    expect(renderTimelineReply(event('step_done', { step: 'own' }), mistake('recovering'), CTX).text).toBe('<@U0OWNER> did Own it.');
  });

  it('stays within limits for every kind, with very long text', () => {
    const long = '😀<'.repeat(3000);
    const m = mistake('preventing', { customer: long.slice(0, 200) });
    const kinds: TimelineKind[] = [
      'reported',
      'owned',
      'step_done',
      'step_skipped',
      'satisfied',
      'not_satisfied',
      'escalated',
      'reassigned',
      'reopened',
      'rca_submitted',
      'prevention_done',
      'closed',
      'snoozed',
    ];
    // Every field any kind stores, each as long as it can get.
    const details = {
      step: 'ask',
      customerAnswer: long,
      reason: long,
      comment: long,
      text: long,
      description: long,
      note: long,
      ownerId: OWNER,
      severity: 'high',
      ownedAtReport: false,
      level: 3,
      key: 'overdue:ask',
      from: OTHER,
      to: OWNER,
      preventionCount: 2,
      preventionId: 1,
      until: at(6 * HOUR).toISOString(),
    };
    for (const kind of kinds) {
      const own = kind === 'owned' ? { step: 'own' } : kind === 'escalated' ? { reason: 'overdue' } : {};
      const r = renderTimelineReply(event(kind, { ...details, ...own }), m, CTX);
      expect(checkLimits('message', r)).toEqual([]);
    }
  });
});

describe('owner DMs', () => {
  it('asks a named owner to own it, with the Own it button and the thread link', () => {
    const dm = renderOwnerDm(event('reported', { ownerId: OWNER, severity: 'high', ownedAtReport: false }, REPORTER), mistake('reported'), {
      ...CTX,
      threadUrl: THREAD,
    });
    expect(dm.text).toContain(`<@${REPORTER}> reported a mistake made to Acme Ltd and asked you to own the recovery.`);
    const found = buttons(dm.blocks!);
    expect(found.map((b) => b.text)).toEqual(['Own it', 'Open thread']);
    expect(decodeValue(found[0]!.value)).toEqual({ m: 42, v: 5 });
    expect(found[1]).toMatchObject({ action_id: Actions.openThread, url: THREAD });
    expect(checkLimits('message', dm)).toEqual([]);
  });

  it('tells a new owner after a reassignment', () => {
    const dm = renderOwnerDm(event('reassigned', { from: OWNER, to: OTHER }, REPORTER), mistake('reported', { ownerId: OTHER }), {
      ...CTX,
      threadUrl: THREAD,
    });
    expect(dm.text).toBe(`<@${REPORTER}> handed you the recovery for Acme Ltd from <@${OWNER}>. Click Own it to take it.`);
    expect(buttons(dm.blocks!).map((b) => b.text)).toEqual(['Own it', 'Open thread']);
  });

  it('gives prevention owners their steps with Done buttons', () => {
    const m = mistake('preventing');
    m.prevention = [prevention(m.id, 1, { ownerId: OTHER }), prevention(m.id, 2, { ownerId: OWNER }), prevention(m.id, 3, { ownerId: OTHER })];
    const dm = renderOwnerDm(event('rca_submitted', { preventionCount: 3 }), m, { ...CTX, threadUrl: THREAD, recipientId: OTHER });
    const done = buttons(dm.blocks!).filter((b) => b.action_id === Actions.preventionDone);
    expect(done.map((b) => decodeValue(b.value)!.p)).toEqual([1, 3]);
    expect(dm.text).toContain('gives you prevention steps');
    expect(checkLimits('message', dm)).toEqual([]);
  });
});

describe('escalation messages', () => {
  const m = mistake('escalated');
  const escalation = {
    level: 1,
    reason: 'not_satisfied',
    text: 'they wanted the fee back, not credit.',
    at: at(5 * HOUR),
    resolvedAt: null,
  };
  const ctx = { ...CTX, contact: null, adminUserIds: [] as string[], threadUrl: THREAD };

  it('starts with Escalation and names the contact, owner, customer and why, once', () => {
    const msg = renderEscalation(m, escalation, { ...ctx, contact: 'S0LEADS' });
    expect(msg.text).toBe('Escalation: Mistake #42 (Acme Ltd), customer not satisfied. <!subteam^S0LEADS>, this needs you. Owner <@U0OWNER>.');
    const text = allText(msg.blocks);
    expect(text).toMatch(/^:rotating_light: \*Escalation\* · level 1 · Mistake #42 · \*Acme Ltd\*/);
    expect(text).toContain('*Why:* the customer is not satisfied. What they still need:\n>they wanted the fee back, not credit.');
    expect(text.match(/not satisfied/g)).toHaveLength(1);
    expect(text).toContain('*Owner:* <@U0OWNER>');
    expect(text).toContain('<!subteam^S0LEADS>, this recovery needs you');
    expect(checkLimits('message', msg)).toEqual([]);
  });

  it('offers what the escalated person can do: open the thread, and reassign', () => {
    const msg = renderEscalation(m, escalation, ctx);
    const found = buttons(msg.blocks!);
    expect(found.map((b) => b.text)).toEqual(['Open thread', 'Reassign']);
    expect(found[0]).toMatchObject({ url: THREAD, action_id: Actions.openThread });
    expect(found[1]).toMatchObject({ action_id: Actions.reassign });
    expect(decodeValue(found[1]!.value)).toMatchObject({ m: 42 });
  });

  it('always reaches someone beyond the owner', () => {
    // A contact: only them.
    expect(escalationAudience(m, 'U0BOSS', ['U0ADMIN'])).toEqual(['<@U0BOSS>']);
    // No contact: the reporter and the admins, never the owner.
    expect(escalationAudience(m, null, ['U0ADMIN', OWNER])).toEqual([`<@${REPORTER}>`, '<@U0ADMIN>']);
    // The owner reported it and there are no admins: everyone active in the channel.
    expect(escalationAudience({ ownerId: OWNER, reporterId: OWNER }, null, [])).toEqual(['<!here>']);
    const none = renderEscalation(m, escalation, ctx);
    expect(allText(none.blocks)).toContain(`<@${REPORTER}>, this recovery needs you`);
  });

  it('says it is resolved, and how, once the mistake moved on, and offers only the thread', () => {
    const resolved = renderEscalation(
      m,
      { ...escalation, resolvedAt: at(6 * HOUR) },
      {
        ...ctx,
        resolvedBy: event('satisfied', {}, OWNER, at(6 * HOUR)),
      },
    );
    const text = allText(resolved.blocks);
    expect(text).toMatch(/^:white_check_mark: \*Escalation resolved\* · level 1/);
    expect(text).toContain('*Resolved:* <@U0OWNER> confirmed the customer is satisfied · <!date^');
    expect(buttons(resolved.blocks!).map((b) => b.text)).toEqual(['Open thread']);
    expect(resolved.text).toBe('Escalation resolved: Mistake #42 (Acme Ltd): <@U0OWNER> confirmed the customer is satisfied.');
    const handed = renderEscalation(
      m,
      { ...escalation, resolvedAt: at(6 * HOUR) },
      {
        ...ctx,
        resolvedBy: event('reassigned', { from: OWNER, to: OTHER }, REPORTER, at(6 * HOUR)),
      },
    );
    expect(allText(handed.blocks)).toContain(`*Resolved:* <@${REPORTER}> handed the recovery to <@${OTHER}>`);
  });

  it('escapes the customer and an unknown reason', () => {
    const msg = renderEscalation(mistake('escalated', { customer: '<!channel>' }), { ...escalation, reason: '<!here>', text: '' }, ctx);
    expect(JSON.stringify(msg)).not.toMatch(/<!channel>|<!here>/);
  });
});
