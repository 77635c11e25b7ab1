// Hostile and broken input, over signed HTTP through the real app. Every case gets a clear answer
// (an HTTP error for a bad request, a field error on a form, a private message for a click) and
// leaves the stored state exactly as it was, except where the table says otherwise: a stale
// click refreshes that mistake's card, and odd but honest text is accepted, stored as typed and
// shown escaped.
import { Actions, encodeValue, Inputs } from '../../src/slack/ids';
import { askModal, reassignModal, reportModal } from '../../src/slack/views/modals';
import type { MistakeView } from '../../src/services/views';
import { startHarness, type Harness } from '../support/harness';
import {
  buttonClick,
  form,
  interaction,
  postToSlackEndpoint,
  sign,
  slashCommand,
  viewSubmission,
  type PostOptions,
  type SlackPost,
} from '../support/slackRequests';

const NOW = () => Math.floor(Date.now() / 1000);
const NOT_OURS = /doesn't point at a mistake we know about/;
const NOT_HERE = /doesn't exist in this workspace/;
const OWNER_ONLY = /Only its owner or an admin can do that/;
const OWNER_OR_REPORTER = /Only its owner, its reporter or an admin can do that/;
const OWNER_REPORTER_OR_CONTACT = /Only its owner, its reporter, the escalation contact or an admin can do that/;
const FORM_NOT_OURS = /This form doesn't point at a mistake we know about/;
const CONFLICT = /changed while you were looking at it/;
const NOT_INSTALLED = /isn't installed in this workspace/;
const EVERY_REQUIRED = [Inputs.customer, Inputs.whatHappened, Inputs.impact, Inputs.severity];

