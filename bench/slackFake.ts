// Child process: the fake Slack Web API from the test suite, in a process of its own so its work
// neither runs on the load generator's event loop nor counts towards the bot's memory.
// Talks to its parent over IPC: { type: 'counts' } → calls answered so far, by method.
import { FakeSlack } from '../test/support/fakeSlack';

const totals: Record<string, number> = {};
/** The comment of the last file shared (an export's says how many rows it has). */
let lastFileComment = '';

function fold(fake: FakeSlack): void {
  for (const call of fake.delivered) {
    totals[call.method] = (totals[call.method] ?? 0) + 1;
    if (call.method === 'files.completeUploadExternal') lastFileComment = String(call.args.initial_comment ?? '');
  }
  // The fake keeps every call for the tests' assertions; here only the counts are needed.
  fake.reset();
}

async function main(): Promise<void> {
  const fake = await new FakeSlack().start();
  const trim = setInterval(() => fold(fake), 500);
  process.on('message', (message: { type: string }) => {
    if (message.type === 'counts') {
      fold(fake);
      process.send?.({ type: 'counts', counts: { ...totals }, lastFileComment });
    }
    if (message.type === 'stop') {
      clearInterval(trim);
      void fake.stop().then(() => process.exit(0));
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.send?.({ type: 'ready', url: fake.url });
}

void main();
