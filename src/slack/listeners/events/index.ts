import type { AllMiddlewareArgs, App, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { BotDeps } from '../../deps';

type HomeOpenedArgs = SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs;

/** Opening the Home tab republishes it from current data (through the outbox, like every post). */
export function homeOpened(deps: BotDeps) {
  return async ({ event, body }: HomeOpenedArgs): Promise<void> => {
    if (event.tab !== 'home') return;
    const teamId = (body as { team_id?: string }).team_id;
    if (!teamId) return;
    await deps.mistakes.refreshHome(teamId, event.user);
    deps.deliveries.kick();
  };
}

/** The events the manifest subscribes to, each with its handler. */
export function eventHandlers(deps: BotDeps): { app_home_opened: ReturnType<typeof homeOpened> } {
  return { app_home_opened: homeOpened(deps) };
}

export function registerEvents(app: App, handlers: ReturnType<typeof eventHandlers>): void {
  app.event('app_home_opened', handlers.app_home_opened);
}
