import { randomBytes } from 'node:crypto';
import { link, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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
export async function acquireRunLock(outputDir: string, profile: string, databases: readonly string[], now = new Date()): Promise<RunLock> {
  const held: string[] = [];
  const release = async () => {
    for (const path of held.splice(0).reverse()) await unlink(path).catch(() => undefined);
  };
  try {
    // Sorted: two runs over overlapping sets meet at the same first lock.
    for (const database of [...new Set(databases)].sort()) {
      held.push(await acquireOne(outputDir, profile, database, now));
    }
  } catch (error) {
    await release();
    throw error;
  }
  return { paths: [...held], release };
}

async function acquireOne(outputDir: string, profile: string, database: string, now: Date): Promise<string> {
  const path = join(outputDir, lockFileName(profile, database));
  const record: LockRecord = { ...(await currentOwner()), startedAt: now.toISOString() };
  // The lock appears with its content at once (write a private file, then link it):
  // a run starting at the same moment never reads an empty lock and takes it for stale.
  const draft = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(draft, `${JSON.stringify(record)}\n`, { flag: 'wx', mode: 0o600 });
  } catch (error) {
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
      const seen = await readFile(path, 'utf8').catch(() => '');
      const holder = parseLockRecord(seen);
      if (holder && (await ownerState(holder)) !== 'gone') {
        throw new PgbakError('LOCKED', `another run of profile "${profile}" for database "${database}" is in progress (pid ${holder.pid} on ${holder.host}, since ${holder.startedAt})`, {
          hint: `wait for it to finish; if that process is gone, remove ${path}`,
        });
      }
      // Stale: its owner is gone (or the file is not a lock). Remove it only if it still is the lock we judged.
      if ((await readFile(path, 'utf8').catch(() => null)) === seen) await unlink(path).catch(() => undefined);
    }
    throw new PgbakError('LOCKED', `cannot take the lock ${path}`, { hint: 'another run may be starting at the same moment; retry' });
  } finally {
    await unlink(draft).catch(() => undefined);
  }
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
