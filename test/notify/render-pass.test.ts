// A delivery pass's deliveries read their mistakes, their cards' earlier mistakes and their
// events together: what they render is what each renders on its own, the reads are shared, and a
// mistake read more than a moment ago is read again. `earlierMany` is `earlier` for several at once.
import { MINUTE_MS } from '../../src/domain/durations';
import type { DeliveryRequest } from '../../src/domain/deliveries';
import { memoryLogger } from '../../src/logger';
import type { SlackClients } from '../../src/notify/clients';
import type { ReadableDelivery } from '../../src/notify/deliveries';
import { SlackRenderer } from '../../src/notify/render';
import { ManualClock } from '../../src/services/clock';
import { MistakeService } from '../../src/services/mistakes';
import { Outbox } from '../../src/services/outbox';
import { MistakeQueries } from '../../src/services/queries';
import { ReminderService } from '../../src/services/reminders';
import { SentMessages } from '../../src/services/sentMessages';
import { SettingsService } from '../../src/services/settings';
import { DATABASES, type TestDb } from '../support/db';
import { workspaceDefaults } from '../support/workspace';

const TEAM = 'T_ACME';
const ALICE = 'UALICE';
const BOB = 'UBOB';

const report = (customer: string, account?: string) => ({
  customer,
  ...(account ? { account } : {}),
  whatHappened: 'We shipped their order to the wrong address.',
  impact: 'Their weekend market stall had no flour.',
  severity: 'high',
  category: 'delivery',
  ownerId: BOB,
});

