import type { WriteStream } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { PgbakError } from '../errors.js';
import { createPrivateFile } from '../private-fs.js';
import { guardConsoleStream, writeConsole } from './console-stream.js';
import { formatConsoleLine, type LogLevel } from './format-console.js';
import { formatRunLogLine } from './format-run-log.js';
import { redactMeta } from './redact-meta.js';
import { createRedactor, type Redactor } from './redact.js';

/** How much reaches the console; the run log always records everything. */
export type ConsoleLevel = 'quiet' | 'normal' | 'verbose' | 'debug';

/** Options of `createLogger`. */
export interface LoggerOptions {
  level: ConsoleLevel;
  /** Callers pass `stream.isTTY && !process.env.NO_COLOR`. */
  color?: boolean;
  /** Where console lines go; process.stderr by default (stdout is kept for --json). */
  stderr?: NodeJS.WritableStream;
  /** Put before every console line (not the run log's): which archive of a per-database run speaks. */
  prefix?: string;
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
  /**
   * Starts the run log at `filePath`, created 0600 and exclusively (a path that exists, a
   * symlink included, is refused: OUTPUT_NOT_WRITABLE, EEXIST in its cause), recording every level.
   */
  attachRunLog(filePath: string): Promise<void>;
  /** The run-log lines written since attachRunLog, newline-terminated; complete at every moment. */
  runLogRecords(): string;
  /** Flushes and closes the run log; resolves once the file is on disk. Later messages reach the console only. */
  close(): Promise<void>;
  /**
   * A logger for one archive of a per-database run: the same console (its lines start
   * with `label: `) and secrets, a run log of its own. Absent: the archive's console is quiet.
   */
  child?(label: string): PgbakLogger;
}

const CONSOLE_LEVEL: Record<ConsoleLevel, LogLevel> = { quiet: 'error', normal: 'info', verbose: 'verbose', debug: 'debug' };
const LEVELS: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, verbose: 3, debug: 4 };
// How long a verbose or debug line may wait in memory before the run log's next write.
const CHATTER_FLUSH_MS = 50;

/**
 * Creates a logger. Console lines are written synchronously as they are logged,
 * in order with anything else on stderr, and best effort (see console-stream.ts).
 * The run log is a file pgbak creates itself (exclusively: never through an
 * existing path or a symlink) and writes through one fs stream; a write that fails
 * (disk full) is said once on the console and stops the run log, never the run.
 */
export function createLogger(options: LoggerOptions): PgbakLogger {
  const stderr = guardConsoleStream(options.stderr ?? process.stderr);
  const consoleLevel = CONSOLE_LEVEL[options.level];
  const consoleOptions = { color: options.color === true, showMeta: consoleLevel === 'debug' };
  const secrets: string[] = [];
  let redact: Redactor = createRedactor(secrets);
  const records: string[] = [];
  let runLog: WriteStream | undefined;
  let runLogFailed = false;
  let closed = false;
  let corked = false;
  let flushQueued = false;
  let flushTimer: NodeJS.Timeout | undefined;
  const flush = () => {
    flushQueued = false;
    clearTimeout(flushTimer);
    flushTimer = undefined;
    if (!corked) return;
    corked = false;
    runLog?.uncork();
  };

  const toConsole = (level: LogLevel, message: string, meta: Record<string, unknown>) => {
    if (LEVELS[level] <= LEVELS[consoleLevel]) writeConsole(stderr, `${formatConsoleLine(level, `${options.prefix ?? ''}${message}`, meta, consoleOptions)}\n`);
  };

  const log = (level: LogLevel, message: string, meta: Record<string, unknown> = {}, show = true) => {
    const safeMessage = redact(message);
    const safeMeta = redactMeta(meta, redact);
    if (show) toConsole(level, safeMessage, safeMeta);
    if (runLog && !closed) {
      const line = formatRunLogLine(new Date(), level, safeMessage, safeMeta);
      records.push(line);
      if (!runLogFailed) {
        // Lines are gathered and written together: each write of its own is a round trip
        // through libuv's thread pool (pg_dump's progress is a line every millisecond or so).
        // Verbose and debug lines wait up to CHATTER_FLUSH_MS; a line of info or above goes
        // out at the next tick with whatever waits (the run record, a failure: on disk at once).
        if (!corked) {
          corked = true;
          runLog.cork();
        }
        runLog.write(`${line}\n`);
        if (LEVELS[level] <= LEVELS.info) {
          if (!flushQueued) {
            flushQueued = true;
            process.nextTick(flush);
          }
        } else {
          // Not unref'd: the lines reach the file even when close() never comes.
          flushTimer ??= setTimeout(flush, CHATTER_FLUSH_MS);
        }
      }
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
      const stream = (await createRunLogFile(filePath)).createWriteStream();
      stream.on('error', (error: unknown) => {
        // A broken run log (disk full) must not take the backup down: say it once.
        if (runLogFailed) return;
        runLogFailed = true;
        toConsole('warn', `run log ${filePath}: ${describeWriteError(error)}`, {});
      });
      runLog = stream;
    },
    runLogRecords: () => records.map((line) => `${line}\n`).join(''),
    child(label) {
      const child = createLogger({ ...options, prefix: `${options.prefix ?? ''}${label}: ` });
      for (const secret of secrets) child.addSecret(secret);
      return child;
    },
    async close() {
      if (closed) return;
      closed = true;
      const stream = runLog;
      flush();
      if (!stream || stream.closed) return;
      // 'close' comes after the last write and the descriptor's close, and after an error too.
      await new Promise<void>((resolve) => {
        stream.once('close', () => resolve());
        if (stream.destroyed) return;
        stream.end();
      });
    },
  };
}

/**
 * Creates the run log 0600 (exclusively: a path that exists, a symlink included,
 * is refused with EEXIST in the error's cause), so an unwritable path fails here,
 * as a clear error, not later in a stream.
 */
async function createRunLogFile(filePath: string): Promise<FileHandle> {
  try {
    return await createPrivateFile(filePath);
  } catch (error) {
    throw new PgbakError('OUTPUT_NOT_WRITABLE', `cannot write the run log ${filePath}: ${describeWriteError(error)}`, { cause: error });
  }
}

function describeWriteError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOSPC') return 'no space left on device (ENOSPC)';
  return error instanceof Error ? error.message : String(error);
}
