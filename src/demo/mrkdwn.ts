// Slack's mrkdwn as HTML, the way Slack's own clients show it. mrkdwn is not Markdown (one `*`
// is bold, `_` italic, `~` strike; `<…>` holds links, mentions and dates), so a Markdown library
// would get most of it wrong; the few rules are written out here.

import { addDays, displayDateTimeFormat, formatLocalDate, isValidTimeZone, localDate, localParts } from '../domain/time';

export interface MrkdwnContext {
  /** A person's or a user group's name for `<@U…>` / `<!subteam^S…>`. */
  userName(id: string): string | undefined;
  channelName(id: string): string | undefined;
  timeZone: string;
  now: Date;
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** Slack escapes &, < and > in message text; the text is unescaped once, then escaped for HTML. */
function unescapeSlack(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

// Only the emoji the bot uses (and a few common ones); anything else stays as its :code:.
const EMOJI: Record<string, string> = {
  white_check_mark: '✅',
  white_small_square: '▫️',
  black_small_square: '▪️',
  fast_forward: '⏩',
  hammer_and_wrench: '🛠️',
  leftwards_arrow_with_hook: '↩️',
  arrow_forward: '▶️',
  heavy_check_mark: '✔️',
  warning: '⚠️',
  rotating_light: '🚨',
  hourglass: '⌛',
  hourglass_flowing_sand: '⏳',
  pray: '🙏',
  repeat: '🔁',
  bell: '🔔',
  alarm_clock: '⏰',
  memo: '📝',
  mag: '🔍',
  wrench: '🔧',
  tada: '🎉',
  wave: '👋',
  broken_heart: '💔',
  handshake: '🤝',
  speech_balloon: '💬',
  calendar: '📅',
  fire: '🔥',
  red_circle: '🔴',
  large_orange_circle: '🟠',
  large_yellow_circle: '🟡',
  large_green_circle: '🟢',
  large_blue_circle: '🔵',
  white_circle: '⚪',
  lock: '🔒',
  no_entry: '⛔',
  arrow_right: '➡️',
  arrows_counterclockwise: '🔄',
  bust_in_silhouette: '👤',
  busts_in_silhouette: '👥',
  sleeping: '😴',
  zzz: '💤',
  point_right: '👉',
  package: '📦',
  receipt: '🧾',
  moneybag: '💰',
  email: '✉️',
  telephone_receiver: '📞',
  books: '📚',
  bar_chart: '📊',
  chart_with_upwards_trend: '📈',
  clipboard: '📋',
  information_source: 'ℹ️',
  heart: '❤️',
  x: '❌',
  question: '❓',
  exclamation: '❗',
  ok_hand: '👌',
  thumbsup: '👍',
  '+1': '👍',
  eyes: '👀',
  sparkles: '✨',
  star: '⭐',
  muscle: '💪',
  bulb: '💡',
  link: '🔗',
  inbox_tray: '📥',
  outbox_tray: '📤',
  spiral_calendar_pad: '🗓️',
  label: '🏷️',
};

const DAY_MONTH: Intl.DateTimeFormatOptions = { day: 'numeric', month: 'short' };
const DATE_SHORT: Intl.DateTimeFormatOptions = { day: 'numeric', month: 'short', year: 'numeric' };
const DATE_LONG: Intl.DateTimeFormatOptions = { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' };
const DATE_NUM: Intl.DateTimeFormatOptions = { year: 'numeric', month: '2-digit', day: '2-digit' };
const TIME: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
const TIME_SECS: Intl.DateTimeFormatOptions = { hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' };

/** `<!date^…^{date_short_pretty} {time}|fallback>` as the reader's client would show it. */
export function slackDate(unix: number, template: string, ctx: MrkdwnContext): string {
  const date = new Date(unix * 1000);
  const format = (options: Intl.DateTimeFormatOptions) => displayDateTimeFormat(ctx.timeZone, options).format(date);
  const pretty = (): string => {
    // Today, yesterday and tomorrow by the calendar: a day either side is not always 24 hours.
    const zone = isValidTimeZone(ctx.timeZone) ? ctx.timeZone : 'UTC';
    const day = localDate(date, zone);
    const today = localParts(ctx.now, zone);
    const words: Array<[number, string]> = [
      [0, 'today'],
      [-1, 'yesterday'],
      [1, 'tomorrow'],
    ];
    for (const [offset, word] of words) {
      if (formatLocalDate(addDays(today, offset)) === day) return word;
    }
    // Another year is named, as Slack's clients do: "31 Jan" alone would read as this January.
    return day.slice(0, 4) === String(today.year) ? format(DAY_MONTH) : format(DATE_SHORT);
  };
  return template.replace(/\{(\w+)\}/g, (whole, token: string) => {
    switch (token) {
      case 'date_short_pretty':
      case 'date_pretty':
      case 'date_long_pretty':
        return pretty();
      case 'date_short':
        return format(DATE_SHORT);
      case 'date':
      case 'date_long':
        return format(DATE_LONG);
      case 'date_num':
        return format(DATE_NUM);
      case 'time':
        return format(TIME);
      case 'time_secs':
        return format(TIME_SECS);
      default:
        return whole;
    }
  });
}

/** One `<…>` entity: a link, a mention, a channel, a date or a special mention. */
function entity(inner: string, ctx: MrkdwnContext): string {
  const [target = '', label] = splitLabel(inner);
  if (target.startsWith('@')) {
    const id = target.slice(1);
    return `<span class="mention">@${escapeHtml(label ?? ctx.userName(id) ?? id)}</span>`;
  }
  if (target.startsWith('#')) {
    const id = target.slice(1);
    return `<span class="mention channel">#${escapeHtml(label ?? ctx.channelName(id) ?? id)}</span>`;
  }
  if (target.startsWith('!date^')) {
    const [, unix, template = '{date_short_pretty}'] = target.split('^');
    const seconds = Number(unix);
    if (!Number.isFinite(seconds)) return escapeHtml(label ?? inner);
    return `<time datetime="${new Date(seconds * 1000).toISOString()}" title="${escapeHtml(label ?? '')}">${escapeHtml(slackDate(seconds, template, ctx))}</time>`;
  }
  if (target.startsWith('!subteam^')) {
    const id = target.slice('!subteam^'.length);
    return `<span class="mention">@${escapeHtml(label ?? ctx.userName(id) ?? id)}</span>`;
  }
  if (target.startsWith('!')) return `<span class="mention">@${escapeHtml(label ?? target.slice(1))}</span>`;
  const href = /^(https?:|mailto:)/i.test(target) ? target : null;
  const text = escapeHtml(label ?? target);
  return href ? `<a href="${escapeHtml(href)}" target="_blank" rel="noopener">${text}</a>` : text;
}

function splitLabel(inner: string): [string, string | undefined] {
  const bar = inner.indexOf('|');
  return bar < 0 ? [inner, undefined] : [inner.slice(0, bar), inner.slice(bar + 1)];
}

// Slack's emphasis opens and closes at word edges: `*bold*` works, `2*3*4` stays as typed.
const EDGE_BEFORE = '(^|[\\s(\\[{"\'>.,;:!?\\-—–/])';
const EDGE_AFTER = '(?=$|[\\s)\\]}"\'<.,;:!?\\-—–/])';
const EMPHASIS: Array<[string, string]> = [
  ['\\*', 'strong'],
  ['_', 'em'],
  ['~', 'del'],
];

/** Bold, italic and strike in a run of plain text (already HTML-escaped, entities placeheld). */
function emphasis(text: string): string {
  let out = text;
  for (const [mark, tag] of EMPHASIS) {
    const re = new RegExp(`${EDGE_BEFORE}${mark}(?=\\S)([^${mark === '\\*' ? '*' : mark}\\n]*?\\S)${mark}${EDGE_AFTER}`, 'g');
    out = out.replace(re, (_m, before: string, inner: string) => `${before}<${tag}>${inner}</${tag}>`);
  }
  return out.replace(/:([a-z0-9_+-]+):/g, (whole, name: string) => EMOJI[name] ?? whole);
}

/** One line of mrkdwn (no code blocks), with entities and inline code. */
function inline(line: string, ctx: MrkdwnContext, held: string[]): string {
  const hold = (html: string) => {
    held.push(html);
    return `\uE000${held.length - 1}\uE000`;
  };
  let text = line.replace(/<([^<>\n]+)>/g, (_m, inner: string) => hold(entity(unescapeSlack(inner), ctx)));
  text = text.replace(/`([^`\n]+)`/g, (_m, code: string) => hold(`<code>${escapeHtml(unescapeSlack(code))}</code>`));
  return emphasis(escapeHtml(unescapeSlack(text)));
}

/** mrkdwn → HTML: block quotes, code blocks, line breaks, and everything inline. */
export function mrkdwnToHtml(text: string, ctx: MrkdwnContext): string {
  const held: string[] = [];
  // U+E000 (private use) marks what is held aside while the rest is escaped; a typed one is dropped.
  const source = text.replace(/\uE000/g, '');
  const parts = source.split(/```/);
  const html: string[] = [];
  parts.forEach((part, i) => {
    if (i % 2 === 1) {
      html.push(`<pre>${escapeHtml(unescapeSlack(part.replace(/^\n/, '')))}</pre>`);
      return;
    }
    const lines = part.split('\n');
    let quote: string[] = [];
    const flush = () => {
      if (quote.length) html.push(`<blockquote>${quote.join('<br>')}</blockquote>`);
      quote = [];
    };
    const rendered: string[] = [];
    for (const line of lines) {
      const quoted = /^(&gt;|>)\s?(.*)$/.exec(line);
      if (quoted) {
        if (rendered.length) {
          html.push(rendered.join('<br>'));
          rendered.length = 0;
        }
        quote.push(inline(quoted[2]!, ctx, held));
        continue;
      }
      flush();
      rendered.push(inline(line, ctx, held));
    }
    flush();
    if (rendered.length) html.push(rendered.join('<br>'));
  });
  return html.join('').replace(/\uE000(\d+)\uE000/g, (_m, n: string) => held[Number(n)]!);
}

/** plain_text objects: escaped, with emoji codes shown when `emoji` is on (Slack's default). */
export function plainToHtml(text: string, emoji = true): string {
  const escaped = escapeHtml(text);
  return emoji ? escaped.replace(/:([a-z0-9_+-]+):/g, (whole, name: string) => EMOJI[name] ?? whole) : escaped;
}
