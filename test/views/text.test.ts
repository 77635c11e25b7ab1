import {
  codePointLength,
  composedText,
  contactMention,
  escapeText,
  formatDateTime,
  formatDue,
  inputValue,
  mention,
  slackDate,
  SLACK_LIMITS,
  threadUrl,
  truncate,
  userText,
} from '../../src/slack/views/text';
import { checkLimits } from '../support/limits';
import { at, DAY, HOUR } from './fixtures';

describe('escapeText', () => {
  it('makes pings, mentions and links typed by a person inert', () => {
    expect(escapeText('<!channel> <@U123> <!here> <https://evil.example|click>')).toBe(
      '&lt;!channel&gt; &lt;@U123&gt; &lt;!here&gt; &lt;https://evil.example|click&gt;',
    );
  });

  it('escapes the ampersand first, so an existing entity shows as typed', () => {
    expect(escapeText('R&D &lt;')).toBe('R&amp;D &amp;lt;');
  });
});

describe('truncate', () => {
  it('leaves short text alone', () => {
    expect(truncate('Acme', 10)).toBe('Acme');
    expect(truncate('Acme', 4)).toBe('Acme');
  });

  it('shortens visibly to at most max code points', () => {
    const long = 'x'.repeat(5000);
    const cut = truncate(long, 600);
    expect(codePointLength(cut)).toBe(600);
    expect(cut.endsWith('…')).toBe(true);
  });

  it('never splits a surrogate pair or an emoji sequence', () => {
    const emoji = '😀'.repeat(100);
    const cut = truncate(emoji, 11);
    expect(cut).toBe(`${'😀'.repeat(10)}…`);
    expect(cut).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);

    const family = '👨‍👩‍👧'.repeat(10);
    const cutFamily = truncate(family, 12);
    expect(cutFamily).toBe(`${'👨‍👩‍👧'.repeat(2)}…`);
  });

  it('keeps right-to-left text and accents intact', () => {
    const rtl = 'שלום עולם, הלקוח לא קיבל את ההזמנה';
    expect(truncate(rtl, 100)).toBe(rtl);
    const cut = truncate(rtl, 10);
    expect(cut).toBe('שלום עולם…');
    expect(truncate('cafe\u0301 cafe\u0301', 5)).toBe('caf…');
  });

  it('handles tiny maxima', () => {
    expect(truncate('hello', 1)).toBe('…');
    expect(truncate('hello', 0)).toBe('');
  });
});

describe('userText', () => {
  it('escapes and counts the escapes against the limit without cutting one in half', () => {
    const text = userText('<'.repeat(100), 20);
    expect(codePointLength(text)).toBeLessThanOrEqual(20);
    expect(text).toBe(`${'&lt;'.repeat(4)}…`);
  });

  it('handles null and empty text', () => {
    expect(userText(null, 10)).toBe('');
    expect(userText(undefined, 10)).toBe('');
  });
});

describe('inputValue', () => {
  it('is not escaped: the person sees and edits exactly what they typed', () => {
    expect(inputValue('a < b & c', 100)).toBe('a < b & c');
    expect(codePointLength(inputValue('y'.repeat(5000), 3000))).toBe(3000);
  });
});

describe('composedText', () => {
  it('keeps mentions of known people and neutralises everything else', () => {
    const text = composedText('"Apologize" is overdue (owner <@U0OWNER>). <!channel> <@U0STRANGER>', 300, ['U0OWNER']);
    expect(text).toContain('<@U0OWNER>');
    expect(text).toContain('&lt;!channel&gt;');
    expect(text).toContain('&lt;@U0STRANGER&gt;');
  });
});

describe('mention', () => {
  it('mentions a user or says nobody', () => {
    expect(mention('U123ABC')).toBe('<@U123ABC>');
    expect(mention(null)).toBe('_nobody_');
    expect(mention('<!channel>')).toBe('&lt;!channel&gt;');
  });

  it('mentions an escalation contact: a person or a user group', () => {
    expect(contactMention('U0BOSS')).toBe('<@U0BOSS>');
    expect(contactMention('S0TEAM')).toBe('<!subteam^S0TEAM>');
    expect(contactMention('!channel')).toBeNull();
    expect(contactMention(null)).toBeNull();
  });
});

describe('formatDue', () => {
  const now = at(0);
  it('reads as time left or time overdue', () => {
    expect(formatDue(at(3 * HOUR), now, 'UTC')).toBe('due in 3h');
    expect(formatDue(at(-(2 * DAY + 4 * HOUR)), now, 'UTC')).toBe('overdue by 2d 4h');
    expect(formatDue(at(20_000), now, 'UTC')).toBe('due now');
    expect(formatDue(at(-20_000), now, 'UTC')).toBe('overdue by 1m');
  });

  it('names the day for due dates a week or more away, in the team time zone', () => {
    expect(formatDue(new Date('2024-03-18T23:30:00Z'), now, 'UTC')).toBe('due Mon 18 Mar');
    expect(formatDue(new Date('2024-03-18T23:30:00Z'), now, 'Europe/Paris')).toBe('due Tue 19 Mar');
  });
});

describe('slackDate', () => {
  it('is a date token with a readable fallback', () => {
    const date = new Date('2024-03-04T13:30:00Z');
    // The zone's short name depends on the ICU data Node ships with.
    expect(slackDate(date, 'Europe/Paris')).toMatch(/^<!date\^1709559000\^\{date_short_pretty\} \{time\}\|Mon 4 Mar 2024, 14:30 (CET|GMT\+1)>$/);
    expect(slackDate(date, 'Not/AZone')).toContain('13:30 UTC');
  });
});

