// What a killed run leaves in the output folder — an unfinished `.partial`, private
// temp folders, its run locks — removed once their owning process is certainly gone.
// The run log stays: it is the record of that failed run (see run-logs.ts).
import { readdir, readFile, rm, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { describeFsError } from '../archive/output-error.js';
import { isOwnerGone, parseOwner, readDirOwner, type ProcessOwner } from '../process/owner.js';
import { readRunLog } from './run-logs.js';

/** A file or folder left by a run whose process is gone. */
export interface Leftover {
  path: string;
  file: string;
  kind: 'partial' | 'temp-folder' | 'lock';
  /** Why it is judged abandoned, e.g. `unfinished backup of a run that is gone (pid 123)`. */
  why: string;
}

/** What became of a leftover. */
export interface LeftoverResult extends Leftover {
  action: 'removed' | 'would-remove' | 'failed';
  /** Why it could not be removed. */
  error?: string;
}

const tempFolder = /^\.pgbak-(tmp|native)-/;
// A lock, or the draft a run writes before linking it into place.
const lockFile = /^\.pgbak-.+\.lock(\.\d+\.[0-9a-f]+)?$/;

/**
 * Leftovers in `outputDir` (not its subfolders) whose owner is certainly gone
 * (see ownerState). Anything whose owner is alive, on another host, or not
 * recorded (an older pgbak's) is not a leftover.
 */
export async function findLeftovers(outputDir: string): Promise<Leftover[]> {
  const dir = resolve(outputDir);
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    // Nothing to clean in a folder that cannot be read; the scan that follows says why.
    return [];
  }
  const found: Leftover[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const path = join(dir, entry.name);
    const file = entry.name;
    if (entry.isFile() && /\.zip(\.age)?\.partial$/.test(file)) {
      // The run log beside it names the run writing it.
      const logFile = file.replace(/\.zip(\.age)?\.partial$/, '.log');
      const log = await readRunLog(join(dir, logFile), logFile);
      if (log && log.run.archive === file.replace(/\.partial$/, '') && (await isOwnerGone(log.run.owner))) {
        found.push({ path, file, kind: 'partial', why: `unfinished backup of a run that is gone (${describeOwner(log.run.owner)}, started ${log.startedAt})` });
      }
    } else if (entry.isDirectory() && tempFolder.test(file)) {
      const owner = await readDirOwner(path);
      if (owner && (await isOwnerGone(owner))) found.push({ path, file, kind: 'temp-folder', why: `temp folder of a run that is gone (${describeOwner(owner)})` });
    } else if (entry.isFile() && lockFile.test(file)) {
      const owner = await readLockOwner(path);
      if (owner && (await isOwnerGone(owner))) found.push({ path, file, kind: 'lock', why: `run lock of a run that is gone (${describeOwner(owner)})` });
    }
  }
  return found;
}

/**
 * Removes the leftovers in `outputDir` (or, with dryRun, only reports them). One
 * that cannot be removed is reported and the others still go.
 */
export async function removeLeftovers(outputDir: string, options: { dryRun?: boolean } = {}): Promise<LeftoverResult[]> {
  const results: LeftoverResult[] = [];
  for (const leftover of await findLeftovers(outputDir)) {
    if (options.dryRun) {
      results.push({ ...leftover, action: 'would-remove' });
      continue;
    }
    try {
      await removeOne(leftover);
      results.push({ ...leftover, action: 'removed' });
    } catch (error) {
      results.push({ ...leftover, action: 'failed', error: describeFsError(error) });
    }
  }
  return results;
}

async function removeOne(leftover: Leftover): Promise<void> {
  if (leftover.kind === 'temp-folder') return rm(leftover.path, { recursive: true, force: true });
  if (leftover.kind === 'lock') {
    // A run may have taken the lock over since it was judged: remove only the lock judged.
    const owner = await readLockOwner(leftover.path);
    if (!owner || !(await isOwnerGone(owner))) return;
  }
  try {
    await unlink(leftover.path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

async function readLockOwner(path: string): Promise<ProcessOwner | null> {
  try {
    return parseOwner(JSON.parse(await readFile(path, 'utf8')));
  } catch {
    return null;
  }
}

function describeOwner(owner: ProcessOwner): string {
  return `pid ${owner.pid} on ${owner.host}`;
}
