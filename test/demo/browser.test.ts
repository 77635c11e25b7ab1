// The demo in a real browser: headless Chromium drives the page as a person would, from
// `/mistake` to a closed recovery, through "not satisfied" and an escalation, and checks what the
// page shows at each stage. Every click goes to the real bot as a signed request.
//
// It needs a Chromium executable (Debian's `chromium` package; `.ci/run` installs it). Without
// one it is skipped, and says why.
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { startDemo, type Demo } from '../../src/demo/server';
import { Inputs } from '../../src/slack/ids';

const CANDIDATES = [
  process.env.CHROMIUM_PATH,
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
];
const chromiumPath = CANDIDATES.find((p): p is string => Boolean(p && fs.existsSync(p)));
if (!chromiumPath) {
  process.stdout.write(
    '\nThe browser test of the demo is skipped: no Chromium executable was found (install Debian\'s "chromium" package, or set CHROMIUM_PATH).\n',
  );
}
const describeWithBrowser = chromiumPath ? describe : describe.skip;

// Screenshots for the README are written only when asked: UPDATE_SCREENSHOTS=1 npm test -- browser
const SCREENSHOTS = process.env.UPDATE_SCREENSHOTS ? path.resolve(__dirname, '..', '..', 'docs', 'demo') : null;

jest.setTimeout(180_000);

