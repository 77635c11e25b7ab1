import {
  type Actor,
  assertCanClose,
  assertCanCompletePrevention,
  assertCanCompleteStep,
  assertCanMarkNotSatisfied,
  assertCanMarkSatisfied,
  assertCanReassign,
  assertCanReopen,
  assertCanSkipStep,
  assertCanStartRca,
  cleanText,
  DEFAULT_SLA,
  escalationsDue,
  escalationSubject,
  resolvesEscalation,
  type EscalationPolicy,
  isReadyToClose,
  mayAct,
  type MistakeSnapshot,
  type MistakeState,
  nextStep,
  outstanding,
  PlaybookError,
  type PlaybookErrorCode,
  type PreventionSnapshot,
  type RcaInput,
  RCA_BEFORE_SATISFIED,
  scheduleSteps,
  SEVERITIES,
  type SlaPolicy,
  stateAfterStep,
  step,
  type StepKind,
  type StepSnapshot,
  STEP_KINDS,
  STEP_LABELS,
  STEPS_REOPENED,
  stepsAfter,
  TEXT_LIMITS,
  validateRca,
} from '../../src/domain/playbook';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../src/domain/durations';

// ---------------------------------------------------------------------------------------------
// Small snapshot factories. Every mistake starts from the same clock and the same people.

const T0 = new Date('2024-03-04T09:00:00.000Z');
const at = (ms: number): Date => new Date(T0.getTime() + ms);

const OWNER_ID = 'U0OWNER';
const REPORTER_ID = 'U0REPORTER';
const ADMIN_ID = 'U0ADMIN';
const STRANGER_ID = 'U0STRANGER';
const PREVENTION_OWNER_ID = 'U0PREVENT';

const owner: Actor = { userId: OWNER_ID };
const reporter: Actor = { userId: REPORTER_ID };
const admin: Actor = { userId: ADMIN_ID, isAdmin: true };
const stranger: Actor = { userId: STRANGER_ID };
const preventionOwner: Actor = { userId: PREVENTION_OWNER_ID };

/** A pending step due one hour per position after T0, unless overridden. */
function aStep(kind: StepKind, overrides: Partial<StepSnapshot> = {}): StepSnapshot {
  return {
    kind,
    status: 'pending',
    dueAt: at((STEP_KINDS.indexOf(kind) + 1) * HOUR_MS),
    ...overrides,
  };
}

/**
 * A mistake with every recovery step, the first `done` of them marked done by the owner.
 * The state defaults to what the playbook would have reached: reported before "own",
 * recovering after it, awaiting_rca once "confirm_satisfied" is done.
 */
function aMistake(
  options: {
    done?: readonly StepKind[];
    steps?: StepSnapshot[];
    prevention?: PreventionSnapshot[];
  } & Partial<Omit<MistakeSnapshot, 'steps' | 'prevention'>> = {},
): MistakeSnapshot {
  const { done = [], steps, prevention, ...rest } = options;
  const defaultState: MistakeState = done.includes('confirm_satisfied') ? 'awaiting_rca' : done.includes('own') ? 'recovering' : 'reported';
  return {
    id: 42,
    state: defaultState,
    severity: 'high',
    ownerId: OWNER_ID,
    reporterId: REPORTER_ID,
    createdAt: T0,
    hasRca: false,
    steps: steps ?? STEP_KINDS.map((kind) => (done.includes(kind) ? aStep(kind, { status: 'done', doneAt: T0, doneById: OWNER_ID }) : aStep(kind))),
    ...(prevention ? { prevention } : {}),
    ...rest,
  };
}

/** The mistake right before `kind`: every earlier step done. */
function readyFor(kind: StepKind, overrides: Partial<MistakeSnapshot> = {}): MistakeSnapshot {
  return aMistake({ done: STEP_KINDS.slice(0, STEP_KINDS.indexOf(kind)), ...overrides });
}

/** Customer satisfied, RCA not written yet. */
function awaitingRca(overrides: Partial<MistakeSnapshot> = {}): MistakeSnapshot {
  return aMistake({ done: STEP_KINDS, state: 'awaiting_rca', ...overrides });
}

function aPrevention(overrides: Partial<PreventionSnapshot> = {}): PreventionSnapshot {
  return {
    id: 7,
    description: 'Add a second check before the order leaves the warehouse',
    ownerId: PREVENTION_OWNER_ID,
    dueAt: at(7 * DAY_MS),
    status: 'open',
    ...overrides,
  };
}

/** RCA written, prevention steps being worked on. */
function preventing(prevention: PreventionSnapshot[] = [aPrevention()], overrides: Partial<MistakeSnapshot> = {}) {
  return aMistake({ done: STEP_KINDS, state: 'preventing', hasRca: true, prevention, ...overrides });
}

function closedMistake(overrides: Partial<MistakeSnapshot> = {}): MistakeSnapshot {
  return aMistake({
    done: STEP_KINDS,
    state: 'closed',
    hasRca: true,
    prevention: [aPrevention({ status: 'done' })],
    ...overrides,
  });
}

/** Runs `fn`, expects a PlaybookError with `code`, and returns it for further checks. */
function refusal(fn: () => unknown, code: PlaybookErrorCode): PlaybookError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(PlaybookError);
  const error = caught as PlaybookError;
  expect(error.code).toBe(code);
  expect(error.name).toBe('PlaybookError');
  expect(error.message.length).toBeGreaterThan(0);
  return error;
}

// ---------------------------------------------------------------------------------------------

describe('the factories', () => {
  it('build the states the tests rely on', () => {
    expect(aMistake().state).toBe('reported');
    expect(readyFor('apologize').state).toBe('recovering');
    expect(awaitingRca().state).toBe('awaiting_rca');
    expect(preventing().state).toBe('preventing');
    expect(readyFor('make_right').steps.map((s) => s.status)).toEqual(['done', 'done', 'done', 'pending', 'pending']);
  });
});

