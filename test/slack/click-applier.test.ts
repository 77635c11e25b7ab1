// Clicks are answered once stored and applied after; a burst is applied a few at a time, in the
// order the clicks came, each exactly once, and every one of them is answered at once.
import { Actions, encodeValue } from '../../src/slack/ids';
import { seedMistakes, startHarness, type Harness } from '../support/harness';
import { buttonClick, postToSlackEndpoint } from '../support/slackRequests';

jest.setTimeout(60_000);

const TEAM = 'T_ACME';
const BURST = 16;

let h: Harness;

beforeEach(async () => {
  h = await startHarness();
});

afterEach(async () => {
  await h.close();
});

it('applies a burst of clicks a few at a time, each once, in the order they came', async () => {
  const ids = await seedMistakes(h, TEAM, BURST);
  // No click is applied until every one of them has been answered: the burst piles up.
  const service = h.bot.deps.mistakes;
  const completeStep = service.completeStep.bind(service);
  let allAnswered!: () => void;
  const answered = new Promise<void>((resolve) => {
    allAnswered = resolve;
  });
  let now = 0;
  let most = 0;
  const started: number[] = [];
  service.completeStep = async (ref, userId, kind, data) => {
    started.push(ref.mistakeId);
    most = Math.max(most, ++now);
    try {
      await answered;
      return await completeStep(ref, userId, kind, data);
    } finally {
      now--;
    }
  };
  // One at a time on the wire, so the order they are stored in is known.
  for (const id of ids) {
    const response = await postToSlackEndpoint(
      h.baseUrl,
      buttonClick(Actions.apologize, encodeValue({ m: id, v: 1 }), { userId: 'UALICE', channelId: 'CESCALATIONS', messageTs: '1.0' }),
    );
    expect(response.status).toBe(200);
  }
  // Four were taken up, the rest wait their turn (stored, answered).
  expect(started).toEqual(ids.slice(0, 4));
  allAnswered();
  await h.deliver();
  expect(most).toBe(4);
  expect(started).toEqual(ids);
  const applied = await h.t.db.interaction.groupBy({ by: ['status'], _count: true });
  expect(applied).toEqual([{ status: 'applied', _count: BURST }]);
  const apologized = await h.t.db.mistake.count({ where: { id: { in: ids }, apologizedAt: { not: null } } });
  expect(apologized).toBe(BURST);
  expect(h.logger.lines.filter((e) => e.level === 'warn' || e.level === 'error')).toEqual([]);
});
