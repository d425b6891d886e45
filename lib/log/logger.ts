import { chmod, open } from 'node:fs/promises';
import winston from 'winston';
import { PgbakError } from '../errors.js';
import { formatConsoleLine, type LogLevel } from './format-console.js';
import { formatRunLogLine } from './format-run-log.js';
import { redactMeta } from './redact-meta.js';
import { createRedactor, type Redactor } from './redact.js';
import { createSerialWriter, type SerialWriter } from './serial-writer.js';

/** How much reaches the console; the run log always records everything. */
export type ConsoleLevel = 'quiet' | 'normal' | 'verbose' | 'debug';

/** Options of `createLogger`. */
export interface LoggerOptions {
  level: ConsoleLevel;
  /** Callers pass `stream.isTTY && !process.env.NO_COLOR`. */
  color?: boolean;
  /** Where console lines go; process.stderr by default (stdout is kept for --json). */
  stderr?: NodeJS.WritableStream;
}

/** pgbak's logger: human lines on stderr, and a JSON-lines run log once attached. */
export interface PgbakLogger {
  error(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  verbose(message: string, meta?: Record<string, unknown>): void;
  debug(message: string, meta?: Record<string, unknown>): void;
  /**
   * Writes to the run log only: details (a failed tool's argv and stderr) that the
   * console already sums up in the final error report.
   */
  record(level: LogLevel, message: string, meta?: Record<string, unknown>): void;
  /** From now on, `secret` is replaced by *** in every message and metadata value. */
  addSecret(secret: string): void;
  /** Starts the run log at `filePath` (created 0600, appended to), recording every level. */
  attachRunLog(filePath: string): Promise<void>;
  /** The run-log lines written since attachRunLog, newline-terminated; complete at every moment. */
  runLogRecords(): string;
  /** Flushes and closes the run log; resolves once the file is on disk. Later messages reach the console only. */
  close(): Promise<void>;
}

const CONSOLE_LEVEL: Record<ConsoleLevel, LogLevel> = { quiet: 'error', normal: 'info', verbose: 'verbose', debug: 'debug' };
const LEVELS: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, verbose: 3, debug: 4 };
// winston transports write `info[MESSAGE]`, the line a format would have produced.
const MESSAGE = Symbol.for('message');

/**
 * Creates a logger. Console lines are written synchronously as they are logged,
 * in order with anything else on stderr. The run log is a winston File transport
 * fed directly, one entry at a time (see createSerialWriter), not through a winston
 * Logger: Logger#end() ends its transports before its own buffer has drained into
 * them, which loses the last lines.
 */
export function createLogger(options: LoggerOptions): PgbakLogger {
  const stderr = options.stderr ?? process.stderr;
  const consoleLevel = CONSOLE_LEVEL[options.level];
  const consoleOptions = { color: options.color === true, showMeta: consoleLevel === 'debug' };
  const secrets: string[] = [];
  let redact: Redactor = createRedactor(secrets);
  const records: string[] = [];
  let runLog: SerialWriter | undefined;
  let runLogFailed = false;
  let closed = false;

  const writeConsole = (level: LogLevel, message: string, meta: Record<string, unknown>) => {
    if (LEVELS[level] <= LEVELS[consoleLevel]) stderr.write(`${formatConsoleLine(level, message, meta, consoleOptions)}\n`);
  };

  const log = (level: LogLevel, message: string, meta: Record<string, unknown> = {}, toConsole = true) => {
    const safeMessage = redact(message);
    const safeMeta = redactMeta(meta, redact);
    if (toConsole) writeConsole(level, safeMessage, safeMeta);
    if (runLog && !closed) {
      const line = formatRunLogLine(new Date(), level, safeMessage, safeMeta);
      records.push(line);
      runLog.write({ level, message: safeMessage, [MESSAGE]: line });
    }
  };

  return {
    error: (message, meta) => log('error', message, meta),
    warn: (message, meta) => log('warn', message, meta),
    info: (message, meta) => log('info', message, meta),
    verbose: (message, meta) => log('verbose', message, meta),
    debug: (message, meta) => log('debug', message, meta),
    record: (level, message, meta) => log(level, message, meta, false),
    addSecret(secret) {
      if (secret === '' || secrets.includes(secret)) return;
      secrets.push(secret);
      redact = createRedactor(secrets);
    },
    async attachRunLog(filePath) {
      if (runLog || closed) throw new PgbakError('INTERNAL', 'the run log can be attached once, before close()');
      await createPrivateFile(filePath);
      // No level on the transport: it records everything, and outside a winston
      // Logger it has no level table to filter with.
      const transport = new winston.transports.File({ filename: filePath, options: { flags: 'a', mode: 0o600 } });
      runLog = createSerialWriter(transport);
      transport.on('error', (error: unknown) => {
        // A broken run log (disk full) must not take the backup down: say it once.
        if (runLogFailed) return;
        runLogFailed = true;
        writeConsole('warn', `run log ${filePath}: ${error instanceof Error ? error.message : String(error)}`, {});
      });
    },
    runLogRecords: () => records.map((line) => `${line}\n`).join(''),
    async close() {
      if (closed) return;
      closed = true;
      // The File transport's 'finish' comes after its file stream has finished writing
      // (its _final waits for that); the descriptor is closed right after, on its own.
      await runLog?.end();
    },
  };
}

async function createPrivateFile(filePath: string): Promise<void> {
  try {
    // Create it ourselves so the mode is 0600 from the first byte (umask can only narrow it)
    // and so an unwritable path fails here, as a clear error, not later in a stream.
    const handle = await open(filePath, 'a', 0o600);
    await handle.close();
    await chmod(filePath, 0o600);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new PgbakError('OUTPUT_NOT_WRITABLE', `cannot write the run log ${filePath}: ${reason}`, { cause: error });
  }
}
