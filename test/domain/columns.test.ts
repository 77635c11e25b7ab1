// Every JSON column has one union and one decoder: what the writer stores reads back the same,
// and a row it did not write (corrupted, another version's, the wrong shape) reads as null.
import { clickOf, decodeInteractionPayload, encodeInteractionPayload, type InteractionPayload } from '../../src/domain/clicks';
import {
  decodeDeliveryPayload,
  decodeDirectMessagePayload,
  type DeliveryRequest,
  type DirectMessagePayload,
  encodeDeliveryPayload,
  encodeDirectMessagePayload,
} from '../../src/domain/deliveries';
import { decodeRunDetails, encodeRunDetails, type RunDetails } from '../../src/domain/runs';
import { decodeTimelineDetails, encodeTimelineDetails, movedOn, type TimelineDetails } from '../../src/domain/timeline';

const AT = new Date('2026-03-04T09:00:00.000Z');

const EVENTS: TimelineDetails[] = [
  { kind: 'reported', ownerId: 'U1', severity: 'high', ownedAtReport: false },
  { kind: 'owned', step: 'own' },
  { kind: 'owned', step: 'own', note: 'on it' },
  { kind: 'step_done', step: 'apologize' },
  {
    kind: 'step_done',
    step: 'apologize',
    contactId: 3,
    contactChannel: 'call',
    contactSummary: 'Called them',
    apology: 'I am sorry.',
    nextContactAt: AT,
  },
  { kind: 'contact_logged', contactId: 4, channel: 'in_person', summary: 'Visited' },
  { kind: 'contact_logged', contactId: 5, channel: 'email', summary: 'Wrote', nextContactAt: AT },
  { kind: 'step_done', step: 'ask', customerAnswer: 'A refund' },
  { kind: 'step_done', step: 'make_right', remedyKind: 'refund', remedyValue: '€12', note: 'by card' },
  { kind: 'step_skipped', step: 'make_right', reason: 'Only wanted an apology' },
  { kind: 'satisfied' },
  { kind: 'satisfied', comment: 'Happy' },
  { kind: 'not_satisfied', comment: 'Wanted the fee back' },
  { kind: 'escalated', level: 2, reason: 'overdue', text: '"Apologize" is overdue.', key: 'overdue:apologize@2026-03-04T09:00:00.000Z' },
  { kind: 'reassigned', from: null, to: 'U2' },
  { kind: 'reassigned', from: 'U1', to: 'U2' },
  { kind: 'reopened', reason: 'It broke again' },
  { kind: 'rca_submitted', preventionCount: 2 },
  { kind: 'prevention_done', preventionId: 7, description: 'Check addresses' },
  { kind: 'closed' },
  { kind: 'snoozed', step: 'root_cause_analysis', until: AT },
  { kind: 'snoozed', preventionId: 7, until: AT },
  { kind: 'snoozed', contactId: 4, until: AT },
];

const DELIVERIES: DeliveryRequest[] = [
  { kind: 'card', mistakeId: 1 },
  { kind: 'reply', mistakeId: 1, eventId: 2 },
  { kind: 'dm', mistakeId: 1, eventId: 2, userId: 'U1' },
  { kind: 'escalation', mistakeId: 1, escalationId: 3 },
  { kind: 'escalation_update', mistakeId: 1, escalationId: 3 },
  { kind: 'dm_update', channel: 'D1', ts: '1.2' },
  { kind: 'home', userId: 'U1' },
  { kind: 'reminder', userId: 'U1', pass: AT.toISOString(), steps: [1, 2], prevention: [] },
  { kind: 'digest', slot: 'digest:2026-03-04', slotAt: AT, channel: 'C1', since: AT, late: false, first: true },
  { kind: 'digest', slot: 'digest:2026-03-04:extra', slotAt: AT, channel: 'C1', since: AT, late: true, extraOf: null },
  { kind: 'digest', slot: 'digest:2026-03-04:extra', slotAt: AT, channel: 'C1', since: AT, late: false, extraOf: AT },
  { kind: 'message', key: 'card-failed:1', channel: 'U1', text: 'Saved' },
  { kind: 'message', key: 'k', channel: 'C1', text: 'With blocks', blocks: [{ type: 'divider' }] },
  { kind: 'reminder', userId: 'U1', pass: AT.toISOString(), steps: [], prevention: [], contacts: [6] },
];

