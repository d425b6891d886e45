import { MANIFEST_ENTRY, openZip, openZipSource, parseManifest, type Manifest } from '../archive/index.js';
import { mapLimited } from '../map-limited.js';
import { PgbakError } from '../errors.js';
import type { ManifestFleet } from '../archive/index.js';
import { CLUSTER_GROUP } from '../plan/compile.js';
import { FolderRepository, type BackupRepository, type RepositoryObject } from '../storage/index.js';
import { judgeRunLog, readRunLogIn } from './run-logs.js';
import { BACKUP_META_SUFFIX, parseBackupMeta } from './backup-meta.js';
import { readVerificationIn, type Verification } from './verification.js';

/** One finished pgbak backup found in the output folder. */
export interface BackupInfo {
  /** Absolute path of the zip. */
  path: string;
  /** The zip's file name. */
  file: string;
  /** Bytes on disk. */
  size: number;
  /** Profile name from the manifest. */
  profile: string;
  /** Profile file recorded in the manifest (for built-ins, relative to the package). */
  profileFile: string;
  /**
   * The database the run connected to (manifest `source.database`). In a
   * {@link BackupRow}: the database of that row's retention group.
   */
  database: string;
  /** The server's name (manifest `source.server`, a profile's `connections[i].name`), else its host as the run connected to it (`source.host`). */
  host: string;
  /**
   * Every database the steps dumped, in step order (a multi-database run lists
   * several; a run of cluster-wide steps only, the database it connected to). Each
   * is a retention group with `profile`: the zip is kept while one of them keeps it.
   */
  databases: string[];
  /** The run dumped every database of the server (`databases: all`, manifest `allDatabases`). */
  allDatabases: boolean;
  /** One archive of a per-database run (manifest `fleet`): the run's start and every database it backed up. */
  fleet?: ManifestFleet;
  /** When the run started, ISO 8601 UTC (the retention rule's clock). */
  startedAt: string;
  /** When the last step finished, ISO 8601 UTC. */
  finishedAt: string;
  /** One per step: name, kind and database (null for cluster-wide steps). */
  steps: Array<{ name: string; kind: string; database: string | null }>;
  /** `<zip>.verified.json`, when present and readable. */
  verification: Verification | null;
  /** Why a present verification record was not understood. */
  verificationProblem?: string;
}

/** One (backup, database) pair: `database` is the group, one of `databases`. */
export type BackupRow = BackupInfo;

/**
 * One row per database a backup holds: how list, status and retention see a
 * multi-database zip (in each of its databases' groups).
 */
export function backupRows(backups: readonly BackupInfo[]): BackupRow[] {
  return backups.flatMap((backup) => backup.databases.map((database) => ({ ...backup, database })));
}

/**
 * Whether a newer `databases: all` run of the profile left `database` out (it was
 * dropped or excluded since `newestStartedAt`, the group's newest backup).
 */
export function droppedSince(backups: readonly BackupInfo[], profile: string, database: string, newest: Pick<BackupInfo, 'startedAt' | 'fleet' | 'host'>): boolean {
  // The globals are no database a run lists: a newer run that failed to write them leaves them stale, not dropped.
  if (database === CLUSTER_GROUP) return false;
  // The archives of one per-database run share its start; another server's runs say nothing about this one's.
  const runStart = (b: Pick<BackupInfo, 'startedAt' | 'fleet'>) => Date.parse(b.fleet?.startedAt ?? b.startedAt);
  return backups.some(
    (b) =>
      b.profile === profile &&
      b.host === newest.host &&
      (b.allDatabases || b.fleet?.allDatabases === true) &&
      runStart(b) > runStart(newest) &&
      !(b.fleet?.databases ?? b.databases).includes(database),
  );
}

/** A run that wrote no backup: its log (JSON lines) beside where the zip would be. */
export interface FailedRun {
  /** The log's path. */
  path: string;
  file: string;
  profile: string;
  databases: string[];
  /** When the run started (the log's first record). */
  startedAt: string;
  /** When it failed (its failure record, or its last record for a run that was killed). */
  failedAt: string;
  reason: string;
  /** The error's code from the failure record (e.g. STEP_FAILED); absent for a killed run or an older pgbak's log. */
  code?: string;
}

/** A run still going (or on another host): its log without a zip, its process alive. */
export interface RunningRun {
  /** The log's path. */
  path: string;
  file: string;
  profile: string;
  databases: string[];
  startedAt: string;
  pid: number;
  host: string;
}

/** A file that looks like a backup but is not a candidate for anything. */
export interface IgnoredFile {
  path: string;
  file: string;
  reason: string;
}

