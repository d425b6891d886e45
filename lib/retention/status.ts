import { formatAge } from './format-time.js';
import { removeLeftovers, type LeftoverResult } from './leftovers.js';
import { backupRows, droppedSince, scanBackups, type BackupInfo, type BackupRow, type FailedRun, type IgnoredFile, type RunningRun } from './scan.js';
import { groupBackups } from './select.js';
import { FolderRepository, type BackupRepository } from '../storage/index.js';

/** Options of {@link backupStatus}. */
export interface StatusOptions {
  /** The folder; or give `repository` (a folder, a bucket's prefix). */
  outputDir?: string;
  /** Where the backups are; the caller closes it. Takes precedence over outputDir. */
  repository?: BackupRepository;
  /** A group whose newest backup started longer ago than this (ms) is stale. */
  maxAgeMs?: number | undefined;
  /** Only this profile. With maxAgeMs, a profile without any backup is stale. */
  profile?: string | undefined;
  /** First remove what runs that are gone left behind (`.partial`, temp folders, locks). */
  removeLeftovers?: boolean;
  /**
   * Look in the folders (a bucket's prefixes) below it too, down to {@link MAX_DEPTH} levels:
   * a fleet's `pg/{host}/{database}/` (default true).
   */
  recursive?: boolean;
  /** A newest backup smaller than this share of the one before it is flagged `shrunk` (default 0.5; 0 turns it off). */
  shrinkBelow?: number;
  now?: Date;
}

/** How deep status looks below the location it is given (`pg/{host}/{database}/` is two). */
export const MAX_DEPTH = 4;
/** The default of {@link StatusOptions.shrinkBelow}. */
export const DEFAULT_SHRINK_BELOW = 0.5;

/** A backup as the status report shows it. */
export interface StatusBackup {
  path: string;
  file: string;
  startedAt: string;
  /** now − startedAt, in ms. */
  ageMs: number;
  /** The zip's size. */
  bytes: number;
  /** The server's host the backup was made from (manifest `source.host`). */
  host: string;
}

/** A run that wrote no backup, as the status report shows it. */
export interface StatusFailure {
  /** The failed run's log. */
  path: string;
  file: string;
  startedAt: string;
  failedAt: string;
  /** now − failedAt, in ms. */
  ageMs: number;
  /** From the log: the failure record, or that the process is gone (killed). */
  reason: string;
  /** The error's code from the failure record (e.g. STEP_FAILED); absent for a killed run or an older pgbak's log. */
  code?: string;
}

/** The state of one (profile, database) in one place (a folder, a bucket's prefix). */
export interface GroupStatus {
  profile: string;
  database: string;
  /** The server's host, from the newest backup (null when the group only ever failed). */
  host: string | null;
  /** The folder or `s3://bucket/prefix/` the group's backups are in. */
  location: string;
  /**
   * The newest backup is smaller than `shrinkBelow` (default half) of the one before it:
   * tables emptied, a dump that left things out. Null when it is not, or there is no previous one.
   */
  shrunk: { bytes: number; previousBytes: number; ratio: number } | null;
  /** The size of the backup before the newest one (the size trend); null with fewer than two. */
  previousBytes: number | null;
  /** Readable backups in the folder that hold this database. */
  count: number;
  /** The newest readable backup: a finished zip is a successful run. Null: none (only failures). */
  lastSuccess: StatusBackup | null;
  /** The newest backup whose verification passed, if any. */
  lastVerified: (StatusBackup & { verifiedAt: string | null }) | null;
  /** The newest backup's verification failed (it was checked and did not restore). */
  lastFailedVerification: boolean;
  /** The newest run that wrote no backup (its log is still in the folder), if any. */
  lastFailure: StatusFailure | null;
  /** The newest run failed: its failure is newer than the last success. */
  failing: boolean;
  /** A run of this database in progress (its log has no zip yet and its process lives). */
  running: { startedAt: string; ageMs: number; pid: number; host: string; log: string } | null;
  /**
   * A newer `databases: all` run of the profile did not include this database: it
   * was dropped (or excluded) since. Its backups stay; it is never stale.
   */
  dropped: boolean;
  stale: boolean;
}

/** What `pgbak status` reports. */
export interface StatusReport {
  outputDir: string;
  checkedAt: string;
  maxAgeMs: number | null;
  groups: GroupStatus[];
  /** Stale groups as one line each, plus "no backup" when a watched folder or profile is empty. */
  problems: string[];
  stale: boolean;
  ignored: IgnoredFile[];
  /** Leftovers of runs that are gone, removed (when asked) or found. */
  leftovers: LeftoverResult[];
  /** What this storage cannot show (a bucket: failed and running runs); absent for a folder. */
  notes?: string[];
}

