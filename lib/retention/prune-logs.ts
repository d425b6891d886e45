// Logs of failed runs are the record status shows; retention removes them once
// they fall outside the window of the backups it keeps.
import type { RetentionPolicy } from '../config/profile-schema.js';
import type { PgbakLogger } from '../log/index.js';
import type { BackupRepository } from '../storage/index.js';
import type { FailedRun } from './scan.js';

/** A failed run's log that retention removed (or would). */
export interface PruneLogItem {
  path: string;
  file: string;
  profile: string;
  databases: string[];
  startedAt: string;
  action: 'deleted' | 'would-delete' | 'failed';
  message?: string;
}

/** One (profile, database) group as retention left it. */
export interface RetentionWindow {
  profile: string;
  database: string;
  /** null: the group keeps everything. */
  policy: RetentionPolicy | null;
  /** Skipped (its run lock is held): nothing of it goes. */
  busy: boolean;
  /** Its backups, oldest first. */
  oldestFirst: ReadonlyArray<{ path: string; startedAt: string }>;
}

// A failed run's log goes once, in each of its groups, it is older than the oldest
// backup kept: failures within the window of kept backups stay visible to status.
// A group with no backup left, or one kept whole, or busy, keeps the log.
export function pastWindow(failed: FailedRun, groups: readonly RetentionWindow[], gone: ReadonlySet<string>): boolean {
  return failed.databases.every((database) => {
    const group = groups.find((g) => g.profile === failed.profile && g.database === database);
    if (!group || group.busy || !group.policy) return false;
    const oldestKept = group.oldestFirst.find((backup) => !gone.has(backup.path));
    return oldestKept !== undefined && Date.parse(failed.startedAt) < Date.parse(oldestKept.startedAt);
  });
}

/**
 * Deletes failed runs' logs (in a bucket, in as few requests as it allows), or, in a dry
 * run, says it would; a failure is reported in its item, the others still go.
 */
export async function removeLogs(repository: BackupRepository, logs: readonly FailedRun[], dryRun: boolean, logger: PgbakLogger | undefined): Promise<PruneLogItem[]> {
  const itemOf = (failed: FailedRun) => ({ path: failed.path, file: failed.file, profile: failed.profile, databases: failed.databases, startedAt: failed.startedAt });
  if (dryRun) {
    for (const failed of logs) logger?.verbose(`would delete ${failed.file} (log of a failed run)`);
    return logs.map((failed) => ({ ...itemOf(failed), action: 'would-delete' }));
  }
  const errors = new Map((logs.length > 0 ? await repository.deleteMany(logs.map((failed) => failed.file)) : []).map((outcome) => [outcome.name, outcome.error]));
  return logs.map((failed) => {
    const error = errors.get(failed.file);
    if (error === null || error === undefined) {
      logger?.verbose(`deleted ${failed.file} (log of a failed run)`);
      return { ...itemOf(failed), action: 'deleted' };
    }
    const message = `cannot remove ${failed.path}: ${error}`;
    logger?.warn(message);
    return { ...itemOf(failed), action: 'failed', message };
  });
}
