import type { AllMiddlewareArgs, BlockAction, SlackActionMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { PlaybookError } from '../../domain/playbook';
import type { BotDeps } from '../deps';
import { explainFailure } from '../privately';
import { nothingSavedModal } from '../views/modals';

const UNKNOWN_BUTTON =
  "That button isn't one this app knows (it may come from an older version of it), so nothing was changed. Use the buttons on the mistake's card, or `/mistake`.";
const UNKNOWN_FORM =
  "This form isn't one this app knows (it may come from an older version of it), so nothing was saved. Close it and start again from the mistake's card, or `/mistake`.";

/**
 * Buttons and forms whose ids the app does not know (an old message from a previous version, or
 * a tampered payload) are answered at once and explained, instead of Slack showing the person a
 * timeout three seconds later. These are what the action and form listeners fall back to.
 */
export function unknownButton(deps: BotDeps) {
  return async ({ ack, body, client }: SlackActionMiddlewareArgs<BlockAction> & AllMiddlewareArgs): Promise<void> => {
    await ack();
    const channelId = body.container?.type === 'message' ? (body.channel?.id ?? body.container.channel_id) : undefined;
    await explainFailure(deps, client, { userId: body.user.id, channelId }, new PlaybookError('not_found', UNKNOWN_BUTTON));
  };
}

export function unknownForm() {
  return async ({ ack, view }: SlackViewMiddlewareArgs<ViewSubmitAction>): Promise<void> => {
    const input = (view.blocks as Array<{ type?: string; block_id?: string }>).find((b) => b.type === 'input' && b.block_id);
    if (input?.block_id) {
      await ack({ response_action: 'errors', errors: { [input.block_id]: UNKNOWN_FORM } });
      return;
    }
    await ack({ response_action: 'update', view: nothingSavedModal(UNKNOWN_FORM) });
  };
}
