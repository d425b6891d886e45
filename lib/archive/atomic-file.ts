import { open, unlink } from 'node:fs/promises';
import { ensurePrivateDirectory } from '../private-fs.js';

export { createPrivateFile, isAlreadyThere, isTaken } from '../private-fs.js';

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

/** `mkdir -p`, every folder it creates 0700. */
export const ensureDirectory = ensurePrivateDirectory;
