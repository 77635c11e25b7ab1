import type {
  AllMiddlewareArgs,
  App,
  BlockAction,
  ButtonAction,
  OverflowAction,
  SlackActionMiddlewareArgs,
} from '@slack/bolt';
import { startOfNextWorkingDay } from '../../../domain/officeHours';
import { formatDuration, MINUTE_MS } from '../../../domain/durations';
import { tellPrivately } from '../../privately';
import {
  type Actor,
  assertCanCompleteStep,
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
import type { MistakeRecord } from '../../../services/records';
import { Actions, decodeValue, type ButtonValue } from '../../ids';
import type { BotDeps } from '../../deps';
import { explainFailure, type Origin } from '../../privately';
import {
  askModal,
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

const NOT_OURS = "That button doesn't point at a mistake we know about, so nothing was changed.";

type ActionArgs = ButtonArgs | OverflowArgs;

/**
 * Every click: acknowledge at once (Slack wants an answer within 3 seconds), read which mistake
 * it is about, run it, and explain any refusal privately, refreshing a stale card.
 */
function onClick<A extends ActionArgs>(
  deps: BotDeps,
  valueOf: (args: A) => string | undefined,
  run: (c: Clicked, args: A) => Promise<void>,
) {
  return async (args: A): Promise<void> => {
    await args.ack();
    const c = clicked(args.body, valueOf(args));
    if ('invalid' in c) {
      await explainFailure(deps, args.client, c.origin, new PlaybookError('not_found', NOT_OURS));
      return;
    }
    try {
      await run(c, args);
    } catch (error) {
      await explainFailure(deps, args.client, c.origin, error, { teamId: c.teamId, mistakeId: c.value.m });
    }
  };
}

const buttonValue = (args: ButtonArgs) => args.action.value;

/** A button that changes the mistake on the click (own it, apologize, a prevention step done). */
function changeOnClick(deps: BotDeps, change: (c: Clicked) => Promise<unknown>) {
  return onClick(deps, buttonValue, async (c) => {
    await change(c);
    deps.deliveries.kick();
  });
}

/**
 * A button that opens a modal. The playbook is asked first, so a refused action (the RCA before
 * the customer is satisfied, someone else's recovery) is explained before anyone types.
 */
function openModal(
  deps: BotDeps,
  guard: (m: MistakeSnapshot, actor: Actor) => void,
  modal: (m: MistakeRecord, origin: { channelId?: string; ts?: string }) => ModalView,
) {
  return onClick(deps, buttonValue, async (c, { body, client }) => {
    const record = await deps.mistakes.precheck({ teamId: c.teamId, mistakeId: c.value.m }, c.userId, guard);
    const ts = body.container?.type === 'message' ? body.container.message_ts : undefined;
    await client.views.open({
      trigger_id: body.trigger_id,
      view: modal(record, { channelId: c.origin.channelId, ts }),
    });
  });
}

const stepGuard = (kind: StepKind) => (m: MistakeSnapshot, a: Actor) => assertCanCompleteStep(m, a, kind);

export function registerActions(app: App, deps: BotDeps): void {
  const ref = (c: Clicked) => ({ teamId: c.teamId, mistakeId: c.value.m });

  app.action(Actions.own, changeOnClick(deps, (c) => deps.mistakes.completeStep(ref(c), c.userId, 'own')));
  app.action(Actions.apologize, changeOnClick(deps, (c) => deps.mistakes.completeStep(ref(c), c.userId, 'apologize')));
  app.action(
    Actions.preventionDone,
    changeOnClick(deps, async (c) => {
      if (c.value.p === undefined) throw new PlaybookError('not_found', NOT_OURS);
      return deps.mistakes.completePrevention(ref(c), c.userId, c.value.p);
    }),
  );

  app.action(Actions.ask, openModal(deps, stepGuard('ask'), askModal));
  app.action(Actions.makeRight, openModal(deps, stepGuard('make_right'), makeRightModal));
  app.action(
    Actions.skipMakeRight,
    // The reason is asked in the modal; here only whether skipping is possible at all.
    openModal(deps, (m, a) => assertCanSkipStep(m, a, 'make_right', 'checking'), skipMakeRightModal),
  );
  app.action(Actions.satisfied, openModal(deps, assertCanMarkSatisfied, satisfiedModal));
  app.action(Actions.notSatisfied, openModal(deps, assertCanMarkNotSatisfied, notSatisfiedModal));
  app.action(Actions.rootCauseAnalysis, openModal(deps, assertCanStartRca, rcaModal));
  app.action(Actions.reassign, openModal(deps, (m, a) => assertCanReassign(m, a), reassignModal));
  app.action(Actions.reopen, openModal(deps, (m, a) => void assertCanReopen(m, a), reopenModal));

  // Snooze from a reminder DM: 1 h, 4 h, or tomorrow when office hours open.
  app.action(
    Actions.snooze,
    onClick(deps, (args: OverflowArgs) => args.action.selected_option?.value, async (c, { client }) => {
      if (c.value.s === undefined) throw new PlaybookError('not_found', NOT_OURS);
      const policy = await deps.settings.forTeam(c.teamId);
      const now = deps.clock.now();
      const until =
        c.value.s > 0
          ? new Date(now.getTime() + c.value.s * MINUTE_MS)
          : startOfNextWorkingDay(now, policy.timezone, policy.officeHours);
      await deps.mistakes.snooze(ref(c), c.userId, until, c.value.p);
      deps.deliveries.kick();
      await tellPrivately(client, c.origin, `Snoozed: we'll remind you again in ${formatDuration(until.getTime() - now.getTime())}.`);
    }),
  );

  // Link buttons still send an action, which Slack wants acknowledged.
  app.action(Actions.openThread, async ({ ack }) => {
    await ack();
  });
}