/** Reads until `check` holds (the bot posts after it answers), or fails showing what was last read. */
async function until<T>(read: () => Promise<T>, check: (value: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!check(value)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last seen:\n${String(value)}`);
    await new Promise((r) => setTimeout(r, 100));
    value = await read();
  }
  return value;
}

describeWithBrowser('npm run demo, in a browser', () => {
  let demo: Demo;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    const { chromium } = await import('playwright-core');
    demo = await startDemo({ port: 0, timeZone: 'UTC' });
    browser = await chromium.launch({
      executablePath: chromiumPath!,
      // Keep the browser off the network: it only ever talks to the demo on localhost.
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    page = await browser.newPage({ viewport: { width: 1500, height: 1000 } });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('response', (response) => {
      if (response.status() >= 500) problems.push(`${response.status()} from ${response.url()}`);
    });
  });

  afterAll(async () => {
    await browser?.close();
    await demo?.close();
  });

  const as = async (userId: string) => {
    await page.selectOption('#user', userId);
    await until(
      () => page.inputValue('#user'),
      (v) => v === userId,
      `the page to show ${userId}`,
    );
  };
  const openConversation = (name: string) => page.click(`#conversations button:has-text("${name}")`);
  const card = (): Locator => page.locator('#messages .message').filter({ hasText: 'Mistake #1' }).first();
  const cardButton = (label: string): Locator => card().locator('.bk-button', { hasText: label });
  const modal = (): Locator => page.locator('#modal-backdrop:not([hidden])');

  /** Clicks a card button and waits for the card (edited by the bot's worker) to move on. */
  async function clickOnCard(label: string, expectAfter?: RegExp): Promise<void> {
    await cardButton(label).first().click();
    // Some steps ask first, as Slack's confirm dialog does ("Apologized?").
    const confirmDialog = page.locator('#confirm-backdrop:not([hidden])');
    if (await confirmDialog.isVisible()) await page.click('#confirm-yes');
    if (expectAfter)
      await until(
        () => card().innerText(),
        (text) => expectAfter.test(text),
        `the card to match ${expectAfter}`,
      );
  }

  async function fill(values: Record<string, string>): Promise<void> {
    await modal().waitFor();
    for (const [blockId, value] of Object.entries(values)) {
      const control = page.locator(`#modal [data-input-block="${blockId}"]`);
      const tag = await control.evaluate((el) => el.tagName);
      if (tag === 'SELECT') await control.selectOption(value);
      else await control.fill(value);
    }
  }

  async function submit(): Promise<void> {
    await page.click('#modal-submit');
    const errors = page.locator('#modal .bk-error');
    await until(
      async () => ((await page.locator('#modal-backdrop').isHidden()) ? 'closed' : (await errors.allInnerTexts()).join(' | ') || 'open'),
      (state) => state === 'closed',
      'the form to close',
    );
  }

  async function shot(name: string): Promise<void> {
    if (!SCREENSHOTS) return;
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
    await card().screenshot({ path: path.join(SCREENSHOTS, `${name}.png`) });
  }

  it('reports a mistake and walks it to closed, through "not satisfied", showing each stage', async () => {
    await page.goto(`${demo.url}?user=UDEMOALICE`);
    await until(
      () => page.locator('#messages').innerText(),
      (t) => t.includes('Nothing here yet'),
      'the empty channel',
    );

    // Alice reports it and hands it to Bob.
    await page.fill('#composer-text', '/mistake We delivered the wrong wedding cake');
    await page.press('#composer-text', 'Enter');
    await fill({
      [Inputs.customer]: 'Harbor Bakery',
      [Inputs.impact]: 'The couple had no cake for their first dance.',
      [Inputs.severity]: 'high',
      [Inputs.owner]: 'UDEMOBOBBY',
    });
    expect(await page.locator(`#modal [data-input-block="${Inputs.whatHappened}"]`).inputValue()).toBe('We delivered the wrong wedding cake');
    await submit();
    await until(
      () => card().count(),
      (n) => n > 0,
      'the card',
    );
    const reported = await card().innerText();
    expect(reported).toMatch(/Bob Chen/);
    expect(reported).toMatch(/We delivered the wrong wedding cake/);
    await cardButton('Own it').first().waitFor();
    // The root-cause analysis is not offered before the customer is satisfied.
    expect(await cardButton('Root-cause analysis').count()).toBe(0);
    await shot('card-1-reported');

    // Carol is not the owner: she is told so, privately, and nothing changes.
    await as('UDEMOCAROL');
    const before = await card().innerText();
    await cardButton('Own it').click();
    await until(
      () => page.locator('#messages .message.ephemeral').count(),
      (n) => n > 0,
      'the private explanation',
    );
    expect(await page.locator('#messages .message.ephemeral').last().innerText()).toMatch(/Only visible to you/);
    expect(await card().innerText()).toBe(before);

    // Bob works the recovery.
    await as('UDEMOBOBBY');
    await clickOnCard('Own it');
    await cardButton('Apologize').first().waitFor({ timeout: 20_000 });
    // The apology form: excuse wording is pointed out once; pressing the button again records it.
    await clickOnCard('Apologize');
    await fill({
      [Inputs.apology]: 'We are sorry about the cake, but our policy is to bake what was ordered.',
      [Inputs.contactChannel]: 'call',
      [Inputs.contactSummary]: 'Called them and said sorry.',
    });
    await page.click('#modal-submit');
    await until(
      () => page.locator('#modal').innerText(),
      (t) => t.includes('A word on the wording') && t.includes('policy'),
      'the wording hint',
    );
    await submit();
    // A contact logged from the card.
    await cardButton('Log contact').first().click();
    await fill({ [Inputs.contactChannel]: 'email', [Inputs.contactSummary]: 'Sent them the new delivery time.' });
    await submit();
    await cardButton('Ask what they want').first().waitFor({ timeout: 20_000 });
    await clickOnCard('Ask what they want');
    await fill({ [Inputs.answer]: 'A new cake for their anniversary, and the delivery fee back.' });
    await submit();
    await cardButton('Make it right').first().waitFor({ timeout: 20_000 });
    await clickOnCard('Make it right');
    await fill({ [Inputs.remedyKind]: 'refund', [Inputs.remedyValue]: 'Delivery fee refunded' });
    await submit();
    await cardButton('Customer satisfied').first().waitFor({ timeout: 20_000 });
    await shot('card-2-made-right');

    // The customer is not satisfied: the card says so and an escalation is posted.
    await clickOnCard('Not satisfied');
    await fill({ [Inputs.comment]: 'They still want the anniversary cake.' });
    await submit();
    await until(
      () => card().innerText(),
      (t) => /escalat/i.test(t),
      'the card to say it is escalated',
    );
    await until(
      () => page.locator('#messages .message').filter({ hasText: 'Escalation' }).count(),
      (n) => n > 0,
      'the escalation post',
    );
    expect(await cardButton('Root-cause analysis').count()).toBe(0);

    // Made right again, and this time they are happy.
    await clickOnCard('Make it right');
    await fill({ [Inputs.remedyKind]: 'replacement', [Inputs.remedyValue]: 'Anniversary cake delivered' });
    await submit();
    await cardButton('Customer satisfied').first().waitFor({ timeout: 20_000 });
    await clickOnCard('Customer satisfied');
    await fill({ [Inputs.comment]: 'Loved the anniversary cake.' });
    await submit();
    await cardButton('Root-cause analysis').first().waitFor({ timeout: 20_000 });

    // The blameless root-cause analysis, with one prevention step for Dana.
    await clickOnCard('Root-cause analysis');
    await fill({
      [Inputs.rcaWhatHappened]: 'Two orders for the same day were swapped at packing.',
      [Inputs.causes]: 'Cakes are labelled by hand after boxing.',
      [Inputs.whatChanges]: 'Labels are printed with the order and put on before boxing.',
      [Inputs.prevention(1)]: 'Print order labels at the bench',
      [Inputs.preventionOwner(1)]: 'UDEMODANA1',
      [Inputs.preventionDue(1)]: '2030-01-31',
    });
    await submit();
    await cardButton('Done').first().waitFor({ timeout: 20_000 });

    // Dana finishes the prevention step: the recovery is closed.
    await as('UDEMODANA1');
    await clickOnCard('Done', /closed/i);
    expect(await card().locator('.bk-button', { hasText: 'Done' }).count()).toBe(0);
    await shot('card-3-closed');

    // The thread holds a reply for every step, readable as text.
    await card().locator('.thread-link').click();
    await until(
      () => page.locator('#thread .message').count(),
      (n) => n > 8,
      'the thread',
    );
    const thread = await page.locator('#thread').innerText();
    expect(thread).toMatch(/apologi[sz]ed/i);
    expect(thread).toMatch(/our policy is to bake what was ordered/);
    expect(thread).toMatch(/was in touch with .* \(email\)/);
    expect(thread).toMatch(/Delivery fee refunded/);
    expect(thread).not.toMatch(/<@U|<!date|\*\w/);

    // App Home shows nothing open for Bob any more; the digest can be run from the page.
    await as('UDEMOBOBBY');
    await openConversation('Home');
    await until(
      () => page.locator('#messages').innerText(),
      (t) => /open/i.test(t),
      'App Home',
    );
    await page.click('[data-pass="digest"]');
    await openConversation('team-digest');
    await until(
      () => page.locator('#messages').innerText(),
      (t) => /digest|All clear/i.test(t),
      'the digest',
    );

    expect(problems).toEqual([]);
    const failedCalls = demo.workspace.log.filter((l) => !l.ok);
    expect(failedCalls).toEqual([]);
  });
});
