import type { AllMiddlewareArgs, App, BlockAction, ButtonAction, OverflowAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { randomUUID } from 'node:crypto';
import { tellPrivately } from '../../privately';
import {
  type Actor,
  assertCanCompleteStep,
  assertCanLogContact,
  assertCanMarkNotSatisfied,
  assertCanMarkSatisfied,
  assertCanReassign,
  assertCanReopen,
  assertCanSkipStep,
  assertCanStartRca,
  type MistakeSnapshot,
  PlaybookError,
  type StepKind,
} from '../../../domain/playbook';
import type { ModalView } from '@slack/types';
import type { MistakeView } from '../../../services/views';
import type { ClickKind, StoredClick } from '../../../services/interactions';
import { NOT_OURS } from '../../clicks';
import { RequestRefused } from '../../refusals';
import { type ActionId, Actions, decodeValue, type ButtonValue } from '../../ids';
import type { BotDeps } from '../../deps';
import { explainFailure, type Origin } from '../../privately';
import { settingsModal } from '../../views/settings';
import {
  apologizeModal,
  askModal,
  logContactModal,
  makeRightModal,
  notSatisfiedModal,
  rcaModal,
  reassignModal,
  reopenModal,
  satisfiedModal,
  skipMakeRightModal,
} from '../../views/modals';

type ButtonArgs = SlackActionMiddlewareArgs<BlockAction<ButtonAction>> & AllMiddlewareArgs;
type OverflowArgs = SlackActionMiddlewareArgs<BlockAction<OverflowAction>> & AllMiddlewareArgs;

interface Clicked {
  teamId: string;
  userId: string;
  value: ButtonValue;
  origin: Origin;
}

function clicked(body: BlockAction, value: string | undefined): Clicked | { origin: Origin; invalid: true } {
  const userId = body.user.id;
  const channelId = body.container?.type === 'message' ? (body.channel?.id ?? body.container.channel_id) : undefined;
  const origin: Origin = { userId, channelId };
  const teamId = body.team?.id ?? body.user.team_id;
  const decoded = decodeValue(value);
  if (!decoded || !teamId) return { origin, invalid: true };
  return { teamId, userId, value: decoded, origin };
}

const NOT_SAVED =
  "Sorry, we couldn't save that click just now, so nothing was changed. Please click again in a moment; if it keeps happening, tell whoever runs this bot.";

/**
 * The click could not be stored: Slack gets an error status instead of a 200, so the button shows
 * that it did not go through, and the person is told (without waiting for that) to click again.
 */
function notSaved(deps: BotDeps, client: ButtonArgs['client'], origin: Origin, error: unknown): RequestRefused {
  deps.logger.error('click could not be stored; answered with an error so it can be clicked again', {
    error: error instanceof Error ? error.message.slice(0, 500) : String(error),
  });
  void tellPrivately(client, origin, NOT_SAVED).catch(() => undefined);
  return new RequestRefused(503, 'the click could not be stored', { 'retry-after': '1' });
}

type ActionArgs = ButtonArgs | OverflowArgs;

/**
 * A click that changes the mistake (own it, apologize, a prevention step done, a snooze). It is
 * stored before Slack gets its answer, then applied: an acknowledged click is never lost, even
 * if this process dies the next moment (another one, or this one restarted, applies it). A click
 * that cannot be stored gets an error status instead of a 200.
 */
function changeOnClick<A extends ActionArgs>(
  deps: BotDeps,
  kind: ClickKind,
  valueIn: (args: A) => string | undefined,
  complete: (value: ButtonValue) => boolean = () => true,
) {
  return async (args: A): Promise<void> => {
    const c = clicked(args.body, valueIn(args));
    if ('invalid' in c || !complete(c.value)) {
      await args.ack();
      await explainFailure(deps, args.client, c.origin, new PlaybookError('not_found', NOT_OURS));
      return;
    }
    let stored: StoredClick | null;
    try {
      stored = await deps.interactions.record({
        teamId: c.teamId,
        userId: c.userId,
        // Slack gives every interaction its own trigger id: a repeat of this one carries it too.
        key: `click:${args.body.trigger_id || randomUUID()}`,
        kind,
        mistakeId: c.value.m,
        preventionId: c.value.p,
        contactId: c.value.k,
        snoozeMinutes: c.value.s,
        channelId: c.origin.channelId,
      });
    } catch (error) {
      throw notSaved(deps, args.client, c.origin, error);
    }
    await args.ack();
    // Null: the same click arrived twice, and the first delivery of it is being applied. Not
    // waited for: in a burst the click waits its turn (see ClickApplier), and this request's
    // payload and context need not be kept for that long. Applying logs its own failures.
    if (stored) void deps.clicks.apply(stored);
  };
}

const buttonValue = (args: ButtonArgs) => args.action.value;

/**
 * A button that opens a modal. The playbook is asked first, so a refused action (the RCA before
 * the customer is satisfied, someone else's recovery) is explained before anyone types. It is
 * asked before Slack gets its answer, so a database that cannot answer shows as a failed click.
 */
function openModal(
  deps: BotDeps,
  guard: (m: MistakeSnapshot, actor: Actor) => void,
  modal: (m: MistakeView, origin: { channelId?: string; ts?: string }) => ModalView,
) {
  return async ({ ack, body, client, action }: ButtonArgs): Promise<void> => {
    const c = clicked(body, action.value);
    if ('invalid' in c) {
      await ack();
      await explainFailure(deps, client, c.origin, new PlaybookError('not_found', NOT_OURS));
      return;
    }
    const ref = { teamId: c.teamId, mistakeId: c.value.m };
    let record: MistakeView;
    try {
      record = await deps.mistakes.precheck(ref, c.userId, guard);
    } catch (error) {
      if (!(error instanceof PlaybookError)) throw notSaved(deps, client, c.origin, error);
      await ack();
      await explainFailure(deps, client, c.origin, error, ref);
      return;
    }
    await ack();
    const ts = body.container?.type === 'message' ? body.container.message_ts : undefined;
    try {
      await client.views.open({
        trigger_id: body.trigger_id,
        view: modal(record, { channelId: c.origin.channelId, ts }),
      });
    } catch (error) {
      await explainFailure(deps, client, c.origin, error, ref);
    }
  };
}

export const ONLY_ADMINS = "Only this workspace's admins can change the bot's settings. Ask one of them, or whoever runs the bot.";

/** App Home's Settings button (admins only): the workspace's settings, in a form. */
function openSettings(deps: BotDeps) {
  return async ({ ack, body, client }: ButtonArgs): Promise<void> => {
    await ack();
    const userId = body.user.id;
    const teamId = body.team?.id ?? body.user.team_id;
    const origin: Origin = { userId };
    if (!teamId) return;
    try {
      const policy = await deps.settings.forTeam(teamId);
      if (!policy.adminUserIds.includes(userId)) {
        await tellPrivately(client, origin, ONLY_ADMINS);
        return;
      }
      await client.views.open({ trigger_id: body.trigger_id, view: settingsModal(policy) });
    } catch (error) {
      await explainFailure(deps, client, origin, error);
    }
  };
}

const stepGuard = (kind: StepKind) => (m: MistakeSnapshot, a: Actor) => assertCanCompleteStep(m, a, kind);

// biome-ignore lint/suspicious/noExplicitAny: Bolt types each listener by its action's payload; the table holds them all.
export type ActionHandler = (args: any) => Promise<void>;

/** One handler for every button and menu the bot sends, by action id (a test sends each one). */
export function actionHandlers(deps: BotDeps): Record<ActionId, ActionHandler> {
  return {
    [Actions.own]: changeOnClick(deps, 'own', buttonValue),
    [Actions.apologizeForm]: openModal(deps, stepGuard('apologize'), (m, origin) => apologizeModal(m, origin)),
    // Buttons posted before the apology form existed: the apology is recorded on the spot, as then.
    [Actions.apologize]: changeOnClick(deps, 'apologize', buttonValue),
    [Actions.logContact]: openModal(deps, (m, a) => assertCanLogContact(m, a), logContactModal),
    [Actions.preventionDone]: changeOnClick(deps, 'prevention_done', buttonValue, (v) => v.p !== undefined),
    // The after-close check-in: did the customer come back?
    [Actions.checkInCameBack]: changeOnClick(deps, 'check_in_came_back', buttonValue),
    [Actions.checkInNotYet]: changeOnClick(deps, 'check_in_not_yet', buttonValue),
    [Actions.checkInLost]: changeOnClick(deps, 'check_in_lost', buttonValue),
    [Actions.customerNoteSent]: changeOnClick(deps, 'customer_note_sent', buttonValue),
    [Actions.ask]: openModal(deps, stepGuard('ask'), askModal),
    [Actions.makeRight]: openModal(deps, stepGuard('make_right'), makeRightModal),
    // The reason is asked in the modal; here only whether skipping is possible at all.
    [Actions.skipMakeRight]: openModal(deps, (m, a) => assertCanSkipStep(m, a, 'make_right', 'checking'), skipMakeRightModal),
    [Actions.satisfied]: openModal(deps, assertCanMarkSatisfied, satisfiedModal),
    [Actions.notSatisfied]: openModal(deps, assertCanMarkNotSatisfied, notSatisfiedModal),
    [Actions.rootCauseAnalysis]: openModal(deps, assertCanStartRca, rcaModal),
    [Actions.reassign]: openModal(deps, (m, a) => assertCanReassign(m, a), reassignModal),
    [Actions.reopen]: openModal(deps, (m, a) => void assertCanReopen(m, a), reopenModal),
    // Snooze from a reminder DM: 1 h, 4 h, or tomorrow when office hours open.
    [Actions.snooze]: changeOnClick(
      deps,
      'snooze',
      (args: OverflowArgs) => args.action.selected_option?.value,
      (v) => v.s !== undefined,
    ),
    [Actions.openSettings]: openSettings(deps),
    // Link buttons still send an action, which Slack wants acknowledged.
    [Actions.openThread]: async ({ ack }: { ack: () => Promise<void> }) => {
      await ack();
    },
  };
}

/**
 * One listener for every button and menu, which hands each click to the handler of its action
 * id (or to `unknown`). Bolt runs every registered listener's middleware for every request, so a
 * listener per id made each answer pay for all of them: about a millisecond per request here.
 */
export function registerActions(app: App, handlers: Record<ActionId, ActionHandler>, unknown: ActionHandler): void {
  const byId = new Map<string, ActionHandler>(Object.entries(handlers));
  app.action({ type: 'block_actions' }, async (args) => (byId.get(args.action.action_id) ?? unknown)(args));
}
