// Mistakes as the views receive them (the view-models the services build), at each stage of the
// playbook, and helpers that pull the interesting parts (buttons, texts) out of rendered Block Kit.

import type { MistakeView, PreventionView, RcaView, StepView } from '../../src/services/views';
import type { MistakeSummary, PreventionSummary } from '../../src/services/queries';
import { STEP_KINDS, type StepKind } from '../../src/domain/playbook';

export const T0 = new Date('2024-03-04T09:00:00.000Z');
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
export const at = (ms: number): Date => new Date(T0.getTime() + ms);
export const CTX = { now: at(2 * HOUR), timeZone: 'Europe/Paris' };

export const OWNER = 'U0OWNER';
export const REPORTER = 'U0REPORTER';
export const OTHER = 'U0OTHER';

export type Stage = 'reported' | 'recovering' | 'asked' | 'made_right' | 'skipped' | 'escalated' | 'awaiting_rca' | 'preventing' | 'closed';

function step(kind: StepKind, position: number, overrides: Partial<StepView> = {}): StepView {
  return {
    kind,
    status: 'pending',
    dueAt: at((position + 1) * 4 * HOUR),
    doneById: null,
    doneAt: null,
    skipReason: null,
    customerAnswer: null,
    remedyKind: null,
    remedyValue: null,
    note: null,
    snoozedUntil: null,
    reminderCount: 0,
    ...overrides,
  };
}

export function prevention(_mistakeId: number, id: number, overrides: Partial<PreventionView> = {}): PreventionView {
  return {
    id,
    description: `Add the address check to the dispatch list (${id})`,
    ownerId: OWNER,
    dueAt: at(7 * DAY),
    status: 'open',
    doneById: null,
    doneAt: null,
    snoozedUntil: null,
    reminderCount: 0,
    ...overrides,
  };
}

const done = (by: string, when: number) => ({ status: 'done' as const, doneById: by, doneAt: at(when) });

/** A mistake at `stage`, as the services hand it to the views. */
export function mistake(stage: Stage, overrides: Partial<MistakeView> = {}): MistakeView {
  const id = overrides.id ?? 42;
  const order = STEP_KINDS.indexOf.bind(STEP_KINDS);
  const stepOverrides: Partial<Record<StepKind, Partial<StepView>>> = {};
  const reached = (kinds: StepKind[]) => {
    for (const k of kinds) stepOverrides[k] = { ...done(OWNER, order(k) * HOUR) };
  };
  let state: MistakeView['state'] = 'recovering';
  const ownerId: string | null = OWNER;
  let escalationLevel = 0;
  let escalationReason: string | null = null;
  let rca: RcaView | null = null;
  let prev: PreventionView[] = [];

  switch (stage) {
    case 'reported':
      state = 'reported';
      break;
    case 'recovering':
      reached(['own']);
      break;
    case 'asked':
      reached(['own', 'apologize', 'ask']);
      stepOverrides.ask = { ...stepOverrides.ask, customerAnswer: 'A refund of the delivery fee, and the order by Friday.' };
      break;
    case 'made_right':
      reached(['own', 'apologize', 'ask', 'make_right']);
      stepOverrides.ask = { ...stepOverrides.ask, customerAnswer: 'A refund of the delivery fee.' };
      stepOverrides.make_right = { ...stepOverrides.make_right, remedyKind: 'refund', remedyValue: '€12 back to their card' };
      break;
    case 'skipped':
      reached(['own', 'apologize', 'ask']);
      stepOverrides.ask = { ...stepOverrides.ask, customerAnswer: 'Nothing, just wanted us to know.' };
      stepOverrides.make_right = { ...done(OWNER, 3 * HOUR), status: 'skipped', skipReason: 'They only wanted an apology.' };
      break;
    case 'escalated':
      state = 'escalated';
      reached(['own', 'apologize', 'ask']);
      stepOverrides.ask = { ...stepOverrides.ask, customerAnswer: 'A refund of the delivery fee.' };
      stepOverrides.make_right = { remedyKind: 'credit', remedyValue: '€5 store credit' };
      escalationLevel = 1;
      escalationReason = 'The customer is not satisfied: they wanted the fee back, not credit.';
      break;
    case 'awaiting_rca':
      state = 'awaiting_rca';
      reached([...STEP_KINDS]);
      stepOverrides.ask = { ...stepOverrides.ask, customerAnswer: 'A refund of the delivery fee.' };
      stepOverrides.make_right = { ...stepOverrides.make_right, remedyKind: 'refund', remedyValue: '€12 back to their card' };
      stepOverrides.confirm_satisfied = { ...stepOverrides.confirm_satisfied, note: 'They thanked us for the quick call.' };
      break;
    case 'preventing':
    case 'closed':
      state = stage;
      reached([...STEP_KINDS]);
      stepOverrides.make_right = { ...stepOverrides.make_right, remedyKind: 'refund', remedyValue: '€12 back to their card' };
      rca = {
        whatHappened: 'The parcel went to the old address.',
        causes: 'The address change in the CRM did not reach the dispatch list.',
        whatChanges: 'Dispatch reads addresses from the CRM on the day it ships.',
        authorId: OWNER,
        createdAt: at(DAY),
      };
      prev =
        stage === 'closed'
          ? [prevention(id, 1, { ...done(OWNER, 2 * DAY) }), prevention(id, 2, { ownerId: OTHER, ...done(OTHER, 3 * DAY) })]
          : [prevention(id, 1), prevention(id, 2, { ownerId: OTHER, ...done(OTHER, 2 * DAY) })];
      break;
  }

  return {
    id,
    teamId: 'T1',
    customer: 'Acme Ltd',
    account: null,
    customerLink: null,
    customerKey: null,
    value: null,
    whatHappened: 'We shipped the order to their old address.',
    impact: 'They waited four extra days for stock they needed for a launch.',
    severity: 'high',
    category: 'delivery',
    reporterId: REPORTER,
    ownerId,
    state,
    version: 5,
    channelId: 'C0ESCALATE',
    threadTs: '1709542800.000100',
    escalationLevel,
    escalatedAt: escalationLevel > 0 ? at(5 * HOUR) : null,
    escalationReason,
    apologizedAt: stepOverrides.apologize ? at(HOUR) : null,
    satisfiedAt: stepOverrides.confirm_satisfied ? at(4 * HOUR) : null,
    closedAt: state === 'closed' ? at(3 * DAY) : null,
    createdAt: T0,
    steps: STEP_KINDS.map((k, i) => step(k, i, stepOverrides[k])),
    outcome: null,
    checkInDueAt: null,
    checkInAskedAt: null,
    checkInsSent: 0,
    customerNoteSentAt: null,
    customerNoteSentById: null,
    rcaStep: null,
    nextContact: null,
    rca,
    prevention: prev,
    ...overrides,
  };
}

