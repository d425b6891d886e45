import type { PgbakLogger, Progress } from '../log/index.js';

/**
 * The run's logger, erasing the progress line before each console message (the line
 * comes back at the next update): otherwise a message starts where the line ends.
 * Everything else is the logger's own.
 */
export function clearProgressBeforeLogging(logger: PgbakLogger, progress: Pick<Progress, 'clear'>): PgbakLogger {
  const wrapped = Object.create(logger) as PgbakLogger;
  for (const level of ['error', 'warn', 'info', 'verbose', 'debug'] as const) {
    wrapped[level] = (message, meta) => {
      progress.clear();
      logger[level](message, meta);
    };
  }
  return wrapped;
}
