// The run's files in the output folder: the folder itself, the zip being written
// and the log beside it, and what killed runs left there.
import { dirname, join } from 'node:path';
import { ZipWriter } from '../archive/index.js';
import { outputNotWritable } from '../archive/output-error.js';
import { ensureDirectory, isAlreadyThere, isTaken } from '../archive/atomic-file.js';
import { PgbakError, toPgbakError } from '../errors.js';
import type { PgbakLogger } from '../log/index.js';
import type { Plan } from '../plan/types.js';
import { removeLeftovers } from '../retention/index.js';
import { LocalFileSink } from '../storage/index.js';

/** The run's files, once claimed: the zip being written and the log beside it. */
export interface RunFiles {
  zip: ZipWriter;
  logPath: string;
}

/**
 * Claims the run's names: `<name>.zip.partial` and the log beside it, both created
 * exclusively. A name is free when nothing is at the zip, the `.partial` or the log —
 * a symlink, even a dangling one, is something: in a folder others can write to, a
 * link planted at the next names must never be written through. Taken names (two runs
 * within one second, a leftover, a planted link) move on to `-2`, `-3`, …
 */
export async function openRunFiles(plan: Plan, logger: PgbakLogger): Promise<RunFiles> {
  const base = plan.archiveName.replace(/\.zip$/, '');
  for (let n = 1; n <= MAX_NAME_ATTEMPTS; n++) {
    const archive = join(plan.outputDir, n === 1 ? plan.archiveName : `${base}-${n}.zip`);
    const logPath = archive.replace(/\.zip$/, '.log');
    if ((await isTakenSafely(archive)) || (await isTakenSafely(logPath))) continue;
    let zip: ZipWriter;
    try {
      zip = await ZipWriter.create(await LocalFileSink.open(archive), { compressionLevel: plan.zipCompressionLevel });
    } catch (error) {
      if (isAlreadyThere(error)) continue;
      throw error;
    }
    try {
      await logger.attachRunLog(logPath);
      return { zip, logPath };
    } catch (error) {
      await zip.abort();
      if (isAlreadyThere(error)) continue;
      throw error;
    }
  }
  throw new PgbakError('OUTPUT_NOT_WRITABLE', `cannot find a free name for ${plan.archiveName} in ${plan.outputDir} (${MAX_NAME_ATTEMPTS} taken)`, {
    hint: 'remove the leftover .partial/.log files and links there, and keep the output folder writable by this user only',
  });
}

const MAX_NAME_ATTEMPTS = 100;

async function isTakenSafely(path: string): Promise<boolean> {
  try {
    return await isTaken(path);
  } catch (error) {
    throw outputNotWritable(dirname(path), error);
  }
}

// Leftovers of killed runs (a .partial, temp folders, locks) whose process is gone
// go before this run adds its own; never a reason to fail the run.
export async function sweepLeftovers(outputDir: string, logger: PgbakLogger): Promise<void> {
  try {
    for (const done of await removeLeftovers(outputDir)) {
      if (done.action === 'failed') logger.warn(`cannot remove ${done.file}, left by a run that is gone: ${done.error}`);
      else logger.info(`removed ${done.file}: ${done.why}`);
    }
  } catch (error) {
    logger.warn(`leftovers of earlier runs were not looked for: ${toPgbakError(error).message}`);
  }
}

export async function ensureDir(dir: string): Promise<void> {
  try {
    await ensureDirectory(dir);
  } catch (error) {
    throw outputNotWritable(dir, error);
  }
}