export function summary(i: number, overrides: Partial<MistakeSummary> = {}): MistakeSummary {
  return {
    id: i,
    customer: `Customer ${i}`,
    account: null,
    customerLink: null,
    value: null,
    severity: (['critical', 'high', 'medium', 'low'] as const)[i % 4]!,
    state: 'recovering',
    ownerId: OWNER,
    reporterId: REPORTER,
    channelId: 'C0ESCALATE',
    threadTs: `17095428${String(i).padStart(2, '0')}.000100`,
    nextStep: 'apologize',
    nextDueAt: at((i % 10) * HOUR),
    snoozedUntil: null,
    escalationLevel: 0,
    apologized: false,
    customerAskedForMore: false,
    createdAt: T0,
    version: 3,
    ...overrides,
  };
}

export function preventionSummary(i: number, overrides: Partial<PreventionSummary> = {}): PreventionSummary {
  return {
    id: 100 + i,
    mistakeId: i,
    description: `Prevention step ${i}: check the address before dispatch`,
    ownerId: OWNER,
    dueAt: at(i * DAY),
    customer: `Customer ${i}`,
    channelId: 'C0ESCALATE',
    threadTs: '1709542800.000100',
    mistakeVersion: 4,
    ...overrides,
  };
}

// ---------------------------------------------------------------------------------------------
// Reading rendered Block Kit.

export interface FoundButton {
  action_id: string;
  text: string;
  value?: string;
  url?: string;
  style?: string;
}

/** Every button, in actions blocks and section accessories, in order. */
export function buttons(blocks: readonly unknown[]): FoundButton[] {
  const found: FoundButton[] = [];
  const visit = (el: unknown) => {
    const e = el as Record<string, unknown>;
    if (e && e.type === 'button') {
      found.push({
        action_id: e.action_id as string,
        text: (e.text as { text: string }).text,
        value: e.value as string | undefined,
        url: e.url as string | undefined,
        style: e.style as string | undefined,
      });
    }
  };
  for (const b of blocks as Record<string, unknown>[]) {
    if (b.type === 'actions') (b.elements as unknown[]).forEach(visit);
    if (b.type === 'section' && b.accessory) visit(b.accessory);
  }
  return found;
}

export const buttonLabels = (blocks: readonly unknown[]): string[] => buttons(blocks).map((b) => b.text);

/** Every text a person reads (mrkdwn and plain), joined: what a test searches for words in. */
export function texts(node: unknown): string[] {
  const out: string[] = [];
  const visit = (n: unknown) => {
    if (Array.isArray(n)) n.forEach(visit);
    else if (n && typeof n === 'object') {
      const o = n as Record<string, unknown>;
      if ((o.type === 'mrkdwn' || o.type === 'plain_text') && typeof o.text === 'string') out.push(o.text);
      for (const [k, v] of Object.entries(o)) if (k !== 'text' || typeof v !== 'string') visit(v);
    }
  };
  visit(node);
  return out;
}

export const allText = (node: unknown): string => texts(node).join('\n');
