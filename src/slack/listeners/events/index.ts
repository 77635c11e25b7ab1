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

type RevokedArgs = (SlackEventMiddlewareArgs<'app_uninstalled'> | SlackEventMiddlewareArgs<'tokens_revoked'>) & AllMiddlewareArgs;

interface RevokedBody {
  team_id?: string;
  enterprise_id?: string;
  is_enterprise_install?: boolean;
  authorizations?: Array<{ team_id?: string | null; enterprise_id?: string | null; is_enterprise_install?: boolean }>;
  event?: { type?: string; tokens?: { bot?: string[] } };
}

/**
 * The app was uninstalled from a workspace (or org), or its bot token revoked: the installation
 * is marked, that workspace's pending deliveries stop and its scheduled passes skip it. Nothing
 * is deleted; a reinstall resumes. (With SLACK_BOT_TOKEN there is no installation to mark: the
 * deliveries fail with Slack's answer and /healthz reports the refused token.)
 */
export function appRevoked(deps: BotDeps) {
  return async ({ body, logger }: RevokedArgs): Promise<void> => {
    const sent = body as unknown as RevokedBody;
    // tokens_revoked for user tokens alone leaves the bot working.
    if (sent.event?.type === 'tokens_revoked' && !(sent.event.tokens?.bot?.length ?? 0)) return;
    const auth = sent.authorizations?.[0];
    const isEnterpriseInstall = auth?.is_enterprise_install ?? sent.is_enterprise_install ?? false;
    const where = {
      teamId: (auth?.team_id ?? sent.team_id) || undefined,
      enterpriseId: (auth?.enterprise_id ?? sent.enterprise_id) || undefined,
      isEnterpriseInstall,
    };
    if (!deps.installations) {
      logger.warn('Slack says the app was uninstalled or its token revoked; SLACK_BOT_TOKEN no longer works', where);
      return;
    }
    await deps.installations.revoke(where, sent.event?.type === 'app_uninstalled' ? 'uninstalled' : 'revoked');
  };
}

/** The events the manifest subscribes to, each with its handler. */
export function eventHandlers(deps: BotDeps): {
  app_home_opened: ReturnType<typeof homeOpened>;
  app_uninstalled: ReturnType<typeof appRevoked>;
  tokens_revoked: ReturnType<typeof appRevoked>;
} {
  return { app_home_opened: homeOpened(deps), app_uninstalled: appRevoked(deps), tokens_revoked: appRevoked(deps) };
}

export function registerEvents(app: App, handlers: ReturnType<typeof eventHandlers>): void {
  app.event('app_home_opened', handlers.app_home_opened);
  app.event('app_uninstalled', handlers.app_uninstalled);
  app.event('tokens_revoked', handlers.tokens_revoked);
}
