// Routing, in bolt-js's own style: a fake receiver feeds payloads to `app.processEvent`, and each
// action id, callback id, command and event must reach the handler registered for it, and no
// other. The handlers are spies put into the same tables the app registers from.
import { App, type Receiver, type ReceiverEvent } from '@slack/bolt';
import { memoryLogger } from '../../src/logger';
import type { BotDeps } from '../../src/slack/deps';
import { Actions, COMMAND, Views } from '../../src/slack/ids';
import { type Handlers, registerListeners } from '../../src/slack/listeners';

class FakeReceiver implements Receiver {
  init(): void {}
  start(): Promise<unknown> {
    return Promise.resolve();
  }
  stop(): Promise<unknown> {
    return Promise.resolve();
  }
}

const team = { id: 'T0123ACME', domain: 'acme' };
const user = { id: 'U0123ALICE', username: 'alice', team_id: team.id };

function spies<K extends string>(ids: readonly K[]): Record<K, jest.Mock> {
  // Events are acknowledged by Bolt itself: their listeners get no ack.
  return Object.fromEntries(ids.map((id) => [id, jest.fn(async ({ ack }: { ack?: () => Promise<void> }) => ack?.())])) as Record<K, jest.Mock>;
}

function setUp(spyOn?: (app: App) => void) {
  const app = new App({
    receiver: new FakeReceiver(),
    // No token: authorize answers at once, so nothing reaches Slack's auth.test.
    authorize: async () => ({ botToken: 'xoxb-routing', botId: 'B0123BOT', botUserId: 'U0123BOT' }),
  });
  const handlers: Handlers = {
    actions: spies(Object.values(Actions)),
    views: spies(Object.values(Views)),
    commands: spies([COMMAND]),
    events: spies(['app_home_opened', 'app_uninstalled', 'tokens_revoked']),
  } as unknown as Handlers;
  const logger = memoryLogger();
  spyOn?.(app);
  registerListeners(app, { logger } as unknown as BotDeps, handlers);
  return { app, handlers, logger };
}

async function deliver(app: App, body: Record<string, unknown>): Promise<jest.Mock> {
  const ack = jest.fn(async () => undefined);
  await app.processEvent({ body, ack } as unknown as ReceiverEvent);
  return ack;
}

const called = (table: object) =>
  Object.entries(table as Record<string, jest.Mock>)
    .filter(([, spy]) => spy.mock.calls.length > 0)
    .map(([id]) => id);

describe.each(Object.values(Actions))('the action %s', (actionId) => {
  it('reaches its own handler, and only that one', async () => {
    const { app, handlers } = setUp();
    const ack = await deliver(app, {
      type: 'block_actions',
      team,
      user,
      api_app_id: 'A0123APP',
      trigger_id: '1.2.3',
      container: { type: 'message', message_ts: '1.0', channel_id: 'C0123MISTAKES' },
      channel: { id: 'C0123MISTAKES', name: 'mistakes' },
      message: { ts: '1.0', text: '' },
      actions: [{ type: 'button', action_id: actionId, block_id: 'b', value: '{"m":1}', action_ts: '1.1' }],
    });
    expect(called(handlers.actions)).toEqual([actionId]);
    expect(called(handlers.views)).toEqual([]);
    expect(ack).toHaveBeenCalledTimes(1);
  });
});

describe.each(Object.values(Views))('the form %s', (callbackId) => {
  it('reaches its own handler, and only that one', async () => {
    const { app, handlers } = setUp();
    const ack = await deliver(app, {
      type: 'view_submission',
      team,
      user,
      api_app_id: 'A0123APP',
      view: { id: 'V0123', type: 'modal', callback_id: callbackId, private_metadata: '{"m":1}', blocks: [], state: { values: {} } },
    });
    expect(called(handlers.views)).toEqual([callbackId]);
    expect(called(handlers.actions)).toEqual([]);
    expect(ack).toHaveBeenCalledTimes(1);
  });
});

it(`${COMMAND} reaches its handler`, async () => {
  const { app, handlers } = setUp();
  await deliver(app, {
    command: COMMAND,
    text: 'help',
    team_id: team.id,
    user_id: user.id,
    channel_id: 'C0123MISTAKES',
    trigger_id: '1.2.3',
    response_url: 'https://hooks.slack.invalid/1',
  });
  expect(called(handlers.commands)).toEqual([COMMAND]);
});

it('app_home_opened reaches its handler', async () => {
  const { app, handlers } = setUp();
  await deliver(app, {
    type: 'event_callback',
    team_id: team.id,
    api_app_id: 'A0123APP',
    event_id: 'Ev0123',
    event_time: 1,
    event: { type: 'app_home_opened', user: user.id, channel: 'D0123', tab: 'home', event_ts: '1.0' },
  });
  expect(called(handlers.events)).toEqual(['app_home_opened']);
});

it.each(['app_uninstalled', 'tokens_revoked'])('%s reaches its handler', async (type) => {
  const { app, handlers } = setUp();
  await deliver(app, {
    type: 'event_callback',
    team_id: team.id,
    api_app_id: 'A0123APP',
    event_id: 'Ev0124',
    event_time: 1,
    event: { type, event_ts: '1.0', ...(type === 'tokens_revoked' ? { tokens: { bot: ['U0123BOT'] } } : {}) },
  });
  expect(called(handlers.events)).toEqual([type]);
});

it('a button or form the app does not know reaches none of the handlers, and is answered', async () => {
  const { app, handlers } = setUp();
  const form = await deliver(app, {
    type: 'view_submission',
    team,
    user,
    view: { id: 'V0123', type: 'modal', callback_id: 'from_an_old_version', blocks: [], state: { values: {} } },
  });
  expect(called(handlers.views)).toEqual([]);
  expect(form).toHaveBeenCalledWith(expect.objectContaining({ response_action: 'update' }));
});

it('registers one listener for all buttons and one for all forms: Bolt runs every listener for every request', () => {
  const registered: Record<string, number> = {};
  setUp((app) => {
    for (const kind of ['action', 'view', 'command', 'event'] as const) {
      const register = app[kind].bind(app) as (...args: unknown[]) => void;
      jest.spyOn(app, kind).mockImplementation(((...args: unknown[]) => {
        registered[kind] = (registered[kind] ?? 0) + 1;
        register(...args);
      }) as never);
    }
  });
  expect(Object.values(Actions).length).toBeGreaterThan(10);
  expect(registered).toEqual({ action: 1, view: 1, command: 1, event: 3 });
});
