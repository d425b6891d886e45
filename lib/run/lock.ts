import { readFile, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
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
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      await writeFile(path, `${JSON.stringify(owner)}\n`, { flag: 'wx', mode: 0o600 });
      return { path, release: () => unlink(path).catch(() => undefined) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw outputNotWritable(outputDir, error);
      const holder = await readOwner(path);
      if (holder && isAlive(holder)) {
        throw new PgbakError('LOCKED', `another run of profile "${profile}" is in progress (pid ${holder.pid} on ${holder.host}, since ${holder.startedAt})`, {
          hint: `wait for it to finish; if that process is gone, remove ${path}`,
        });
      }
      await unlink(path).catch(() => undefined);
    }
  }
  throw new PgbakError('LOCKED', `cannot take the lock ${path}`, { hint: 'another run may be starting at the same moment; retry' });
}

async function readOwner(path: string): Promise<LockOwner | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as LockOwner;
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
