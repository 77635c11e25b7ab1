// Text that goes into Block Kit: Slack's limits, escaping of what people typed, dates, links,
// and a checker that walks a rendered surface and reports every limit it breaks.

import { DAY_MS, formatDuration, MINUTE_MS } from '../../domain/durations';
import { displayDateTimeFormat } from '../../domain/time';
import { USER_GROUP_ID, USER_ID } from '../../domain/slackIds';

/** Slack's published limits. Going over any of them makes the whole API call fail. */
export const SLACK_LIMITS = {
  /** Blocks in one message (chat.postMessage, chat.update, chat.postEphemeral). */
  messageBlocks: 50,
  /** Blocks in one modal or Home tab. */
  viewBlocks: 100,
  /** Slack rejects a message whose blocks add up to roughly 13,000 characters; we stay well below. */
  messageBlocksJson: 12_000,
  /** A section's `text`. */
  sectionText: 3000,
  /** One of a section's `fields`. */
  sectionFieldText: 2000,
  /** How many `fields` a section may have. */
  sectionFields: 10,
  /** A header block's plain text. */
  headerText: 150,
  /** A button's label. */
  buttonText: 75,
  /** A button's `value`. */
  buttonValue: 2000,
  /** A button's `url`. */
  buttonUrl: 3000,
  /** Any `action_id` or `block_id`, and a view's `callback_id`. */
  id: 255,
  /** A modal's title, submit and close labels. */
  modalTitle: 24,
  /** A view's `private_metadata`. */
  privateMetadata: 3000,
  /** An option's text and description in a select menu. */
  optionText: 75,
  /** An option's `value`. */
  optionValue: 150,
  /** Options in one static select. */
  selectOptions: 100,
  /** One text element in a context block. */
  contextElementText: 3000,
  /** Elements in one context block. */
  contextElements: 10,
  /** Elements in one actions block. */
  actionsElements: 25,
  /** A plain_text_input's `initial_value` and `max_length`. */
  inputValue: 3000,
  /** An input block's label and hint. */
  inputLabel: 2000,
  /** A placeholder. */
  placeholder: 150,
  /** Any text object (the generic ceiling). */
  textObject: 3000,
  /** A confirmation dialog's title. */
  confirmTitle: 100,
  /** A confirmation dialog's text. */
  confirmText: 300,
  /** A confirmation dialog's confirm and deny labels. */
  confirmButton: 30,
  /** A message's top-level `text`: Slack truncates past 4,000; it is the notification, so we keep it short. */
  fallbackText: 4000,
} as const;

/** How long a message's notification text is allowed to get in this app (it is read in a banner). */
export const FALLBACK_TEXT_MAX = 300;

// ---------------------------------------------------------------------------------------------
// What people typed.

/**
 * Slack parses `&`, `<` and `>` in text objects as control characters: `<!channel>` pings a
 * channel, `<@U…>` a person, `<https://…|label>` is a link. Text a person typed must show as
 * typed and never do any of that.
 */