describe.each(DATABASES)('a pass of deliveries on %s', (_name, fresh) => {
  let t: TestDb;
  let clock: ManualClock;
  let service: MistakeService;
  let queries: MistakeQueries;
  let renderer: SlackRenderer;

  beforeEach(async () => {
    t = await fresh();
    clock = new ManualClock('2026-11-23T09:00:00Z');
    const settings = new SettingsService(t.db, workspaceDefaults(), 0);
    service = new MistakeService(t.db, settings, clock);
    queries = new MistakeQueries(t.db, memoryLogger());
    // No workspace client: thread links go without the workspace's address.
    const clients: SlackClients = { forTeam: async () => null, tokenAnswered: async () => undefined, refused: () => [] };
    renderer = new SlackRenderer(
      queries,
      new SentMessages(t.db, memoryLogger()),
      new Outbox(t.db, memoryLogger()),
      settings,
      new ReminderService(t.db, settings, clock),
      clock,
      clients,
    );
  });

  afterEach(async () => {
    await t.close();
  });

  let nextId = 1;
  const delivery = (request: DeliveryRequest): ReadableDelivery => ({
    id: nextId++,
    teamId: TEAM,
    kind: request.kind,
    mistakeId: 'mistakeId' in request ? request.mistakeId : null,
    request,
    status: 'sending',
    generation: 0,
    attempts: 1,
    uncertain: false,
    lookUntil: null,
    calledAt: null,
    lockedBy: 'w',
    createdAt: clock.now(),
  });

  /** Three customers' mistakes, two of them the same customer's; each with its card, its reply and its owner's DM. */
  async function pass(): Promise<ReadableDelivery[]> {
    const ids: number[] = [];
    for (const [customer, account] of [
      ['Harbor Bakery', undefined],
      ['Mill & Co', 'ACC-7'],
      ['harbor  bakery', undefined],
    ] as const) {
      ids.push((await service.report(TEAM, ALICE, report(customer, account))).mistake.id);
      clock.advance(MINUTE_MS);
    }
    // The first card is posted (its thread exists); the others wait for theirs.
    await t.db.mistake.update({ where: { id: ids[0] }, data: { threadTs: '1700000000.000100' } });
    await t.db.mistake.update({ where: { id: ids[1] }, data: { threadTs: '1700000000.000200' } });
    await service.completeStep({ teamId: TEAM, mistakeId: ids[0]! }, BOB, 'own');
    const events = await t.db.timelineEvent.findMany({ orderBy: { id: 'asc' } });
    const out: ReadableDelivery[] = [];
    for (const id of ids) {
      out.push(delivery({ kind: 'card', mistakeId: id }));
      for (const e of events.filter((e) => e.mistakeId === id)) {
        out.push(delivery({ kind: 'reply', mistakeId: id, eventId: e.id }));
        out.push(delivery({ kind: 'dm', mistakeId: id, eventId: e.id, userId: ALICE }));
      }
    }
    return out;
  }

  const shown = (r: unknown) => JSON.parse(JSON.stringify(r, (k, v) => (k === 'onSent' ? undefined : v)));

  it('renders each delivery as it renders alone, reading the mistakes, earlier mistakes and events once', async () => {
    const deliveries = await pass();
    const alone = [];
    for (const d of deliveries) alone.push(shown(await renderer.render(d)));

    const reads = { getMany: jest.spyOn(queries, 'getMany'), earlierMany: jest.spyOn(queries, 'earlierMany'), events: jest.spyOn(queries, 'events') };
    const single = { get: jest.spyOn(queries, 'get'), earlier: jest.spyOn(queries, 'earlier'), event: jest.spyOn(queries, 'event') };
    const together = renderer.startPass(deliveries);
    const shared = [];
    for (const d of deliveries) shared.push(shown(await renderer.render(d, together)));

    expect(shared).toEqual(alone);
    // Something to compare: the repeat customer's card names the earlier mistake, replies and DMs are there.
    expect(JSON.stringify(alone)).toContain('2nd mistake for');
    expect(alone.filter((r) => r.call?.method === 'chat.postMessage').length).toBeGreaterThan(3);
    expect(alone.filter((r) => 'defer' in r).length).toBeGreaterThan(0);
    expect(reads.getMany).toHaveBeenCalledTimes(1);
    expect(reads.earlierMany).toHaveBeenCalledTimes(1);
    expect(reads.events).toHaveBeenCalledTimes(1);
    expect(reads.getMany.mock.calls[0]![1].sort()).toEqual([...new Set(deliveries.map((d) => d.mistakeId!))].sort());
    // `earlier` one by one only for the customer two cards of the pass share (2), and for the one
    // customer left then (a statement of its own either way).
    expect(single.get).not.toHaveBeenCalled();
    expect(single.event).not.toHaveBeenCalled();
    expect(single.earlier.mock.calls.map(([, v]) => v.customerKey).sort()).toEqual(['account:acc 7', 'name:harbor bakery', 'name:harbor bakery']);
  });

  it('reads a mistake again once what the pass read is more than a moment old, or a post changed it', async () => {
    const deliveries = await pass();
    const cards = deliveries.filter((d) => d.kind === 'card');
    const getMany = jest.spyOn(queries, 'getMany');
    const together = renderer.startPass(deliveries);
    await renderer.render(cards[0]!, together);
    expect(getMany).toHaveBeenCalledTimes(1);

    // Bob owns the second one after the pass read it: within the moment its card shows what was read.
    const second = { teamId: TEAM, mistakeId: cards[1]!.mistakeId! };
    await service.completeStep(second, BOB, 'own');
    const stale = shown(await renderer.render({ ...cards[1]!, id: nextId++ }, together));
    expect(JSON.stringify(stale)).not.toContain('Owned');
    // A second later it is read again (with what else is left of the pass), and shows it.
    clock.advance(1500);
    const now = shown(await renderer.render(cards[1]!, together));
    expect(getMany).toHaveBeenCalledTimes(2);
    expect(JSON.stringify(now)).toContain('Owned');
    expect(now).toEqual(shown(await renderer.render(cards[1]!)));

    // A post that wrote to its mistake (a card's first post) has it read again.
    await t.db.mistake.update({ where: { id: cards[2]!.mistakeId! }, data: { threadTs: '1700000000.000300' } });
    together.changed(cards[2]!);
    const reply = deliveries.find((d) => d.kind === 'reply' && d.mistakeId === cards[2]!.mistakeId)!;
    expect(await renderer.render(reply, together)).toMatchObject({ call: { args: { thread_ts: '1700000000.000300' } } });
  });

  it('reads again after a shared read failed, rather than failing the rest of the pass the same way', async () => {
    const deliveries = await pass();
    const getMany = jest.spyOn(queries, 'getMany').mockRejectedValueOnce(new Error('database is locked'));
    const together = renderer.startPass(deliveries);
    const [first, second] = deliveries.filter((d) => d.mistakeId === deliveries[0]!.mistakeId);
    await expect(renderer.render(first!, together)).rejects.toThrow('database is locked');
    await new Promise((r) => setImmediate(r));
    expect(shown(await renderer.render(second!, together))).toEqual(shown(await renderer.render(second!)));
    expect(getMany).toHaveBeenCalledTimes(2);
  });

  it('finds the same earlier mistakes for several at once as for each alone', async () => {
    // Customers hurt again and again, some beyond the 90-day window, one with no key.
    const made: number[] = [];
    const names = ['Harbor Bakery', 'Mill & Co', 'Corner Café', 'Harbor-Bakery!', 'mill & co'];
    for (let i = 0; i < 40; i++) {
      made.push((await service.report(TEAM, ALICE, report(names[(i * 7) % names.length]!))).mistake.id);
      clock.advance(((i * 13) % 9) * 24 * 60 * MINUTE_MS);
    }
    const views = (await queries.getMany(TEAM, made)).values();
    const all = [...views];
    const alone = new Map<number, unknown>();
    for (const v of all) alone.set(v.id, await queries.earlier(TEAM, v));
    // One per customer (the statement's case), then all of them (several of a customer: one by one).
    const onePerKey = [...new Map(all.map((v) => [v.customerKey, v])).values()];
    const atOnce = await queries.earlierMany(TEAM, onePerKey);
    expect(onePerKey.length).toBeGreaterThan(2);
    for (const v of onePerKey) expect(atOnce.get(v.id)).toEqual(alone.get(v.id));
    const everyone = await queries.earlierMany(TEAM, all);
    for (const v of all) expect(everyone.get(v.id)).toEqual(alone.get(v.id));
    expect([...alone.values()].some((list) => (list as unknown[]).length > 3)).toBe(true);
  });
});
