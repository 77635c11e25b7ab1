// Block Kit as a person reads it: a message or view rendered to plain lines, so a test (or a
// reader of its output) sees what Slack would show. Formatting marks are kept (*bold* reads as
// bold), entities are resolved the way Slack shows them (mentions as @name, dates as their
// fallback, links as their label), and buttons show as [Label].

const DATE = /<!date\^\d+\^[^|>]*\|([^>]*)>/g;
const LINK = /<(https?:[^|>]+)\|([^>]*)>/g;
const USER = /<@([A-Z0-9_]+)>/g;
const GROUP = /<!subteam\^([A-Z0-9]+)>/g;
const SPECIAL = /<!(here|channel|everyone)>/g;

/** mrkdwn as a reader sees it (entities resolved, escapes undone). */
export function readable(mrkdwn: string): string {
  return mrkdwn
    .replace(DATE, '$1')
    .replace(LINK, '$2')
    .replace(USER, '@$1')
    .replace(GROUP, '@group:$1')
    .replace(SPECIAL, '@$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function textOf(t: any): string {
  return t && typeof t.text === 'string' ? readable(t.text) : '';
}

function element(e: any): string {
  switch (e?.type) {
    case 'button':
      return `[${textOf(e.text)}${e.url ? ' ↗' : ''}]`;
    case 'overflow':
      return `[⋯ ${(e.options ?? []).map((o: any) => textOf(o.text)).join(' / ')}]`;
    case 'static_select':
    case 'users_select':
    case 'datepicker':
    case 'plain_text_input':
      return `[${e.type}${e.placeholder ? `: ${textOf(e.placeholder)}` : ''}]`;
    case 'image':
      return `(image: ${e.alt_text ?? ''})`;
    default:
      return textOf(e);
  }
}

/** One block as lines of text; greyed (context) lines are marked with "│ ". */
function block(b: any): string[] {
  switch (b?.type) {
    case 'header':
      return [`# ${textOf(b.text)}`];
    case 'section': {
      const lines: string[] = [];
      if (b.text) lines.push(...textOf(b.text).split('\n'));
      if (b.fields) lines.push(b.fields.map((f: any) => textOf(f).replace(/\n/g, ': ')).join(' | '));
      if (b.accessory) lines.push(`    ${element(b.accessory)}`);
      return lines;
    }
    case 'context':
      return (b.elements ?? [])
        .map(element)
        .join(' ')
        .split('\n')
        .map((l: string) => `│ ${l}`);
    case 'actions':
      return [(b.elements ?? []).map(element).join(' ')];
    case 'divider':
      return ['────────'];
    case 'input':
      return [`${textOf(b.label)}${b.optional ? ' (optional)' : ''}: ${element(b.element)}${b.hint ? ` (hint: ${textOf(b.hint)})` : ''}`];
    default:
      return [`(${b?.type ?? 'unknown'} block)`];
  }
}

/** A list of blocks as readable text, one block after another. */
export function blockText(blocks: readonly any[] | undefined): string {
  return (blocks ?? []).flatMap(block).join('\n');
}

/** The buttons' labels, in order, anywhere in the blocks. */
export function buttonLabels(blocks: readonly any[] | undefined): string[] {
  const labels: string[] = [];
  for (const b of blocks ?? []) {
    for (const e of [...(b.elements ?? []), ...(b.accessory ? [b.accessory] : [])]) {
      if (e?.type === 'button') labels.push(textOf(e.text));
    }
  }
  return labels;
}

/** A message indented under a title, for printing a walk-through. */
export function framed(title: string, blocks: readonly any[] | undefined, text?: string): string {
  const body = blockText(blocks)
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
  const notification = text !== undefined ? `\n    (notification: ${readable(text)})` : '';
  return `  ${title}\n${body}${notification}`;
}