describe('completing the recovery steps (rules 1–4)', () => {
  it('walks the whole playbook in order, one step at a time', () => {
    let m = aMistake();
    for (const kind of STEP_KINDS.filter((k) => k !== 'confirm_satisfied')) {
      expect(nextStep(m)?.kind).toBe(kind);
      expect(() => assertCanCompleteStep(m, owner, kind)).not.toThrow();
      m = {
        ...m,
        state: stateAfterStep(m, kind),
        steps: m.steps.map((s) => (s.kind === kind ? { ...s, status: 'done', doneById: OWNER_ID } : s)),
      };
    }
    expect(m.state).toBe('recovering');
    expect(nextStep(m)?.kind).toBe('confirm_satisfied');
    expect(() => assertCanMarkSatisfied(m, owner)).not.toThrow();
  });

  it.each(['own', 'apologize', 'ask', 'make_right'] as const)('lets the owner complete "%s" when it is next', (kind) => {
    expect(() => assertCanCompleteStep(readyFor(kind), owner, kind)).not.toThrow();
  });

  it.each([
    ['apologize', 'own'],
    ['ask', 'own'],
    ['make_right', 'own'],
    ['ask', 'apologize'],
    ['make_right', 'apologize'],
    ['make_right', 'ask'],
  ] as const)('refuses "%s" while "%s" is still pending (wrong_order)', (kind, missing) => {
    const m = aMistake({ done: STEP_KINDS.filter((k) => STEP_KINDS.indexOf(k) < STEP_KINDS.indexOf(missing)) });
    const error = refusal(() => assertCanCompleteStep(m, owner, kind), 'wrong_order');
    expect(error.message).toContain(`"${STEP_LABELS[missing]}" comes first`);
  });

  it('refuses a later step when a step in the middle was left out, even if earlier ones are done', () => {
    const m = aMistake({
      state: 'recovering',
      steps: [
        aStep('own', { status: 'done' }),
        aStep('apologize'),
        aStep('ask', { status: 'done' }),
        aStep('make_right'),
        aStep('confirm_satisfied'),
      ],
    });
    const error = refusal(() => assertCanCompleteStep(m, owner, 'make_right'), 'wrong_order');
    expect(error.message).toContain('"Apologize" comes first');
  });

  it('counts a skipped earlier step as finished', () => {
    const m = aMistake({
      state: 'recovering',
      steps: [
        aStep('own', { status: 'done' }),
        aStep('apologize', { status: 'done' }),
        aStep('ask', { status: 'done' }),
        aStep('make_right', { status: 'skipped', skipReason: 'They only wanted to be heard' }),
        aStep('confirm_satisfied'),
      ],
    });
    expect(() => assertCanMarkSatisfied(m, owner)).not.toThrow();
  });

  it.each(['own', 'apologize', 'ask', 'make_right'] as const)('refuses "%s" when it is already done', (kind) => {
    const m = aMistake({ done: STEP_KINDS.slice(0, STEP_KINDS.indexOf(kind) + 1) });
    const error = refusal(() => assertCanCompleteStep(m, owner, kind), 'already_done');
    expect(error.message).toContain(`"${STEP_LABELS[kind]}" is already done`);
    expect(error.message).toContain(`<@${OWNER_ID}>`);
  });

  it('refuses completing "make it right" once it was skipped', () => {
    const m = aMistake({
      state: 'recovering',
      steps: STEP_KINDS.map((kind) =>
        kind === 'make_right'
          ? aStep(kind, { status: 'skipped', skipReason: 'Nothing more wanted' })
          : kind === 'confirm_satisfied'
            ? aStep(kind)
            : aStep(kind, { status: 'done' }),
      ),
    });
    const error = refusal(() => assertCanCompleteStep(m, owner, 'make_right'), 'already_done');
    expect(error.message).not.toContain('<@');
  });

  it('lets only the owner own it: not the reporter, not an admin, not a stranger', () => {
    const m = aMistake();
    expect(() => assertCanCompleteStep(m, owner, 'own')).not.toThrow();
    refusal(() => assertCanCompleteStep(m, reporter, 'own'), 'not_allowed');
    refusal(() => assertCanCompleteStep(m, stranger, 'own'), 'not_allowed');
    const error = refusal(() => assertCanCompleteStep(m, admin, 'own'), 'not_allowed');
    expect(error.message).toContain('Reassign');
  });

  it('lets nobody claim an unowned mistake by clicking "Own it"', () => {
    const m = aMistake({ ownerId: null });
    refusal(() => assertCanCompleteStep(m, reporter, 'own'), 'not_allowed');
    refusal(() => assertCanCompleteStep(m, admin, 'own'), 'not_allowed');
    refusal(() => assertCanCompleteStep(m, stranger, 'own'), 'not_allowed');
  });

  it('lets an admin complete a recovery step for the owner, but not the reporter or a stranger', () => {
    const m = readyFor('apologize');
    expect(() => assertCanCompleteStep(m, admin, 'apologize')).not.toThrow();
    refusal(() => assertCanCompleteStep(m, reporter, 'apologize'), 'not_allowed');
    refusal(() => assertCanCompleteStep(m, stranger, 'apologize'), 'not_allowed');
  });

  it('lets the owner keep working while the mistake is escalated', () => {
    const m = readyFor('make_right', { state: 'escalated' });
    expect(() => assertCanCompleteStep(m, owner, 'make_right')).not.toThrow();
  });

  it('refuses recovery steps once the customer is satisfied, and on a closed mistake', () => {
    const afterSatisfied = awaitingRca({ steps: STEP_KINDS.map((kind) => aStep(kind)) });
    refusal(() => assertCanCompleteStep(afterSatisfied, owner, 'own'), 'already_done');
    refusal(() => assertCanCompleteStep(preventing(), owner, 'make_right'), 'already_done');
    const error = refusal(() => assertCanCompleteStep(closedMistake(), owner, 'make_right'), 'invalid_state');
    expect(error.message).toMatch(/closed/i);
  });

  it('routes "confirm_satisfied" through the satisfaction guard', () => {
    refusal(() => assertCanCompleteStep(readyFor('make_right'), owner, 'confirm_satisfied'), 'apology_alone');
    expect(() => assertCanCompleteStep(readyFor('confirm_satisfied'), owner, 'confirm_satisfied')).not.toThrow();
  });

  it('reports a missing step as not_found', () => {
    const m = aMistake({ steps: [aStep('own')] });
    const error = refusal(() => assertCanCompleteStep(m, owner, 'apologize'), 'not_found');
    expect(error.message).toContain('"Apologize"');
  });

  it('starts the recovery when the mistake is owned, and leaves the state alone otherwise', () => {
    expect(stateAfterStep(aMistake(), 'own')).toBe('recovering');
    expect(stateAfterStep(readyFor('apologize'), 'apologize')).toBe('recovering');
    expect(stateAfterStep(aMistake({ state: 'escalated' }), 'own')).toBe('escalated');
    expect(stateAfterStep(aMistake(), 'apologize')).toBe('reported');
  });

  it('knows which steps come after a step', () => {
    expect(stepsAfter('own')).toEqual(['apologize', 'ask', 'make_right', 'confirm_satisfied']);
    expect(stepsAfter('make_right')).toEqual(['confirm_satisfied']);
    expect(stepsAfter('confirm_satisfied')).toEqual([]);
  });

  it('finds a step by kind', () => {
    const m = readyFor('ask');
    expect(step(m, 'apologize').status).toBe('done');
    expect(step(m, 'ask').status).toBe('pending');
  });
});

