// The one line an operator reads when `npm start` or `npm run job` fails, and Bolt's own log lines
// in the bot's format.
import { failureMessage } from '../../src/bin/operator';
import { loadConfig } from '../../src/config';
import { DatabaseSetupError } from '../../src/db/migrate';
import { memoryLogger } from '../../src/logger';
import { boltLogger } from '../../src/slack/boltLogger';
import { startHarness } from '../support/harness';

describe('failureMessage', () => {
  it('passes on what the operator can fix as it is', () => {
    let configError: unknown;
    try {
      loadConfig({});
    } catch (error) {
      configError = error;
    }
    expect(failureMessage(configError, 'Starting the bot')).toMatch(/^The configuration has \d+ problems/);
    expect(failureMessage(new DatabaseSetupError('Cannot reach the database at db:5432/x.'), 'x')).toBe('Cannot reach the database at db:5432/x.');
  });

  it('says which port is taken', () => {
    const error = Object.assign(new Error('listen EADDRINUSE: address already in use :::3100'), { code: 'EADDRINUSE' });
    expect(failureMessage(error, 'Starting the bot')).toBe(
      'Port 3100 is already in use (another copy of the bot, or another program): stop it, or set PORT to a free port.',
    );
  });

  it('keeps one line of anything else, without a trace', () => {
    const error = new Error('Error in the underlying connector (WASM_ERROR): boom at wasm://wasm/0042:1:2\n    at foo (x.js:1:1)');
    expect(failureMessage(error, 'The digest pass')).toBe(
      'The digest pass failed: Error in the underlying connector (WASM_ERROR): boom (set LOG_LEVEL=debug for the details).',
    );
  });
});

describe("Bolt's log lines", () => {
  it("go through the bot's logger, at its level", () => {
    const logger = memoryLogger();
    const slack = boltLogger(logger, 'info');
    slack.debug('noise');
    slack.info('An incoming event was', { type: 'x' });
    slack.error(new Error('kaput'));
    expect(logger.lines.map((l) => [l.level, l.message, l.fields.source])).toEqual([
      ['info', 'An incoming event was {"type":"x"}', 'slack'],
      ['error', 'kaput', 'slack'],
    ]);
    slack.setLevel('debug' as never);
    slack.debug('now shown');
    expect(logger.lines.at(-1)).toMatchObject({ level: 'debug', message: 'now shown' });
  });

  it("are the app's and its Web API client's", async () => {
    const h = await startHarness({ env: { LOG_LEVEL: 'warn' } });
    try {
      h.bot.app.logger.warn('from bolt');
      (h.bot.app.client as unknown as { logger: { warn(m: string): void } }).logger.warn('from the client');
      expect(h.logger.lines.filter((l) => l.fields.source === 'slack').map((l) => l.message)).toEqual(['from bolt', 'from the client']);
    } finally {
      await h.close();
    }
  });
});
