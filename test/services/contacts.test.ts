// Contacts and the apology against real databases (SQLite, and PostgreSQL when
// TEST_POSTGRES_URL is set): stored with their event in one change, a planned next contact
// reminded once per interval by racing passes, settled by the next contact, and a refusal
// leaving everything as it was.
import { HOUR_MS } from '../../src/domain/durations';
import { FieldErrors, PlaybookError } from '../../src/domain/playbook';
import { ManualClock } from '../../src/services/clock';
import { MistakeService } from '../../src/services/mistakes';
import { ReminderService } from '../../src/services/reminders';
import { SettingsService } from '../../src/services/settings';
import { DATABASES, type TestDb } from '../support/db';
import { workspaceDefaults } from '../support/workspace';

const TEAM = 'T_ACME';
const ALICE = 'UALICE';
const BOB = 'UBOB';

const defaults = workspaceDefaults();

const report = {
  customer: 'Harbor Bakery',
  whatHappened: 'We shipped their order to the wrong address.',
  impact: 'Their weekend market stall had no flour.',
  severity: 'high',
  category: 'delivery',
};

describe.each(DATABASES)('on %s', (_name, fresh) => {
  let t: TestDb;
  let clock: ManualClock;
  let service: MistakeService;
  let reminders: ReminderService;

  beforeEach(async () => {
    t = await fresh();
    // Monday 23 November 2026, 10:00 in Berlin.
    clock = new ManualClock('2026-11-23T09:00:00Z');
    const settings = new SettingsService(t.db, defaults, 0);
    service = new MistakeService(t.db, settings, clock);
    reminders = new ReminderService(t.db, settings, clock);
  });

  afterEach(async () => {
    await t.close();
  });

  async function reported(): Promise<{ teamId: string; mistakeId: number }> {
    const { mistake } = await service.report(TEAM, ALICE, { ...report, ownerId: ALICE });
    return { teamId: TEAM, mistakeId: mistake.id };
  }

  it('stores the apology as a contact with its event, in one change', async () => {
    const ref = await reported();
    await service.apologize(ref, ALICE, { channel: 'call', summary: 'Called', apology: 'I am sorry.', nextContactOn: '2026-11-24' });
    const m = await t.db.mistake.findUniqueOrThrow({ where: { id: ref.mistakeId }, include: { contacts: true, steps: true } });
    expect(m.version).toBe(2);
    expect(m.apologizedAt).not.toBeNull();
    expect(m.contacts).toEqual([
      expect.objectContaining({
        channel: 'call',
        summary: 'Called',
        apology: 'I am sorry.',
        followUp: 'open',
        nextContactAt: new Date('2026-11-23T23:00:00Z'),
      }),
    ]);
    expect(await t.db.timelineEvent.count({ where: { mistakeId: ref.mistakeId, kind: 'step_done' } })).toBe(1);
  });

  it('leaves everything as it was when a contact is refused', async () => {
    const ref = await reported();
    const before = await t.db.mistake.findUniqueOrThrow({ where: { id: ref.mistakeId } });
    await expect(service.logContact(ref, BOB, { channel: 'call', summary: 'Hi' })).rejects.toThrow(PlaybookError);
    await expect(service.logContact(ref, ALICE, { channel: 'call', summary: '' })).rejects.toThrow(FieldErrors);
    await expect(service.logContact(ref, ALICE, { channel: 'call', summary: 'x', nextContactOn: '2026-11-22' })).rejects.toThrow(FieldErrors);
    expect(await t.db.mistake.findUniqueOrThrow({ where: { id: ref.mistakeId } })).toEqual(before);
    expect(await t.db.customerContact.count()).toBe(0);
  });

  it('reminds a planned contact once per interval however many passes race, and not once it is logged', async () => {
    const ref = await reported();
    await service.apologize(ref, ALICE, { channel: 'email', summary: 'Wrote', nextContactOn: '2026-11-24' });
    // Tuesday 10:00: three passes at once claim it once.
    clock.set('2026-11-24T09:00:00Z');
    const results = await Promise.all([reminders.pass(TEAM), reminders.pass(TEAM), reminders.pass(TEAM)]);
    expect(results.reduce((n, r) => n + r.items, 0)).toBeGreaterThanOrEqual(1);
    expect(await t.db.reminderSent.count({ where: { itemKind: 'contact' } })).toBe(1);
    const contact = await t.db.customerContact.findFirstOrThrow();
    expect(contact.reminderCount).toBe(1);
    // Logged again: settled, and the next pass leaves it alone.
    await service.logContact(ref, ALICE, { channel: 'call', summary: 'Called back' });
    expect((await t.db.customerContact.findUniqueOrThrow({ where: { id: contact.id } })).followUp).toBe('done');
    clock.advance(5 * HOUR_MS);
    await reminders.pass(TEAM);
    expect(await t.db.reminderSent.count({ where: { itemKind: 'contact' } })).toBe(1);
    expect(await reminders.itemsFor(TEAM, { steps: [], prevention: [], contacts: [contact.id] })).toEqual([]);
    expect(await reminders.itemsFor(TEAM, { steps: [], prevention: [], contacts: [contact.id] }, { recipientId: ALICE, now: clock.now() })).toEqual([
      expect.objectContaining({ kind: 'contact', contactId: contact.id, settled: { how: 'contacted' } }),
    ]);
  });

  it('snoozes a planned contact, and refuses to snooze one already logged', async () => {
    const ref = await reported();
    await service.logContact(ref, ALICE, { channel: 'chat', summary: 'Chatted', nextContactOn: '2026-11-23' });
    const contact = await t.db.customerContact.findFirstOrThrow();
    await service.snoozeContact(ref, ALICE, contact.id, new Date(clock.now().getTime() + HOUR_MS));
    await reminders.pass(TEAM);
    expect(await t.db.reminderSent.count({ where: { itemKind: 'contact' } })).toBe(0);
    clock.advance(2 * HOUR_MS);
    await reminders.pass(TEAM);
    expect(await t.db.reminderSent.count({ where: { itemKind: 'contact' } })).toBe(1);
    await service.logContact(ref, ALICE, { channel: 'chat', summary: 'Again' });
    await expect(service.snoozeContact(ref, ALICE, contact.id, new Date(clock.now().getTime() + HOUR_MS))).rejects.toMatchObject({
      code: 'already_done',
    });
  });
});
