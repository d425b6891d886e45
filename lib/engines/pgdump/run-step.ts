import { pipeline } from 'node:stream/promises';
import { execa, type ResultPromise } from 'execa';
import { sslPasswordEnv } from '../../config/ssl-password-file.js';
import { isOutputFailure, type EntryInfo } from '../../archive/index.js';
import { PgbakError } from '../../errors.js';
import { parsePgDumpVerbose, quoteArgv } from '../../log/index.js';
import type { PgDumpPlanStep as PlanStep } from '../../plan/types.js';
import { createByteCounter } from './count-bytes.js';
import { describeExit, explainingLine, followStderr, isVerboseChatter, stepFailed } from '../../process/index.js';
import { addDirectoryEntries, withPrivateTempDir } from './directory-output.js';
import type { StepContext, StepRunResult } from '../step.js';

/** Runs one pg_dump / pg_dumpall step, its output going into the zip as it is produced. */
export async function runDumpStep(step: PlanStep, snapshotId: string | null, ctx: StepContext): Promise<StepRunResult> {
  const startedAt = new Date();
  const baseArgs = [...step.args, ...(snapshotId ? [`--snapshot=${snapshotId}`] : [])];
  const label = step.database === null ? step.step : `${step.step} (${step.database})`;
  if (step.output.type === 'directory') {
    const output = step.output;
    return withPrivateTempDir(ctx.scratchDir, async (dir) => {
      const args = [...baseArgs, `--file=${dir}/dump`];
      await runChild(step, args, label, ctx, null);
      const entries = await addDirectoryEntries(ctx.zip, `${dir}/dump`, output.prefix);
      return { command: [step.tool.path, ...args], entries, startedAt, finishedAt: new Date() };
    });
  }
  const entry = await runChild(step, baseArgs, label, ctx, step.output);
  return { command: [step.tool.path, ...baseArgs], entries: entry ? [entry] : [], startedAt, finishedAt: new Date() };
}

/**
 * Runs a small step (pg_dumpall --globals-only) into a private file first and adds
 * it to the zip only when the tool succeeded, so that a failed attempt leaves no
 * entry behind and the step can be retried another way.
 */
export async function runDumpStepViaFile(step: PlanStep, extraArgs: readonly string[], ctx: StepContext): Promise<StepRunResult> {
  const startedAt = new Date();
  if (step.output.type !== 'stream') throw new Error('runDumpStepViaFile writes one entry');
  const output = step.output;
  return withPrivateTempDir(ctx.scratchDir, async (dir) => {
    const args = [...step.args, ...extraArgs, `--file=${dir}/out`];
    await runChild(step, args, step.step, ctx, null);
    const entry = await ctx.zip.addFile(output.entry, `${dir}/out`, { compress: output.compress });
    ctx.logger.info(`${step.step}: ${entry.name} written, ${entry.bytes} bytes`);
    return { command: [step.tool.path, ...args.filter((a) => !a.startsWith('--file='))], entries: [entry], startedAt, finishedAt: new Date() };
  });
}

