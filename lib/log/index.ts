export { createLogger, type ConsoleLevel, type LoggerOptions, type PgbakLogger } from './logger.js';
export type { LogLevel } from './format-console.js';
export { createRedactor, quoteArgv, type Redactor } from './redact.js';
export { redactMeta } from './redact-meta.js';
export {
  createProgress,
  renderProgressLine,
  formatBytes,
  parsePgDumpVerbose,
  type Progress,
  type ProgressOptions,
  type ProgressLine,
  type ProgressState,
  type VerboseEvent,
} from './progress.js';
export { guardConsoleStream, isConsoleWritable, writeConsole } from './console-stream.js';
