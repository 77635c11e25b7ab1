// Drives the real bot the way people do, over signed HTTP, and reads back what Slack would show:
// the card as last edited, its thread, the escalation posts and everyone's DMs as last edited.
import { Actions, Inputs } from '../../src/slack/ids';
import type { RecordedCall } from './fakeSlack';
import { findAction, type Harness } from './harness';
import { buttonClick, postToSlackEndpoint, slashCommand, viewSubmission, type SlackPost } from './slackRequests';

export const CHANNEL = 'CESCALATIONS';

export const REPORT = {
  [Inputs.customer]: 'Harbor Bakery',
  [Inputs.whatHappened]: 'We shipped their flour to the wrong address.',
  [Inputs.impact]: 'Their Saturday market stall had nothing to bake with.',
  [Inputs.severity]: 'high',
  [Inputs.category]: 'delivery',
};

/** Buttons that open a modal (the click is answered with views.open). */
const MODAL_BUTTONS = new Set<string>([
  Actions.apologizeForm,
  Actions.logContact,
  Actions.ask,
  Actions.makeRight,
  Actions.skipMakeRight,
  Actions.satisfied,
  Actions.notSatisfied,
  Actions.rootCauseAnalysis,
  Actions.reassign,
  Actions.reopen,
]);

/** A message as Slack shows it now: its first post, or the latest edit of it. */
export interface Shown {
  channel: string;
  ts: string;
  text: string;
  blocks: any[];
  /** How many times it was edited. */
  edits: number;
}

export class Flow {
  constructor(readonly h: Harness) {}

  post(body: SlackPost) {
    return postToSlackEndpoint(this.h.baseUrl, body);
  }

  /** `/mistake`, then the report modal submitted with `values`; returns the new mistake's id. */
  async report(values: Record<string, string> = REPORT, who = 'UALICE', commandText = 'flour to the wrong address'): Promise<number> {
    const opened = this.h.fake.called('views.open').length;
    const command = await this.post(slashCommand(commandText, { userId: who }));
    if (command.status !== 200) throw new Error(`/mistake answered ${command.status}`);
    await this.h.fake.waitFor('views.open', opened);
    const submitted = await this.post(viewSubmission(this.h.fake.lastView(), values, { userId: who }));
    if (submitted.status !== 200 || submitted.json?.response_action === 'errors') {
      throw new Error(`the report was refused: ${submitted.text}`);
    }
    await this.h.deliver();
    const latest = await this.h.t.db.mistake.findFirstOrThrow({ orderBy: { id: 'desc' } });
    return latest.id;
  }

  /** Every top-level post in the escalation channel that is a card (it opens with a header). */
  cardPosts(): RecordedCall[] {
    return this.posts(CHANNEL).filter((c) => !c.args.thread_ts && c.args.blocks?.[0]?.type === 'header');
  }

  /** The "Escalation" posts in the escalation channel, as Slack shows them now. */
  escalationPosts(): Shown[] {
    return this.posts(CHANNEL)
      .filter((c) => !c.args.thread_ts && String(c.args.text).startsWith('Escalation'))
      .map((c) => this.shown(c));
  }

  async card(mistakeId?: number): Promise<Shown> {
    const m = mistakeId
      ? await this.h.t.db.mistake.findUniqueOrThrow({ where: { id: mistakeId } })
      : await this.h.t.db.mistake.findFirstOrThrow({ orderBy: { id: 'desc' } });
    const posted = this.cardPosts().find((c) => c.response?.ts === m.threadTs);
    if (!m.threadTs || !posted) throw new Error(`no card was posted for mistake #${m.id}`);
    return this.shown(posted);
  }

  /** The thread replies under a card, in order. */
  replies(ts: string): RecordedCall[] {
    return this.h.fake.called('chat.postMessage').filter((c) => c.args.thread_ts === ts);
  }

  /** The DMs one person got, as Slack shows them now. */
  dms(userId: string): Shown[] {
    return this.posts(userId).map((c) => this.shown(c));
  }

  /** Ephemeral messages one person was shown. */
  told(userId: string): string[] {
    return this.h.fake
      .called('chat.postEphemeral')
      .filter((c) => c.args.user === userId)
      .map((c) => String(c.args.text));
  }

  /**
   * Clicks the button `actionId` found in `where`'s blocks, as `who`, from that message (a DM's
   * or a channel's); waits for the modal it opens, if it opens one.
   */
  async click(actionId: string, where: Shown, who = 'UALICE'): Promise<void> {
    const button = findAction(where.blocks, actionId);
    if (!button) throw new Error(`no ${actionId} button on that message`);
    const opened = this.h.fake.called('views.open').length;
    const before = await this.outcomes(button.value);
    const response = await this.post(buttonClick(actionId, button.value, { userId: who, channelId: where.channel, messageTs: where.ts }));
    if (response.status !== 200) throw new Error(`the click answered ${response.status}`);
    // A click is acknowledged before it is handled: wait for what it does (a modal, a change, or
    // a private answer), however slow the machine, before reading what Slack shows.
    if (MODAL_BUTTONS.has(actionId)) await this.h.fake.waitFor('views.open', opened);
    else await this.until(async () => (await this.outcomes(button.value)) !== before);
    await this.h.deliver();
  }

  /** What a click can change: its mistake's version, and the private answers given. */
  private async outcomes(value: string): Promise<string> {
    const m = (JSON.parse(value) as { m: number }).m;
    const row = await this.h.t.db.mistake.findUnique({ where: { id: m }, select: { version: true } });
    return `${row?.version}/${this.h.fake.called('chat.postEphemeral').length}`;
  }