/** What an output folder (or a bucket's prefix) holds. */
export interface ScanResult {
  /** Absolute path of the folder scanned, or `s3://bucket/prefix/`. */
  outputDir: string;
  /** Readable pgbak backups, newest first. */
  backups: BackupInfo[];
  /** Zips without a readable manifest (foreign or damaged) and unfinished `.partial` files: never deleted. */
  ignored: IgnoredFile[];
  /**
   * Run logs without a zip whose run failed (or was killed), newest first. Logs of runs in
   * progress are not here. A bucket holds the logs runs put there when they ended.
   */
  failedRuns: FailedRun[];
  /** Run logs without a zip whose process still runs (or runs on another host), newest first; none in a bucket. */
  runningRuns: RunningRun[];
  /** What this kind of storage cannot show (a bucket: runs in progress, killed runs, locks), one line each; absent for a folder. */
  notes?: string[];
  /** Every name present (sidecars included): what prune may delete beside a zip. */
  names: string[];
}

/** Where a bucket's listing is silent, and why. */
export const BUCKET_NOTES = [
  "runs in progress and runs killed outright (SIGKILL) are not shown: a run puts its log beside its zip when it ends; locks stay in the local folder of the machine that runs (status or list there shows them)",
];

/**
 * Lists the backups in `outputDir` (not its subfolders) or in a repository (a folder,
 * the keys directly under a bucket's prefix). Only zips whose manifest pgbak can read
 * are backups (the manifest is written last: the commit marker), ordered by the
 * manifest's startedAt, never by name; everything else zip-like is reported as
 * ignored. A folder that does not exist holds no backups.
 */
export async function scanBackups(where: string | BackupRepository): Promise<ScanResult> {
  const repository = typeof where === 'string' ? new FolderRepository(where) : where;
  const objects = await repository.list();
  const backups: BackupInfo[] = [];
  const ignored: IgnoredFile[] = [];
  const failedRuns: FailedRun[] = [];
  const runningRuns: RunningRun[] = [];
  const present = new Set(objects.map((object) => object.name));
  const sorted = [...objects].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  // Each zip of a bucket costs a few round trips (HEAD, the directory, the manifest, the
  // record): several at once. A folder's are read one by one, as they always were.
  const zips = await mapLimited(
    sorted.filter((object) => object.name.endsWith('.zip') || object.name.endsWith('.zip.age')),
    repository.folder === null ? BUCKET_READS : 1,
    (object) => (object.name.endsWith('.age') ? readEncryptedBackup(repository, object, present) : readBackup(repository, object)),
  );
  for (const found of zips) {
    if ('reason' in found) ignored.push(found);
    else backups.push(found);
  }
  for (const object of sorted) {
    const file = object.name;
    const path = repository.locate(file);
    if (/\.zip(\.age)?\.partial$/.test(file)) {
      ignored.push({ path, file, reason: 'unfinished (.partial): a run in progress or one that was killed' });
    } else if (file.endsWith('.log') && !present.has(file.replace(/\.log$/, '.zip')) && !present.has(file.replace(/\.log$/, '.zip.age'))) {
      const run = await readRunWithoutZip(repository, object);
      if (run === null) continue;
      if ('failedAt' in run) failedRuns.push(run);
      else if ('pid' in run) runningRuns.push(run);
      else ignored.push(run);
    }
  }
  backups.sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt) || (a.file < b.file ? 1 : -1));
  ignored.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  failedRuns.sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt) || (a.file < b.file ? 1 : -1));
  runningRuns.sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt) || (a.file < b.file ? 1 : -1));
  return {
    outputDir: repository.location,
    backups,
    ignored,
    failedRuns,
    runningRuns,
    ...(repository.folder === null && { notes: BUCKET_NOTES }),
    names: [...present].sort(),
  };
}

// A log whose zip is missing: a failed run, or one still going, or not a pgbak run
// log with a run record (an older pgbak's: left alone). A bucket's logs were put there
// when their run ended: one that records no failure belongs to a zip that has gone
// some other way (pgbak deletes a log with its zip), and is only reported.
async function readRunWithoutZip(repository: BackupRepository, object: RepositoryObject): Promise<FailedRun | RunningRun | IgnoredFile | null> {
  const { name: file } = object;
  const path = repository.locate(file);
  const log = await readRunLogIn(repository, object);
  if (!log) return null;
  if (repository.folder === null && !log.failure) {
    return { path, file, reason: `the log of a run that recorded no failure, and its zip ${file.replace(/\.log$/, '.zip')} is not here (removed outside pgbak?)` };
  }
  const judged = await judgeRunLog(log);
  const run = { path, file, profile: log.run.profile, databases: log.run.databases, startedAt: log.startedAt };
  if (judged.state !== 'failed') return { ...run, pid: log.run.owner.pid, host: log.run.owner.host };
  return { ...run, failedAt: judged.at, reason: judged.reason, ...(judged.code !== undefined && { code: judged.code }) };
}