describe('skipping a step (rule 4)', () => {
  it('lets the owner skip "make it right" with the customer\'s reason, and returns the reason trimmed', () => {
    const reason = assertCanSkipStep(readyFor('make_right'), owner, 'make_right', '  Customer asked for nothing more  ');
    expect(reason).toBe('Customer asked for nothing more');
  });

  it.each(['', '   ', '\n\t'])('refuses skipping without a reason (%j)', (reason) => {
    const error = refusal(() => assertCanSkipStep(readyFor('make_right'), owner, 'make_right', reason), 'invalid_input');
    expect(error.field).toBe('reason');
  });

  it('refuses a reason over the limit', () => {
    const tooLong = 'x'.repeat(TEXT_LIMITS.reason + 1);
    const error = refusal(() => assertCanSkipStep(readyFor('make_right'), owner, 'make_right', tooLong), 'invalid_input');
    expect(error.field).toBe('reason');
    expect(error.message).toContain(String(TEXT_LIMITS.reason));
  });

  it.each(['own', 'apologize', 'ask', 'confirm_satisfied'] as const)('never skips "%s" (not_skippable)', (kind) => {
    const error = refusal(() => assertCanSkipStep(readyFor(kind), owner, kind, 'a perfectly good reason'), 'not_skippable');
    expect(error.message).toContain(`"${STEP_LABELS[kind]}" can't be skipped`);
  });

  it('refuses skipping "make it right" before the customer was asked', () => {
    refusal(() => assertCanSkipStep(readyFor('ask'), owner, 'make_right', 'No need'), 'wrong_order');
  });

  it('refuses skipping "make it right" when it is already done', () => {
    refusal(() => assertCanSkipStep(readyFor('confirm_satisfied'), owner, 'make_right', 'No need'), 'already_done');
  });

  it('refuses a skip from someone who is not the owner or an admin', () => {
    refusal(() => assertCanSkipStep(readyFor('make_right'), stranger, 'make_right', 'No need'), 'not_allowed');
    refusal(() => assertCanSkipStep(readyFor('make_right'), reporter, 'make_right', 'No need'), 'not_allowed');
    expect(assertCanSkipStep(readyFor('make_right'), admin, 'make_right', 'No need')).toBe('No need');
  });
});

describe('confirming the customer is satisfied (rules 4 and 5)', () => {
  it('refuses "satisfied" on an apology alone', () => {
    const error = refusal(() => assertCanMarkSatisfied(readyFor('make_right'), owner), 'apology_alone');
    expect(error.message).toContain('apology alone');
  });

  it('allows "satisfied" once the customer was made right', () => {
    expect(() => assertCanMarkSatisfied(readyFor('confirm_satisfied'), owner)).not.toThrow();
    expect(() => assertCanMarkSatisfied(readyFor('confirm_satisfied'), admin)).not.toThrow();
  });

  it('allows "satisfied" after "make it right" was skipped with the customer\'s reason', () => {
    const m = readyFor('make_right', {
      steps: readyFor('make_right').steps.map((s) =>
        s.kind === 'make_right' ? { ...s, status: 'skipped', skipReason: 'They only wanted an apology' } : s,
      ),
    });
    expect(() => assertCanMarkSatisfied(m, owner)).not.toThrow();
  });

  it.each([null, undefined, '', '   '])('refuses "satisfied" when "make it right" is marked skipped without a reason (%j)', (skipReason) => {
    const m = readyFor('make_right', {
      steps: readyFor('make_right').steps.map((s) => (s.kind === 'make_right' ? { ...s, status: 'skipped', skipReason } : s)),
    });
    refusal(() => assertCanMarkSatisfied(m, owner), 'apology_alone');
  });

  it.each(['own', 'apologize', 'ask'] as const)('refuses "satisfied" while "%s" is pending (wrong_order)', (kind) => {
    const error = refusal(() => assertCanMarkSatisfied(readyFor(kind), owner), 'wrong_order');
    expect(error.message).toContain(`"${STEP_LABELS[kind]}" comes first`);
  });

  it('refuses "satisfied" from the reporter or a stranger', () => {
    refusal(() => assertCanMarkSatisfied(readyFor('confirm_satisfied'), reporter), 'not_allowed');
    refusal(() => assertCanMarkSatisfied(readyFor('confirm_satisfied'), stranger), 'not_allowed');
  });

  it('allows "satisfied" on an escalated mistake (the customer came round)', () => {
    expect(() => assertCanMarkSatisfied(readyFor('confirm_satisfied', { state: 'escalated' }), owner)).not.toThrow();
  });

  it('refuses "satisfied" twice, and on a closed mistake', () => {
    refusal(() => assertCanMarkSatisfied(awaitingRca(), owner), 'already_done');
    refusal(() => assertCanMarkSatisfied(preventing(), owner), 'already_done');
    refusal(() => assertCanMarkSatisfied(closedMistake(), owner), 'invalid_state');
  });

  describe('"not satisfied"', () => {
    it('is allowed to the owner and an admin once the remedy is recorded', () => {
      expect(() => assertCanMarkNotSatisfied(readyFor('confirm_satisfied'), owner)).not.toThrow();
      expect(() => assertCanMarkNotSatisfied(readyFor('confirm_satisfied'), admin)).not.toThrow();
    });

    it('is refused to the reporter and strangers', () => {
      refusal(() => assertCanMarkNotSatisfied(readyFor('confirm_satisfied'), reporter), 'not_allowed');
      refusal(() => assertCanMarkNotSatisfied(readyFor('confirm_satisfied'), stranger), 'not_allowed');
    });

    it('is refused out of order and before a remedy', () => {
      refusal(() => assertCanMarkNotSatisfied(readyFor('apologize'), owner), 'wrong_order');
      const error = refusal(() => assertCanMarkNotSatisfied(readyFor('make_right'), owner), 'wrong_order');
      expect(error.message).toContain('Record how you made it right first');
    });

    it('is refused after the customer was marked satisfied, and when closed', () => {
      refusal(() => assertCanMarkNotSatisfied(awaitingRca(), owner), 'already_done');
      refusal(() => assertCanMarkNotSatisfied(closedMistake(), owner), 'invalid_state');
    });
  });
});