const DIRECT_MESSAGES: DirectMessagePayload[] = [
  { kind: 'dm', mistakeId: 1, eventId: 2, userId: 'U1', offered: 'own' },
  { kind: 'dm', mistakeId: 1, eventId: 2, userId: 'U1', offered: null },
  { kind: 'dm', mistakeId: 1, eventId: 2, userId: 'U1', offered: 'prevention' },
  { kind: 'reminder', userId: 'U1', steps: [3], prevention: [4, 5] },
  { kind: 'reminder', userId: 'U1', steps: [], prevention: [], contacts: [6] },
];

const INTERACTIONS: InteractionPayload[] = [
  { kind: 'own', mistakeId: 1 },
  { kind: 'apologize', mistakeId: 1, channelId: 'C1' },
  { kind: 'prevention_done', mistakeId: 1, preventionId: 2 },
  { kind: 'snooze', mistakeId: 1, snoozeMinutes: 0 },
  { kind: 'snooze', mistakeId: 1, snoozeMinutes: 60, preventionId: 2, channelId: 'D1' },
  { kind: 'snooze', mistakeId: 1, snoozeMinutes: 60, contactId: 6, channelId: 'D1' },
  { kind: 'form' },
];

const RUNS: RunDetails[] = [
  { job: 'digest' },
  { job: 'digest', supersededBy: 'digest:2026-03-05' },
  { job: 'reminders' },
  { job: 'reminders', owners: 1, items: 2, waitingForOfficeHours: 0 },
  { job: 'escalations', escalated: 3 },
];

/** JSON.parse(JSON.stringify(x)) keeps undefined out; a decoder's optional fields may read as undefined. */
const plain = (x: object) => Object.fromEntries(Object.entries(x).filter(([, v]) => v !== undefined));

describe('timeline details', () => {
  it.each(EVENTS.map((e) => [e.kind, e] as const))('%s reads back as written', (kind, event) => {
    const stored = encodeTimelineDetails(event);
    expect(JSON.parse(stored)).not.toHaveProperty('kind');
    expect(plain(decodeTimelineDetails(kind, stored)!)).toEqual(event);
  });

  it('stores exactly what earlier versions stored', () => {
    expect(encodeTimelineDetails({ kind: 'reassigned', from: 'U1', to: 'U2' })).toBe('{"from":"U1","to":"U2"}');
    expect(encodeTimelineDetails({ kind: 'snoozed', step: 'ask', until: AT })).toBe(`{"step":"ask","until":"${AT.toISOString()}"}`);
    expect(encodeTimelineDetails({ kind: 'closed' })).toBe('{}');
  });

  it.each([
    ['an unknown kind', 'something_new', '{}'],
    ['text that is not JSON', 'satisfied', 'not json'],
    ['JSON that is not an object', 'closed', '[1,2]'],
    ['a missing field', 'step_done', '{}'],
    ['a field of the wrong type', 'escalated', '{"level":"2","reason":"overdue","text":"t","key":"k"}'],
    ['a step the playbook does not have', 'step_done', '{"step":"pray"}'],
    ['a remedy the playbook does not have', 'step_done', '{"step":"make_right","remedyKind":"hug"}'],
    ['a date that is not one', 'snoozed', '{"step":"ask","until":"tomorrow"}'],
    ['null where text is needed', 'reopened', '{"reason":null}'],
  ])('reads %s as nothing', (_what, kind, details) => {
    expect(decodeTimelineDetails(kind, details)).toBeNull();
  });

  it('says what each event moved the mistake past, for its escalations', () => {
    expect(movedOn({ kind: 'owned', step: 'own' })).toEqual([{ kind: 'step', step: 'own' }]);
    expect(movedOn({ kind: 'step_done', step: 'apologize' })).toEqual([{ kind: 'step', step: 'apologize' }]);
    expect(movedOn({ kind: 'prevention_done', preventionId: 7, description: 'x' })).toEqual([{ kind: 'prevention', preventionId: 7 }]);
    expect(movedOn({ kind: 'rca_submitted', preventionCount: 1 })).toEqual([{ kind: 'step', step: 'root_cause_analysis' }]);
    expect(movedOn({ kind: 'snoozed', step: 'ask', until: AT })).toEqual([]);
  });
});

