import type { AllMiddlewareArgs, App, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { COMMAND } from '../../ids';
import type { BotDeps } from '../../deps';
import { reportModal } from '../../views/modals';
import { helpMessage, LIST_LIMIT, listMessage, mineMessage } from '../../views/lists';
import { SORRY } from '../../privately';
import { badWindowMessage, statsMessage } from '../../views/insights';
import { parseExportWindow, parseStatsWindow } from '../../../domain/insights';

type CommandArgs = SlackCommandMiddlewareArgs & AllMiddlewareArgs;

/**
 * `/mistake` opens the report modal (prefilled with any text after it); `help`, `mine` and
 * `list` answer privately.
 */
export function mistakeCommand(deps: BotDeps) {
  return async ({ command, ack, client }: CommandArgs): Promise<void> => {
    const text = command.text.trim();
    const words = text === '' ? [] : text.split(/\s+/);
    const word = words[0]?.toLowerCase() ?? '';
    const teamId = command.team_id;
    const userId = command.user_id;

    if (word === 'help' || word === '?') {
      await ack({ response_type: 'ephemeral', ...helpMessage() });
      return;
    }
    if ((word === 'mine' || word === 'list') && words.length === 1) {
      try {
        const policy = await deps.settings.forTeam(teamId);
        const ctx = { now: deps.clock.now(), timeZone: policy.timezone };
        if (word === 'mine') {
          const [items, total, prevention] = await Promise.all([
            deps.queries.open(teamId, { ownerId: userId, limit: LIST_LIMIT }),
            deps.queries.countOpen(teamId, userId),
            deps.queries.openPrevention(teamId, userId),
          ]);
          await ack({ response_type: 'ephemeral', ...mineMessage(items, prevention, ctx, total) });
        } else {
          const [items, counts] = await Promise.all([deps.queries.open(teamId, { limit: LIST_LIMIT }), deps.queries.counts(teamId, ctx.now)]);
          await ack({ response_type: 'ephemeral', ...listMessage(items, counts, ctx) });
        }
      } catch (error) {
        deps.logger.error('/mistake list failed', { error: String(error) });
        await ack({ response_type: 'ephemeral', text: SORRY });
      }
      return;
    }

    if (word === 'stats' && words.length <= 2) {
      const window = parseStatsWindow(words[1]);
      if (!window) {
        await ack({ response_type: 'ephemeral', ...badWindowMessage(words[1]!) });
        return;
      }
      try {
        const policy = await deps.settings.forTeam(teamId);
        const byOwner = policy.adminUserIds.includes(userId);
        const stats = await deps.queries.stats(teamId, window, deps.clock.now(), { byOwner });
        await ack({ response_type: 'ephemeral', ...statsMessage(stats, { timeZone: policy.timezone }) });
      } catch (error) {
        deps.logger.error('/mistake stats failed', { error: String(error) });
        await ack({ response_type: 'ephemeral', text: SORRY });
      }
      return;
    }

    if (word === 'export' && words.length <= 2) {
      const window = parseExportWindow(words[1]);
      if (!window) {
        await ack({
          response_type: 'ephemeral',
          text: `“${words[1]}” isn't a window /mistake export knows. Use 30d, 90d (the default), 365d or all, like /mistake export all.`,
        });
        return;
      }
      try {
        await deps.mistakes.requestExport(teamId, userId, window, `${userId}:${command.trigger_id}`);
        deps.deliveries.kick();
        await ack({ response_type: 'ephemeral', text: 'Your export is on its way: a CSV file, in a DM from me, in a moment.' });
      } catch (error) {
        deps.logger.error('/mistake export failed', { error: String(error) });
        await ack({ response_type: 'ephemeral', text: SORRY });
      }
      return;
    }

    // One word that is not a command is most likely a mistyped one, not the story of a mistake:
    // say what /mistake understands. Several words are a story and prefill a report.
    if (words.length === 1) {
      await ack({ response_type: 'ephemeral', ...helpMessage({ unknownWord: words[0] }) });
      return;
    }

    // The trigger expires 3 seconds after the command: acknowledge and open the modal at once.
    const [, opened] = await Promise.allSettled([
      ack(),
      client.views.open({
        trigger_id: command.trigger_id,
        view: reportModal({ prefill: text, reporterId: userId, defaultCurrency: deps.settings.defaultCurrency }),
      }),
    ]);
    if (opened.status === 'rejected') {
      deps.logger.error('could not open the report modal', { error: String(opened.reason) });
      await client.chat
        .postEphemeral({
          channel: command.channel_id,
          user: userId,
          text: "Sorry, Slack didn't let us open the report form just now. Please run `/mistake` again; nothing was lost.",
        })
        .catch(() => undefined);
    }
  };
}

/** The slash commands the manifest declares, each with its handler. */
export function commandHandlers(deps: BotDeps): Record<typeof COMMAND, ReturnType<typeof mistakeCommand>> {
  return { [COMMAND]: mistakeCommand(deps) };
}

export function registerCommands(app: App, handlers: ReturnType<typeof commandHandlers>): void {
  for (const [command, handler] of Object.entries(handlers)) app.command(command, handler);
}