describe('root-cause analysis (rules 6 and 7)', () => {
  it.each(['reported', 'recovering', 'escalated'] as const)('is refused before satisfied, in state %s', (state) => {
    const m = readyFor('confirm_satisfied', { state });
    for (const actor of [owner, reporter, admin]) {
      const error = refusal(() => assertCanStartRca(m, actor), 'rca_before_satisfied');
      expect(error.message).toContain('The root-cause analysis opens once the customer is marked satisfied.');
      expect(error.message).toBe(RCA_BEFORE_SATISFIED);
    }
  });

  it('opens once the customer is satisfied, for the owner, the reporter and an admin', () => {
    for (const actor of [owner, reporter, admin]) {
      expect(() => assertCanStartRca(awaitingRca(), actor)).not.toThrow();
    }
  });

  it('is refused to a stranger, with a message that names everyone who may write it', () => {
    const error = refusal(() => assertCanStartRca(awaitingRca(), stranger), 'not_allowed');
    expect(error.message).toContain(`<@${OWNER_ID}>`);
    expect(error.message).toMatch(/reporter/);
  });

  it('is refused when already written', () => {
    const error = refusal(() => assertCanStartRca(awaitingRca({ hasRca: true }), owner), 'already_done');
    expect(error.message).toMatch(/already written/);
    refusal(() => assertCanStartRca(preventing(), owner), 'already_done');
    refusal(() => assertCanStartRca(closedMistake(), owner), 'already_done');
  });

  describe('validateRca', () => {
    const NOW = at(10 * DAY_MS);
    const goodRca = (overrides: Partial<RcaInput> = {}): RcaInput => ({
      whatHappened: '  The order was packed with the wrong size.  ',
      causes: 'Two sizes share one shelf label.',
      whatChanges: 'Separate labels and a scan check at packing.',
      prevention: [{ description: '  Relabel the shelves  ', ownerId: PREVENTION_OWNER_ID, dueAt: new Date(NOW.getTime() + 3 * DAY_MS) }],
      ...overrides,
    });

    it('accepts a complete RCA and trims its text', () => {
      const valid = validateRca(goodRca(), NOW);
      expect(valid.whatHappened).toBe('The order was packed with the wrong size.');
      expect(valid.prevention).toEqual([
        { description: 'Relabel the shelves', ownerId: PREVENTION_OWNER_ID, dueAt: new Date(NOW.getTime() + 3 * DAY_MS) },
      ]);
    });

    it('accepts several prevention steps and keeps their order', () => {
      const valid = validateRca(
        goodRca({
          prevention: [
            { description: 'First', ownerId: 'U1', dueAt: NOW },
            { description: 'Second', ownerId: 'U2', dueAt: new Date(NOW.getTime() + DAY_MS) },
          ],
        }),
        NOW,
      );
      expect(valid.prevention.map((p) => p.description)).toEqual(['First', 'Second']);
    });

    it('refuses an RCA with no prevention step', () => {
      const error = refusal(() => validateRca(goodRca({ prevention: [] }), NOW), 'invalid_input');
      expect(error.field).toBe('prevention_1');
    });

    it.each([
      ['whatHappened', 'what_happened'],
      ['causes', 'causes'],
      ['whatChanges', 'what_changes'],
    ] as const)('refuses an empty, whitespace-only or oversized %s on field %s', (key, field) => {
      for (const bad of ['', '  \n  ', 'a'.repeat(TEXT_LIMITS.rcaField + 1)]) {
        const error = refusal(() => validateRca(goodRca({ [key]: bad }), NOW), 'invalid_input');
        expect(error.field).toBe(field);
      }
    });

    it('accepts text exactly at the limit', () => {
      expect(() => validateRca(goodRca({ causes: 'a'.repeat(TEXT_LIMITS.rcaField) }), NOW)).not.toThrow();
    });

    it('refuses a prevention step without a description, naming which one', () => {
      const prevention = [
        { description: 'Fine', ownerId: 'U1', dueAt: NOW },
        { description: '   ', ownerId: 'U2', dueAt: NOW },
      ];
      const error = refusal(() => validateRca(goodRca({ prevention }), NOW), 'invalid_input');
      expect(error.field).toBe('prevention_2');
    });

    it('refuses an oversized prevention step', () => {
      const prevention = [{ description: 'p'.repeat(TEXT_LIMITS.prevention + 1), ownerId: 'U1', dueAt: NOW }];
      const error = refusal(() => validateRca(goodRca({ prevention }), NOW), 'invalid_input');
      expect(error.field).toBe('prevention_1');
    });

    it('refuses a prevention step without an owner', () => {
      const prevention = [{ description: 'Relabel', ownerId: '', dueAt: NOW }];
      const error = refusal(() => validateRca(goodRca({ prevention }), NOW), 'invalid_input');
      expect(error.field).toBe('prevention_1_owner');
    });

    it('refuses a prevention step without a valid due date', () => {
      for (const dueAt of [new Date('not a date'), undefined as unknown as Date, '2024-05-01' as unknown as Date]) {
        const prevention = [{ description: 'Relabel', ownerId: 'U1', dueAt }];
        const error = refusal(() => validateRca(goodRca({ prevention }), NOW), 'invalid_input');
        expect(error.field).toBe('prevention_1_due');
      }
    });

    it('refuses a due date in the past, but accepts today', () => {
      const past = [{ description: 'Relabel', ownerId: 'U1', dueAt: new Date(NOW.getTime() - 2 * DAY_MS) }];
      const error = refusal(() => validateRca(goodRca({ prevention: past }), NOW), 'invalid_input');
      expect(error.field).toBe('prevention_1_due');
      expect(error.message).toMatch(/past/);

      // A date picked as "today" arrives as midnight, a few hours before now.
      const today = [{ description: 'Relabel', ownerId: 'U1', dueAt: new Date(NOW.getTime() - 9 * HOUR_MS) }];
      expect(() => validateRca(goodRca({ prevention: today }), NOW)).not.toThrow();
    });
  });
});

describe('prevention steps (rule 7)', () => {
  const action = aPrevention();

  it('may be completed by the action owner, the mistake owner or an admin', () => {
    const m = preventing([action]);
    for (const actor of [preventionOwner, owner, admin]) {
      expect(() => assertCanCompletePrevention(m, actor, action)).not.toThrow();
    }
  });

  it('is refused to the reporter and strangers, naming the action owner', () => {
    const m = preventing([action]);
    for (const actor of [reporter, stranger]) {
      const error = refusal(() => assertCanCompletePrevention(m, actor, action), 'not_allowed');
      expect(error.message).toContain(`<@${PREVENTION_OWNER_ID}>`);
      expect(error.message).toMatch(/Nothing was changed/);
    }
  });

  it('is refused when already done', () => {
    const done = aPrevention({ status: 'done' });
    refusal(() => assertCanCompletePrevention(preventing([done]), preventionOwner, done), 'already_done');
  });

  it.each(['reported', 'recovering', 'escalated', 'awaiting_rca', 'closed'] as const)('is refused in state %s', (state) => {
    const m = preventing([action], { state });
    refusal(() => assertCanCompletePrevention(m, preventionOwner, action), 'invalid_state');
  });
});

