// Every listener the app has, registered from one table per kind: a button's action id, a form's
// callback id, a slash command, an event. The tables are built from the dependencies, so a test
// can put its own handlers in and check that each id reaches the one meant for it.
import type { App } from '@slack/bolt';
import type { BotDeps } from '../deps';
import { actionHandlers, registerActions } from './actions';
import { commandHandlers, registerCommands } from './commands';
import { eventHandlers, registerEvents } from './events';
import { unknownButton, unknownForm } from './unknown';
import { registerViews, viewHandlers } from './views';

export interface Handlers {
  actions: ReturnType<typeof actionHandlers>;
  views: ReturnType<typeof viewHandlers>;
  commands: ReturnType<typeof commandHandlers>;
  events: ReturnType<typeof eventHandlers>;
}

export function handlersFor(deps: BotDeps): Handlers {
  return { actions: actionHandlers(deps), views: viewHandlers(deps), commands: commandHandlers(deps), events: eventHandlers(deps) };
}

export function registerListeners(app: App, deps: BotDeps, handlers: Handlers = handlersFor(deps)): void {
  registerCommands(app, handlers.commands);
  registerActions(app, handlers.actions, unknownButton(deps));
  registerViews(app, handlers.views, unknownForm());
  registerEvents(app, handlers.events);
}
