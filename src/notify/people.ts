import { isValidTimeZone } from '../domain/time';
import type { TimeZoneOf } from '../services/reminders';
import type { SlackClients } from './clients';

/**
 * A person's own timezone from Slack (users.info, cached), so reminders respect their office
 * hours rather than the workspace's. Unknown or failing lookups fall back to the workspace zone.
 */
export function slackTimeZones(clients: Pick<SlackClients, 'forTeam'>, ttlMs = 6 * 3_600_000): TimeZoneOf {
  const cache = new Map<string, { zone: string | undefined; at: number }>();
  return async (userId, teamId) => {
    const hit = cache.get(userId);
    if (hit && Date.now() - hit.at < ttlMs) return hit.zone;
    try {
      // Asked with the person's own workspace's token.
      const client = await clients.forTeam(teamId);
      if (!client) return undefined;
      const info = await client.users.info({ user: userId });
      // A zone this runtime's Intl does not know would stop the reminder pass: use the workspace's.
      const zone = info.user?.tz && isValidTimeZone(info.user.tz) ? info.user.tz : undefined;
      cache.set(userId, { zone, at: Date.now() });
      return zone;
    } catch {
      return undefined;
    }
  };
}