describe('closing', () => {
  it('is allowed once the RCA is written and every prevention step is done', () => {
    const m = preventing([aPrevention({ status: 'done' }), aPrevention({ id: 8, status: 'done' })]);
    expect(isReadyToClose(m)).toBe(true);
    expect(() => assertCanClose(m, owner)).not.toThrow();
    expect(() => assertCanClose(m, admin)).not.toThrow();
  });

  it('is refused to the reporter and strangers', () => {
    const m = preventing([aPrevention({ status: 'done' })]);
    refusal(() => assertCanClose(m, reporter), 'not_allowed');
    refusal(() => assertCanClose(m, stranger), 'not_allowed');
  });

  it('is refused while prevention steps are open, counting them', () => {
    const one = preventing([aPrevention({ status: 'done' }), aPrevention({ id: 8 })]);
    expect(isReadyToClose(one)).toBe(false);
    expect(refusal(() => assertCanClose(one, owner), 'invalid_state').message).toBe('1 prevention step is still open.');

    const two = preventing([aPrevention(), aPrevention({ id: 8 })]);
    expect(refusal(() => assertCanClose(two, owner), 'invalid_state').message).toBe('2 prevention steps are still open.');
  });

  it.each(['reported', 'recovering', 'escalated', 'awaiting_rca'] as const)('is refused in state %s', (state) => {
    const m = preventing([aPrevention({ status: 'done' })], { state });
    expect(isReadyToClose(m)).toBe(false);
    refusal(() => assertCanClose(m, owner), 'invalid_state');
  });

  it('is refused without an RCA', () => {
    const m = preventing([aPrevention({ status: 'done' })], { hasRca: false });
    expect(isReadyToClose(m)).toBe(false);
    refusal(() => assertCanClose(m, owner), 'invalid_state');
  });

  it('is refused twice', () => {
    expect(isReadyToClose(closedMistake())).toBe(false);
    refusal(() => assertCanClose(closedMistake(), owner), 'already_done');
  });
});

describe('reassigning', () => {
  it('may be done by the owner, the reporter or an admin', () => {
    for (const actor of [owner, reporter, admin]) {
      expect(() => assertCanReassign(readyFor('apologize'), actor, 'U0NEW')).not.toThrow();
    }
  });

  it('is refused to strangers, without changing anything', () => {
    const error = refusal(() => assertCanReassign(readyFor('apologize'), stranger, STRANGER_ID), 'not_allowed');
    expect(error.message).toContain('its owner, its reporter, the escalation contact or an admin');
  });

  it('lets the escalation contact hand it on (an escalation reaches them), and nothing else', () => {
    const contact = { userId: STRANGER_ID, isEscalationContact: true };
    expect(() => assertCanReassign(readyFor('apologize'), contact, 'U0NEWOWNER')).not.toThrow();
    refusal(() => assertCanCompleteStep(readyFor('apologize'), contact, 'apologize'), 'not_allowed');
  });

  it('refuses handing it to the person who already owns it', () => {
    const error = refusal(() => assertCanReassign(readyFor('apologize'), reporter, OWNER_ID), 'invalid_input');
    expect(error.field).toBe('owner');
    expect(error.message).toContain(`<@${OWNER_ID}>`);
  });

  it('refuses an empty new owner', () => {
    expect(refusal(() => assertCanReassign(readyFor('apologize'), owner, ''), 'invalid_input').field).toBe('owner');
  });

  it('gives an unowned mistake an owner', () => {
    expect(() => assertCanReassign(aMistake({ ownerId: null }), reporter, 'U0NEW')).not.toThrow();
  });

  it('works after the recovery too, but not on a closed mistake', () => {
    expect(() => assertCanReassign(awaitingRca(), owner, 'U0NEW')).not.toThrow();
    expect(() => assertCanReassign(preventing(), owner, 'U0NEW')).not.toThrow();
    const error = refusal(() => assertCanReassign(closedMistake(), admin, 'U0NEW'), 'invalid_state');
    expect(error.message).toMatch(/Reopen/);
  });
});

describe('reopening', () => {
  it.each(['awaiting_rca', 'preventing', 'closed'] as const)('is allowed from %s and reopens make-it-right and confirmation', (state) => {
    const m = preventing([aPrevention({ status: 'done' })], { state });
    for (const actor of [owner, reporter, admin]) {
      expect(assertCanReopen(m, actor)).toEqual(['make_right', 'confirm_satisfied']);
    }
  });

  it('returns a fresh list that cannot corrupt the constant', () => {
    const steps = assertCanReopen(closedMistake(), owner);
    steps.push('own');
    expect(STEPS_REOPENED).toEqual(['make_right', 'confirm_satisfied']);
  });

  it.each(['reported', 'recovering', 'escalated'] as const)('is refused from %s (still open)', (state) => {
    refusal(() => assertCanReopen(aMistake({ state }), owner), 'invalid_state');
  });

  it('is refused to strangers', () => {
    refusal(() => assertCanReopen(closedMistake(), stranger), 'not_allowed');
  });

  it('schedules the reopened steps one SLA period apart', () => {
    const due = scheduleSteps('critical', DEFAULT_SLA, T0, STEPS_REOPENED);
    expect([...due.keys()]).toEqual(['make_right', 'confirm_satisfied']);
    expect(due.get('make_right')).toEqual(at(30 * MINUTE_MS));
    expect(due.get('confirm_satisfied')).toEqual(at(60 * MINUTE_MS));
  });
});

