import type { webApi } from '@slack/bolt';
import { PlaybookError } from '../domain/playbook';
import type { BotDeps } from './deps';

/** Where an interaction came from, enough to answer the person privately. */
export interface Origin {
  userId: string;
  /** The channel of the message whose button was clicked (absent for App Home and modals). */
  channelId?: string;
}

export const SORRY =
  'Sorry, something went wrong on our side and nothing was changed. Please try again in a moment; if it keeps happening, tell whoever runs this bot.';

/**
 * Tells one person something only they see: an ephemeral message where they clicked, or a DM
 * from the app when the click came from App Home (which has nowhere to show an ephemeral).
 */
export async function tellPrivately(client: webApi.WebClient, origin: Origin, text: string): Promise<void> {
  if (origin.channelId) {
    await client.chat.postEphemeral({ channel: origin.channelId, user: origin.userId, text });
  } else {
    await client.chat.postMessage({ channel: origin.userId, text });
  }
}

/** Refusals that mean "what you saw is out of date": the card is refreshed as well. */
const STALE: ReadonlySet<string> = new Set(['already_done', 'invalid_state', 'conflict', 'wrong_order']);

/**
 * The one place a listener's failure becomes what the person sees. A refusal from the playbook
 * is explained privately and politely (nothing was changed); anything else is logged and gets a
 * short apology, never a stack trace.
 */
export async function explainFailure(
  deps: Pick<BotDeps, 'mistakes' | 'deliveries' | 'logger'>,
  client: webApi.WebClient,
  origin: Origin,
  error: unknown,
  stale?: { teamId: string; mistakeId: number },
): Promise<void> {
  try {
    if (error instanceof PlaybookError) {
      await tellPrivately(client, origin, error.message);
      if (stale && STALE.has(error.code)) {
        await deps.mistakes.refreshCard(stale.teamId, stale.mistakeId);
        deps.deliveries.kick();
      }
      return;
    }
    deps.logger.error('interaction failed', { error: error instanceof Error ? error.stack : String(error) });
    await tellPrivately(client, origin, SORRY);
  } catch (secondary) {
    deps.logger.error('could not tell the person what went wrong', { error: String(secondary) });
  }
}