describe('outbox payloads', () => {
  it.each(DELIVERIES.map((d) => [d.kind, d] as const))('%s reads back as written', (kind, request) => {
    expect(plain(decodeDeliveryPayload(kind, encodeDeliveryPayload(request))!)).toEqual(request);
  });

  it('tells an extra digest whose first post is unknown from a scheduled one', () => {
    const extra = decodeDeliveryPayload('digest', encodeDeliveryPayload(DELIVERIES[9]!));
    expect(extra).toHaveProperty('extraOf', null);
    expect(decodeDeliveryPayload('digest', encodeDeliveryPayload(DELIVERIES[8]!))).not.toHaveProperty('extraOf');
  });

  it.each([
    ['card', '{"mistakeId":"1"}'],
    ['reply', '{"mistakeId":1}'],
    ['reminder', '{"userId":"U1","pass":"p","steps":[1,"2"],"prevention":[]}'],
    ['digest', '{"slot":"s","slotAt":"nope","channel":"C","since":"2026-01-01T00:00:00Z","late":false}'],
    ['telegram', '{}'],
    ['home', '{"userId":'],
  ])('reads a %s it cannot use as nothing', (kind, payload) => {
    expect(decodeDeliveryPayload(kind, payload)).toBeNull();
  });

  it.each(DIRECT_MESSAGES.map((d) => [d.kind, d] as const))('a recorded %s DM reads back as written', (kind, payload) => {
    expect(decodeDirectMessagePayload(kind, encodeDirectMessagePayload(payload))).toEqual(payload);
  });

  it('reads a recorded DM that offers something unknown as nothing', () => {
    expect(decodeDirectMessagePayload('dm', '{"mistakeId":1,"eventId":2,"userId":"U1","offered":"cake"}')).toBeNull();
  });
});

describe('the click inbox', () => {
  it.each(INTERACTIONS.map((i) => [i.kind, i] as const))('%s reads back as written', (kind, payload) => {
    expect(plain(decodeInteractionPayload(kind, encodeInteractionPayload(payload))!)).toEqual(payload);
  });

  it('makes a click only from what its kind needs', () => {
    expect(clickOf('prevention_done', { mistakeId: 1 })).toBeNull();
    expect(clickOf('snooze', { mistakeId: 1, preventionId: 2 })).toBeNull();
    expect(clickOf('own', { mistakeId: 1, preventionId: 2, snoozeMinutes: 5 })).toEqual({ kind: 'own', mistakeId: 1 });
    expect(clickOf('snooze', { mistakeId: 1, snoozeMinutes: 0, channelId: 'C1' })).toEqual({
      kind: 'snooze',
      mistakeId: 1,
      snoozeMinutes: 0,
      channelId: 'C1',
    });
  });

  it('reads a click without what its kind needs as nothing', () => {
    expect(decodeInteractionPayload('prevention_done', '{"mistakeId":1}')).toBeNull();
    expect(decodeInteractionPayload('snooze', '{"mistakeId":1,"snoozeMinutes":1.5}')).toBeNull();
    expect(decodeInteractionPayload('own', '')).toBeNull();
  });
});

describe('scheduled runs', () => {
  it.each(RUNS.map((r) => [r.job, r] as const))('a %s run reads back as written', (job, details) => {
    expect(plain(decodeRunDetails(job, encodeRunDetails(details))!)).toEqual(details);
  });

  it('stores a run claimed with nothing to say as {}', () => {
    expect(encodeRunDetails({ job: 'reminders' })).toBe('{}');
  });

  it('reads a run it cannot use as nothing', () => {
    expect(decodeRunDetails('digest', '{"supersededBy":3}')).toBeNull();
    expect(decodeRunDetails('backup', '{}')).toBeNull();
    expect(decodeRunDetails('escalations', 'null')).toBeNull();
  });
});
