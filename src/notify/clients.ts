import { webApi } from '@slack/bolt';
import type { Installations } from '../services/installations';

/** Slack's answers that mean the workspace's token is no good any more. */
export const TOKEN_REFUSED: ReadonlySet<string> = new Set(['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked', 'token_expired']);

/**
 * The Web API client that acts in a workspace. Every call the bot makes on its own (deliveries,
 * confirmations of stored clicks, timezone look-ups) picks its client here by the workspace's
 * team id; listeners get theirs from Bolt, which authorizes each request the same way.
 */
export interface SlackClients {
  /** The workspace's client, or null when the app is not installed there (uninstalled, revoked). */
  forTeam(teamId: string): Promise<webApi.WebClient | null>;
  /** Slack refused (error) or accepted again (null) the workspace's token. */
  tokenAnswered(teamId: string, error: string | null): Promise<void>;
  /** Workspaces whose token Slack refused, for /healthz. */
  refused(): string[];
}

/** Single-workspace mode: one bot token (SLACK_BOT_TOKEN) for everything. */
export function singleWorkspace(client: webApi.WebClient): SlackClients {
  const refused = new Set<string>();
  return {
    forTeam: async () => client,
    async tokenAnswered(teamId, error) {
      if (error) refused.add(teamId);
      else refused.delete(teamId);
    },
    refused: () => [...refused],
  };
}

/**
 * OAuth mode: each workspace's own bot token, from its installation. One client per token is
 * kept (a reinstall brings a new token, and with it a new client).
 */
export function perWorkspace(installations: Installations, clientOptions: webApi.WebClientOptions): SlackClients {
  const clients = new Map<string, { token: string; client: webApi.WebClient }>();
  const refused = new Set<string>();
  return {
    async forTeam(teamId) {
      const found = await installations.tokenFor(teamId);
      if (!found) return null;
      const kept = clients.get(teamId);
      if (kept && kept.token === found.token) return kept.client;
      const client = new webApi.WebClient(found.token, { ...clientOptions, teamId });
      clients.set(teamId, { token: found.token, client });
      return client;
    },
    async tokenAnswered(teamId, error) {
      // Written only when it changes: not once per delivery.
      if ((error !== null) === refused.has(teamId)) return;
      if (error) refused.add(teamId);
      else refused.delete(teamId);
      await installations.noteTokenRefused(teamId, error);
    },
    refused: () => [...refused],
  };
}