  private async until(done: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await done())) {
      if (Date.now() > deadline) throw new Error('the click had no visible effect');
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /** Picks `value` in the snooze menu of the reminder item in `where` that names `label`. */
  async snooze(where: Shown, value: (v: any) => boolean, who = 'UALICE'): Promise<void> {
    const menus = where.blocks.flatMap((b: any) => b.elements ?? []).filter((e: any) => e.action_id === Actions.snooze);
    if (menus.length === 0) throw new Error('no snooze menu on that message');
    // The first option, in any item's menu, that `value` picks.
    const option = menus.flatMap((m: any) => m.options).find((o: any) => value(JSON.parse(o.value)));
    if (!option) throw new Error('no such snooze option on that message');
    const body = buttonClick(Actions.snooze, option.value, { userId: who, channelId: where.channel, messageTs: where.ts });
    // The snooze menu is an overflow: Slack sends the picked option, not a button value.
    const payload = JSON.parse(new URLSearchParams(body.body).get('payload')!);
    payload.actions = [{ type: 'overflow', action_id: Actions.snooze, block_id: 'b', selected_option: option, action_ts: '1' }];
    const told = this.h.fake.called('chat.postEphemeral').length;
    const response = await this.post({ body: new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), contentType: body.contentType });
    if (response.status !== 200) throw new Error(`the snooze answered ${response.status}`);
    // Its private answer comes last, once the snooze is stored.
    await this.h.fake.waitFor('chat.postEphemeral', told);
    await this.h.deliver();
  }

  /** Submits the modal the bot opened last; returns Slack's answer (field errors, if any). */
  async submit(values: Record<string, string>, who = 'UALICE') {
    const response = await this.post(viewSubmission(this.h.fake.lastView(), values, { userId: who }));
    await this.h.deliver();
    return response;
  }

  /**
   * Apologize through the apology form, from `where` (the card unless given): the draft kept as
   * it is, how it was made, and `values` over those. Returns Slack's answer to the submission.
   */
  async apologize(mistakeId: number, owner = 'UALICE', values: Record<string, string> = {}, where?: Shown) {
    await this.click(Actions.apologizeForm, where ?? (await this.card(mistakeId)), owner);
    return this.submit({ [Inputs.contactChannel]: 'call', [Inputs.contactSummary]: 'Called them and said sorry.', ...values }, owner);
  }

  /** Logs a contact from the card with `values` over a call and a summary; returns Slack's answer. */
  async logContact(mistakeId: number, who = 'UALICE', values: Record<string, string> = {}) {
    await this.click(Actions.logContact, await this.card(mistakeId), who);
    return this.submit({ [Inputs.contactChannel]: 'call', [Inputs.contactSummary]: 'Checked in by phone.', ...values }, who);
  }

  /** Submits `view` (a form the bot answered with an updated view); returns Slack's answer. */
  async submitView(view: any, values: Record<string, string>, who = 'UALICE') {
    const response = await this.post(viewSubmission(view, values, { userId: who }));
    await this.h.deliver();
    return response;
  }

  /** The recovery from the card to "customer satisfied", as the owner does it. */
  async recover(mistakeId: number, owner = 'UALICE'): Promise<void> {
    const apologized = await this.apologize(mistakeId, owner);
    if (apologized.json?.response_action) throw new Error(`the apology was not recorded: ${apologized.text}`);
    await this.click(Actions.ask, await this.card(mistakeId), owner);
    await this.submit({ [Inputs.answer]: 'Deliver by Friday and waive the fee.' }, owner);
    await this.makeRight(mistakeId, owner);
    await this.click(Actions.satisfied, await this.card(mistakeId), owner);
    await this.submit({ [Inputs.comment]: 'Happy, will order again' }, owner);
  }

  async makeRight(mistakeId: number, owner = 'UALICE', remedy = 'Delivery fee refunded'): Promise<void> {
    await this.click(Actions.makeRight, await this.card(mistakeId), owner);
    await this.submit({ [Inputs.remedyKind]: 'refund', [Inputs.remedyValue]: remedy }, owner);
  }

  async notSatisfied(mistakeId: number, need = 'They want the flour replaced too', who = 'UALICE'): Promise<void> {
    await this.click(Actions.notSatisfied, await this.card(mistakeId), who);
    await this.submit({ [Inputs.comment]: need }, who);
  }

  async rootCauseAnalysis(from: Shown, who = 'UALICE', preventionOwner = 'UBOB'): Promise<void> {
    await this.click(Actions.rootCauseAnalysis, from, who);
    await this.submit(
      {
        [Inputs.rcaWhatHappened]: 'The order went to an old address.',
        [Inputs.causes]: 'The address field is not checked against the customer record.',
        [Inputs.whatChanges]: 'Dispatch confirms the address on every first order.',
        [Inputs.prevention(1)]: 'Add the address check to dispatch',
        [Inputs.preventionOwner(1)]: preventionOwner,
        [Inputs.preventionDue(1)]: '2027-12-31',
      },
      who,
    );
  }

  private posts(channel: string): RecordedCall[] {
    return this.h.fake.called('chat.postMessage').filter((c) => c.args.channel === channel);
  }

  /** A post as it is now: chat.update calls are matched by the channel and ts Slack answered with. */
  private shown(post: RecordedCall): Shown {
    const channel = String(post.response?.channel ?? post.args.channel);
    const ts = String(post.response?.ts);
    const edits = this.h.fake.called('chat.update').filter((c) => c.args.channel === channel && c.args.ts === ts);
    const latest = edits[edits.length - 1]?.args ?? post.args;
    return { channel, ts, text: String(latest.text ?? ''), blocks: latest.blocks ?? [], edits: edits.length };
  }
}