/**
 * Per (profile, database): the last successful, the last verified backup and the
 * last failed run, with their ages; stale when the newest success is older than
 * `maxAgeMs` (or there is none). A multi-database backup counts for each database
 * it holds. With `maxAgeMs`, a folder (or profile) with no backup at all is stale
 * too: backups that never arrive are exactly what this check is for.
 */
export async function backupStatus(options: StatusOptions): Promise<StatusReport> {
  const now = options.now ?? new Date();
  const root = options.repository ?? new FolderRepository(requireDir(options.outputDir));
  const places = options.recursive === false ? [root] : await placesUnder(root);
  const reports: StatusReport[] = [];
  for (const place of places) reports.push(await statusOfPlace(place, { ...options, now }));
  const groups = reports.flatMap((r) => r.groups);
  const maxAge = options.maxAgeMs ?? null;
  // Several places (a fleet's prefixes): each line says where.
  const several = reports.filter((r) => r.groups.length > 0).length > 1;
  const problems = groups.filter((g) => g.stale).map((g) => staleLine(g, maxAge!) + (several ? ` (${g.host ?? 'host unknown'}, ${g.location})` : ''));
  if (maxAge !== null && groups.length === 0) {
    problems.push(`no backup${options.profile ? ` of profile ${options.profile}` : ''} in ${root.location}`);
  }
  const notes = [...new Set(reports.flatMap((r) => r.notes ?? []))];
  return {
    outputDir: root.location,
    checkedAt: now.toISOString(),
    maxAgeMs: maxAge,
    groups,
    problems,
    stale: problems.length > 0,
    ignored: reports.flatMap((r) => r.ignored),
    leftovers: reports.flatMap((r) => r.leftovers),
    ...(notes.length > 0 && { notes }),
  };
}

// The location and every folder below it (depth first, sorted), children sharing its client.
async function placesUnder(root: BackupRepository): Promise<BackupRepository[]> {
  const places: BackupRepository[] = [];
  const walk = async (place: BackupRepository, depth: number): Promise<void> => {
    places.push(place);
    if (depth >= MAX_DEPTH || !place.subfolders || !place.child) return;
    for (const name of await place.subfolders()) await walk(place.child(name), depth + 1);
  };
  await walk(root, 0);
  return places;
}

async function statusOfPlace(repository: BackupRepository, options: StatusOptions & { now: Date }): Promise<StatusReport> {
  const now = options.now;
  // A bucket has no leftovers: unfinished uploads are never listed (a lifecycle rule removes them).
  const leftovers = options.removeLeftovers && repository.folder !== null ? await removeLeftovers(repository.folder) : [];
  const scan = await scanBackups(repository);
  const ofProfile = (profile: string) => options.profile === undefined || profile === options.profile;
  const rows = backupRows(scan.backups.filter((b) => ofProfile(b.profile)));
  const failures = scan.failedRuns.filter((f) => ofProfile(f.profile));
  const maxAge = options.maxAgeMs ?? null;
  const allRuns = scan.backups.filter((b) => b.allDatabases || b.fleet?.allDatabases === true);
  const running = scan.runningRuns.filter((r) => ofProfile(r.profile));
  const shrinkBelow = options.shrinkBelow ?? DEFAULT_SHRINK_BELOW;
  const groups = collectGroups(rows, failures).map(([key, group]) => ({
    ...groupStatus(key, group, failures, allRuns, now, maxAge),
    host: group[0]?.host ?? null,
    location: scan.outputDir,
    shrunk: shrunkOf(group, shrinkBelow),
    previousBytes: group[1]?.size ?? null,
    running: runningOf(key, running, now),
  }));
  const problems = groups.filter((g) => g.stale).map((g) => staleLine(g, maxAge!));
  if (maxAge !== null && groups.length === 0) {
    problems.push(`no backup${options.profile ? ` of profile ${options.profile}` : ''} in ${scan.outputDir}`);
  }
  return {
    outputDir: scan.outputDir,
    checkedAt: now.toISOString(),
    maxAgeMs: maxAge,
    groups,
    problems,
    stale: problems.length > 0,
    ignored: scan.ignored,
    leftovers,
    ...(scan.notes && { notes: scan.notes }),
  };
}

