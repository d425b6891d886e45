import type { BackupRepository } from '../storage/index.js';
import { backupRows, scanBackups, type BackupInfo } from './scan.js';

/** Which backups `findNewestBackup` looks among. */
export interface NewestFilter {
  /** Only this profile's backups. */
  profile?: string | undefined;
  /** Only backups holding this database (a multi-database zip counts for each of its databases). */
  database?: string | undefined;
}

/**
 * The newest readable backup in a folder or a bucket's prefix (by the manifest's
 * startedAt, as retention orders them), among those of `filter`; null when there is none.
 * What `pgbak verify --latest` restore-tests: a scheduled job cannot name tomorrow's zip.
 */
export async function findNewestBackup(repository: BackupRepository, filter: NewestFilter = {}): Promise<BackupInfo | null> {
  const scan = await scanBackups(repository);
  // scanBackups orders newest first; a row per database so that --database sees inside multi-database zips.
  const match = backupRows(scan.backups).find(
    (row) => (filter.profile === undefined || row.profile === filter.profile) && (filter.database === undefined || row.database === filter.database),
  );
  return match ?? null;
}