// prettier-ignore
const CASES: Array<[name: string, request: () => Req | Promise<Req>, expected: Expected]> = [
  // --- The request itself -------------------------------------------------------------------
  ['forged signature (wrong secret)', () => ({ post: slashCommand('x'), options: { secret: 'not-the-secret' } }), http(401)],
  ['missing signature header', () => ({ post: slashCommand('x'), options: { signature: null } }), http(401)],
  ['missing timestamp header', () => ({ post: slashCommand('x'), options: { timestamp: null } }), http(401)],
  ['timestamp more than 5 minutes old', () => ({ post: slashCommand('x'), options: { timestamp: NOW() - 6 * 60 } }), http(401)],
  ['timestamp more than 5 minutes in the future', () => ({ post: slashCommand('x'), options: { timestamp: NOW() + 6 * 60 } }), http(401)],
  ['replayed body under a new timestamp', () => ({ post: slashCommand('x'), options: { signedTimestamp: NOW() - 30 } }), http(401)],
  [
    'signature made for a different body',
    () => ({ post: slashCommand('x'), options: { signature: sign(slashCommand('y').body, NOW()) } }),
    http(401),
  ],
  ['signature that is not hex', () => ({ post: slashCommand('x'), options: { signature: 'v0=not-a-signature' } }), http(401)],
  [
    'signature of an unknown version',
    () => ({ post: slashCommand('x'), options: { signature: sign(slashCommand('x').body, NOW()).replace('v0=', 'v1=') } }),
    http(401),
  ],
  ['malformed payload JSON', () => ({ post: form({ payload: '{"type":"block_actions",' }) }), http(400)],
  ['truncated payload', () => ({ post: truncated(clickOn('recovering', Actions.apologize, 'UALICE')) }), http(400)],
  ['wrong content type', () => ({ post: { ...slashCommand('x'), contentType: 'text/plain' } }), http(400)],
  [
    'ssl_check smuggling a click',
    () => ({
      post: { body: `ssl_check=1&${clickOn('recovering', Actions.apologize, 'UALICE').body}`, contentType: 'application/x-www-form-urlencoded' },
      options: { signature: null },
    }),
    ignored(),
  ],
  ['empty body', () => ({ post: form({}) }), unanswered()],
  ['payload that is a number', () => ({ post: form({ payload: '42' }) }), http(400)],
  ['payload that is a string', () => ({ post: form({ payload: '"block_actions"' }) }), http(400)],
  ['payload that is an array', () => ({ post: form({ payload: '[{"type":"block_actions"}]' }) }), http(400)],
  [
    'JSON body of an unknown type',
    () => ({ post: { body: '{"type":"nonsense","team_id":"T_ACME"}', contentType: 'application/json' } }),
    unanswered(),
  ],
  ['a slash command this app does not have', () => ({ post: form({ ...formOf(slashCommand('x')), command: '/evil' }) }), unanswered()],

  // --- Buttons that are not what they claim ---------------------------------------------------
  ['unknown action_id', () => ({ post: button('mistake_delete_everything', value('recovering'), 'UALICE') }), ephemeral(/isn't one this app knows/)],
  ["another workspace's mistake id", () => ({ post: button(Actions.apologize, value('other'), 'UALICE') }), ephemeral(NOT_HERE)],
  ['a mistake id that does not exist', () => ({ post: button(Actions.apologize, '{"m":987654}', 'UALICE') }), ephemeral(NOT_HERE)],
  ['a negative mistake id', () => ({ post: button(Actions.apologize, '{"m":-1}', 'UALICE') }), ephemeral(NOT_OURS)],
  ['mistake id zero', () => ({ post: button(Actions.apologize, '{"m":0}', 'UALICE') }), ephemeral(NOT_OURS)],
  ['a fractional mistake id', () => ({ post: button(Actions.apologize, '{"m":1.5}', 'UALICE') }), ephemeral(NOT_OURS)],
  ['a huge mistake id', () => ({ post: button(Actions.apologize, '{"m":1e300}', 'UALICE') }), ephemeral(NOT_OURS)],
  ['an id past the safe integers', () => ({ post: button(Actions.apologize, '{"m":9007199254740993}', 'UALICE') }), ephemeral(NOT_OURS)],
  ['SQL in the id ("1 OR 1=1")', () => ({ post: button(Actions.apologize, '{"m":"1 OR 1=1"}', 'UALICE') }), ephemeral(NOT_OURS)],
  ['SQL as the whole value (DROP TABLE)', () => ({ post: button(Actions.apologize, `'; DROP TABLE "Mistake"; --`, 'UALICE') }), ephemeral(NOT_OURS)],
  [
    '__proto__ pollution in the value',
    () => ({ post: button(Actions.apologize, `{"__proto__":{"isAdmin":true},"m":${id('recovering')}}`, 'UMALLORY') }),
    ephemeral(OWNER_ONLY),
  ],
  [
    'a value over 3000 characters',
    () => ({ post: button(Actions.apologize, `{"m":${id('recovering')},"c":"${'x'.repeat(3100)}"}`, 'UALICE') }),
    ephemeral(NOT_OURS),
  ],
  ['an empty value', () => ({ post: button(Actions.apologize, '', 'UALICE') }), ephemeral(NOT_OURS)],
  [
    'a version from the future on a done step',
    () => ({ post: button(Actions.own, encodeValue({ m: id('recovering'), v: 9999 }), 'UALICE') }),
    stale(/already done/, 'recovering'),
  ],
  [
    "workspace A's user on workspace B's mistake",
    () => ({ post: button(Actions.apologize, value('other'), 'UALICE', 'T_ACME') }),
    ephemeral(NOT_HERE),
  ],
  // The bot token is installed in workspace A only: a click naming B is refused with an error status.
  ["workspace B's user on workspace A's mistake", () => ({ post: button(Actions.apologize, value('recovering'), 'UZED', 'T_OTHER') }), http(403)],
  ['a click that names no workspace', () => ({ post: withoutTeam(button(Actions.apologize, value('recovering'), 'UALICE')) }), ephemeral(NOT_OURS)],
  [
    'a prevention step of another mistake',
    () => ({ post: button(Actions.preventionDone, encodeValue({ m: id('preventing'), p: world.closedPrevention }), 'UBOB') }),
    ephemeral(/doesn't belong to this mistake/),
  ],
  [
    'a snooze of negative minutes',
    () => ({ post: overflow(Actions.snooze, encodeValue({ m: id('recovering'), s: -60 }), 'UALICE') }),
    ephemeral(NOT_OURS),
  ],
  [
    'a non-owner clicking from App Home',
    () => ({ post: buttonClick(Actions.apologize, value('recovering'), { userId: 'UMALLORY' }) }),
    dm(OWNER_ONLY),
  ],

  // --- Someone else's recovery: every step button ---------------------------------------------
  ['non-owner: Own it', () => ({ post: button(Actions.own, value('reported'), 'UMALLORY') }), ephemeral(OWNER_ONLY)],
  ['non-owner: Apologize', () => ({ post: button(Actions.apologize, value('recovering'), 'UMALLORY') }), ephemeral(OWNER_ONLY)],
  ['non-owner: Ask what they want', () => ({ post: button(Actions.ask, value('recovering'), 'UMALLORY') }), ephemeral(OWNER_ONLY)],
  ['non-owner: Make it right', () => ({ post: button(Actions.makeRight, value('recovering'), 'UMALLORY') }), ephemeral(OWNER_ONLY)],
  ['non-owner: Nothing more needed', () => ({ post: button(Actions.skipMakeRight, value('recovering'), 'UMALLORY') }), ephemeral(OWNER_ONLY)],
  ['non-owner: Customer satisfied', () => ({ post: button(Actions.satisfied, value('recovering'), 'UMALLORY') }), ephemeral(OWNER_ONLY)],
  ['non-owner: Not satisfied', () => ({ post: button(Actions.notSatisfied, value('recovering'), 'UMALLORY') }), ephemeral(OWNER_ONLY)],
  ['non-owner: Reassign', () => ({ post: button(Actions.reassign, value('recovering'), 'UMALLORY') }), ephemeral(OWNER_REPORTER_OR_CONTACT)],
  ['non-owner: Reopen', () => ({ post: button(Actions.reopen, value('closed'), 'UMALLORY') }), ephemeral(OWNER_OR_REPORTER)],
  [
    'non-owner: Root-cause analysis',
    () => ({ post: button(Actions.rootCauseAnalysis, value('awaiting'), 'UMALLORY') }),
    ephemeral(OWNER_OR_REPORTER),
  ],
  [
    'non-owner: prevention step Done',
    () => ({ post: button(Actions.preventionDone, encodeValue({ m: id('preventing'), p: world.preventingPrevention }), 'UMALLORY') }),
    ephemeral(/Only <@UBOB> \(who owns this prevention step\)/),
  ],
  ['non-owner: Snooze', () => ({ post: overflow(Actions.snooze, encodeValue({ m: id('recovering'), s: 60 }), 'UMALLORY') }), ephemeral(OWNER_ONLY)],

  // --- Stale buttons ---------------------------------------------------------------------------
  [
    'stale: Apologize when it is already done',
    () => ({ post: button(Actions.apologize, value('apologized'), 'UALICE') }),
    stale(/"Apologize" is already done/, 'apologized'),
  ],
  [
    'stale: Apologize after the customer is satisfied',
    () => ({ post: button(Actions.apologize, value('awaiting'), 'UALICE') }),
    stale(/already marked satisfied/, 'awaiting'),
  ],
  [
    'stale: Root-cause analysis after it is closed',
    () => ({ post: button(Actions.rootCauseAnalysis, value('closed'), 'UALICE') }),
    stale(/already written/, 'closed'),
  ],
  [
    'stale: a prevention step done twice',
    () => ({ post: button(Actions.preventionDone, encodeValue({ m: id('closed'), p: world.closedPrevention }), 'UBOB') }),
    stale(/no longer open/, 'closed'),
  ],

  // --- Forms that are not what they claim ------------------------------------------------------
  [
    'unknown callback_id',
    () => ({ post: viewSubmission({ ...reportModal({ reporterId: 'UALICE' }), callback_id: 'mistake_evil' }, GOOD_REPORT) }),
    fieldError(Inputs.customer, /isn't one this app knows/),
  ],
  [
    'private_metadata that is not JSON',
    async () => ({ post: await submitAsk('recovering', 'UALICE', { metadata: 'not json' }) }),
    fieldError(Inputs.answer, FORM_NOT_OURS),
  ],
  [
    "private_metadata naming another workspace's mistake",
    async () => ({ post: await submitAsk('recovering', 'UALICE', { metadata: encodeValue({ m: id('other') }) }) }),
    fieldError(Inputs.answer, NOT_HERE),
  ],
  [
    'private_metadata naming no mistake',
    async () => ({ post: await submitAsk('recovering', 'UALICE', { metadata: '{"m":987654}' }) }),
    fieldError(Inputs.answer, NOT_HERE),
  ],
  [
    'private_metadata with __proto__ pollution',
    async () => ({ post: await submitAsk('recovering', 'UMALLORY', { metadata: `{"__proto__":{"isAdmin":true},"m":${id('recovering')}}` }) }),
    fieldError(Inputs.answer, OWNER_ONLY),
  ],
  [
    'private_metadata over 3000 characters',
    async () => ({ post: await submitAsk('recovering', 'UALICE', { metadata: `{"m":${id('recovering')},"c":"${'x'.repeat(3100)}"}` }) }),
    fieldError(Inputs.answer, FORM_NOT_OURS),
  ],
  [
    'private_metadata with a version from the future',
    async () => ({ post: await submitAsk('ask', 'UALICE', { metadata: encodeValue({ m: id('ask'), v: 9999 }) }) }),
    staleForm(Inputs.answer, CONFLICT, 'ask'),
  ],
  [
    'a form submitted after its mistake was closed',
    () => ({ post: viewSubmission(world.staleReassignView, { [Inputs.owner]: 'UCAROL' }, { userId: 'UALICE' }) }),
    staleForm(Inputs.owner, CONFLICT, 'closed'),
  ],
  [
    "workspace B submitting a form about A's mistake",
    async () => ({ post: await submitAsk('ask', 'UZED', { teamId: 'T_OTHER' }) }),
    formNotice(NOT_INSTALLED),
  ],
  ['an answer that is empty', async () => ({ post: await submitAsk('ask', 'UALICE', { answer: '' }) }), fieldError(Inputs.answer, /can't be empty/)],

  // --- The report form ------------------------------------------------------------------------
  [
    'customer of 10,000 characters',
    () => ({ post: report({ [Inputs.customer]: 'C'.repeat(10_000) }) }),
    fieldError(Inputs.customer, /too long: 10000 characters, the limit is 200/),
  ],
  [
    'what happened of 100,000 characters',
    () => ({ post: report({ [Inputs.whatHappened]: 'w'.repeat(100_000) }) }),
    fieldError(Inputs.whatHappened, /too long: 100000 characters/),
  ],
  ['empty customer', () => ({ post: report({ [Inputs.customer]: '' }) }), fieldError(Inputs.customer, /can't be empty/)],
  [
    'whitespace-only what happened',
    () => ({ post: report({ [Inputs.whatHappened]: ' \n\t  \u00a0 ' }) }),
    fieldError(Inputs.whatHappened, /can't be empty/),
  ],
  [
    'zero-width-space-only customer',
    () => ({ post: report({ [Inputs.customer]: '\u200b\u200b\u200b' }) }),
    fieldError(Inputs.customer, /can't be empty/),
  ],
  [
    'zero-width joiners and marks only as impact',
    () => ({ post: report({ [Inputs.impact]: '\u200d\u200c\u2060\ufeff\u200e' }) }),
    fieldError(Inputs.impact, /can't be empty/),
  ],
  [
    'a severity that is not on the list',
    () => ({ post: report({ [Inputs.severity]: 'apocalyptic' }) }),
    fieldError(Inputs.severity, /low, medium, high or critical/),
  ],
  [
    'a category that is not on the list',
    () => ({ post: report({ [Inputs.category]: '__proto__' }) }),
    fieldError(Inputs.category, /category from the list/),
  ],
  [
    'an owner that is not a user',
    () => ({ post: report({ [Inputs.owner]: '<!channel>' }) }),
    fieldError(Inputs.owner, /person who owns the recovery/),
  ],
  ['a submission with no values at all', () => ({ post: withState(report({}), {}) }), fieldError(Inputs.customer, /can't be empty/, EVERY_REQUIRED)],
  [
    '__proto__ blocks in the submitted state',
    () => ({ post: withState(report({}), JSON.parse('{"__proto__":{"customer":{"customer":{"type":"plain_text_input","value":"Polluted"}}}}')) }),
    fieldError(Inputs.customer, /can't be empty/, EVERY_REQUIRED),
  ],

  // --- Slash commands -------------------------------------------------------------------------
  [
    '/mistake with 10,000 characters of text',
    () => ({ post: slashCommand('xxxx '.repeat(2_000)) }),
    opensForm((view) => expect(initialValue(view, Inputs.whatHappened).length).toBeLessThanOrEqual(3000)),
  ],
  [
    '/mistake with one word of 10,000 characters',
    () => ({ post: slashCommand('x'.repeat(10_000)) }),
    commandReply(/isn't something `\/mistake` knows/),
  ],
  ['/mistake mine for someone with nothing', () => ({ post: slashCommand('mine', { userId: 'UNOBODY' }) }), commandReply(/Nothing to recover/)],
  [
    '/mistake list from a workspace the app is not installed in',
    () => ({ post: slashCommand('list', { userId: 'UNEW', teamId: 'T_EMPTY' }) }),
    commandReply(NOT_INSTALLED),
  ],

  // --- Odd but honest text: accepted, stored as typed, shown escaped -----------------------------
  [
    'emoji in every field',
    () => ({ post: report({ [Inputs.customer]: '🍞 Bäckerei 👨‍👩‍👧‍👦', [Inputs.whatHappened]: 'Late 🚚💨', [Inputs.impact]: '😢' }, 'V_EMOJI') }),
    accepted({ customer: '🍞 Bäckerei 👨‍👩‍👧‍👦', whatHappened: 'Late 🚚💨', impact: '😢' }),
  ],
  [
    'right-to-left text with a bidi override',
    () => ({ post: report({ [Inputs.customer]: 'مخبز الميناء \u202egnp.exe' }) }),
    accepted({ customer: 'مخبز الميناء \u202egnp.exe' }),
  ],
  [
    '<!channel> in the customer',
    () => ({ post: report({ [Inputs.customer]: 'Acme <!channel>' }) }),
    accepted({ customer: 'Acme <!channel>' }, ['<!channel>']),
  ],
  [
    '<!here> in what happened',
    () => ({ post: report({ [Inputs.whatHappened]: 'Everyone look <!here> now' }) }),
    accepted({ whatHappened: 'Everyone look <!here> now' }, ['<!here>']),
  ],
  [
    '<@U…> mention in the impact',
    () => ({ post: report({ [Inputs.impact]: 'Blame <@UADMIN0001> and <!subteam^S123>' }) }),
    accepted({ impact: 'Blame <@UADMIN0001> and <!subteam^S123>' }, ['<@UADMIN0001>', '<!subteam^S123>']),
  ],
  [
    '<https://evil|click> link in the customer',
    () => ({ post: report({ [Inputs.customer]: '<https://evil.example/login|Acme support>' }) }),
    accepted({ customer: '<https://evil.example/login|Acme support>' }, ['<https://evil.example/login|Acme support>']),
  ],
  [
    '&-entities typed literally',
    () => ({ post: report({ [Inputs.customer]: 'Fish &amp; Chips &lt;Ltd&gt;' }) }),
    accepted({ customer: 'Fish &amp; Chips &lt;Ltd&gt;' }, ['&lt;Ltd&gt;']),
  ],
  [
    "<!channel> in the customer's answer",
    async () => ({ post: await submitAsk('ask', 'UALICE', { answer: 'Refund <!channel> and <@UADMIN0001>' }) }),
    acceptedStep('ask', { customerAnswer: 'Refund <!channel> and <@UADMIN0001>' }, ['<!channel>', '<@UADMIN0001>']),
  ],
  ['the same report submitted again', () => ({ post: report({ [Inputs.customer]: 'Someone else entirely' }, 'V_EMOJI') }), quietClose()],
  // Last: the client's connection is cut while it is still sending, which would upset the next request.
  ['body bigger than Slack ever sends (5 MB)', () => ({ post: form({ payload: 'x'.repeat(5 * 1024 * 1024) }) }), http(413)],
];

// ---------------------------------------------------------------------------------------------

interface Req {
  post: SlackPost;
  options?: PostOptions;
}

type Expected =
  | { kind: 'http'; status: number }
  | { kind: 'ignored' }
  | { kind: 'unanswered' }
  | { kind: 'ephemeral'; text: RegExp; stale?: MistakeKey }
  | { kind: 'dm'; text: RegExp }
  | { kind: 'fieldError'; block: string; text: RegExp; blocks?: string[]; stale?: MistakeKey }
  | { kind: 'commandReply'; text: RegExp }
  | { kind: 'formNotice'; text: RegExp }
  | { kind: 'opensForm'; check: (view: any) => void }
  | { kind: 'accepted'; on?: MistakeKey; stored: Record<string, string>; escaped: string[] }
  | { kind: 'quietClose' };

type MistakeKey = 'reported' | 'recovering' | 'apologized' | 'ask' | 'awaiting' | 'preventing' | 'closed' | 'other';

function http(status: number): Expected {
  return { kind: 'http', status };
}
/** Answered 200 and nothing else happens (Slack's ssl_check carries nothing to act on). */
function ignored(): Expected {
  return { kind: 'ignored' };
}
/** Signed, but nothing Slack sends: no listener takes it, and Bolt answers 404 after its 3 s wait. */
function unanswered(): Expected {
  return { kind: 'unanswered' };
}
function ephemeral(text: RegExp): Expected {
  return { kind: 'ephemeral', text };
}
function stale(text: RegExp, mistake: MistakeKey): Expected {
  return { kind: 'ephemeral', text, stale: mistake };
}
function dm(text: RegExp): Expected {
  return { kind: 'dm', text };
}
/** An error under `block` (and under each of `blocks`, when a form is wrong in several places). */
function fieldError(block: string, text: RegExp, blocks?: string[]): Expected {
  return { kind: 'fieldError', block, text, blocks };
}
function staleForm(block: string, text: RegExp, mistake: MistakeKey): Expected {
  return { kind: 'fieldError', block, text, stale: mistake };
}
function commandReply(text: RegExp): Expected {
  return { kind: 'commandReply', text };
}
/** The form is replaced by a notice saying why nothing was saved. */
function formNotice(text: RegExp): Expected {
  return { kind: 'formNotice', text };
}
function opensForm(check: (view: any) => void): Expected {
  return { kind: 'opensForm', check };
}
function accepted(stored: Record<string, string>, escaped: string[] = []): Expected {
  return { kind: 'accepted', stored, escaped };
}
function acceptedStep(on: MistakeKey, stored: Record<string, string>, escaped: string[] = []): Expected {
  return { kind: 'accepted', on, stored, escaped };
}
function quietClose(): Expected {
  return { kind: 'quietClose' };
}

// ---------------------------------------------------------------------------------------------
// The world the cases act on.

const A = 'T_ACME';
const B = 'T_OTHER';

let h: Harness;
const world = {
  ids: {} as Record<MistakeKey, number>,
  preventingPrevention: 0,
  closedPrevention: 0,
  staleReassignView: null as any,
};
const slow = new Map<string, Promise<{ status: number }>>();
let slowWindow: { before: Snapshot; after: Snapshot; calls: number } | null = null;
const tally = { survived: 0 };

const GOOD_REPORT: Record<string, string> = {
  [Inputs.customer]: 'Harbor Bakery',
  [Inputs.whatHappened]: 'Their flour went to the wrong address.',
  [Inputs.impact]: 'Nothing to bake for the Saturday market.',
  [Inputs.severity]: 'high',
  [Inputs.category]: 'delivery',
};

function id(key: MistakeKey): number {
  return world.ids[key];
}

async function record(key: MistakeKey): Promise<MistakeView> {
  const teamId = key === 'other' ? B : A;
  return (await h.bot.deps.queries.get(teamId, id(key)))!;
}

function value(key: MistakeKey): string {
  return encodeValue({ m: id(key), v: 1 });
}

function button(actionId: string, raw: string, userId: string, teamId = userId === 'UZED' ? B : A): SlackPost {
  return buttonClick(actionId, raw, { userId, teamId, channelId: 'CESCALATIONS', messageTs: '1700000000.000001' });
}

function clickOn(key: MistakeKey, actionId: string, userId: string): SlackPost {
  return button(actionId, value(key), userId);
}

function payloadOf(post: SlackPost): any {
  return JSON.parse(new URLSearchParams(post.body).get('payload')!);
}

function withPayload(post: SlackPost, change: (p: any) => void): SlackPost {
  const payload = payloadOf(post);
  change(payload);
  return interaction(payload);
}

function withoutTeam(post: SlackPost): SlackPost {
  return withPayload(post, (p) => {
    p.team = null;
    delete p.user.team_id;
  });
}

function withState(post: SlackPost, values: object): SlackPost {
  return withPayload(post, (p) => {
    p.view.state.values = values;
  });
}

function overflow(actionId: string, raw: string, userId: string): SlackPost {
  return withPayload(button(actionId, raw, userId), (p) => {
    p.actions = [
      {
        type: 'overflow',
        action_id: actionId,
        block_id: 'b',
        selected_option: { value: raw, text: { type: 'plain_text', text: 'x' } },
        action_ts: '1',
      },
    ];
  });
}

function truncated(post: SlackPost): SlackPost {
  const payload = new URLSearchParams(post.body).get('payload')!;
  return form({ payload: payload.slice(0, Math.floor(payload.length / 2)) });
}

function formOf(post: SlackPost): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(post.body));
}

function report(values: Record<string, string>, viewId?: string): SlackPost {
  return viewSubmission(reportModal({ reporterId: 'UALICE' }), { ...GOOD_REPORT, ...values }, { userId: 'UALICE', viewId });
}

async function submitAsk(key: MistakeKey, userId: string, o: { metadata?: string; teamId?: string; answer?: string } = {}): Promise<SlackPost> {
  const view: any = askModal(await record(key));
  if (o.metadata !== undefined) view.private_metadata = o.metadata;
  return viewSubmission(view, { [Inputs.answer]: o.answer ?? 'A refund, and the order by Friday.' }, { userId, teamId: o.teamId });
}

function initialValue(view: any, blockId: string): string {
  return view.blocks.find((b: any) => b.block_id === blockId)?.element?.initial_value ?? '';
}

// ---------------------------------------------------------------------------------------------
// State before and after.

interface Snapshot {
  mistakes: any[];
  steps: any[];
  timeline: any[];
  rca: any[];
  prevention: any[];
  escalations: any[];
  deliveries: any[];
}

async function snapshot(): Promise<Snapshot> {
  const db = h.t.db;
  const byId = { orderBy: { id: 'asc' as const } };
  const [mistakes, steps, timeline, rca, prevention, escalations, deliveries] = await Promise.all([
    db.mistake.findMany(byId),
    db.recoveryStep.findMany(byId),
    db.timelineEvent.findMany(byId),
    db.rootCauseAnalysis.findMany(byId),
    db.preventionAction.findMany(byId),
    db.escalation.findMany(byId),
    db.delivery.findMany(byId),
  ]);
  return { mistakes, steps, timeline, rca, prevention, escalations, deliveries };
}

/** Rows of `after` that are new or differ from `before`, by id. */
function changed<T extends { id: number }>(before: T[], after: T[]): T[] {
  const old = new Map(before.map((r) => [r.id, JSON.stringify(r)]));
  return after.filter((r) => old.get(r.id) !== JSON.stringify(r));
}

function expectUnchanged(before: Snapshot, after: Snapshot, except: { cardOf?: number } = {}): void {
  const { deliveries: beforeDeliveries, ...beforeRest } = before;
  const { deliveries: afterDeliveries, ...afterRest } = after;
  expect(afterRest).toEqual(beforeRest);
  const cardKey = except.cardOf === undefined ? null : `card:${except.cardOf}`;
  expect(afterDeliveries.filter((d) => d.dedupeKey !== cardKey)).toEqual(beforeDeliveries.filter((d) => d.dedupeKey !== cardKey));
  if (cardKey) {
    // The one change a stale click may make: that mistake's card is queued again and re-sent.
    const was = beforeDeliveries.find((d) => d.dedupeKey === cardKey);
    const now = afterDeliveries.find((d) => d.dedupeKey === cardKey);
    expect(now.generation).toBeGreaterThan(was.generation);
    expect(now.status).toBe('sent');
  }
  expect(afterDeliveries).toHaveLength(beforeDeliveries.length);
}

// ---------------------------------------------------------------------------------------------

beforeAll(async () => {
  h = await startHarness();
  const m = h.bot.deps.mistakes;
  const base = { whatHappened: 'Their flour went to the wrong address.', impact: 'Nothing to bake.', severity: 'high', category: 'delivery' };
  const ref = (mistakeId: number, teamId = A) => ({ teamId, mistakeId });
  const seed = async (customer: string, ownerId = 'UALICE', teamId = A, reporter = 'UALICE') =>
    (await m.report(teamId, reporter, { ...base, customer, ownerId })).mistake.id;
  const recover = async (mistakeId: number) => {
    await m.completeStep(ref(mistakeId), 'UALICE', 'apologize');
    await m.completeStep(ref(mistakeId), 'UALICE', 'ask', { customerAnswer: 'A refund.' });
    await m.completeStep(ref(mistakeId), 'UALICE', 'make_right', { remedyKind: 'refund', remedyValue: '€40 back' });
    await m.markSatisfied(ref(mistakeId), 'UALICE', 'Happy again');
  };
  const rca = (ownerId: string) => ({
    whatHappened: 'An old address was used.',
    causes: 'Addresses are not checked against the customer record.',
    whatChanges: 'Dispatch confirms the address on first orders.',
    prevention: [{ description: 'Add the address check', ownerId, dueAt: new Date(Date.now() + 7 * 86_400_000) }],
  });

  world.ids.reported = await seed('Reported Co', 'UBOB');
  world.ids.recovering = await seed('Recovering Co');
  world.ids.apologized = await seed('Apologized Co');
  await m.completeStep(ref(id('apologized')), 'UALICE', 'apologize');
  world.ids.ask = await seed('Asking Co');
  await m.completeStep(ref(id('ask')), 'UALICE', 'apologize');
  world.ids.awaiting = await seed('Awaiting Co');
  await recover(id('awaiting'));
  world.ids.preventing = await seed('Preventing Co');
  await recover(id('preventing'));
  await m.submitRca(ref(id('preventing')), 'UALICE', rca('UBOB'));
  world.ids.closed = await seed('Closed Co');
  await recover(id('closed'));
  await m.submitRca(ref(id('closed')), 'UALICE', rca('UBOB'));
  const closedRca = await record('closed');
  world.staleReassignView = reassignModal(closedRca);
  world.closedPrevention = closedRca.prevention[0]!.id;
  await m.completePrevention(ref(id('closed')), 'UBOB', world.closedPrevention);
  world.preventingPrevention = (await record('preventing')).prevention[0]!.id;
  world.ids.other = await seed('Other Workspace Co', 'UZED', B, 'UZED');
  await h.deliver();
  expect((await record('closed')).state).toBe('closed');

  // Requests nobody answers cost Bolt's whole 3 s wait each: send them together, up front.
  const before = await snapshot();
  const calls = h.fake.calls.length;
  const quiet = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    for (const [name, request, expected] of CASES) {
      if (expected.kind !== 'unanswered') continue;
      slow.set(
        name,
        (async () => {
          const { post, options } = await request();
          return postToSlackEndpoint(h.baseUrl, post, options);
        })(),
      );
    }
    await Promise.all(slow.values());
  } finally {
    quiet.mockRestore();
  }
  await h.deliver();
  // Bolt's identity look-up (auth.test) is its own, not a reaction to the request.
  slowWindow = { before, after: await snapshot(), calls: h.fake.calls.slice(calls).filter((c) => c.method !== 'auth.test').length };
}, 30_000);

afterAll(async () => {
  const rows = await h.t.db.delivery.findMany();
  const ledger = h.fake.ledger(rows);
  process.stdout.write(
    summary('hostile-input', {
      cases: CASES.length,
      faults: tally.survived,
      delivered: ledger.delivered,
      lost: ledger.lost.length,
      duplicated: ledger.duplicated.length,
    }),
  );
  await h.close();
});

it('lists at least 50 cases, each with its own name', () => {
  expect(CASES.length).toBeGreaterThanOrEqual(50);
  expect(new Set(CASES.map(([name]) => name)).size).toBe(CASES.length);
});

it.each(CASES)('%s', async (name, request, expected) => {
  if (expected.kind === 'unanswered') {
    const response = await slow.get(name)!;
    expect(response.status).toBe(404);
    expectUnchanged(slowWindow!.before, slowWindow!.after);
    expect(slowWindow!.calls).toBe(0);
    tally.survived += 1;
    return;
  }

  const { post, options } = await request();
  const before = await snapshot();
  const callsBefore = h.fake.calls.length;
  const clicker = userOf(post);
  const cardTs = 'stale' in expected && expected.stale ? (await record(expected.stale)).threadTs : null;
  const updatesBefore = cardTs ? h.fake.called('chat.update').filter((c) => c.args.ts === cardTs).length : 0;
  const ephemeralsBefore = h.fake.called('chat.postEphemeral').length;
  const postsBefore = h.fake.called('chat.postMessage').length;
  const opensBefore = h.fake.called('views.open').length;

  const response = await postToSlackEndpoint(h.baseUrl, post, options);

  switch (expected.kind) {
    case 'http':
    case 'ignored':
      expect(response.status).toBe(expected.kind === 'http' ? expected.status : 200);
      break;
    case 'ephemeral': {
      expect(response.status).toBe(200);
      const told = await h.fake.waitFor('chat.postEphemeral', ephemeralsBefore);
      expect(told.args).toMatchObject({ user: clicker, channel: 'CESCALATIONS' });
      expect(told.args.text).toMatch(expected.text);
      break;
    }
    case 'dm': {
      expect(response.status).toBe(200);
      const told = await h.fake.waitFor('chat.postMessage', postsBefore);
      expect(told.args.channel).toBe(clicker);
      expect(told.args.text).toMatch(expected.text);
      break;
    }
    case 'fieldError':
      expect(response.status).toBe(200);
      expect(response.json).toMatchObject({ response_action: 'errors' });
      expect(Object.keys(response.json.errors).sort()).toEqual((expected.blocks ?? [expected.block]).slice().sort());
      expect(response.json.errors[expected.block]).toMatch(expected.text);
      break;
    case 'commandReply':
      expect(response.status).toBe(200);
      expect(response.json).toMatchObject({ response_type: 'ephemeral' });
      expect(JSON.stringify(response.json)).toMatch(expected.text);
      break;
    case 'formNotice':
      expect(response.status).toBe(200);
      expect(response.json).toMatchObject({ response_action: 'update' });
      expect(JSON.stringify(response.json.view)).toMatch(expected.text);
      break;
    case 'opensForm':
      expect(response.status).toBe(200);
      expected.check((await h.fake.waitFor('views.open', opensBefore)).args.view);
      break;
    case 'accepted':
    case 'quietClose':
      expect(response.status).toBe(200);
      expect(response.text).toBe('');
      break;
  }

  if (cardTs) {
    // A stale click or form shows what is true now: the card is edited once more.
    for (let i = 0; i < 40 && h.fake.called('chat.update').filter((c) => c.args.ts === cardTs).length === updatesBefore; i++) {
      await h.deliver();
    }
    expect(h.fake.called('chat.update').filter((c) => c.args.ts === cardTs)).toHaveLength(updatesBefore + 1);
  }
  await h.deliver();
  const after = await snapshot();
  const calls = h.fake.calls.slice(callsBefore).filter((c) => c.method !== 'auth.test');
  expect(Object.prototype).not.toHaveProperty('isAdmin');
  expect(Object.prototype).not.toHaveProperty('customer');

  if (expected.kind === 'accepted') {
    await expectAccepted(expected, before, after, calls);
  } else {
    const staleKey = 'stale' in expected ? expected.stale : undefined;
    expectUnchanged(before, after, { cardOf: staleKey ? id(staleKey) : undefined });
    // Nothing reaches Slack but the answer to the person (and a stale card's refresh).
    const allowed: Record<Expected['kind'], string[]> = {
      http: [],
      ignored: [],
      unanswered: [],
      ephemeral: ['chat.postEphemeral'],
      dm: ['chat.postMessage'],
      fieldError: [],
      commandReply: [],
      formNotice: [],
      opensForm: ['views.open'],
      accepted: [],
      quietClose: [],
    };
    const expectedCalls = [...allowed[expected.kind], ...(staleKey ? ['chat.update'] : [])].sort();
    expect(calls.map((c) => c.method).sort()).toEqual(expectedCalls);
  }
  tally.survived += 1;
});

function userOf(post: SlackPost): string | undefined {
  const params = new URLSearchParams(post.body);
  const payload = params.get('payload');
  if (!payload) return params.get('user_id') ?? undefined;
  try {
    return JSON.parse(payload)?.user?.id;
  } catch {
    return undefined;
  }
}

async function expectAccepted(
  expected: Extract<Expected, { kind: 'accepted' }>,
  before: Snapshot,
  after: Snapshot,
  calls: Array<{ method: string; args: any }>,
): Promise<void> {
  const target = expected.on ? id(expected.on) : Math.max(...after.mistakes.map((m) => m.id));
  if (!expected.on) expect(after.mistakes).toHaveLength(before.mistakes.length + 1);
  // Whatever changed belongs to that one mistake (and the Home tabs that list it).
  for (const table of ['mistakes', 'steps', 'timeline', 'rca', 'prevention', 'escalations'] as const) {
    for (const row of changed(before[table], after[table])) expect(table === 'mistakes' ? row.id : row.mistakeId).toBe(target);
  }
  for (const row of changed(before.deliveries, after.deliveries)) {
    expect(row.kind === 'home' || row.mistakeId === target).toBe(true);
  }
  expect(after.deliveries.filter((d) => d.status !== 'sent')).toEqual([]);

  // Stored exactly as typed.
  const stored = after.mistakes.find((m) => m.id === target)!;
  const step = after.steps.find((s) => s.mistakeId === target && s.kind === 'ask')!;
  for (const [field, text] of Object.entries(expected.stored)) {
    expect(field === 'customerAnswer' ? step.customerAnswer : stored[field]).toBe(text);
  }

  // Shown escaped everywhere it reached Slack, and never as a live mention or link.
  const card = after.deliveries.find((d) => d.dedupeKey === `card:${target}`)!;
  const shown = calls.filter((c) => ['chat.postMessage', 'chat.update', 'views.publish'].includes(c.method));
  const cardCalls = shown.filter(
    (c) => c.args.metadata?.event_payload?.delivery_id === String(card.id) || (c.method === 'chat.update' && c.args.ts === stored.threadTs),
  );
  expect(cardCalls.length).toBeGreaterThan(0);
  const cardText = JSON.stringify(cardCalls[cardCalls.length - 1]!.args);
  for (const raw of expected.escaped) {
    const escaped = raw.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    expect(cardText).toContain(JSON.stringify(escaped).slice(1, -1));
  }
  for (const call of shown) {
    const json = JSON.stringify(call.args);
    for (const raw of expected.escaped) expect(json).not.toContain(JSON.stringify(raw).slice(1, -1));
  }
  if (expected.escaped.length === 0) {
    for (const text of Object.values(expected.stored)) expect(cardText).toContain(JSON.stringify([...text].slice(0, 8).join('')).slice(1, -1));
  }
}

function summary(file: string, t: { cases: number; faults: number; delivered: number; lost: number; duplicated: number }): string {
  const cols = ['cases tried', 'faults survived', 'messages delivered', 'lost', 'duplicated'];
  const values = [t.cases, t.faults, t.delivered, t.lost, t.duplicated];
  const header = ['file'.padEnd(16), ...cols].join(' | ');
  const row = [file.padEnd(16), ...values.map((v, i) => String(v).padStart(cols[i]!.length))].join(' | ');
  return `\n${header}\n${row}\n`;
}
