// Logs of failed runs are the record status shows; retention removes them once
// they fall outside the window of the backups it keeps.
import { unlink } from 'node:fs/promises';
import { describeFsError } from '../archive/output-error.js';
import type { RetentionPolicy } from '../config/profile-schema.js';
import type { PgbakLogger } from '../log/index.js';
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

/** Deletes a failed run's log (or, in a dry run, says it would); a failure is reported in the item. */
export async function removeLog(failed: FailedRun, dryRun: boolean, logger: PgbakLogger | undefined): Promise<PruneLogItem> {
  const item = { path: failed.path, file: failed.file, profile: failed.profile, databases: failed.databases, startedAt: failed.startedAt };
  if (dryRun) {
    logger?.verbose(`would delete ${failed.file} (log of a failed run)`);
    return { ...item, action: 'would-delete' };
  }
  try {
    await unlink(failed.path);
    logger?.verbose(`deleted ${failed.file} (log of a failed run)`);
    return { ...item, action: 'deleted' };
  } catch (error) {
    const message = `cannot remove ${failed.path}: ${describeFsError(error)}`;
    logger?.warn(message);
    return { ...item, action: 'failed', message };
  }
}