async function readBackup(repository: BackupRepository, object: RepositoryObject): Promise<BackupInfo | IgnoredFile> {
  const file = object.name;
  const path = repository.locate(file);
  if (object.problem !== undefined) return { path, file, reason: `cannot read it: ${object.problem}` };
  if (!object.regular) return { path, file, reason: 'not a regular file' };
  const size = object.size;
  let manifest: Manifest;
  try {
    manifest = await readManifest(repository, file);
  } catch (error) {
    // The storage itself failing (access denied, unreachable) is no verdict on this zip.
    if (error instanceof PgbakError && error.code === 'OUTPUT_UNREADABLE') throw error;
    return { path, file, reason: reasonOf(error, path) };
  }
  const { verification, problem } = await readVerificationIn(repository, file, size);
  const steps = manifest.steps.map((step) => ({ name: step.name, kind: step.kind, database: step.database }));
  return {
    path,
    file,
    size,
    profile: manifest.profile.name,
    profileFile: manifest.profile.file,
    database: manifest.source.database,
    host: manifest.source.server ?? manifest.source.host,
    databases: manifest.fleet?.globals ? [CLUSTER_GROUP] : databasesOf(steps, manifest.source.database),
    allDatabases: manifest.allDatabases === true,
    ...(manifest.fleet && { fleet: manifest.fleet }),
    startedAt: manifest.startedAt,
    finishedAt: manifest.finishedAt,
    steps,
    verification,
    ...(problem ? { verificationProblem: problem } : {}),
  };
}

/**
 * An encrypted archive, known by its `<name>.meta.json` (its manifest is sealed): that
 * record is its commit marker, and must describe it (its name, its size).
 */
async function readEncryptedBackup(repository: BackupRepository, object: RepositoryObject, present: ReadonlySet<string>): Promise<BackupInfo | IgnoredFile> {
  const file = object.name;
  const path = repository.locate(file);
  if (object.problem !== undefined) return { path, file, reason: `cannot read it: ${object.problem}` };
  if (!object.regular) return { path, file, reason: 'not a regular file' };
  const metaName = `${file}${BACKUP_META_SUFFIX}`;
  if (!present.has(metaName)) return { path, file, reason: `encrypted, without its ${BACKUP_META_SUFFIX}: unfinished, or not written by pgbak` };
  let meta;
  try {
    const text = await repository.readSmall(metaName);
    if (text === null) return { path, file, reason: `encrypted, without its ${BACKUP_META_SUFFIX}: unfinished, or not written by pgbak` };
    meta = parseBackupMeta(text, file, object.size);
  } catch (error) {
    if (error instanceof PgbakError && error.code === 'OUTPUT_UNREADABLE') throw error;
    return { path, file, reason: (error as Error).message };
  }
  const { verification, problem } = await readVerificationIn(repository, file, object.size);
  return {
    path,
    file,
    size: object.size,
    profile: meta.profile.name,
    profileFile: meta.profile.file,
    database: meta.source.database,
    host: meta.source.server ?? meta.source.host,
    databases: meta.fleet?.globals ? [CLUSTER_GROUP] : meta.databases,
    allDatabases: meta.allDatabases,
    ...(meta.fleet && { fleet: meta.fleet }),
    startedAt: meta.startedAt,
    finishedAt: meta.finishedAt,
    steps: meta.steps,
    verification,
    ...(problem ? { verificationProblem: problem } : {}),
  };
}

function databasesOf(steps: Array<{ database: string | null }>, connected: string): string[] {
  const dumped = [...new Set(steps.flatMap((step) => (step.database === null ? [] : [step.database])))];
  return dumped.length > 0 ? dumped : [connected];
}

async function readManifest(repository: BackupRepository, file: string): Promise<Manifest> {
  const path = repository.locate(file);
  const reader = repository.folder !== null ? await openZip(path) : await openZipSource(await repository.openSource(file));
  try {
    if (!reader.has(MANIFEST_ENTRY)) throw new PgbakError('ARCHIVE_INVALID', `no ${MANIFEST_ENTRY}: not written by pgbak`);
    // A pgbak manifest is a few kilobytes even with thousands of tables.
    return parseManifest(await reader.readText(MANIFEST_ENTRY, { maxBytes: 64 * 1024 * 1024 }), path);
  } finally {
    reader.close();
  }
}

// The archive errors start with "<path> is not a readable pgbak archive: "; the
// listing already names the file.
function reasonOf(error: unknown, path: string): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(`${path} is not a readable pgbak archive: `, '');
}

/** Zips of a bucket read at once. */
const BUCKET_READS = 8;