describe('who may act (rule 1)', () => {
  const ALL_ACTIONS = [
    'completeStep',
    'skipStep',
    'markSatisfied',
    'markNotSatisfied',
    'reassign',
    'reopen',
    'submitRca',
    'completePrevention',
    'close',
  ] as const;

  it.each(ALL_ACTIONS)('the owner and an admin may %s', (action) => {
    expect(mayAct(aMistake(), owner, action)).toBe(true);
    expect(mayAct(aMistake(), admin, action)).toBe(true);
    expect(mayAct(aMistake({ ownerId: null }), admin, action)).toBe(true);
  });

  it.each(ALL_ACTIONS)('a stranger may not %s', (action) => {
    expect(mayAct(aMistake(), stranger, action)).toBe(false);
    expect(mayAct(aMistake({ ownerId: null }), stranger, action)).toBe(false);
  });

  it('the reporter may only reassign, reopen and write the RCA', () => {
    const allowed = ALL_ACTIONS.filter((action) => mayAct(aMistake(), reporter, action));
    expect(allowed).toEqual(['reassign', 'reopen', 'submitRca']);
  });

  it('a reporter who owns the mistake may do everything', () => {
    const m = aMistake({ ownerId: REPORTER_ID });
    expect(ALL_ACTIONS.every((action) => mayAct(m, reporter, action))).toBe(true);
  });

  it('an explicit isAdmin: false is no admin', () => {
    expect(mayAct(aMistake(), { userId: ADMIN_ID, isAdmin: false }, 'completeStep')).toBe(false);
  });

  it('refuses politely: names the owner as a mention and says nothing was changed', () => {
    const error = refusal(() => assertCanCompleteStep(readyFor('apologize'), stranger, 'apologize'), 'not_allowed');
    expect(error.message).toContain(`<@${OWNER_ID}>`);
    expect(error.message).toContain('nothing was changed');
    expect(error.message).toMatch(/^Only its owner or an admin can do that\./);
  });

  it('says who to ask when the mistake has no owner yet', () => {
    const error = refusal(() => assertCanMarkSatisfied(readyFor('confirm_satisfied', { ownerId: null }), stranger), 'not_allowed');
    expect(error.message).not.toContain('<@');
    expect(error.message).toMatch(/reporter or an admin/);
    expect(error.message).toContain('nothing was changed');
  });
});

describe('scheduleSteps (rule 8)', () => {
  it.each([
    ['critical', 30 * MINUTE_MS],
    ['high', 4 * HOUR_MS],
    ['medium', DAY_MS],
    ['low', 3 * DAY_MS],
  ] as const)('a %s mistake gets %d ms per step, counted from the report', (severity, period) => {
    const due = scheduleSteps(severity, DEFAULT_SLA, T0);
    expect([...due.keys()]).toEqual([...STEP_KINDS]);
    STEP_KINDS.forEach((kind, index) => {
      expect(due.get(kind)).toEqual(at(period * (index + 1)));
    });
  });

  it('owns a critical mistake in 30 minutes and apologizes 30 minutes after that', () => {
    const due = scheduleSteps('critical', DEFAULT_SLA, T0);
    expect(due.get('own')?.toISOString()).toBe('2024-03-04T09:30:00.000Z');
    expect(due.get('apologize')?.toISOString()).toBe('2024-03-04T10:00:00.000Z');
    expect(due.get('confirm_satisfied')?.toISOString()).toBe('2024-03-04T11:30:00.000Z');
  });

  it('is faster the more severe the mistake', () => {
    const firstDue = SEVERITIES.map((s) => scheduleSteps(s, DEFAULT_SLA, T0).get('own')!.getTime());
    // SEVERITIES goes low → critical: each is strictly sooner than the one before.
    for (let i = 1; i < firstDue.length; i++) expect(firstDue[i]!).toBeLessThan(firstDue[i - 1]!);
  });

  it('uses a configured SLA and keeps the order of the kinds it is given', () => {
    const sla: SlaPolicy = { stepMs: { critical: MINUTE_MS, high: 2 * MINUTE_MS, medium: 3 * MINUTE_MS, low: 4 * MINUTE_MS } };
    const due = scheduleSteps('medium', sla, T0, ['ask', 'make_right', 'confirm_satisfied']);
    expect([...due.entries()]).toEqual([
      ['ask', at(3 * MINUTE_MS)],
      ['make_right', at(6 * MINUTE_MS)],
      ['confirm_satisfied', at(9 * MINUTE_MS)],
    ]);
  });

  it('schedules nothing for no kinds, and does not move `from`', () => {
    const from = new Date(T0);
    expect(scheduleSteps('high', DEFAULT_SLA, from, []).size).toBe(0);
    scheduleSteps('high', DEFAULT_SLA, from);
    expect(from).toEqual(T0);
  });
});

describe('nextStep', () => {
  it('is the first pending step in playbook order', () => {
    expect(nextStep(aMistake())?.kind).toBe('own');
    expect(nextStep(readyFor('ask'))?.kind).toBe('ask');
    expect(nextStep(readyFor('confirm_satisfied', { state: 'escalated' }))?.kind).toBe('confirm_satisfied');
  });

  it('follows playbook order even when the stored steps are shuffled', () => {
    const m = readyFor('apologize');
    const shuffled = { ...m, steps: [...m.steps].reverse() };
    expect(nextStep(shuffled)?.kind).toBe('apologize');
  });

  it('skips over a skipped step', () => {
    const m = aMistake({
      state: 'recovering',
      steps: [
        aStep('own', { status: 'done' }),
        aStep('apologize', { status: 'done' }),
        aStep('ask', { status: 'done' }),
        aStep('make_right', { status: 'skipped', skipReason: 'Nothing more' }),
        aStep('confirm_satisfied'),
      ],
    });
    expect(nextStep(m)?.kind).toBe('confirm_satisfied');
  });

  it('is null once the recovery is over, whatever the steps say', () => {
    for (const state of ['awaiting_rca', 'preventing', 'closed'] as const) {
      expect(nextStep(aMistake({ state }))).toBeNull();
    }
  });
});

