// The digest's numbers agree with each other: customers (mistakes) are counted, not events; the
// recovery rate is the README's one definition; the first digest does not speak of a "last" one.
// The mistakes are worked over signed HTTP; the digest is the scheduled job's.
import { HOUR_MS } from '../../src/domain/durations';
import { ManualClock } from '../../src/services/clock';
import { Actions, Inputs } from '../../src/slack/ids';
import { blockText } from '../support/blockText';
import { Flow, REPORT } from '../support/flow';
import { startHarness, type Harness } from '../support/harness';

let h: Harness;
let flow: Flow;
let clock: ManualClock;

beforeEach(async () => {
  // Sunday 22 November 2026, 11:00 in Berlin.
  clock = new ManualClock('2026-11-22T10:00:00Z');
  h = await startHarness({ clock });
  flow = new Flow(h);
  await h.bot.deps.settings.forTeam('T_ACME');
  await h.t.db.workspaceSettings.update({ where: { teamId: 'T_ACME' }, data: { createdAt: new Date('2026-11-20T08:00:00Z') } });
});

afterEach(async () => {
  await h.close();
});

const digests = () => h.fake.called('chat.postMessage').filter((c) => c.args.channel === 'CDIGEST0001');

async function digestAt(iso: string): Promise<string> {
  clock.set(iso);
  await h.bot.jobs.digest();
  await h.deliver();
  const all = digests();
  return blockText(all[all.length - 1]!.args.blocks);
}

async function upToMakeRight(customer: string): Promise<number> {
  const id = await flow.report({ ...REPORT, [Inputs.customer]: customer });
  await flow.apologize(id);
  await flow.click(Actions.ask, await flow.card(id));
  await flow.submit({ [Inputs.answer]: 'Make it right, please.' });
  await flow.makeRight(id);
  return id;
}

async function satisfied(id: number): Promise<void> {
  await flow.click(Actions.satisfied, await flow.card(id));
  await flow.submit({ [Inputs.comment]: 'Happy' });
}

it('counts each customer once, uses one recovery rate, and never calls the first digest "since the last"', async () => {
  await satisfied(await upToMakeRight('Sunday Customer'));

  // Monday 09:00 in Berlin: the workspace's first digest.
  const first = await digestAt('2026-11-23T08:00:00Z');
  expect(first).not.toMatch(/last digest/i);
  expect(first).toContain('*Recovered in the last 24 hours*: 1');
  expect(first).toContain('*In the last 24 hours:* 1 customer apologized to · 1 recovered, 0 still not satisfied · recovery rate *100%*');

  clock.set('2026-11-23T09:00:00Z');
  // Harbor: satisfied, reopened, made right and satisfied again: one recovered customer.
  const harbor = await upToMakeRight('Harbor Bakery');
  await satisfied(harbor);
  await flow.click(Actions.reopen, await flow.card(harbor));
  await flow.submit({ [Inputs.reason]: 'The flour arrived damp' });
  await flow.makeRight(harbor, 'UALICE', 'Second replacement');
  clock.advance(HOUR_MS);
  await satisfied(harbor);
  // Corner Deli: not satisfied yet.
  const deli = await upToMakeRight('Corner Deli');
  await flow.notSatisfied(deli);
  // Blue Door Books: satisfied.
  await satisfied(await upToMakeRight('Blue Door Books'));

  // Tuesday 09:00 in Berlin.
  const second = await digestAt('2026-11-24T08:00:00Z');
  expect(second).toContain('*Recovered since the last digest*: 2');
  expect(second).toContain('*Since the last digest:* 3 customers apologized to · 2 recovered, 1 still not satisfied · recovery rate *67%*');
  expect(digests()).toHaveLength(2);
});
