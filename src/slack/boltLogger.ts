import { LogLevel, type Logger as SlackLogger } from '@slack/bolt';
import type { Logger, LogLevel as OurLevel } from '../logger';

const ORDER: Record<LogLevel, number> = { [LogLevel.DEBUG]: 10, [LogLevel.INFO]: 20, [LogLevel.WARN]: 30, [LogLevel.ERROR]: 40 };

/** Bolt's and the Web API client's arguments as one message: strings joined, errors by their message. */
function messageOf(parts: unknown[]): string {
  return parts
    .map((part) => {
      if (typeof part === 'string') return part;
      if (part instanceof Error) return part.message;
      try {
        return JSON.stringify(part);
      } catch {
        return String(part);
      }
    })
    .join(' ');
}

/**
 * Bolt (and the Web API client it shares its logger with) writes through our logger, so its lines
 * have the same one-JSON-line shape as ours and are filtered by the same LOG_LEVEL. The client
 * renames a shared logger for itself (setName), so the name is not kept: every such line says
 * `source: "slack"`.
 */
export function boltLogger(logger: Logger, level: OurLevel): SlackLogger {
  let threshold = ORDER[level as LogLevel] ?? ORDER[LogLevel.INFO];
  const at =
    (which: LogLevel, write: (message: string, fields?: Record<string, unknown>) => void) =>
    (...parts: unknown[]) => {
      if (ORDER[which] < threshold) return;
      const error = parts.find((p): p is Error => p instanceof Error);
      write(messageOf(parts), { source: 'slack', ...(error?.stack && which === LogLevel.ERROR ? { stack: error.stack } : {}) });
    };
  return {
    debug: at(LogLevel.DEBUG, logger.debug),
    info: at(LogLevel.INFO, logger.info),
    warn: at(LogLevel.WARN, logger.warn),
    error: at(LogLevel.ERROR, logger.error),
    setLevel: (next: LogLevel) => {
      threshold = ORDER[next] ?? threshold;
    },
    getLevel: () => (Object.keys(ORDER) as LogLevel[]).find((k) => ORDER[k] === threshold) ?? LogLevel.INFO,
    setName: () => undefined,
  };
}
