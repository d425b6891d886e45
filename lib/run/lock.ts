import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, open, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { createPrivateFile } from '../archive/atomic-file.js';
import { outputNotWritable } from '../archive/output-error.js';
import { PgbakError } from '../errors.js';
import { safeName } from '../plan/names.js';

export interface RunLock {
  path: string;
  release(): Promise<void>;
}

interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
}

/**
 * Takes the per-profile lock in the output folder (created exclusively), so two
 * runs of one profile never write side by side. A lock left by a process that no
 * longer exists on this host is taken over.
 */
export async function acquireRunLock(outputDir: string, profile: string, now = new Date()): Promise<RunLock> {
  const path = join(outputDir, `.pgbak-${safeName(profile)}.lock`);
  const owner: LockOwner = { pid: process.pid, host: hostname(), startedAt: now.toISOString() };
  // The lock appears with its content at once (write a private file, then link it):
  // a run starting at the same moment never reads an empty lock and takes it for stale.
  const draft = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    const handle = await createPrivateFile(draft);
    try {
      await handle.writeFile(`${JSON.stringify(owner)}\n`);
    } finally {
      await handle.close();
    }
  } catch (error) {
    await unlink(draft).catch(() => undefined);
    throw outputNotWritable(outputDir, error);
  }
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await link(draft, path);
        return { path, release: () => unlink(path).catch(() => undefined) };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw outputNotWritable(outputDir, error);
      }
      const seen = await readLock(path);
      const holder = parseOwner(seen);
      if (holder && isAlive(holder)) {
        throw new PgbakError('LOCKED', `another run of profile "${profile}" is in progress (pid ${holder.pid} on ${holder.host}, since ${holder.startedAt})`, {
          hint: `wait for it to finish; if that process is gone, remove ${path}`,
        });
      }
      // Stale: its owner died. Remove it only if it still is the lock we judged.
      if ((await readLock(path).catch(() => null)) === seen) await unlink(path).catch(() => undefined);
    }
    throw new PgbakError('LOCKED', `cannot take the lock ${path}`, { hint: 'another run may be starting at the same moment; retry' });
  } finally {
    await unlink(draft).catch(() => undefined);
  }
}

/**
 * The lock's text, read without following a symlink: a link at the lock's name (even a
 * dangling one) is not a lock pgbak made, and is neither read through nor removed.
 */
async function readLock(path: string): Promise<string> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return '';
    if (code === 'ELOOP') throw notALock(path, 'a symbolic link');
    throw outputNotWritable(dirname(path), error);
  }
  try {
    if (!(await handle.stat()).isFile()) throw notALock(path, 'not a regular file');
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}

function notALock(path: string, what: string): PgbakError {
  return new PgbakError('LOCKED', `the run lock ${path} is ${what}, not a lock pgbak made: refusing to run`, {
    hint: 'someone else can write to the output folder: check who made it, remove it, and make the folder writable by this user only',
  });
}

function parseOwner(text: string): LockOwner | null {
  try {
    return JSON.parse(text) as LockOwner;
  } catch {
    return null;
  }
}

function isAlive(owner: LockOwner): boolean {
  // A lock from another host (shared storage) cannot be checked: respect it.
  if (owner.host !== hostname()) return true;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
