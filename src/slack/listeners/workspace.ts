import type { AnyMiddlewareArgs, App, Middleware } from '@slack/bolt';
import type { Logger } from '../../logger';
import type { Installations } from '../../services/installations';
import { RequestRefused } from '../refusals';
import { nothingSavedModal } from '../views/modals';

/** The workspace the bot token belongs to, as Slack's auth.test tells it at start-up. */
export interface InstalledWorkspace {
  teamId: string;
  /** Set for an org-wide installation in an Enterprise Grid: every workspace of that org is ours. */
  enterpriseId?: string;
}

export const NOT_INSTALLED_HERE =
  "This app isn't installed in this workspace, so it can't act here and nothing was changed. Ask whoever runs it to install it for this workspace.";

interface Sent {
  type?: string;
  command?: string;
  team_id?: string;
  team?: { id?: string } | null;
  user?: { team_id?: string } | null;
  view?: { team_id?: string } | null;
  enterprise?: { id?: string } | null;
  enterprise_id?: string;
}

function workspaceOf(body: Sent): { teamId?: string; enterpriseId?: string } {
  return {
    teamId: body.team?.id ?? body.user?.team_id ?? body.team_id ?? body.view?.team_id,
    enterpriseId: body.enterprise?.id ?? body.enterprise_id,
  };
}

/**
 * With SLACK_BOT_TOKEN the bot runs on one bot token, so it serves the one workspace that token
 * was installed in; in OAuth mode it serves every workspace the app is installed in. A
 * signed request naming another workspace (Slack never sends one; a forged or misrouted one
 * could) must not create a second workspace, with its own digest posted in our channel. It is
 * refused with a reason the person can see where there is a place to show one.
 */
export function onlyInstalledWorkspace(installed: InstalledWorkspaces, logger: Logger): Middleware<AnyMiddlewareArgs> {
  return async (args) => {
    const body = args.body as Sent;
    const from = workspaceOf(body);
    let accepted: boolean;
    if (typeof installed === 'function') {
      const ours = installed();
      accepted = !ours || !from.teamId || from.teamId === ours.teamId || (ours.enterpriseId !== undefined && from.enterpriseId === ours.enterpriseId);
    } else {
      // OAuth mode: any workspace the app is installed in now (or whose org installed it).
      // Uninstall events are let through: they are how a workspace stops being served.
      const type = (body as { event?: { type?: string } }).event?.type;
      accepted = type === 'app_uninstalled' || type === 'tokens_revoked' || (await installed.installations.serves(from.teamId, from.enterpriseId));
      if (accepted && from.teamId) await installed.installations.noteWorkspace(from.teamId, from.enterpriseId);
    }
    if (accepted) {
      await args.next();
      return;
    }
    logger.warn('refused a request from a workspace this bot is not installed in', { teamId: from.teamId, type: body.type ?? body.command });
    const ack = (args as { ack?: (response?: unknown) => Promise<void> }).ack;
    // Events were acknowledged by Bolt already; they are simply not acted on.
    if (body.type === 'event_callback' || !ack) return;
    if (body.command) {
      await ack({ response_type: 'ephemeral', text: NOT_INSTALLED_HERE });
      return;
    }
    if (body.type === 'view_submission') {
      await ack({ response_action: 'update', view: nothingSavedModal(NOT_INSTALLED_HERE) });
      return;
    }
    // A click has nowhere to show a reason (the bot cannot post in a workspace it is not in):
    // an error status makes Slack show it failed.
    throw new RequestRefused(403, 'not installed in this workspace');
  };
}

/**
 * Which workspaces the bot serves: with SLACK_BOT_TOKEN the one its token belongs to, in OAuth
 * mode every workspace that installed the app.
 */
export type InstalledWorkspaces = (() => InstalledWorkspace | null) | { installations: Pick<Installations, 'serves' | 'noteWorkspace'> };

/** Registered before every listener: Bolt runs global middleware first. */
export function registerWorkspaceGuard(app: App, installed: InstalledWorkspaces, logger: Logger): void {
  app.use(onlyInstalledWorkspace(installed, logger));
}
