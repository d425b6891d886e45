import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isServerLockOf, lockFileName, safeName } from '../plan/names.js';
import { ownerState, parseOwner } from '../process/owner.js';

/**
 * Why the group is busy, or null. The run lock of (profile, database) — or the
 * profile-wide lock of an older pgbak — counts unless its owner is this process
 * (a run applying its own retention) or certainly gone; a lock that cannot be read
 * counts (prune simply comes back later).
 */
export async function lockHeld(outputDir: string, profile: string, database: string): Promise<string | null> {
  // A profile with several servers names the server in its locks (one folder per server, but whichever).
  const serverLocks = (await readdir(outputDir).catch(() => [] as string[])).filter((file) => isServerLockOf(file, profile, database));
  for (const file of [lockFileName(profile, database), `.pgbak-${safeName(profile)}.lock`, ...serverLocks]) {
    const path = join(outputDir, file);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      text = '';
    }
    let owner = null;
    try {
      owner = parseOwner(JSON.parse(text));
    } catch {
      // not a lock record: it still counts
    }
    const state = owner ? await ownerState(owner) : 'alive';
    if (state === 'self' || state === 'gone') continue;
    return `a run of profile "${profile}" for database "${database}" holds ${path}; skipped (remove the lock if that run is gone)`;
  }
  return null;
}
