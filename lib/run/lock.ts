import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, open, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createPrivateFile } from '../archive/atomic-file.js';
import { outputNotWritable } from '../archive/output-error.js';
import { PgbakError } from '../errors.js';
import { lockFileName } from '../plan/names.js';
import { currentOwner, ownerState, parseOwner, type ProcessOwner } from '../process/owner.js';

export interface RunLock {
  /** One lock file per database the run backs up. */
  paths: string[];
  release(): Promise<void>;
}

/** What a lock file holds: its owner, and when the run started (for the message). */
export interface LockRecord extends ProcessOwner {
  startedAt: string;
}

/**
 * Takes the run lock of every (profile, database) the run backs up, in the output
 * folder (each created exclusively), so that two runs never write the same
 * database's backups side by side while runs of one profile for other databases
 * go ahead. A multi-database run holds one lock per database. A lock whose owner
 * is certainly gone (no such process on this host, or its pid reused) is taken over.
 */
export async function acquireRunLock(outputDir: string, profile: string, databases: readonly string[], now = new Date(), server?: string): Promise<RunLock> {
  const held: string[] = [];
  const release = async () => {
    for (const path of held.splice(0).reverse()) await unlink(path).catch(() => undefined);
  };
  try {
    // Sorted: two runs over overlapping sets meet at the same first lock.
    for (const database of [...new Set(databases)].sort()) {
      held.push(await acquireOne(outputDir, profile, database, now, server));
    }
  } catch (error) {
    await release();
    throw error;
  }
  return { paths: [...held], release };
}

async function acquireOne(outputDir: string, profile: string, database: string, now: Date, server: string | undefined): Promise<string> {
  const path = join(outputDir, lockFileName(profile, database, server));
  const record: LockRecord = { ...(await currentOwner()), startedAt: now.toISOString() };
  // The lock appears with its content at once (write a private file, then link it):
  // a run starting at the same moment never reads an empty lock and takes it for stale.
  const draft = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    const handle = await createPrivateFile(draft);
    try {
      await handle.writeFile(`${JSON.stringify(record)}\n`);
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
        return path;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw outputNotWritable(outputDir, error);
      }
      const seen = await readLock(path);
      const holder = parseLockRecord(seen);
      if (holder && (await ownerState(holder)) !== 'gone') {
        throw new PgbakError('LOCKED', `another run of profile "${profile}" for database "${database}"${server === undefined ? '' : ` on server "${server}"`} is in progress (pid ${holder.pid} on ${holder.host}, since ${holder.startedAt})`, {
          hint: `wait for it to finish; if that process is gone, remove ${path}`,
        });
      }
      // Stale: its owner is gone (or the file is not a lock). Remove it only if it still is the lock we judged.
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

/** A lock file's content, or null when it is not a pgbak lock record. */
export function parseLockRecord(text: string): LockRecord | null {
  try {
    const json = JSON.parse(text) as Record<string, unknown>;
    const owner = parseOwner(json);
    if (!owner) return null;
    return { ...owner, startedAt: typeof json.startedAt === 'string' ? json.startedAt : 'an unknown time' };
  } catch {
    return null;
  }
}
