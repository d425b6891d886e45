import { CLUSTER_GROUP } from '../plan/compile.js';
import type { BackupRepository } from '../storage/index.js';
import { scanBackups, type BackupInfo } from './scan.js';

/** Which backups `findNewestBackups` looks among. */
export interface NewestFilter {
  /** Only this profile's backups. */
  profile?: string | undefined;
  /** Only backups holding this database (a multi-database zip counts for each of its databases). */
  database?: string | undefined;
}

/**
 * The newest readable backup of each server, profile and database in a folder or a
 * bucket's prefix (by the manifest's startedAt, as retention orders them), among those
 * of `filter`, newest first; a zip that is the newest of several databases comes once.
 * The globals are left out: they restore into the cluster, not into a scratch database.
 * What `pgbak verify --latest` restore-tests: a scheduled job cannot name tomorrow's zips,
 * and with one archive per database, the newest zip alone would leave the others untested.
 */
export async function findNewestBackups(repository: BackupRepository, filter: NewestFilter = {}): Promise<BackupInfo[]> {
  const scan = await scanBackups(repository);
  const seenGroups = new Set<string>();
  const chosen = new Set<BackupInfo>();
  // scanBackups orders newest first; each database of a multi-database zip counts on its own.
  for (const backup of scan.backups) {
    if (filter.profile !== undefined && backup.profile !== filter.profile) continue;
    for (const database of backup.databases) {
      if (database === CLUSTER_GROUP || (filter.database !== undefined && database !== filter.database)) continue;
      const group = JSON.stringify([backup.host, backup.profile, database]);
      if (seenGroups.has(group)) continue;
      seenGroups.add(group);
      chosen.add(backup);
    }
  }
  return [...chosen];
}
