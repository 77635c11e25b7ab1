// The demo page's drawing of Slack: mrkdwn and Block Kit as HTML, as pure functions.
import fs from 'node:fs';
import path from 'node:path';
import { blocksToHtml, type RenderContext } from '../../src/demo/blockKit';
import { mrkdwnToHtml, slackDate } from '../../src/demo/mrkdwn';
import { stateValues } from '../../src/demo/server';

const ctx: RenderContext = {
  userName: (id) => ({ UDEMOBOBBY: 'Bob Chen', S0TEAMLEAD: 'team-leads' })[id],
  channelName: (id) => ({ CMISTAKES01: 'mistakes' })[id],
  timeZone: 'Europe/Berlin',
  now: new Date('2026-11-24T10:00:00Z'),
  users: [
    { id: 'UDEMOALICE', name: 'Alice Rivera' },
    { id: 'UDEMOBOBBY', name: 'Bob Chen' },
  ],
};

describe('mrkdwn', () => {
  it('draws bold, italic, strike, code and quotes as Slack does', () => {
    expect(mrkdwnToHtml('*Mistake #1* is _late_ and ~gone~, see `code`', ctx)).toBe(
      '<strong>Mistake #1</strong> is <em>late</em> and <del>gone</del>, see <code>code</code>',
    );
    expect(mrkdwnToHtml('> what they said\nand then', ctx)).toBe('<blockquote>what they said</blockquote>and then');
    expect(mrkdwnToHtml('```\nraw *text*\n```', ctx)).toBe('<pre>raw *text*\n</pre>');
  });

  it('leaves emphasis marks inside words alone', () => {
    expect(mrkdwnToHtml('2*3*4 and snake_case_name', ctx)).toBe('2*3*4 and snake_case_name');
  });

  it('draws mentions, channels, groups and links, never raw', () => {
    const html = mrkdwnToHtml('<@UDEMOBOBBY> in <#CMISTAKES01>, <!subteam^S0TEAMLEAD>, <https://example.com/a?b=1&c=2|the order> <@UNKNOWN99>', ctx);
    expect(html).toBe(
      '<span class="mention">@Bob Chen</span> in <span class="mention channel">#mistakes</span>, <span class="mention">@team-leads</span>, ' +
        '<a href="https://example.com/a?b=1&amp;c=2" target="_blank" rel="noopener">the order</a> <span class="mention">@UNKNOWN99</span>',
    );
  });

  it('refuses to make a link out of anything but http(s) and mailto', () => {
    expect(mrkdwnToHtml('<javascript:alert(1)|click me>', ctx)).toBe('click me');
  });

  it("escapes HTML a person typed, including Slack's own escapes", () => {
    expect(mrkdwnToHtml('Tom &amp; Jerry &lt;script&gt;alert(1)&lt;/script&gt; <img src=x onerror=alert(1)>', ctx)).toBe(
      'Tom &amp; Jerry &lt;script&gt;alert(1)&lt;/script&gt; img src=x onerror=alert(1)',
    );
  });

  it("shows dates in the reader's time zone, relative to the demo clock", () => {
    const unix = Date.parse('2026-11-24T15:30:00Z') / 1000;
    expect(slackDate(unix, '{date_short_pretty} {time}', ctx)).toBe('today 16:30');
    expect(slackDate(unix + 86_400, '{date_short_pretty} at {time}', ctx)).toBe('tomorrow at 16:30');
    expect(slackDate(unix + 5 * 86_400, '{date_short_pretty}', ctx)).toBe('29 Nov');
    // Another year is named: a prevention step due in 2030 must not read as due this January.
    expect(slackDate(Date.parse('2030-01-31T12:00:00Z') / 1000, '{date_short_pretty}', ctx)).toBe('31 Jan 2030');
    expect(mrkdwnToHtml(`due <!date^${unix}^{date_short_pretty} {time}|Tue 24 Nov 2026, 16:30 CET>`, ctx)).toBe(
      'due <time datetime="2026-11-24T15:30:00.000Z" title="Tue 24 Nov 2026, 16:30 CET">today 16:30</time>',
    );
  });

  it('says yesterday and tomorrow by the calendar, also after a 23-hour day', () => {
    // Monday 30 March 2026, 00:30 in Berlin: Sunday was 23 hours long, so 24 hours ago was Saturday.
    const afterSpring = { ...ctx, now: new Date('2026-03-29T22:30:00Z') };
    const saturday = Date.parse('2026-03-28T22:45:00Z') / 1000; // 23:45 CET
    const sunday = Date.parse('2026-03-29T08:00:00Z') / 1000; // 10:00 CEST
    expect(slackDate(sunday, '{date_short_pretty}', afterSpring)).toBe('yesterday');
    expect(slackDate(saturday, '{date_short_pretty}', afterSpring)).toBe('28 Mar');
    // Saturday 28 March, 23:30 CET: 24 hours on is already Monday.
    const beforeSpring = { ...ctx, now: new Date('2026-03-28T22:30:00Z') };
    expect(slackDate(sunday, '{date_short_pretty}', beforeSpring)).toBe('tomorrow');
    expect(slackDate(Date.parse('2026-03-29T22:15:00Z') / 1000, '{date_short_pretty}', beforeSpring)).toBe('30 Mar');
  });

  it('turns the emoji the bot uses into emoji, and leaves others as typed', () => {
    expect(mrkdwnToHtml(':white_check_mark: done :unknown_thing:', ctx)).toBe('✅ done :unknown_thing:');
  });

  it('draws every emoji code the bot writes (none is left as its :code: on the page)', () => {
    const root = path.resolve(__dirname, '..', '..', 'src');
    const codes = new Set<string>();
    const walk = (dir: string): void => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) {
          if (entry.name !== 'demo') walk(file);
        } else if (file.endsWith('.ts')) {
          for (const m of fs.readFileSync(file, 'utf8').matchAll(/(?<=^|[\s'`"(]):([a-z][a-z_]+):(?=[\s'`".,)]|$)/gm)) codes.add(m[1]!);
        }
      }
    };
    // The layers that write what people read (the database layer names no emoji).
    for (const dir of ['domain', 'services', 'slack', 'notify', 'jobs']) walk(path.join(root, dir));
    expect(codes.size).toBeGreaterThan(5);
    const left = [...codes].filter((code) => mrkdwnToHtml(`:${code}:`, ctx) === `:${code}:`);
    expect(left).toEqual([]);
  });
});

describe('Block Kit', () => {
  it('draws sections, fields, context, headers and dividers', () => {
    const html = blocksToHtml(
      [
        { type: 'header', text: { type: 'plain_text', text: 'Daily digest <b>' } },
        { type: 'section', text: { type: 'mrkdwn', text: '*Open*' }, fields: [{ type: 'mrkdwn', text: '*Owner*\n<@UDEMOBOBBY>' }] },
        { type: 'divider' },
        { type: 'context', elements: [{ type: 'mrkdwn', text: 'Mistake #1' }] },
      ],
      ctx,
    );
    expect(html).toContain('<div class="bk-header">Daily digest &lt;b&gt;</div>');
    expect(html).toContain('<div class="bk-text"><strong>Open</strong></div>');
    expect(html).toContain('<div class="bk-field"><strong>Owner</strong><br><span class="mention">@Bob Chen</span></div>');
    expect(html).toContain('<hr class="bk-divider">');
    expect(html).toContain('<div class="bk-context"><span>Mistake #1</span></div>');
  });

  it('gives every interactive element what the page needs to send its action', () => {
    const html = blocksToHtml(
      [
        {
          type: 'actions',
          block_id: 'steps',
          elements: [
            {
              type: 'button',
              action_id: 'mistake_apologize',
              value: '{"m":1}',
              style: 'primary',
              text: { type: 'plain_text', text: 'Apologize' },
              confirm: {
                title: { type: 'plain_text', text: 'Apologized?' },
                text: { type: 'mrkdwn', text: 'To *them*?' },
                confirm: { type: 'plain_text', text: 'Yes' },
                deny: { type: 'plain_text', text: 'Not yet' },
              },
            },
            { type: 'overflow', action_id: 'mistake_snooze', options: [{ text: { type: 'plain_text', text: '1 hour' }, value: '60' }] },
            {
              type: 'button',
              action_id: 'mistake_open_thread',
              url: 'https://acme.slack.com/archives/C1/p1',
              text: { type: 'plain_text', text: 'Open thread' },
            },
          ],
        },
      ],
      ctx,
    );
    expect(html).toContain(
      '<button class="bk-button primary" data-action-id="mistake_apologize" data-block-id="steps" data-type="button" data-value="{&quot;m&quot;:1}" ' +
        'data-confirm-title="Apologized?" data-confirm-text="To &lt;strong&gt;them&lt;/strong&gt;?" data-confirm-yes="Yes" data-confirm-no="Not yet">Apologize</button>',
    );
    expect(html).toContain(
      '<select class="bk-overflow" data-action-id="mistake_snooze" data-block-id="steps" data-type="overflow" aria-label="More actions"><option value="" selected>⋯</option><option value="60">1 hour</option></select>',
    );
    expect(html).toContain('data-url="https://acme.slack.com/archives/C1/p1"');
  });

  it("draws a modal's inputs with their labels, current values and errors", () => {
    const html = blocksToHtml(
      [
        {
          type: 'input',
          block_id: 'customer',
          label: { type: 'plain_text', text: 'Customer' },
          element: { type: 'plain_text_input', action_id: 'customer', initial_value: 'Harbor "Bakery"' },
        },
        {
          type: 'input',
          block_id: 'owner',
          label: { type: 'plain_text', text: 'Owner' },
          element: { type: 'users_select', action_id: 'owner', initial_user: 'UDEMOBOBBY' },
        },
        {
          type: 'input',
          block_id: 'due',
          optional: true,
          label: { type: 'plain_text', text: 'Due' },
          element: { type: 'datepicker', action_id: 'due' },
        },
      ],
      { ...ctx, errors: { customer: 'Say who the customer is.' } },
    );
    expect(html).toContain(
      '<label class="bk-label" for="input-customer">Customer</label><input type="text" id="input-customer" data-input-block="customer" data-action-id="customer" data-type="plain_text_input" value="Harbor &quot;Bakery&quot;">',
    );
    expect(html).toContain('<div class="bk-error" role="alert">Say who the customer is.</div>');
    expect(html).toContain('<option value="UDEMOBOBBY" selected>Bob Chen</option>');
    expect(html).toContain('Due <span class="bk-optional">(optional)</span>');
    expect(html).toContain('<input type="date" id="input-due"');
  });

  it('names what it cannot draw instead of hiding it', () => {
    expect(blocksToHtml([{ type: 'video' }], ctx)).toBe('<div class="bk-unknown">[video block]</div>');
  });
});

describe("a modal's state, as Slack sends it", () => {
  it('shapes each kind of input', () => {
    expect(
      stateValues([
        { block_id: 'customer', action_id: 'customer', type: 'plain_text_input', value: 'Harbor Bakery' },
        { block_id: 'impact', action_id: 'impact', type: 'plain_text_input', value: '' },
        { block_id: 'severity', action_id: 'severity', type: 'static_select', value: 'high', text: 'High' },
        { block_id: 'owner', action_id: 'owner', type: 'users_select', value: 'UDEMOBOBBY' },
        { block_id: 'due', action_id: 'due', type: 'datepicker', value: '2026-12-01' },
      ]),
    ).toEqual({
      customer: { customer: { type: 'plain_text_input', value: 'Harbor Bakery' } },
      impact: { impact: { type: 'plain_text_input', value: null } },
      severity: { severity: { type: 'static_select', selected_option: { text: { type: 'plain_text', text: 'High' }, value: 'high' } } },
      owner: { owner: { type: 'users_select', selected_user: 'UDEMOBOBBY' } },
      due: { due: { type: 'datepicker', selected_date: '2026-12-01' } },
    });
  });
});
