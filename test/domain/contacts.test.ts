// The contact and apology rules as pure functions: the excuse table (each rule, its boundaries,
// any case), the draft apology, and a contact's checks.
import { CONTACT_CHANNELS, draftApology, EXCUSE_RULES, findExcuses, validateContact } from '../../src/domain/contacts';
import { FieldErrors } from '../../src/domain/playbook';

const ids = (text: string) => findExcuses(text).map((f) => f.rule.id);

describe('excuse and blame wording', () => {
  // [text, the rules it trips]
  const cases: ReadonlyArray<readonly [string, string[]]> = [
    ['I am sorry, but the courier was late.', ['but']],
    ['BUT we tried.', ['but']],
    ['We are sorry about the butter.', []],
    ['A rebuttal is not an apology.', []],
    ['Abut, butt, buttons and but_ton are not it.', []],
    ['However, the order was placed late.', ['however']],
    ['Unfortunately you were not at home.', ['unfortunately_you']],
    ['Unfortunately, you missed the slot.', ['unfortunately_you']],
    ['Unfortunately the van broke down.', []],
    ['Our policy says so.', ['policy']],
    ['Our POLICIES say so.', ['policy']],
    ['Dear policyholder, we are sorry.', []],
    ['It was out of our control.', ['out_of_our_control']],
    ['It was beyond our hands.', ['out_of_our_control']],
    ['You should have told us.', ['you_should_have']],
    ['You should’ve told us.', ['you_should_have']],
    ["You could've called.", ['you_should_have']],
    ['You should know we are sorry.', []],
    ['As stated in the terms, delivery takes a week.', ['as_stated']],
    ['As previously mentioned, it ships Monday.', ['as_stated']],
    ['We are sorry if this caused any trouble.', ['sorry_if']],
    ['We apologise if you were upset.', ['sorry_if']],
    ['I am sorry you feel that way.', ['sorry_you_feel']],
    ['I am sorry that you felt ignored.', ['sorry_you_feel']],
    ["It wasn't our fault.", ['not_our_fault']],
    ['That is not our fault.', ['not_our_fault']],
    ['I am sorry, but as stated our policy is out of our control.', ['but', 'policy', 'out_of_our_control', 'as_stated']],
    ['I am sorry we sent your flour to the wrong address. What would you like us to do?', []],
  ];

  it.each(cases)('%j trips %j', (text, expected) => {
    expect(ids(text)).toEqual(expected);
  });

  it('reports the words as they were typed', () => {
    expect(findExcuses('Sorry. BUT our Policy…').map((f) => f.found)).toEqual(['BUT', 'Policy']);
  });

  it.each(EXCUSE_RULES.map((r) => [r.id, r] as const))('%s explains why, and catches its own phrase', (_id, rule) => {
    expect(rule.why.length).toBeGreaterThan(20);
    expect(rule.why).toMatch(/[.!]$/);
    expect(rule.pattern.test(`Well, ${rule.phrase} there.`)).toBe(true);
    expect(rule.pattern.test(`Well, ${rule.phrase.toUpperCase()} there.`)).toBe(true);
    // Glued to a longer word it is another word.
    expect(rule.pattern.test(`Well, x${rule.phrase}x there.`)).toBe(false);
  });

  it('covers the examples the product names', () => {
    for (const phrase of ['but', 'unfortunately you', 'policy', 'out of our control', 'you should have', 'as stated']) {
      expect(EXCUSE_RULES.some((r) => r.phrase === phrase)).toBe(true);
    }
  });
});

describe('the draft apology', () => {
  const report = {
    customer: 'Harbor Bakery',
    whatHappened: 'We shipped the flour to the wrong address.',
    impact: 'Their stall had nothing to bake.',
  };

  it('is about their inconvenience, owns the mistake, asks what they would like, with no excuse wording', () => {
    const draft = draftApology(report);
    expect(draft).toMatch(/^Hi Harbor Bakery,/);
    expect(draft).toContain('sorry for the inconvenience we caused you');
    expect(draft).toContain('This was our mistake, and I take responsibility for it.');
    expect(draft).toContain(report.whatHappened);
    expect(draft).toContain(report.impact);
    expect(draft).toMatch(/What would you like us to do to make this right\?$/);
    expect(findExcuses(draft)).toEqual([]);
  });

  it('leaves out what the report does not say', () => {
    const draft = draftApology({ customer: '  ', whatHappened: '', impact: '' });
    expect(draft).toMatch(/^Hi there,/);
    expect(draft).not.toContain('What went wrong');
  });
});

describe('a contact', () => {
  // Monday 23 November 2026, 23:30 in Berlin (22:30 UTC): already the 23rd there, not the 24th.
  const now = new Date('2026-11-23T22:30:00Z');
  const errorsOf = (raw: Parameters<typeof validateContact>[0]): Record<string, string> => {
    try {
      validateContact(raw, now, 'Europe/Berlin');
      return {};
    } catch (error) {
      if (error instanceof FieldErrors) return { ...error.errors };
      throw error;
    }
  };

  it('takes every channel, and plans the next contact at the start of that day where the team works', () => {
    for (const channel of CONTACT_CHANNELS) expect(validateContact({ channel, summary: 'ok' }, now, 'UTC').channel).toBe(channel);
    const input = validateContact({ channel: 'call', summary: '  Called  ', nextContactOn: '2026-11-23', apology: '' }, now, 'Europe/Berlin');
    expect(input).toEqual({ channel: 'call', summary: 'Called', nextContactAt: new Date('2026-11-22T23:00:00Z'), apology: null });
  });

  it.each([
    [{ summary: 'x' }, ['contact_channel']],
    [{ channel: 'fax', summary: 'x' }, ['contact_channel']],
    [{ channel: 'call', summary: ' \u200b ' }, ['contact_summary']],
    [{ channel: 'call', summary: 'x'.repeat(501) }, ['contact_summary']],
    [{ channel: 'call', summary: 'x', nextContactOn: '2026-11-22' }, ['next_contact']],
    [{ channel: 'call', summary: 'x', nextContactOn: 'soon' }, ['next_contact']],
    [{ channel: 'call', summary: 'x', apology: 'y'.repeat(3001) }, ['apology']],
    [{}, ['contact_channel', 'contact_summary']],
  ] as const)('%j is refused on %j', (raw, fields) => {
    expect(Object.keys(errorsOf(raw)).sort()).toEqual([...fields].sort());
  });
});
