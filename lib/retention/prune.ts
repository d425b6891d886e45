import type { RetentionPolicy } from '../config/profile-schema.js';
import type { PgbakLogger } from '../log/index.js';
import { removeLeftovers, type LeftoverResult } from './leftovers.js';
import { lockHeld } from './lock-state.js';
import { pastWindow, removeLogs, type PruneLogItem } from './prune-logs.js';
import { removeBackups } from './remove-backup.js';
import { FolderRepository, type BackupRepository } from '../storage/index.js';
import { backupRows, droppedSince, scanBackups, type BackupInfo, type BackupRow, type IgnoredFile } from './scan.js';

export type { PruneLogItem } from './prune-logs.js';
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
  /** The folder; or give `repository` (a folder, a bucket's prefix). */
  outputDir?: string;
  /** Where the backups are; the caller closes it. Takes precedence over outputDir. */
  repository?: BackupRepository;
  policy: PolicySource;
  /** Only this profile's backups. */
  profile?: string | undefined;
  /** Only backups that hold this database (one of the databases their steps dumped). */
  database?: string | undefined;
  /** Decide and report, delete nothing. */
  dryRun?: boolean;
  logger?: PgbakLogger | undefined;
  /**
   * Prune even where a run lock is held by a live process. Without it, a (profile,
   * database) whose lock is held by another live process is skipped; a lock held by
   * this very process (the run applying its own retention) or by a process that is
   * gone does not stop it. A bucket has no locks: nothing is skipped there.
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
  /**
   * A newer `databases: all` run of the profile no longer holds this database
   * (dropped or excluded): the group keeps nothing of its own.
   */
  dropped?: true;
}

/** Everything a prune did or would do. */
export interface PruneResult {
  outputDir: string;
  dryRun: boolean;
  groups: PruneGroup[];
  /**
   * Oldest first within each group, groups in the order of `groups`. A zip that
   * holds several databases has an item in each of their groups (deleted once).
   */
  items: PruneItem[];
  /** Logs of failed runs older than the oldest backup kept in each of their groups. */
  logs: PruneLogItem[];
  /** Leftovers of killed runs (`.partial`, temp folders, locks) whose process is gone. */
  leftovers: LeftoverResult[];
  /** Files that are never candidates (foreign zips, `.partial` of a live or unknown run). */
  ignored: IgnoredFile[];
  /** What this storage cannot do (a bucket: no locks, no leftovers); absent for a folder. */
  notes?: string[];
  deleted: number;
  failed: number;
}

interface GroupRun {
  summary: PruneGroup;
  /** Oldest first. */
  rows: BackupRow[];
  keeps: Map<string, KeepReason[]>;
  busy: string | null;
}

/**
 * Applies retention to the backups in `outputDir`, per (profile, database), and
 * deletes what no rule keeps (the zip, its `.log`, its `.verified.json`). A zip that
 * holds several databases is in each of their groups and goes only when none keeps
 * it. Only readable pgbak archives are ever deleted. A group whose run lock is held
 * by a live run is skipped (and a zip in it kept). Logs of failed runs go once they
 * are older than the oldest backup kept in each of their groups; leftovers of runs
 * whose process is gone are removed first. One failed deletion does not stop the
 * others: each backup gets its own result.
 */
export async function pruneBackups(options: PruneOptions): Promise<PruneResult> {
  const dryRun = options.dryRun === true;
  const repository = repositoryOf(options);
  // Leftovers and locks are a folder's: a bucket holds none of them (its run logs, yes).
  const leftovers = repository.folder !== null ? await removeLeftovers(repository.folder, { dryRun }) : [];
  for (const leftover of leftovers) logLeftover(leftover, options.logger);
  const scan = await scanBackups(repository);
  const ofProfile = (profile: string) => options.profile === undefined || profile === options.profile;
  // Every group of the chosen profiles is judged, also those outside --database:
  // a zip that holds database B too is kept while B's group keeps it.
  const chosen = scan.backups.filter((b) => ofProfile(b.profile));
  const runs = await judgeGroups(chosen, options, repository.folder);
  const keptElsewhere = new Map<string, string[]>();
  const busyZips = new Map<string, string>();
  for (const run of runs) {
    for (const row of run.rows) {
      if (run.busy) busyZips.set(row.path, run.busy);
      else if (run.keeps.get(row.path)!.length > 0) keptElsewhere.set(row.path, [...(keptElsewhere.get(row.path) ?? []), run.summary.database]);
    }
  }
  const result: PruneResult = {
    outputDir: scan.outputDir,
    dryRun,
    groups: [],
    items: [],
    logs: [],
    leftovers,
    ignored: scan.ignored,
    ...(repository.folder === null && { notes: PRUNE_BUCKET_NOTES }),
    deleted: 0,
    failed: 0,
  };
  const outcomes = new Map<string, PruneItem>();
  for (const run of runs.filter((r) => options.database === undefined || r.summary.database === options.database)) {
    result.groups.push(run.summary);
    for (const row of run.rows) {
      const busy = busyZips.get(row.path);
      const reasons = run.keeps.get(row.path) ?? [];
      const others = (keptElsewhere.get(row.path) ?? []).filter((database) => database !== row.database);
      if (busy) result.items.push({ ...itemOf(row), action: 'skipped', reasons: [], message: busy });
      else if (reasons.length > 0) result.items.push(apply(row, true, reasons, options));
      else if (others.length > 0) result.items.push(apply(row, true, others.map((database) => ({ rule: 'other-database' as const, database })), options));
      else {
        // Deleted once (below, in batches), reported in each of its groups.
        if (!outcomes.has(row.path)) outcomes.set(row.path, apply(row, false, [], options));
        result.items.push({ ...outcomes.get(row.path)!, database: row.database });
      }
    }
  }
  await deleteChosen(repository, result, scan.names, options.logger);
  const gone = new Set(result.items.filter((i) => i.action === 'deleted' || i.action === 'would-delete').map((i) => i.path));
  const failedRuns = scan.failedRuns.filter((f) => ofProfile(f.profile) && (options.database === undefined || f.databases.includes(options.database)));
  const windows = runs.map((run) => ({ ...run.summary, busy: run.busy !== null, oldestFirst: run.rows }));
  result.logs = await removeLogs(repository, failedRuns.filter((failed) => pastWindow(failed, windows, gone)), dryRun, options.logger);
  result.failed += result.logs.filter((item) => item.action === 'failed').length;
  return result;
}