describe('formatDateTime', () => {
  it('reads the same when asked again, by zone and minute, across a daylight saving change', () => {
    // Europe/Berlin moved from 02:00 CET to 03:00 CEST on 31 Mar 2024 (01:00 UTC).
    const before = new Date('2024-03-31T00:59:30Z');
    const after = new Date('2024-03-31T01:00:10Z');
    for (let round = 0; round < 2; round++) {
      expect(formatDateTime(before, 'Europe/Berlin')).toMatch(/^Sun 31 Mar 2024, 01:59 (CET|GMT\+1)$/);
      expect(formatDateTime(after, 'Europe/Berlin')).toMatch(/^Sun 31 Mar 2024, 03:00 (CEST|GMT\+2)$/);
      expect(formatDateTime(after, 'America/New_York')).toMatch(/^Sat 30 Mar 2024, 21:00 (EDT|GMT-4)$/);
      // Seconds are not shown: the same minute reads the same.
      expect(formatDateTime(new Date('2024-03-31T00:59:01Z'), 'Europe/Berlin')).toBe(formatDateTime(before, 'Europe/Berlin'));
    }
  });
});

describe('threadUrl', () => {
  it('links to the message in the workspace', () => {
    expect(threadUrl('https://acme.slack.com/', 'C123', '1709542800.000100')).toBe('https://acme.slack.com/archives/C123/p1709542800000100');
    expect(threadUrl('https://acme.slack.com', 'C123', '1709542800.000100')).toBe('https://acme.slack.com/archives/C123/p1709542800000100');
  });

  it("falls back on Slack's app redirect without the workspace URL", () => {
    expect(threadUrl(undefined, 'C123', '1709542800.000100')).toBe('https://slack.com/app_redirect?channel=C123&message_ts=1709542800.000100');
  });
});

describe('checkLimits', () => {
  const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });

  it('accepts a small valid message', () => {
    expect(checkLimits('message', { text: 'hi', blocks: [section('hello')] })).toEqual([]);
  });

  it('reports every kind of limit it knows', () => {
    const problems = checkLimits('message', {
      text: '',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } },
        section('s'.repeat(3001)),
        section(''),
        {
          type: 'actions',
          elements: [
            { type: 'button', action_id: 'a', text: { type: 'plain_text', text: 'b'.repeat(76) }, value: 'v'.repeat(2001) },
            { type: 'button', action_id: 'a', text: { type: 'plain_text', text: 'ok' } },
          ],
        },
        { type: 'context', elements: [{ type: 'mrkdwn', text: 'c'.repeat(3001) }], block_id: 'x' },
        { type: 'divider', block_id: 'x' },
        { type: 'unknown_block' },
      ],
    });
    const joined = problems.join('\n');
    expect(joined).toMatch(/text: missing notification text/);
    expect(joined).toMatch(/blocks\[0\]\.text\.text: 151 > 150/);
    expect(joined).toMatch(/blocks\[1\]\.text\.text: 3001 > 3000/);
    expect(joined).toMatch(/blocks\[2\]\.text\.text: empty/);
    expect(joined).toMatch(/elements\[0\]\.text\.text: 76 > 75/);
    expect(joined).toMatch(/elements\[0\]\.value: 2001 > 2000/);
    expect(joined).toMatch(/duplicate "a"/);
    expect(joined).toMatch(/blocks\[4\]\.elements\[0\]\.text: 3001 > 3000/);
    expect(joined).toMatch(/blocks\[5\]\.block_id: duplicate "x"/);
    expect(joined).toMatch(/unexpected block type "unknown_block"/);
  });

  it('counts blocks and the size of a message', () => {
    const many = Array.from({ length: 51 }, () => section('x'));
    expect(checkLimits('message', { text: 't', blocks: many }).join()).toMatch(/51 blocks > 50/);
    expect(checkLimits('home', { type: 'home', blocks: many })).toEqual([]);
    const big = Array.from({ length: 10 }, () => section('y'.repeat(2000)));
    expect(checkLimits('message', { text: 't', blocks: big }).join()).toMatch(/characters of JSON > 12000/);
    const tooMany = Array.from({ length: 101 }, () => section('x'));
    expect(checkLimits('home', { type: 'home', blocks: tooMany }).join()).toMatch(/101 blocks > 100/);
  });

  it('checks modal titles, metadata and options', () => {
    const problems = checkLimits('modal', {
      type: 'modal',
      title: { type: 'plain_text', text: 'A title that is far too long' },
      private_metadata: 'm'.repeat(3001),
      blocks: [
        {
          type: 'input',
          label: { type: 'plain_text', text: 'Pick' },
          element: {
            type: 'static_select',
            action_id: 's',
            options: [{ text: { type: 'plain_text', text: 'o'.repeat(76) }, value: 'a' }],
            initial_option: { text: { type: 'plain_text', text: 'b' }, value: 'b' },
          },
        },
      ],
    }).join('\n');
    expect(problems).toMatch(/title\.text: 28 > 24/);
    expect(problems).toMatch(/private_metadata: 3001 > 3000/);
    expect(problems).toMatch(/options\[0\]\.text\.text: 76 > 75/);
    expect(problems).toMatch(/initial_option: not one of the options/);
    expect(problems).toMatch(/needs a submit button/);
  });

  it('knows the limits it enforces', () => {
    expect(SLACK_LIMITS.messageBlocks).toBe(50);
    expect(SLACK_LIMITS.viewBlocks).toBe(100);
  });
});
