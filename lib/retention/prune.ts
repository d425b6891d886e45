import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { RetentionPolicy } from '../config/profile-schema.js';
import type { PgbakLogger } from '../log/index.js';
import { safeName } from '../plan/names.js';
import { removeBackup } from './remove-backup.js';
import { scanBackups, type BackupInfo, type IgnoredFile } from './scan.js';
import { describeReasons, groupBackups, hasRetention, selectToKeep, type KeepReason } from './select.js';

/** A policy for every profile, or one looked up per profile (e.g. from its profile file). */
export type PolicySource = RetentionPolicy | ((profile: string, example: BackupInfo) => Promise<PolicyChoice>);

/** A profile's policy and where it came from, for the report. */
export interface PolicyChoice {
  /** null: keep everything. */
  policy: RetentionPolicy | null;
  /** e.g. `profile nightly (profiles/nightly.yaml)`, `flags`, `no retention: in the profile`. */
  source: string;
}

/** Options of {@link pruneBackups}. */
export interface PruneOptions {
  outputDir: string;
  policy: PolicySource;
  /** Only this profile's backups. */
  profile?: string | undefined;
  /** Only backups of this database (manifest `source.database`). */
  database?: string | undefined;
  /** Decide and report, delete nothing. */
  dryRun?: boolean;
  logger?: PgbakLogger | undefined;
  /**
   * Prune a profile even though its run lock exists; only for the run that holds
   * that lock itself (applyRetention). Otherwise a locked profile is skipped.
   */
  ignoreLock?: boolean;
}

/** What happened to one backup. */
export interface PruneItem {
  path: string;
  file: string;
  profile: string;
  database: string;
  startedAt: string;
  verified: boolean | null;
  /** kept; deleted; would-delete (dry run); failed (could not delete); skipped (profile busy). */
  action: 'kept' | 'deleted' | 'would-delete' | 'failed' | 'skipped';
  /** Why it is kept (empty otherwise). */
  reasons: KeepReason[];
  /** Files removed (deleted only). */
  removed?: string[];
  /** Why it failed or was skipped. */
  message?: string;
}

/** One (profile, database) group and the policy applied to it. */
export interface PruneGroup {
  profile: string;
  database: string;
  policy: RetentionPolicy | null;
  policySource: string;
  /** Set when the group was left alone, e.g. its profile's run lock exists. */
  skipped?: string;
}

/** Everything a prune did or would do. */
export interface PruneResult {
  outputDir: string;
  dryRun: boolean;
  groups: PruneGroup[];
  /** Oldest first within each group, groups in the order of `groups`. */
  items: PruneItem[];
  /** Files that are never candidates (foreign zips, `.partial`). */
  ignored: IgnoredFile[];
  deleted: number;
  failed: number;
}

/**
 * Applies retention to the backups in `outputDir`, per (profile, database), and
 * deletes what no rule keeps (the zip, its `.log`, its `.verified.json`). Only
 * readable pgbak archives are ever deleted; `.partial` files never. A profile whose
 * run lock (`.pgbak-<profile>.lock`) exists is skipped. One failed deletion does
 * not stop the others: each backup gets its own result.
 */
export async function pruneBackups(options: PruneOptions): Promise<PruneResult> {
  const scan = await scanBackups(options.outputDir);
  const chosen = scan.backups.filter(
    (b) => (options.profile === undefined || b.profile === options.profile) && (options.database === undefined || b.database === options.database),
  );
  const result: PruneResult = { outputDir: scan.outputDir, dryRun: options.dryRun === true, groups: [], items: [], ignored: scan.ignored, deleted: 0, failed: 0 };
  const policies = new Map<string, PolicyChoice>();
  for (const group of groupBackups(chosen)) {
    const first = group[0]!;
    const choice = policies.get(first.profile) ?? (await choosePolicy(options.policy, first));
    policies.set(first.profile, choice);
    const busy = options.ignoreLock ? null : await lockHeld(scan.outputDir, first.profile);
    const summary: PruneGroup = { profile: first.profile, database: first.database, policy: choice.policy, policySource: choice.source };
    result.groups.push(busy ? { ...summary, skipped: busy } : summary);
    const oldestFirst = [...group].reverse();
    if (busy) {
      for (const backup of oldestFirst) result.items.push({ ...itemOf(backup), action: 'skipped', reasons: [], message: busy });
      continue;
    }
    for (const decision of selectToKeep(oldestFirst, choice.policy)) {
      result.items.push(await apply(decision.backup, decision.keep, decision.reasons, options, result));
    }
  }
  return result;
}

async function apply(backup: BackupInfo, keep: boolean, reasons: KeepReason[], options: PruneOptions, result: PruneResult): Promise<PruneItem> {
  const item = itemOf(backup);
  const logger = options.logger;
  if (keep) {
    logger?.verbose(`keep ${backup.file}: ${describeReasons(reasons)}`);
    return { ...item, action: 'kept', reasons };
  }
  if (options.dryRun) {
    logger?.verbose(`would delete ${backup.file}`);
    return { ...item, action: 'would-delete', reasons };
  }
  try {
    const removed = await removeBackup(backup.path);
    result.deleted++;
    logger?.verbose(`deleted ${backup.file}`);
    return { ...item, action: 'deleted', reasons, removed };
  } catch (error) {
    result.failed++;
    const message = (error as Error).message;
    logger?.warn(message);
    return { ...item, action: 'failed', reasons, message };
  }
}

async function choosePolicy(source: PolicySource, example: BackupInfo): Promise<PolicyChoice> {
  if (typeof source === 'function') return source(example.profile, example);
  return { policy: hasRetention(source) ? source : null, source: 'flags' };
}

function itemOf(backup: BackupInfo): Omit<PruneItem, 'action' | 'reasons'> {
  return {
    path: backup.path,
    file: backup.file,
    profile: backup.profile,
    database: backup.database,
    startedAt: backup.startedAt,
    verified: backup.verification?.notVerified ? null : (backup.verification?.ok ?? null),
  };
}

// The lock's existence is enough: deciding whether its owner still lives is the
// run's business (lib/run/lock.ts); prune simply comes back later.
async function lockHeld(outputDir: string, profile: string): Promise<string | null> {
  const path = join(outputDir, `.pgbak-${safeName(profile)}.lock`);
  try {
    await access(path);
    return `a run of profile "${profile}" holds ${path}; skipped (remove the lock if that run is gone)`;
  } catch {
    return null;
  }
}