describe('outstanding', () => {
  it('lists only the current step, with its owner and due time', () => {
    const m = readyFor('apologize');
    const items = outstanding(m, T0);
    expect(items).toHaveLength(1);
    expect(items[0]).toEqual({
      kind: 'step',
      step: 'apologize',
      label: 'Apologize',
      ownerId: OWNER_ID,
      dueAt: at(2 * HOUR_MS),
      overdue: false,
      overdueByMs: 0,
      snoozedUntil: null,
      reminderCount: 0,
    });
  });

  it('flags an overdue step and says by how much; exactly on time is not overdue', () => {
    const m = readyFor('apologize');
    expect(outstanding(m, at(2 * HOUR_MS))[0]).toMatchObject({ overdue: false, overdueByMs: 0 });
    expect(outstanding(m, at(2 * HOUR_MS + 1))[0]).toMatchObject({ overdue: true, overdueByMs: 1 });
    expect(outstanding(m, at(5 * HOUR_MS))[0]).toMatchObject({ overdue: true, overdueByMs: 3 * HOUR_MS });
  });

  it('carries the snooze and the reminder count', () => {
    const m = aMistake({ steps: [aStep('own', { snoozedUntil: at(MINUTE_MS), reminderCount: 2 })] });
    expect(outstanding(m, T0)[0]).toMatchObject({ snoozedUntil: at(MINUTE_MS), reminderCount: 2 });
  });

  it('lists open prevention steps (not done ones) while preventing, each with its own owner', () => {
    const m = preventing([
      aPrevention({ id: 1, description: 'Relabel', ownerId: 'U1', dueAt: at(DAY_MS) }),
      aPrevention({ id: 2, status: 'done' }),
      aPrevention({ id: 3, description: 'Scan check', ownerId: 'U3', dueAt: at(3 * DAY_MS), reminderCount: 1 }),
    ]);
    const items = outstanding(m, at(2 * DAY_MS));
    expect(items).toEqual([
      expect.objectContaining({ kind: 'prevention', preventionId: 1, label: 'Relabel', ownerId: 'U1', overdue: true, overdueByMs: DAY_MS }),
      expect.objectContaining({
        kind: 'prevention',
        preventionId: 3,
        label: 'Scan check',
        ownerId: 'U3',
        overdue: false,
        overdueByMs: 0,
        reminderCount: 1,
      }),
    ]);
  });

  it.each(['recovering', 'awaiting_rca', 'closed'] as const)('lists no prevention step in state %s', (state) => {
    const m = preventing([aPrevention()], { state });
    expect(outstanding(m, at(30 * DAY_MS)).filter((i) => i.kind === 'prevention')).toEqual([]);
  });

  it('is empty when nothing is owed', () => {
    expect(outstanding(awaitingRca(), at(30 * DAY_MS))).toEqual([]);
    expect(outstanding(closedMistake(), at(30 * DAY_MS))).toEqual([]);
    expect(outstanding(preventing([]), at(30 * DAY_MS))).toEqual([]);
  });
});

describe('escalationsDue (rules 1 and 5)', () => {
  const policy: EscalationPolicy = { escalateAfterMs: 2 * HOUR_MS, reminderCap: 3 };

  it('is empty for a mistake on track', () => {
    expect(escalationsDue(readyFor('apologize'), T0, policy)).toEqual([]);
  });

  it('escalates a mistake nobody owns', () => {
    const due = escalationsDue(aMistake({ ownerId: null }), T0, policy);
    expect(due).toEqual([{ key: 'unowned', reason: 'unowned', text: 'Nobody owns this recovery.' }]);
  });

  it('does not call an unowned mistake unowned once the recovery is over', () => {
    const keys = escalationsDue(awaitingRca({ ownerId: null }), T0, policy).map((e) => e.key);
    expect(keys).not.toContain('unowned');
  });

  it('escalates a step only once it is overdue beyond the threshold, with a stable key', () => {
    const m = readyFor('apologize'); // "Apologize" is due at T0 + 2h.
    expect(escalationsDue(m, at(2 * HOUR_MS + 1), policy)).toEqual([]);
    expect(escalationsDue(m, at(4 * HOUR_MS - 1), policy)).toEqual([]);

    const due = escalationsDue(m, at(4 * HOUR_MS), policy);
    const key = `overdue:apologize@${at(2 * HOUR_MS).toISOString()}`;
    expect(due).toEqual([{ key, reason: 'overdue', text: `"Apologize" is overdue (owner <@${OWNER_ID}>).` }]);
    expect(escalationsDue(m, at(40 * HOUR_MS), policy).map((e) => e.key)).toEqual([key]);
  });

  it('gives a rescheduled step (after a reopen or "not satisfied") a new escalation key', () => {
    const first = escalationsDue(readyFor('apologize'), at(10 * HOUR_MS), policy)[0]!.key;
    const later = readyFor('apologize');
    later.steps = later.steps.map((s) => (s.kind === 'apologize' ? { ...s, dueAt: at(5 * HOUR_MS) } : s));
    const second = escalationsDue(later, at(10 * HOUR_MS), policy)[0]!.key;
    expect(second).not.toBe(first);
  });

  it('escalates an unowned, overdue step on both counts, without naming an owner', () => {
    const due = escalationsDue(aMistake({ ownerId: null }), at(10 * HOUR_MS), policy);
    expect(due.map((e) => e.key.replace(/@.*$/, ''))).toEqual(['unowned', 'overdue:own']);
    expect(due[1]!.text).toBe('"Own it" is overdue.');
  });

  it('escalates a step once its reminders reach the cap', () => {
    const withReminders = (reminderCount: number) => aMistake({ steps: [aStep('own', { reminderCount }), aStep('apologize')] });
    expect(escalationsDue(withReminders(2), T0, policy)).toEqual([]);
    expect(escalationsDue(withReminders(3), T0, policy)).toEqual([
      { key: expect.stringMatching(/^reminder_cap:own@/), reason: 'reminder_cap', text: '"Own it" has been reminded 3 times without an answer.' },
    ]);
  });

  it('escalates overdue prevention steps by their id', () => {
    const m = preventing([aPrevention({ id: 9, description: 'Relabel', dueAt: at(DAY_MS) })]);
    const due = escalationsDue(m, at(2 * DAY_MS), policy);
    expect(due).toEqual([
      { key: `overdue:prevention-9@${at(DAY_MS).toISOString()}`, reason: 'overdue', text: `"Relabel" is overdue (owner <@${PREVENTION_OWNER_ID}>).` },
    ]);
  });

  it('escalates nothing for a closed mistake, however late', () => {
    const m = closedMistake({ ownerId: null, prevention: [aPrevention({ reminderCount: 99 })] });
    expect(escalationsDue(m, at(365 * DAY_MS), policy)).toEqual([]);
  });
});

