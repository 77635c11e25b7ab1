// The HTTP receiver counts each Slack request from its arrival until its answer is sent, so that
// background work can let it go first (src/slack/intake.ts).
import { App, LogLevel } from '@slack/bolt';
import { Intake } from '../../src/slack/intake';
import { createHttpReceiver } from '../../src/slack/receiver';
import { freePort } from '../support/harness';
import { eventually } from '../support/processes';
import { postToSlackEndpoint, SIGNING_SECRET, slashCommand } from '../support/slackRequests';

/** Waits for `done`, failing after a few seconds instead of hanging the run. */
const until = (done: () => boolean, what: string) => eventually(async () => done(), 5_000, what);

it('counts a request until its answer is sent, including one refused before any listener', async () => {
  const intake = new Intake();
  const port = await freePort();
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let seen = -1;
  const app = new App({
    // No Web API call: the workspace's token is given as it is.
    authorize: async () => ({ botToken: 'xoxb-test-token', botId: 'B1', botUserId: 'UBOT' }),
    logLevel: LogLevel.ERROR,
    receiver: createHttpReceiver({ signingSecret: SIGNING_SECRET, intake }),
  });
  app.command('/mistake', async ({ ack }) => {
    seen = intake.waiting;
    await released;
    await ack();
  });
  await app.start(port);
  try {
    const baseUrl = `http://127.0.0.1:${port}`;
    const answered = postToSlackEndpoint(baseUrl, slashCommand(''));
    await until(() => seen >= 0, 'the listener');
    expect(seen).toBe(1);
    expect(intake.waiting).toBe(1);
    release();
    expect((await answered).status).toBe(200);
    await until(() => intake.waiting === 0, 'the answer to be counted');
    // Wrongly signed: refused by Bolt with 401, and no longer counted once answered.
    const refused = await postToSlackEndpoint(baseUrl, slashCommand(''), { signedTimestamp: 1 });
    expect(refused.status).toBe(401);
    await until(() => intake.waiting === 0, 'the refusal to be counted');
  } finally {
    release();
    await app.stop();
  }
});
