// `npm run demo`: the bot with no Slack workspace. See src/demo/server.ts.
import { startDemo } from '../demo/server';
import { isValidTimeZone } from '../domain/time';
import { createLogger } from '../logger';
import { failureMessage } from './operator';

/** `NAME='value' …` for a POSIX shell: every value single-quoted. */
function shellEnv(env: Record<string, string>): string {
  return Object.entries(env)
    .map(([name, value]) => `${name}='${value.replace(/'/g, `'\\''`)}'`)
    .join(' ');
}

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 3000);
  const local = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const timeZone = process.env.TIMEZONE && isValidTimeZone(process.env.TIMEZONE) ? process.env.TIMEZONE : local || 'UTC';
  const demo = await startDemo({ port, timeZone, logger: createLogger(process.env.LOG_LEVEL === 'debug' ? 'debug' : 'warn') });
  process.stdout.write(
    [
      '',
      `  Mistake Recovery demo: open ${demo.url}`,
      '',
      '  The real bot runs against a local stand-in for Slack, on a throwaway database.',
      `  Times are shown in ${timeZone}. Press Ctrl+C to stop (the demo's data is removed).`,
      '',
      '  Operator commands beside it, from another terminal in this folder (any pass: digest,',
      '  insights, reminders, escalations, check-ins, deliveries):',
      '',
      `    ${shellEnv(demo.operatorEnv)} \\`,
      '      npm run job -- digest',
      '',
    ].join('\n'),
  );
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void demo.close().finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`${failureMessage(error, 'Starting the demo')}\n`);
  process.exit(1);
});
