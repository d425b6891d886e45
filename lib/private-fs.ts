import { constants } from 'node:fs';
import { chmod, lstat, mkdir, open, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

// O_EXCL with O_CREAT: the call creates the file or fails with EEXIST, whatever is
// there (a file, a symlink, a dangling one); O_NOFOLLOW says the same once more.
const EXCLUSIVE_CREATE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/**
 * Creates `path` for writing, readable by its owner only (0600 whatever the umask).
 * Never opens an existing path: a file or a symlink already there (one planted in a
 * shared folder, pointing anywhere) fails with EEXIST and is left as it is.
 */
export async function createPrivateFile(path: string): Promise<FileHandle> {
  const handle = await open(path, EXCLUSIVE_CREATE, 0o600);
  try {
    await handle.chmod(0o600);
  } catch (error) {
    await handle.close().catch(() => undefined);
    throw error;
  }
  return handle;
}

/** Whether anything is at `path`: a dangling symlink counts (lstat, not stat). */
export async function isTaken(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** Whether `error` is a file system's "something is already there". */
export function isAlreadyThere(error: unknown): boolean {
  for (let cause: unknown = error; cause; cause = (cause as { cause?: unknown }).cause) {
    if ((cause as NodeJS.ErrnoException).code === 'EEXIST') return true;
  }
  return false;
}

/**
 * `mkdir -p` where every folder it creates is 0700 whatever the umask (folders that
 * exist are left as they are). Not `mkdir(dir, { recursive: true })`: on Node 20
 * that spins forever where mkdir answers ENOENT although the parent exists
 * (anything under /proc), and a backup must fail, not hang. Here a second ENOENT is final.
 */
export async function ensurePrivateDirectory(dir: string): Promise<void> {
  try {
    await makePrivateDirectory(dir);
    return;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    if (code !== 'ENOENT' || dirname(dir) === dir) throw error;
  }
  await ensurePrivateDirectory(dirname(dir));
  try {
    await makePrivateDirectory(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
}

async function makePrivateDirectory(dir: string): Promise<void> {
  await mkdir(dir, 0o700);
  // mkdir's mode is narrowed by the umask; chmod makes it exactly 0700.
  await chmod(dir, 0o700);
}

/**
 * Makes a rename inside `dir` durable: without it a crash right after the rename
 * can bring back the old directory entry on some file systems. Callers at the same
 * moment share one fsync (a group commit: the archives of a per-database run finish
 * side by side in one folder), but never one that began before they called: it may
 * have missed their rename. A caller whose folder is being synced waits for the next
 * sync, which everyone arriving meanwhile shares; each gets that sync's outcome.
 */
export function syncDirectory(dir: string): Promise<void> {
  const key = resolve(dir);
  const state = directorySyncs.get(key);
  if (!state) return startDirectorySync(key);
  state.next ??= state.running.catch(() => undefined).then(() => startDirectorySync(key));
  return state.next;
}

const directorySyncs = new Map<string, { running: Promise<void>; next: Promise<void> | null }>();

function startDirectorySync(key: string): Promise<void> {
  const running = fsyncDirectory(key);
  const state = { running, next: null };
  directorySyncs.set(key, state);
  // Nobody queued behind it: the folder has no sync under way any more.
  void running.catch(() => undefined).then(() => {
    if (directorySyncs.get(key) === state && state.next === null) directorySyncs.delete(key);
  });
  return running;
}

async function fsyncDirectory(dir: string): Promise<void> {
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
