import type { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { execa, type ResultPromise } from 'execa';
import { followStderr, stepFailed } from '../process/index.js';
import { PgbakError } from '../errors.js';
import { quoteArgv, type PgbakLogger } from '../log/index.js';
import type { ToolInfo } from '../tools/index.js';

/** One pg_restore / psql process to run. */
export interface ToolRun {
  tool: ToolInfo;
  args: string[];
  /** Added to the inherited environment; may hold PGPASSWORD. */
  env: Record<string, string>;
  /** Fed to the child's stdin (an entry streamed from the zip), through `transforms`. */
  stdin: Readable | null;
  transforms?: Transform[];
  /** Names the work in messages: `database (app) -> app_copy`. */
  label: string;
  /** Errors are expected (globals): count them as warnings instead of failing on them. */
  tolerateErrors?: boolean;
  /**
   * The tool stops reading once it has what it needs (pg_restore --list reads the
   * table of contents only): its closing stdin early is neither stopped nor a
   * failure; its exit status decides.
   */
  readsPart?: boolean;
  /** The hint of a failure that is not a configuration problem (what became of the target, where to read more). */
  failureHint?: string;
}

/** The world a tool runs in. */
export interface ToolContext {
  logger: PgbakLogger;
  signal: AbortSignal;
  /** Grace period between SIGTERM and SIGKILL. */
  killAfterMs?: number;
}

/** What a finished tool left to report. */
export interface ToolOutcome {
  /** Lines of stderr, in order (pg_restore warnings, psql notices and tolerated errors). */
  stderr: string[];
  /** Number of `ERROR:` lines, for a run that tolerates errors. */
  errors: number;
  stdout: string;
}

const errorLine = /\berror:|ERROR:|FATAL:/;

/**
 * Runs the tool with the entry streamed into its stdin (no copy on disk), kills it
 * on abort and waits for it, and turns a failure into one line: how it exited and
 * the first error it printed (the cause; later errors tend to be consequences).
 */
export async function runTool(run: ToolRun, ctx: ToolContext, captureStdout = false): Promise<ToolOutcome> {
  const argv = [run.tool.path, ...run.args];
  ctx.logger.debug(`command: ${quoteArgv(argv)}`);
  const child: ResultPromise = execa(run.tool.path, run.args, {
    env: run.env,
    stdin: run.stdin ? 'pipe' : 'ignore',
    stdout: captureStdout ? 'pipe' : 'ignore',
    stderr: 'pipe',
    buffer: { stdout: captureStdout, stderr: false },
    reject: false,
    cleanup: true,
    cancelSignal: ctx.signal,
    forceKillAfterDelay: ctx.killAfterMs ?? 5_000,
  });
  const lines: string[] = [];
  let firstError: string | undefined;
  let errors = 0;
  const stderr = followStderr(child.stderr, {
    onLine(line) {
      lines.push(line);
      if (errorLine.test(line)) {
        errors++;
        firstError ??= line;
        if (run.tolerateErrors) ctx.logger.verbose(line);
        else ctx.logger.record('error', line);
      } else ctx.logger.verbose(line);
    },
  });
  let feeding: Promise<void> = Promise.resolve();
  if (run.stdin && child.stdin) {
    const chain: Array<NodeJS.ReadableStream | NodeJS.WritableStream> = [run.stdin, ...(run.transforms ?? []), child.stdin];
    feeding = pipeline(chain);
    // A source failure stops the child: it must not commit half a script. A broken
    // pipe is the child closing its stdin (pg_restore --list stops after the table
    // of contents): its exit status says whether that was a failure, not a SIGTERM.
    feeding.catch((error: unknown) => {
      if (!run.readsPart && !isBrokenPipe(error)) child.kill();
    });
  }
  const [result, fed] = await Promise.allSettled([child, feeding]);
  await stderr.done;
  const outcome = result.status === 'fulfilled' ? result.value : undefined;
  if (ctx.signal.aborted || outcome?.isCanceled) {
    throw new PgbakError('INTERRUPTED', `${run.label}: interrupted; ${run.tool.name} was stopped`);
  }
  if (!outcome || outcome.failed) {
    const how = outcome?.signal
      ? `was killed by ${outcome.signal}`
      : outcome?.exitCode !== undefined
        ? `exited with code ${outcome.exitCode}`
        : `could not be started (${outcome?.originalMessage ?? 'unknown'})`;
    ctx.logger.record('error', `${run.tool.name} ${how}: ${quoteArgv(argv)}`);
    const line = firstError ?? stderr.tail[stderr.tail.length - 1];
    const failure = stepFailed(`${run.label}: ${run.tool.name} ${how}${line ? `: ${line}` : ''}`, line, outcome);
    // A restore writes no run log: its hint says what became of the target and where the rest of the output is.
    if (failure.code !== 'STEP_FAILED' || run.failureHint === undefined) throw failure;
    throw new PgbakError('STEP_FAILED', failure.message, { hint: run.failureHint, cause: outcome });
  }
  // The tool succeeded without reading all of its input: a broken pipe (it exited
  // first) or, for a tool that reads part of it, any end of the feed is no failure.
  if (fed.status === 'rejected' && !run.readsPart && !isBrokenPipe(fed.reason)) {
    const reason = fed.reason instanceof Error ? fed.reason.message : String(fed.reason);
    throw new PgbakError('STEP_FAILED', `${run.label}: reading the entry failed: ${reason}`, { cause: fed.reason });
  }
  return { stderr: lines, errors, stdout: captureStdout ? String(outcome.stdout ?? '') : '' };
}

function isBrokenPipe(error: unknown): boolean {
  // Only EPIPE: a source that ends early (premature close) must still stop the child.
  return (error as NodeJS.ErrnoException | undefined)?.code === 'EPIPE';
}
