import { unlink } from 'node:fs/promises';
import { describeFsError } from '../archive/output-error.js';
import { verificationPath } from './verification.js';

/** The files that make up one backup: the zip, its run log, its verification record. */
export function backupFiles(archive: string): string[] {
  return [archive, archive.replace(/\.zip$/, '.log'), verificationPath(archive)];
}

/**
 * Deletes a backup: the zip first (once it is gone the backup is gone), then the
 * files beside it. Resolves with the files removed; rejects with a one-line
 * reason when one could not be removed.
 */
export async function removeBackup(archive: string): Promise<string[]> {
  const removed: string[] = [];
  for (const file of backupFiles(archive)) {
    try {
      await unlink(file);
      removed.push(file);
    } catch (error) {
      // A backup without a log or a verification record is normal.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' && file !== archive) continue;
      const done = removed.length > 0 ? ` (already removed: ${removed.join(', ')})` : '';
      throw new Error(`cannot remove ${file}: ${describeFsError(error)}${done}`, { cause: error });
    }
  }
  return removed;
}