async function runChild(
  step: PlanStep,
  args: string[],
  label: string,
  ctx: StepContext,
  output: { entry: string; compress: boolean } | null,
): Promise<EntryInfo | null> {
  const { logger } = ctx;
  const argv = [step.tool.path, ...args];
  logger.info(`${label}: running ${step.tool.name} ${step.tool.version.text}`);
  logger.debug(`command: ${quoteArgv(argv)}`);
  let table: string | undefined;
  let bytes = 0;
  const child: ResultPromise = execa(step.tool.path, args, {
    env: {
      ...step.env,
      ...(ctx.password ? { PGPASSWORD: ctx.password.reveal() } : {}),
      ...(ctx.sslpassword ? sslPasswordEnv(ctx.sslpassword) : {}),
    },
    stdin: 'ignore',
    stdout: output ? 'pipe' : 'ignore',
    stderr: 'pipe',
    buffer: false,
    reject: false,
    cleanup: true,
    cancelSignal: ctx.signal,
    forceKillAfterDelay: ctx.killAfterMs ?? 5_000,
  });
  // pg_dump now connects and reads its catalog (or, writing to a folder or a file, the
  // whole dump), which leaves this thread idle: the archive's sink gets ready meanwhile (an
  // upload loads the AWS SDK) rather than at the first byte, which it would hold back.
  ctx.zip.prepare?.();
  const stderr = followStderr(child.stderr, {
    onLine(line) {
      const parsed = parsePgDumpVerbose(line);
      if (parsed?.table) table = parsed.table;
      if (isVerboseChatter(line)) logger.verbose(line, { step: step.step });
      // Errors reach the console once, in the final report; the run log keeps them all.
      else if (/\berror:|FATAL:|^pg_dump(all)?: (detail|hint):/.test(line)) logger.record('error', line, { step: step.step });
      else logger.warn(line, { step: step.step });
      ctx.progress.update({ step: label, bytes, ...(table ? { table } : {}) });
    },
  });
  let entry: Promise<EntryInfo> | null = null;
  // The zip entry opens on the tool's first byte: a tool that fails before
  // writing anything (no privilege to lock a table…) leaves no entry, so the
  // step can still be done another way.
  const stdout = child.stdout;
  const first = output && stdout ? await firstChunk(stdout) : null;
  if (output && stdout && first !== null) {
    stdout.unshift(first);
    const counter = createByteCounter((total) => {
      bytes = total;
      ctx.progress.update({ step: label, bytes, ...(table ? { table } : {}) });
    });
    // The counter feeds the zip entry; a failure on the zip side stops the child.
    const piped = pipeline(stdout, counter).catch((error: unknown) => {
      child.kill();
      throw error;
    });
    entry = ctx.zip.addStream(output.entry, counter, { compress: output.compress });
    // The archive could not take more (disk full): stop the tool, and destroy its
    // stdout so that nothing waits for a paused pipe to end.
    entry.catch(() => {
      child.kill();
      stdout.destroy();
    });
    piped.catch(() => undefined);
  }
  const [result, entryResult] = await Promise.allSettled([child, entry ?? Promise.resolve(null)]);
  await stderr.done;
  ctx.progress.clear();
  const outcome = result.status === 'fulfilled' ? result.value : undefined;
  if (ctx.signal.aborted || outcome?.isCanceled) {
    throw new PgbakError('INTERRUPTED', `${label}: interrupted; ${step.tool.name} was stopped and the backup discarded`);
  }
  // The archive failing (disk full) made the tool fail: say so, not "pg_dump was killed".
  if (entryResult.status === 'rejected' && isOutputFailure(entryResult.reason)) throw entryResult.reason;
  if (!outcome || outcome.failed) {
    const line = explainingLine(stderr.tail);
    const how = describeExit(outcome, result.status === 'rejected' ? result.reason : undefined);
    logger.record('error', `${step.tool.name} ${how}: ${quoteArgv(argv)}`);
    for (const tailLine of stderr.tail) logger.record('error', `  ${tailLine}`);
    throw stepFailed(`${label}: ${step.tool.name} ${how}${line ? `: ${line}` : ''}`, line, outcome, { wroteOutput: entry !== null });
  }
  if (entryResult.status === 'rejected') throw entryResult.reason;
  const info = entryResult.value;
  if (info) logger.info(`${label}: ${info.name} written, ${info.bytes} bytes, sha256 ${info.sha256.slice(0, 12)}…`);
  return info;
}

/** The first chunk a child writes, or null when it ends (or fails) without writing. */
function firstChunk(stream: NodeJS.ReadableStream & { pause(): unknown }): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const onData = (chunk: Buffer) => {
      cleanup();
      stream.pause();
      resolve(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(null);
    };
    const cleanup = () => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('close', onEnd);
      stream.off('error', onEnd);
    };
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('close', onEnd);
    stream.on('error', onEnd);
  });
}