async function judgeGroups(backups: BackupInfo[], options: PruneOptions, folder: string | null): Promise<GroupRun[]> {
  const policies = new Map<string, PolicyChoice>();
  const runs: GroupRun[] = [];
  for (const group of groupBackups(backupRows(backups))) {
    const first = group[0]!;
    const choice = policies.get(first.profile) ?? (await choosePolicy(options.policy, first));
    policies.set(first.profile, choice);
    const busy = options.ignoreLock || folder === null ? null : await lockHeld(folder, first.profile, first.database);
    const summary: PruneGroup = { profile: first.profile, database: first.database, policy: choice.policy, policySource: choice.source };
    const oldestFirst = [...group].reverse();
    const keeps = new Map<string, KeepReason[]>();
    // A database a newer databases: all run no longer holds keeps nothing of its own:
    // its zips (whole-cluster ones) age out with the databases still backed up.
    const dropped = hasRetention(choice.policy) && droppedSince(backups, first.profile, first.database, first);
    if (!busy) for (const decision of selectToKeep(oldestFirst, choice.policy)) keeps.set(decision.backup.path, dropped ? [] : decision.reasons);
    const noted: PruneGroup = dropped ? { ...summary, dropped: true } : summary;
    runs.push({ summary: busy ? { ...noted, skipped: busy } : noted, rows: oldestFirst, keeps, busy });
  }
  return runs;
}

function logLeftover(leftover: LeftoverResult, logger: PgbakLogger | undefined): void {
  if (leftover.action === 'failed') logger?.warn(`cannot remove ${leftover.file} (${leftover.why}): ${leftover.error}`);
  else logger?.verbose(`${leftover.action === 'removed' ? 'removed' : 'would remove'} ${leftover.file}: ${leftover.why}`);
}

function apply(backup: BackupInfo, keep: boolean, reasons: KeepReason[], options: PruneOptions): PruneItem {
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
  return { ...item, action: 'deleted', reasons, removed: [] };
}

/**
 * Deletes the backups the items chose (action 'deleted', not yet done) in one batch,
 * and turns the items of those that could not go into 'failed'.
 */
async function deleteChosen(repository: BackupRepository, result: PruneResult, names: string[], logger: PgbakLogger | undefined): Promise<void> {
  const chosen = [...new Map(result.items.filter((item) => item.action === 'deleted').map((item) => [item.path, item.file])).values()];
  if (chosen.length === 0) return;
  const outcomes = await removeBackups(repository, chosen, names);
  for (const file of chosen) {
    const outcome = outcomes.get(file)!;
    if (outcome.error === undefined) {
      result.deleted++;
      logger?.verbose(`deleted ${file}`);
    } else {
      result.failed++;
      logger?.warn(outcome.error);
    }
  }
  result.items = result.items.map((item) => {
    if (item.action !== 'deleted') return item;
    const outcome = outcomes.get(item.file)!;
    return outcome.error === undefined ? { ...item, removed: outcome.removed } : { ...item, action: 'failed', message: outcome.error, ...(outcome.removed.length > 0 && { removed: outcome.removed }) };
  });
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

/** What pruning a bucket does not do, for the report. */
export const PRUNE_BUCKET_NOTES = [
  'run locks are not checked: they are local to the machine that runs the backups (prune from there, or when no run is going)',
  'leftovers of killed runs stay in the local folder of the machine that ran: prune that folder to remove them',
];

function repositoryOf(options: PruneOptions): BackupRepository {
  if (options.repository) return options.repository;
  if (options.outputDir === undefined) throw new Error('pruneBackups needs outputDir or repository');
  return new FolderRepository(options.outputDir);
}