export function escapeText(user: string): string {
  return user.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Slack's mrkdwn has no escape for its formatting marks, so `*`, `_`, `~` and a backtick in what a
 * person typed would format their text, or end the bot's own `*bold*` around it early. Each mark
 * is swapped for a character that looks the same and means nothing to Slack (∗ ˍ ∼ ˋ, the
 * substitutes jsx-slack uses). A zero-width space beside the mark would not do: Slack reads it as
 * a word boundary, which is what lets a mark format in the first place. Emoji codes keep their
 * underscores (`:white_check_mark:` stays an emoji), and a line that starts with `>` gets an
 * invisible soft hyphen in front so it is not shown as a quote. The stored text is untouched.
 */
export function neutralizeMarks(text: string): string {
  return text
    .split(EMOJI_CODE)
    .map((part, index) => (index % 2 === 1 ? part : part.replace(MARKS, (mark) => MARK_LOOKALIKES[mark]!)))
    .join('')
    .replace(/^>/gm, '\u00ad>');
}

const MARK_LOOKALIKES: Record<string, string> = { '*': '\u2217', _: '\u02cd', '~': '\u223c', '`': '\u02cb' };
const MARKS = /[*_~`]/g;
const EMOJI_CODE = /(:[a-z0-9_+'-]+:)/;
// A mark formats only at the edge of a word; one between two letters (an id like U_1) is text.
const FORMATTING_MARK = /(?<![\p{L}\p{N}])[*_~`]|[*_~`](?![\p{L}\p{N}])/gu;

/**
 * A message's notification text (its top-level `text`), made from the mrkdwn the bot composed:
 * notifications and screen readers show it as it is, so the bot's own formatting marks are taken
 * out. What people typed was already neutralized (`neutralizeMarks`), so every mark left is the
 * bot's; links, mentions and emoji codes stay whole.
 */
export function notificationText(mrkdwn: string): string {
  return mrkdwn
    .split(/(<[^>]*>|:[a-z0-9_+'-]+:)/)
    .map((part, index) => (index % 2 === 1 ? part : part.replace(FORMATTING_MARK, '')))
    .join('')
    .replace(/^\u00ad?>/gm, '');
}

/** Length in code points, the unit truncation works in (an emoji counts once, never halved). */
/** "1 mistake", "2 mistakes". */
export function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function codePointLength(text: string): number {
  let n = 0;
  for (const _ of text) n += 1;
  return n;
}

const graphemeSegmenter =
  typeof Intl !== 'undefined' && typeof Intl.Segmenter === 'function' ? new Intl.Segmenter(undefined, { granularity: 'grapheme' }) : null;

/** Whole user-perceived characters, so a cut never splits a flag, a family emoji or an accent. */
function* graphemes(text: string): Generator<string> {
  if (graphemeSegmenter) {
    for (const s of graphemeSegmenter.segment(text)) yield s.segment;
  } else {
    yield* text;
  }
}

const ELLIPSIS = '…';

/**
 * Shortens `text` to at most `max` code points, visibly: a shortened text ends with "…". The cut
 * falls between characters people see as one, so no surrogate pair or emoji sequence is split.
 */
export function truncate(text: string, max: number): string {
  return shorten(text, max, (g) => g);
}

/**
 * What a person typed, ready for a mrkdwn text object: shown as typed (no link, mention or
 * formatting of its own), then shortened to `max` (escapes counted).
 */
export function userText(raw: string | null | undefined, max: number): string {
  return shorten(neutralizeMarks(raw ?? ''), max, escapeText);
}

/** What a person typed, for a plain_text object (a header): plain text never formats. */
export function userPlainText(raw: string | null | undefined, max: number): string {
  return shorten(raw ?? '', max, escapeText);
}

function shorten(text: string, max: number, encode: (grapheme: string) => string): string {
  if (max <= 0) return '';
  const whole = encode(text);
  if (codePointLength(whole) <= max) return whole;
  if (max === 1) return ELLIPSIS;
  let out = '';
  let used = 0;
  for (const g of graphemes(text)) {
    // An escape like `&amp;` is added whole or not at all, so an entity is never cut in half.
    const piece = encode(g);
    const n = codePointLength(piece);
    if (used + n > max - 1) break;
    out += piece;
    used += n;
  }
  return out.trimEnd() + ELLIPSIS;
}

/** Text for a plain_text input's `initial_value`: what the person sees and edits, so not escaped. */
export function inputValue(raw: string | null | undefined, max: number): string {
  return truncate(raw ?? '', Math.min(max, SLACK_LIMITS.inputValue));
}

/** A person, as Slack shows them; "nobody" when no one is set. */
export function mention(userId: string | null | undefined): string {
  if (!userId) return '_nobody_';
  return USER_ID.test(userId) ? `<@${userId}>` : escapeText(userId);
}

/** An escalation contact: a person (`U…`) or a user group (`S…`); null when it is neither. */
export function contactMention(contact: string | null | undefined): string | null {
  if (!contact) return null;
  const id = contact.trim();
  if (USER_ID.test(id)) return `<@${id}>`;
  if (USER_GROUP_ID.test(id)) return `<!subteam^${id}>`;
  return null;
}

/**
 * Text the app composed around user text (an escalation reason like `"Apologize" is overdue
 * (owner <@U1>)` or `The customer is not satisfied: <what they typed>`): escaped like user text,
 * with mentions of the people named here put back, so the owner's name still reads as a name
 * while a `<!channel>` inside the customer's words stays inert.
 */
export function composedText(raw: string | null | undefined, max: number, knownUserIds: readonly (string | null)[]): string {
  const escaped = userText(raw, max);
  return escaped.replace(/&lt;@([UW][A-Z0-9]+)&gt;/g, (whole, id: string) => (USER_ID.test(id) && knownUserIds.includes(id) ? `<@${id}>` : whole));
}

/** Quotes text line by line (mrkdwn quotes end at a newline). Expects escaped text. */
export function quote(escaped: string): string {
  return escaped
    .split('\n')
    .map((line) => `>${line}`)
    .join('\n');
}

// ---------------------------------------------------------------------------------------------
// Time.

const DAY_SHAPE: Intl.DateTimeFormatOptions = { weekday: 'short', day: 'numeric', month: 'short' };
const DATE_TIME_SHAPE: Intl.DateTimeFormatOptions = {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hourCycle: 'h23',
  timeZoneName: 'short',
};

/** "Mon 4 Mar" in the team's time zone. */
export function formatDay(date: Date, timeZone: string): string {
  return displayDateTimeFormat(timeZone, DAY_SHAPE).format(date).replace(',', '');
}

/**
 * Dates already written, by time zone and minute (the shape has no seconds): a card shows the
 * same due times each time it is rendered again, and formatToParts is among the costlier calls
 * of a render. Bounded; the oldest goes first.
 */
const writtenDateTimes = new Map<string, string>();
const WRITTEN_DATE_TIMES = 2000;

/** "Mon 4 Mar 2024, 14:30 CET": a date and time anyone can read without Slack's help. */
export function formatDateTime(date: Date, timeZone: string): string {
  const key = `${timeZone}|${Math.floor(date.getTime() / MINUTE_MS)}`;
  const written = writtenDateTimes.get(key);
  if (written !== undefined) return written;
  const parts = displayDateTimeFormat(timeZone, DATE_TIME_SHAPE).formatToParts(date);
  const get = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? '';
  const text = `${get('weekday')} ${get('day')} ${get('month')} ${get('year')}, ${get('hour')}:${get('minute')} ${get('timeZoneName')}`.trim();
  if (writtenDateTimes.size >= WRITTEN_DATE_TIMES) writtenDateTimes.delete(writtenDateTimes.keys().next().value!);
  writtenDateTimes.set(key, text);
  return text;
}

/**
 * How a due time reads where the text is rendered fresh (App Home, lists, reminders): "due in 3h",
 * "overdue by 2d 4h", "due now"; a week or more away reads as a day ("due Mon 18 Mar").
 */
export function formatDue(due: Date, now: Date, timeZone: string): string {
  const diff = due.getTime() - now.getTime();
  if (diff < 0) return `overdue by ${formatDuration(-diff)}`;
  if (diff < MINUTE_MS) return 'due now';
  if (diff >= 7 * DAY_MS) return `due ${formatDay(due, timeZone)}`;
  return `due in ${formatDuration(diff)}`;
}

/**
 * A date Slack shows in each reader's own time zone ("today at 2:30 PM"). Used where a message
 * stays up for days (the card, thread replies, DMs): a relative "due in 3h" would go stale there.
 * The fallback is what clients that cannot render the token show.
 */
export function slackDate(date: Date, fallbackTimeZone: string): string {
  const unix = Math.floor(date.getTime() / 1000);
  return `<!date^${unix}^{date_short_pretty} {time}|${formatDateTime(date, fallbackTimeZone)}>`;
}

// ---------------------------------------------------------------------------------------------
// Links.

/**
 * A link to a message. `workspaceUrl` is what auth.test returns ("https://acme.slack.com/"); without
 * it Slack's app_redirect still finds the message.
 */
export function threadUrl(workspaceUrl: string | undefined, channelId: string, ts: string): string {
  if (!workspaceUrl) {
    return `https://slack.com/app_redirect?channel=${encodeURIComponent(channelId)}&message_ts=${encodeURIComponent(ts)}`;
  }
  const base = workspaceUrl.endsWith('/') ? workspaceUrl : `${workspaceUrl}/`;
  return `${base}archives/${encodeURIComponent(channelId)}/p${ts.replace('.', '')}`;
}

/** A mrkdwn link whose label is already escaped text. */
export function link(url: string, escapedLabel: string): string {
  // `|` ends the URL part of a link and `>` the link itself; neither may appear in the URL.
  const safeUrl = url.replace(/[|>]/g, encodeURIComponent);
  return `<${safeUrl}|${escapedLabel.replace(/\|/g, '∣')}>`;
}
