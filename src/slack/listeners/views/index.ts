import type { AllMiddlewareArgs, App, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import type { ModalView } from '@slack/types';
import { findExcuses, validateContact } from '../../../domain/contacts';
import { assertCanCompleteStep, FieldErrors, PlaybookError } from '../../../domain/playbook';
import { ReportValidationError } from '../../../services/mistakes';
import type { MistakeRef } from '../../../services/mistakes';
import { decodeValue, Inputs, Views, type ViewId } from '../../ids';
import type { BotDeps } from '../../deps';
import {
  apologizeModal,
  parseAskSubmission,
  parseContactSubmission,
  parseMakeRightSubmission,
  parseNotSatisfiedSubmission,
  parseRcaSubmission,
  parseReassignSubmission,
  parseReopenSubmission,
  parseReportSubmission,
  parseSatisfiedSubmission,
  parseSkipMakeRightSubmission,
  RCA_FIELD_BLOCKS,
  REPORT_FIELD_BLOCKS,
} from '../../views/modals';
import { parseSettingsSubmission } from '../../views/settings';
import { ONLY_ADMINS } from '../actions';

type SubmitArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;
type Values = ViewSubmitAction['view']['state']['values'];

// Which input shows a refusal that is not about one field, per modal.
const MAIN_INPUT: Record<ViewId, string> = {
  [Views.report]: Inputs.whatHappened,
  [Views.apologize]: Inputs.contactSummary,
  [Views.logContact]: Inputs.contactSummary,
  [Views.ask]: Inputs.answer,
  [Views.makeRight]: Inputs.remedyValue,
  [Views.skipMakeRight]: Inputs.reason,
  [Views.satisfied]: Inputs.comment,
  [Views.notSatisfied]: Inputs.comment,
  [Views.reassign]: Inputs.owner,
  [Views.reopen]: Inputs.reason,
  [Views.rootCauseAnalysis]: Inputs.causes,
  [Views.settings]: Inputs.escalationChannel,
};

// Domain field names that differ from the modals' block ids.
const FIELD_TO_INPUT: Record<string, string> = {
  ...REPORT_FIELD_BLOCKS,
  ...RCA_FIELD_BLOCKS,
  note: Inputs.comment,
};

const SAVE_FAILED = "We couldn't save this just now. Nothing you typed is lost: press the button again in a moment.";

function refOf(view: ViewSubmitAction['view'], teamId: string): MistakeRef | null {
  const meta = decodeValue(view.private_metadata);
  if (!meta) return null;
  return { teamId, mistakeId: meta.m, expectedVersion: meta.v, ...(view.id ? { formId: view.id } : {}) };
}

/**
 * Whether this very form was saved already: Slack (or a person pressing Submit again while the
 * first answer was on its way) delivered it twice, and the mistake's version moved because of
 * the first delivery, not because of someone else.
 */
async function savedBefore(deps: BotDeps, teamId: string, view: ViewSubmitAction['view']): Promise<boolean> {
  if (!view.id) return false;
  return deps.interactions.formSaved(teamId, view.id).catch(() => false);
}

/**
 * A submission of one of the step modals. The change is stored before Slack gets its answer, so a
 * refusal or a failure shows on the form (with the person's text still in it) instead of being lost.
 */
function submitStep(
  deps: BotDeps,
  viewId: ViewId,
  change: (ref: MistakeRef, userId: string, values: Values, view: ViewSubmitAction['view']) => Promise<unknown>,
) {
  return async ({ ack, body, view }: SubmitArgs): Promise<void> => {
    const userId = body.user.id;
    const teamId = body.team?.id ?? body.user.team_id ?? '';
    const ref = refOf(view, teamId);
    const main = MAIN_INPUT[viewId];
    if (!ref || !teamId) {
      await ack({ response_action: 'errors', errors: { [main]: "This form doesn't point at a mistake we know about." } });
      return;
    }
    try {
      await change(ref, userId, view.state.values, view);
      await ack();
      deps.deliveries.kick();
    } catch (error) {
      if (error instanceof ShowAgain) {
        await ack({ response_action: 'update', view: error.view });
        return;
      }
      const stale = !(error instanceof PlaybookError) || error.code === 'conflict' || error.code === 'already_done';
      if (stale && (await savedBefore(deps, teamId, view))) {
        // The same submission delivered twice: the first one did it. Close the form quietly.
        await ack();
        return;
      }
      if (error instanceof FieldErrors) {
        // Every field's problem at once, each under its own input.
        const errors: Record<string, string> = {};
        for (const [field, message] of Object.entries(error.errors)) {
          const block = FIELD_TO_INPUT[field] ?? field;
          errors[view.state.values[block] ? block : main] ??= message;
        }
        await ack({ response_action: 'errors', errors });
        return;
      }
      if (error instanceof PlaybookError) {
        if (error.code === 'already_done' && view.id) {
          // The step was done by an earlier submission of the same form: close it quietly.
          await ack();
          return;
        }
        const field = error.field ? (FIELD_TO_INPUT[error.field] ?? error.field) : main;
        const block = view.state.values[field] ? field : main;
        await ack({ response_action: 'errors', errors: { [block]: error.message } });
        if (error.code === 'conflict') await deps.mistakes.refreshCard(teamId, ref.mistakeId).catch(() => undefined);
        return;
      }
      deps.logger.error('modal submission failed', { view: viewId, error: error instanceof Error ? error.stack : String(error) });
      await ack({ response_action: 'errors', errors: { [main]: SAVE_FAILED } });
    }
  };
}

/** The form is shown again, updated (a hint on the wording), instead of being saved. */
class ShowAgain extends Error {
  constructor(readonly view: ModalView) {
    super('the form is shown again');
  }
}

/**
 * The apology form. Excuse or blame wording in the apology kept is pointed out once: the form comes
 * back with a hint naming it, and a second submission records it as it is (a hint never blocks).
 * Other problems are field errors first, so the hint is never in the way of fixing them.
 */
function submitApology(deps: BotDeps) {
  return submitStep(deps, Views.apologize, async (ref, userId, values, submitted) => {
    const raw = parseContactSubmission(values);
    const policy = await deps.settings.forTeam(ref.teamId);
    const input = validateContact(raw, deps.clock.now(), policy.timezone);
    const found = input.apology ? findExcuses(input.apology) : [];
    const meta = decodeValue(submitted.private_metadata);
    const hinted = (meta?.h ?? '').split(',').filter((id) => id !== '');
    if (found.some((f) => !hinted.includes(f.rule.id))) {
      const m = await deps.mistakes.precheck(ref, userId, (s, a) => assertCanCompleteStep(s, a, 'apologize'));
      const view = apologizeModal(
        { ...m, version: ref.expectedVersion ?? m.version },
        { channelId: meta?.c, ts: meta?.ts },
        { values: raw, hints: found, hinted: [...new Set([...hinted, ...found.map((f) => f.rule.id)])] },
      );
      throw new ShowAgain(view);
    }
    return deps.mistakes.apologize(ref, userId, raw);
  });
}

export function reportSubmission(deps: BotDeps) {
  return async ({ ack, body, view }: SubmitArgs): Promise<void> => {
    const userId = body.user.id;
    const teamId = body.team?.id ?? body.user.team_id ?? '';
    try {
      // Stored first: the card and every message about it are queued in the same transaction.
      await deps.mistakes.report(teamId, userId, parseReportSubmission(view.state.values), { submissionKey: view.id });
      await ack();
      deps.deliveries.kick();
    } catch (error) {
      if (error instanceof ReportValidationError) {
        const errors: Record<string, string> = {};
        for (const [field, message] of Object.entries(error.errors)) {
          if (message) errors[FIELD_TO_INPUT[field] ?? field] = message;
        }
        await ack({ response_action: 'errors', errors });
        return;
      }
      deps.logger.error('report could not be stored', { error: error instanceof Error ? error.stack : String(error) });
      await ack({ response_action: 'errors', errors: { [Inputs.whatHappened]: SAVE_FAILED } });
    }
  };
}

// biome-ignore lint/suspicious/noExplicitAny: Bolt types each listener by its view's payload; the table holds them all.
export type ViewHandler = (args: any) => Promise<void>;

/** One handler for every form the bot opens, by callback id (a test submits each one). */
/**
 * Whether the bot can post in a channel (conversations.info's is_member): a channel it is not in
 * gets a field error saying how to invite it, before anything is saved.
 */
async function notPostable(client: SubmitArgs['client'], channel: string): Promise<string | null> {
  const invite = `I'm not in <#${channel}> yet. Type \`/invite @Mistake Recovery\` in that channel, then save again.`;
  try {
    const info = await client.conversations.info({ channel });
    return info.channel?.is_member === true ? null : invite;
  } catch (error) {
    const code = (error as { data?: { error?: string } }).data?.error;
    if (code === 'channel_not_found') return `I can't see that channel: if it is private, ${invite.charAt(0).toLowerCase()}${invite.slice(1)}`;
    return `I couldn't check that channel just now${code ? ` (Slack said ${code})` : ''}. Please save again in a moment.`;
  }
}

/** Settings saved by an admin: field errors for invalid values, otherwise stored and audited. */
function settingsSubmission(deps: BotDeps) {
  return async ({ ack, body, view, client }: SubmitArgs): Promise<void> => {
    const userId = body.user.id;
    const teamId = body.team?.id ?? body.user.team_id ?? view.team_id;
    try {
      const policy = await deps.settings.forTeam(teamId);
      if (!policy.adminUserIds.includes(userId)) {
        await ack({ response_action: 'errors', errors: { [Inputs.escalationChannel]: ONLY_ADMINS } });
        return;
      }
      const { changes, channels: picked, errors } = parseSettingsSubmission(view.state.values);
      const channels = Object.entries(picked);
      // Every channel the bot would post in must have it as a member: asked all at once.
      const problems = await Promise.all(channels.map(([, channel]) => notPostable(client, channel)));
      channels.forEach(([input], i) => {
        if (problems[i]) errors[input] = problems[i]!;
      });
      if (Object.keys(errors).length > 0) {
        await ack({ response_action: 'errors', errors });
        return;
      }
      const changed = await deps.settings.update(teamId, userId, changes);
      await ack();
      deps.logger.info('workspace settings changed in Slack', { teamId, userId, fields: changed });
    } catch (error) {
      deps.logger.error('could not save settings', { teamId, error: error instanceof Error ? error.message : String(error) });
      await ack({ response_action: 'errors', errors: { [Inputs.escalationChannel]: SAVE_FAILED } });
    }
  };
}

export function viewHandlers(deps: BotDeps): Record<ViewId, ViewHandler> {
  const m = deps.mistakes;
  return {
    [Views.settings]: settingsSubmission(deps),
    [Views.report]: reportSubmission(deps),
    [Views.apologize]: submitApology(deps),
    [Views.logContact]: submitStep(deps, Views.logContact, (ref, user, v) => m.logContact(ref, user, parseContactSubmission(v))),
    [Views.ask]: submitStep(deps, Views.ask, (ref, user, v) => m.completeStep(ref, user, 'ask', parseAskSubmission(v))),
    [Views.makeRight]: submitStep(deps, Views.makeRight, (ref, user, v) => m.completeStep(ref, user, 'make_right', parseMakeRightSubmission(v))),
    [Views.skipMakeRight]: submitStep(deps, Views.skipMakeRight, (ref, user, v) =>
      m.skipStep(ref, user, 'make_right', parseSkipMakeRightSubmission(v).reason),
    ),
    [Views.satisfied]: submitStep(deps, Views.satisfied, (ref, user, v) => m.markSatisfied(ref, user, parseSatisfiedSubmission(v).comment)),
    [Views.notSatisfied]: submitStep(deps, Views.notSatisfied, (ref, user, v) =>
      m.markNotSatisfied(ref, user, parseNotSatisfiedSubmission(v).comment),
    ),
    [Views.reassign]: submitStep(deps, Views.reassign, (ref, user, v) => m.reassign(ref, user, parseReassignSubmission(v).ownerId)),
    [Views.reopen]: submitStep(deps, Views.reopen, (ref, user, v) => m.reopen(ref, user, parseReopenSubmission(v).reason)),
    [Views.rootCauseAnalysis]: submitStep(deps, Views.rootCauseAnalysis, async (ref, user, v) => {
      const policy = await deps.settings.forTeam(ref.teamId);
      const parsed = parseRcaSubmission(v, policy.timezone, deps.clock.now());
      if (Object.keys(parsed.errors).length > 0) throw new FieldErrors(parsed.errors);
      try {
        return await m.submitRca(ref, user, parsed.input);
      } catch (error) {
        // The playbook numbers prevention steps by position; the form by slot (one may be empty).
        if (!(error instanceof PlaybookError)) throw error;
        const slot = /^prevention_(\d+)(.*)$/.exec(error.field ?? '');
        if (slot) {
          const formSlot = parsed.slots[Number(slot[1]) - 1] ?? 1;
          throw new PlaybookError(error.code, error.message, `prevention_${formSlot}${slot[2]}`);
        }
        throw error;
      }
    }),
  };
}

/** One listener for every form submitted, as for the buttons (see registerActions). */
export function registerViews(app: App, handlers: Record<ViewId, ViewHandler>, unknown: ViewHandler): void {
  const byId = new Map<string, ViewHandler>(Object.entries(handlers));
  app.view({ type: 'view_submission' }, async (args) => (byId.get(args.view.callback_id) ?? unknown)(args));
}
