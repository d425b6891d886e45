// The node_exporter textfile: one file that may hold the series of several profiles,
// databases and hosts, rewritten after each run. Its readers see the old file or the
// new one, never a part: the new text goes to a temp file in the same folder (not
// named *.prom, so the collector never reads it), is fsynced and renamed over the old.
// Runs that write the same file at once are serialised by a lock file beside it
// (`.<name>.lock`): each one reads, merges and renames while it holds the lock, so no
// run's series are lost to another's rename. A lock whose process is gone is taken over.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { createPrivateFile, syncDirectory } from '../../private-fs.js';
import { PgbakError } from '../../errors.js';
import { currentOwner, ownerState, parseOwner } from '../../process/index.js';
import { parseExposition, renderExposition, type Exposition } from './exposition.js';

/** How the textfile is written: readable by node_exporter, which runs as another user. */
export const TEXTFILE_MODE = 0o644;

/** How long a run waits for another run's textfile lock (it is held for milliseconds). */
const LOCK_WAIT_MS = 10_000;
/** A textfile larger than this is not one pgbak wrote: refused, not read. */
const MAX_TEXTFILE_BYTES = 64 * 1024 * 1024;

export interface TextfileUpdate {
  /** Lines of the previous file that did not parse (dropped). */
  skipped: number;
}

/**
 * Rewrites `path`: reads its pgbak series, hands them to `update`, writes what it
 * returns atomically (mode 0644), all under the textfile's lock. The folder must
 * exist (it is node_exporter's); a symlink at `path` is refused, never written through.
 */
export async function updateTextfile(path: string, update: (previous: Exposition) => Exposition, options: { lockWaitMs?: number } = {}): Promise<TextfileUpdate> {
  const dir = dirname(path);
  await requireFolder(dir);
  return withTextfileLock(path, options.lockWaitMs ?? LOCK_WAIT_MS, async () => {
    await removeLeftoverTemps(path);
    const previous = parseExposition(await readTextfile(path), (name) => name.startsWith('pgbak_'));
    await writeAtomically(path, renderExposition(update(previous)));
    return { skipped: previous.skipped };
  });
}

async function requireFolder(dir: string): Promise<void> {
  let isDir = false;
  try {
    isDir = (await stat(dir)).isDirectory();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (!isDir) {
    throw new PgbakError('OUTPUT_NOT_WRITABLE', `the metrics folder ${dir} does not exist`, {
      hint: "create it (node_exporter's --collector.textfile.directory), readable by node_exporter",
    });
  }
}

// The previous text; '' when there is none. Opened without following a symlink.
async function readTextfile(path: string): Promise<string> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return '';
    if (code === 'ELOOP') throw notOurs(path, 'a symbolic link');
    throw error;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw notOurs(path, 'not a regular file');
    if (info.size > MAX_TEXTFILE_BYTES) throw notOurs(path, `${info.size} bytes, more than a textfile pgbak writes`);
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

function notOurs(path: string, what: string): PgbakError {
  return new PgbakError('OUTPUT_NOT_WRITABLE', `the metrics textfile ${path} is ${what}: not written`, {
    hint: 'point metrics.textfile at a regular file (or a free name) in the textfile folder',
  });
}

// `.<name>.<pid>.<hex>.tmp`: a temp file of this textfile.
function isTempOf(path: string, file: string): boolean {
  const prefix = `.${basename(path)}.`;
  return file.startsWith(prefix) && /^\d+\.[0-9a-f]{8}\.tmp$/.test(file.slice(prefix.length));
}

/**
 * Temp files are made only by the lock's holder, so one found while holding it was
 * left by a writer that was killed before its rename: removed, so that node_exporter's
 * folder does not fill up with them.
 */
async function removeLeftoverTemps(path: string): Promise<void> {
  const dir = dirname(path);
  for (const file of await readdir(dir)) {
    if (isTempOf(path, file)) await unlink(join(dir, file)).catch(() => undefined);
  }
}

/** Temp file in the same folder (never *.prom), fsync, chmod 0644, rename, fsync the folder. */
async function writeAtomically(path: string, text: string): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    // Created exclusively and without following links, like every file pgbak makes.
    const handle = await createPrivateFile(temp);
    try {
      await handle.writeFile(text);
      await handle.chmod(TEXTFILE_MODE);
      await handle.sync();
    } finally {
      await handle.close();
    }
    // rename replaces the name itself: a symlink planted after the read is replaced, not followed.
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await syncDirectory(dir);
}

/** The lock file of a textfile: hidden, beside it, not *.prom. */
export function textfileLockPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.lock`);
}

async function withTextfileLock<T>(path: string, waitMs: number, work: () => Promise<T>): Promise<T> {
  const lock = textfileLockPath(path);
  // The lock appears with its owner in it (written aside, then linked): a run that
  // finds it never reads an empty lock and takes it for one whose owner is gone.
  const draft = `${lock}.${process.pid}.${randomBytes(4).toString('hex')}`;
  const handle = await createPrivateFile(draft);
  try {
    await handle.writeFile(`${JSON.stringify(await currentOwner())}\n`);
  } finally {
    await handle.close();
  }
  try {
    await takeLock(draft, lock, waitMs);
  } finally {
    await unlink(draft).catch(() => undefined);
  }
  try {
    return await work();
  } finally {
    await unlink(lock).catch(() => undefined);
  }
}

async function takeLock(draft: string, lock: string, waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      await link(draft, lock);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const seen = await readLock(lock);
    const owner = seen === null ? null : parseOwner(safeJson(seen));
    if (seen !== null && (owner === null || (await ownerState(owner)) === 'gone')) {
      // Its owner is gone (or it is no lock): remove it if it still is the one judged.
      if ((await readLock(lock)) === seen) await unlink(lock).catch(() => undefined);
      continue;
    }
    if (Date.now() >= deadline) {
      throw new PgbakError('LOCKED', `the metrics textfile lock ${lock} is held${owner ? ` by pid ${owner.pid} on ${owner.host}` : ''}`, {
        hint: `another run is writing the textfile; if that process is gone, remove ${lock}`,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, 20 + Math.random() * 30));
  }
}

// The lock's text (null: gone meanwhile), never read through a symlink.
async function readLock(lock: string): Promise<string | null> {
  let handle;
  try {
    handle = await open(lock, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return null;
    if (code === 'ELOOP') throw new PgbakError('LOCKED', `the metrics textfile lock ${lock} is a symbolic link, not a lock pgbak made`, { hint: 'check who made it and remove it' });
    throw error;
  }
  try {
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

function safeJson(text: string): Record<string, unknown> {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