describe('cleanText', () => {
  it('trims and returns the text', () => {
    expect(cleanText('  Acme Ltd \n', 'The customer', 200)).toBe('Acme Ltd');
  });

  it.each(['', '   ', '\n\t ', '\u00a0'])('refuses empty or whitespace-only text (%j) with the label and field', (value) => {
    const error = refusal(() => cleanText(value, 'The customer', 200, 'customer'), 'invalid_input');
    expect(error.message).toBe("The customer can't be empty.");
    expect(error.field).toBe('customer');
  });

  it('refuses something that is not text at all', () => {
    for (const value of [undefined, null, 42, { text: 'x' }]) {
      refusal(() => cleanText(value, 'The customer', 200), 'invalid_input');
    }
  });

  it('returns an empty string for empty optional text', () => {
    expect(cleanText('   ', 'A note', 100, 'note', { optional: true })).toBe('');
    expect(cleanText(undefined, 'A note', 100, 'note', { optional: true })).toBe('');
  });

  it('still limits optional text', () => {
    refusal(() => cleanText('abcd', 'A note', 3, 'note', { optional: true }), 'invalid_input');
  });

  it('accepts text at the limit and refuses one character more, saying how long it is', () => {
    expect(cleanText('a'.repeat(10), 'The customer', 10)).toHaveLength(10);
    const error = refusal(() => cleanText('a'.repeat(11), 'The customer', 10, 'customer'), 'invalid_input');
    expect(error.message).toBe('The customer is too long: 11 characters, the limit is 10.');
    expect(error.field).toBe('customer');
  });

  it('measures the length after trimming', () => {
    expect(cleanText(`   ${'a'.repeat(10)}   `, 'The customer', 10)).toBe('a'.repeat(10));
  });

  it('counts an emoji as one character, not two UTF-16 units', () => {
    const tenEmoji = '😀'.repeat(10);
    expect(tenEmoji.length).toBe(20);
    expect(cleanText(tenEmoji, 'The customer', 10)).toBe(tenEmoji);
    const error = refusal(() => cleanText('😀'.repeat(11), 'The customer', 10), 'invalid_input');
    expect(error.message).toContain('11 characters');
  });

  it('keeps right-to-left text and emoji intact', () => {
    const hebrew = 'ההזמנה הגיעה שבורה 📦';
    const arabic = '\u200Fتأخر الطلب يومين 🙏🏽';
    const family = 'Sent to 👨‍👩‍👧 the wrong address';
    expect(cleanText(` ${hebrew} `, 'What happened', 3000)).toBe(hebrew);
    expect(cleanText(arabic, 'What happened', 3000)).toBe(arabic);
    expect(cleanText(family, 'What happened', 3000)).toBe(family);
  });
});

describe('resolving escalations', () => {
  const overdue = (ref: string) => ({ key: `overdue:${ref}@2026-01-01T00:00:00.000Z`, reason: 'overdue' });
  const notSatisfied = { key: 'not_satisfied:1', reason: 'not_satisfied' };
  const unowned = { key: 'unowned', reason: 'unowned' };

  it('reads what an escalation key is about', () => {
    expect(escalationSubject(overdue('apologize').key)).toEqual({ step: 'apologize' });
    expect(escalationSubject(overdue('root_cause_analysis').key)).toEqual({ step: 'root_cause_analysis' });
    expect(escalationSubject(overdue('prevention-7').key)).toEqual({ preventionId: 7 });
    expect(escalationSubject('reminder_cap:ask@2026-01-01T00:00:00.000Z')).toEqual({ step: 'ask' });
    expect(escalationSubject('not_satisfied:2')).toEqual({});
    expect(escalationSubject('overdue:nonsense@x')).toEqual({});
  });

  it('resolves on closing, always', () => {
    for (const e of [overdue('apologize'), overdue('prevention-7'), notSatisfied, unowned, overdue('root_cause_analysis')]) {
      expect(resolvesEscalation(e, { kind: 'closed' })).toBe(true);
    }
  });

  it('resolves what was about the recovery when the customer is satisfied', () => {
    expect(resolvesEscalation(notSatisfied, { kind: 'satisfied' })).toBe(true);
    expect(resolvesEscalation(overdue('make_right'), { kind: 'satisfied' })).toBe(true);
    expect(resolvesEscalation(unowned, { kind: 'satisfied' })).toBe(true);
    expect(resolvesEscalation(overdue('prevention-7'), { kind: 'satisfied' })).toBe(false);
  });

  it('resolves what was the owner’s when it is handed on, not a prevention step (it has its own owner)', () => {
    expect(resolvesEscalation(notSatisfied, { kind: 'reassigned' })).toBe(true);
    expect(resolvesEscalation(overdue('root_cause_analysis'), { kind: 'reassigned' })).toBe(true);
    expect(resolvesEscalation(overdue('prevention-7'), { kind: 'reassigned' })).toBe(false);
  });

  it('resolves a late step once it is done, and "nobody owns it" once someone does', () => {
    expect(resolvesEscalation(overdue('apologize'), { kind: 'step', step: 'apologize' })).toBe(true);
    expect(resolvesEscalation(overdue('apologize'), { kind: 'step', step: 'own' })).toBe(false);
    expect(resolvesEscalation(unowned, { kind: 'step', step: 'own' })).toBe(true);
    expect(resolvesEscalation(overdue('root_cause_analysis'), { kind: 'step', step: 'root_cause_analysis' })).toBe(true);
    expect(resolvesEscalation(overdue('prevention-7'), { kind: 'prevention', preventionId: 7 })).toBe(true);
    expect(resolvesEscalation(overdue('prevention-7'), { kind: 'prevention', preventionId: 8 })).toBe(false);
    expect(resolvesEscalation(notSatisfied, { kind: 'step', step: 'make_right' })).toBe(false);
  });
});

describe('the root-cause analysis as a chased step', () => {
  const satisfied = (overrides: Partial<MistakeSnapshot> = {}): MistakeSnapshot => ({
    ...readyFor('confirm_satisfied'),
    steps: readyFor('confirm_satisfied').steps.map((s) => ({ ...s, status: 'done' as const })),
    state: 'awaiting_rca',
    rcaStep: { status: 'pending', dueAt: new Date('2026-01-01T12:00:00Z'), reminderCount: 0 },
    ...overrides,
  });

  it('is outstanding for the owner once the customer is satisfied, and escalated when late', () => {
    const now = new Date('2026-01-02T13:00:00Z');
    const items = outstanding(satisfied(), now);
    expect(items).toEqual([expect.objectContaining({ kind: 'step', step: 'root_cause_analysis', label: 'Root-cause analysis', overdue: true })]);
    const due = escalationsDue(satisfied(), now, { escalateAfterMs: 0, reminderCap: 3 });
    expect(due.map((d) => d.key)).toEqual(['overdue:root_cause_analysis@2026-01-01T12:00:00.000Z']);
  });

  it('is not chased once written, nor before the customer is satisfied', () => {
    const now = new Date('2026-01-02T13:00:00Z');
    expect(outstanding(satisfied({ hasRca: true }), now)).toEqual([]);
    expect(outstanding(satisfied({ rcaStep: null }), now)).toEqual([]);
    expect(outstanding(satisfied({ state: 'recovering' }), now).some((i) => i.step === 'root_cause_analysis')).toBe(false);
  });
});