function requireDir(dir: string | undefined): string {
  if (dir === undefined) throw new Error('backupStatus needs outputDir or repository');
  return dir;
}

type GroupKey = { profile: string; database: string };

// Groups with backups, and those that only ever failed, sorted by profile then database.
function collectGroups(rows: BackupRow[], failures: FailedRun[]): Array<[GroupKey, BackupRow[]]> {
  const groups = new Map<string, [GroupKey, BackupRow[]]>();
  for (const group of groupBackups(rows)) groups.set(JSON.stringify([group[0]!.profile, group[0]!.database]), [{ profile: group[0]!.profile, database: group[0]!.database }, group]);
  for (const failure of failures) {
    for (const database of failure.databases) {
      const key = JSON.stringify([failure.profile, database]);
      if (!groups.has(key)) groups.set(key, [{ profile: failure.profile, database }, []]);
    }
  }
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, value]) => value);
}

// The newest run in progress for the group; a first run still going has no row yet.
function runningOf(key: GroupKey, running: RunningRun[], now: Date): GroupStatus['running'] {
  const run = running.find((r) => r.profile === key.profile && r.databases.includes(key.database));
  return run ? { startedAt: run.startedAt, ageMs: now.getTime() - Date.parse(run.startedAt), pid: run.pid, host: run.host, log: run.path } : null;
}

// The newest backup against the one before it (sizes as stored).
function shrunkOf(newestFirst: BackupRow[], below: number): GroupStatus['shrunk'] {
  const [newest, previous] = newestFirst;
  if (!newest || !previous || previous.size === 0 || below <= 0) return null;
  const ratio = newest.size / previous.size;
  return ratio < below ? { bytes: newest.size, previousBytes: previous.size, ratio } : null;
}

function groupStatus(key: GroupKey, newestFirst: BackupRow[], failures: FailedRun[], allRuns: BackupInfo[], now: Date, maxAge: number | null): Omit<GroupStatus, 'running' | 'host' | 'location' | 'shrunk' | 'previousBytes'> {
  const newest = newestFirst[0];
  const verified = newestFirst.find((b) => b.verification?.ok === true);
  const lastSuccess = newest ? statusBackup(newest, now) : null;
  // failures are newest first
  const failure = failures.find((f) => f.profile === key.profile && f.databases.includes(key.database));
  const lastFailure = failure
    ? {
        path: failure.path,
        file: failure.file,
        startedAt: failure.startedAt,
        failedAt: failure.failedAt,
        ageMs: now.getTime() - Date.parse(failure.failedAt),
        reason: failure.reason,
        ...(failure.code !== undefined && { code: failure.code }),
      }
    : null;
  const dropped = newest !== undefined && droppedSince(allRuns, key.profile, key.database, newest);
  return {
    ...key,
    count: newestFirst.length,
    lastSuccess,
    lastVerified: verified ? { ...statusBackup(verified, now), verifiedAt: verified.verification!.verifiedAt } : null,
    lastFailedVerification: newest?.verification?.ok === false && !newest.verification.notVerified,
    lastFailure,
    failing: lastFailure !== null && (lastSuccess === null || Date.parse(lastFailure.startedAt) > Date.parse(lastSuccess.startedAt)),
    dropped,
    stale: maxAge !== null && !dropped && (lastSuccess === null || lastSuccess.ageMs > maxAge),
  };
}

function statusBackup(backup: BackupRow, now: Date): StatusBackup {
  return { path: backup.path, file: backup.file, startedAt: backup.startedAt, ageMs: now.getTime() - Date.parse(backup.startedAt), bytes: backup.size, host: backup.host };
}

function staleLine(group: GroupStatus, maxAge: number): string {
  const failed = group.failing && group.lastFailure ? `; the last run failed ${formatAge(group.lastFailure.ageMs)} ago: ${describeFailure(group.lastFailure)}` : '';
  if (!group.lastSuccess) return `STALE ${group.profile}/${group.database}: no successful backup${failed}`;
  return `STALE ${group.profile}/${group.database}: newest backup ${group.lastSuccess.file} is ${formatAge(group.lastSuccess.ageMs)} old, limit ${formatAge(maxAge)}${failed}`;
}

/** A failure's reason, after its error code when the log has one: `STEP_FAILED: pg_dump exited with code 1…`. */
export function describeFailure(failure: Pick<StatusFailure, 'reason' | 'code'>): string {
  return failure.code !== undefined ? `${failure.code}: ${failure.reason}` : failure.reason;
}
