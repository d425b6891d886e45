import { formatAge } from './format-time.js';
import { scanBackups, type BackupInfo, type IgnoredFile } from './scan.js';
import { groupBackups } from './select.js';

/** Options of {@link backupStatus}. */
export interface StatusOptions {
  outputDir: string;
  /** A group whose newest backup started longer ago than this (ms) is stale. */
  maxAgeMs?: number | undefined;
  /** Only this profile. With maxAgeMs, a profile without any backup is stale. */
  profile?: string | undefined;
  now?: Date;
}

/** A backup as the status report shows it. */
export interface StatusBackup {
  path: string;
  file: string;
  startedAt: string;
  /** now − startedAt, in ms. */
  ageMs: number;
}

/** The state of one (profile, database). */
export interface GroupStatus {
  profile: string;
  database: string;
  /** Readable backups in the folder. */
  count: number;
  /** The newest readable backup: a finished zip is a successful run. */
  lastSuccess: StatusBackup;
  /** The newest backup whose verification passed, if any. */
  lastVerified: (StatusBackup & { verifiedAt: string | null }) | null;
  /** The newest backup's verification failed (it was checked and did not restore). */
  lastFailedVerification: boolean;
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
}

/**
 * Per (profile, database): the last successful and the last verified backup and
 * their ages; stale when the newest success is older than `maxAgeMs`. With
 * `maxAgeMs`, a folder (or profile) with no backup at all is stale too: backups
 * that never arrive are exactly what this check is for.
 */
export async function backupStatus(options: StatusOptions): Promise<StatusReport> {
  const now = options.now ?? new Date();
  const scan = await scanBackups(options.outputDir);
  const backups = scan.backups.filter((b) => options.profile === undefined || b.profile === options.profile);
  const maxAge = options.maxAgeMs ?? null;
  const groups = groupBackups(backups).map((group) => groupStatus(group, now, maxAge));
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
  };
}

function groupStatus(newestFirst: BackupInfo[], now: Date, maxAge: number | null): GroupStatus {
  const newest = newestFirst[0]!;
  const verified = newestFirst.find((b) => b.verification?.ok === true);
  const lastSuccess = statusBackup(newest, now);
  return {
    profile: newest.profile,
    database: newest.database,
    count: newestFirst.length,
    lastSuccess,
    lastVerified: verified ? { ...statusBackup(verified, now), verifiedAt: verified.verification!.verifiedAt } : null,
    lastFailedVerification: newest.verification?.ok === false && !newest.verification.notVerified,
    stale: maxAge !== null && lastSuccess.ageMs > maxAge,
  };
}

function statusBackup(backup: BackupInfo, now: Date): StatusBackup {
  return { path: backup.path, file: backup.file, startedAt: backup.startedAt, ageMs: now.getTime() - Date.parse(backup.startedAt) };
}

function staleLine(group: GroupStatus, maxAge: number): string {
  return `STALE ${group.profile}/${group.database}: newest backup ${group.lastSuccess.file} is ${formatAge(group.lastSuccess.ageMs)} old, limit ${formatAge(maxAge)}`;
}
