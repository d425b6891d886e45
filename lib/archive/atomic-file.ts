import { mkdir, open, unlink, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Creates `path` for writing, readable by its owner only. O_EXCL means a symlink
 * planted at `path` is refused rather than followed; a stale file left by a run
 * that died (an unfinished `.partial`, never a backup) is replaced.
 */
export async function createPrivateFile(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    await unlink(path);
    return await open(path, 'wx', 0o600);
  }
}

/**
 * Makes a rename inside `dir` durable: without it a crash right after the rename
 * can bring back the old directory entry on some file systems.
 */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch (error) {
    // Some file systems (and some platforms) cannot fsync a directory; the data itself
    // is already synced, so this is the best that can be done there.
    if ((error as NodeJS.ErrnoException).code !== 'EINVAL') throw error;
  } finally {
    await handle.close();
  }
}

/** Deletes `path`; a file that is already gone is fine. */
export async function removeIfPresent(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/**
 * `mkdir -p`. Not `mkdir(dir, { recursive: true })`: on Node 20 that spins forever
 * where mkdir answers ENOENT although the parent exists (anything under /proc),
 * and a backup must fail, not hang. Here a second ENOENT is final.
 */
export async function ensureDirectory(dir: string): Promise<void> {
  try {
    await mkdir(dir);
    return;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    if (code !== 'ENOENT' || dirname(dir) === dir) throw error;
  }
  await ensureDirectory(dirname(dir));
  try {
    await mkdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}
