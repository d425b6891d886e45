// Real backup files for retention tests, without PostgreSQL: zips written by
// pgbak's own ZipWriter with a manifest dated in the past, a run log beside them,
// and optionally a verification record.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serializeManifest, ZipWriter, type Manifest, type ManifestFleet } from '../../../lib/archive/index.js';
import { LocalFileSink } from '../../../lib/storage/index.js';
import { archiveName } from '../../../lib/plan/names.js';
import { currentOwner, type ProcessOwner } from '../../../lib/process/owner.js';
import { FAILURE_PREFIX, RUN_RECORD_KEY } from '../../../lib/retention/run-logs.js';

/** What a fake backup looks like. */
export interface FakeBackup {
  profile: string;
  database: string;
  /** ISO 8601 UTC. */
  startedAt: string;
  /** Write `<zip>.verified.json` with this `ok`, a "not verified" record (verify could not run), or a file that is not JSON. */
  verified?: boolean | 'malformed' | 'not verified';
  /** Extra databases dumped by further steps (a multi-database run). */
  alsoDumps?: string[];
  /** Override the file name (default: the name `run` would give it). */
  file?: string;
  /** A `databases: all` run (manifest `allDatabases`). */
  allDatabases?: boolean;
  /** One archive of a per-database run (manifest `fleet`). */
  fleet?: ManifestFleet;
}

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

export function fakeManifest(backup: FakeBackup): Manifest {
  const started = new Date(backup.startedAt);
  const finished = new Date(started.getTime() + 60_000).toISOString();
  const step = (name: string, database: string): Manifest['steps'][number] => ({
    name,
    kind: 'full',
    database,
    format: 'custom',
    engine: 'pg_dump',
    tool: { name: 'pg_dump', path: '/usr/bin/pg_dump', version: '16.4' },
    command: ['/usr/bin/pg_dump', '--format=custom', `--dbname=${database}`],
    startedAt: started.toISOString(),
    finishedAt: finished,
    snapshot: null,
    entries: [{ name: `${name}/${database}.dump`, bytes: 4, sha256: sha('dump'), compressed: false }],
    rowCounts: { mode: 'exact', tables: {} },
    sequences: {},
    largeObjects: 0,
    warnings: [],
  });
  return {
    formatVersion: 1,
    pgbak: { version: '0.1.0' },
    profile: { name: backup.profile, source: 'user', file: `profiles/${backup.profile}.yaml`, sha256: sha('profile') },
    source: { host: 'db.internal', port: 5432, user: 'backup', database: backup.database, serverVersion: { text: '16.4', major: 16, minor: 4 } },
    startedAt: started.toISOString(),
    finishedAt: finished,
    status: 'complete',
    steps: [step('full', backup.database), ...(backup.alsoDumps ?? []).map((db, i) => step(`more${i}`, db))],
    ...(backup.allDatabases ? { allDatabases: true as const } : {}),
    ...(backup.fleet ? { fleet: backup.fleet } : {}),
    log: { entry: 'pgbak.log' },
  };
}

/** Writes the backup into `dir` and returns the zip's path. */
export async function writeFakeBackup(dir: string, backup: FakeBackup): Promise<string> {
  const path = join(dir, backup.file ?? archiveName(backup.profile, backup.alsoDumps?.length ? 'all' : backup.database, new Date(backup.startedAt)));
  const writer = await ZipWriter.create(await LocalFileSink.open(path));
  await writer.addBuffer('full/app.dump', Buffer.from('dump'), { compress: false });
  await writer.addBuffer('manifest.json', serializeManifest(fakeManifest(backup)), { compress: true });
  await writer.addBuffer('pgbak.log', Buffer.from('{}\n'), { compress: true });
  await writer.finish();
  await writeFile(path.replace(/\.zip$/, '.log'), '{"level":"info","message":"fake"}\n');
  if (backup.verified === 'malformed') await writeFile(`${path}.verified.json`, '{ not json');
  else if (backup.verified === 'not verified') {
    const record = { ok: false, outcome: 'not verified', error: 'cannot connect to db:5432: connection refused', verifiedAt: backup.startedAt.replace(/T\d\d/, 'T05') };
    await writeFile(`${path}.verified.json`, JSON.stringify(record));
  } else if (backup.verified !== undefined) {
    await writeFile(`${path}.verified.json`, JSON.stringify({ ok: backup.verified, verifiedAt: backup.startedAt.replace(/T\d\d/, 'T05') }));
  }
  return path;
}

/** A zip pgbak did not write: no manifest. */
export async function writeForeignZip(dir: string, file: string): Promise<string> {
  const path = join(dir, file);
  const writer = await ZipWriter.create(await LocalFileSink.open(path));
  await writer.addBuffer('readme.txt', Buffer.from('not a backup'), { compress: true });
  await writer.finish();
  return path;
}

/** A fresh temp folder per test, removed afterwards. */
export function useBackupDir(): () => string {
  let dir: string | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pgbak-retention-'));
  });
  afterEach(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });
  return () => {
    if (dir === undefined) throw new Error('backup dir used outside a test');
    return dir;
  };
}

/** File names in `dir`, sorted. */
export async function filesIn(dir: string): Promise<string[]> {
  return (await readdir(dir)).sort();
}

/** `2024-02-29T01:00:00.000Z` for each day from `from` to `to` (inclusive), at `hour` UTC. */
export function everyDay(from: string, to: string, hour = 1): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) {
    out.push(new Date(t + hour * 3_600_000).toISOString());
  }
  return out;
}

/** The owner record of a process that has exited (on this host, this boot). */
export async function deadOwner(): Promise<ProcessOwner> {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const me = await currentOwner();
  return { ...me, pid: Number(child.stdout), startTicks: '1' };
}

/** What a run log of a run that wrote no zip looks like. */
export interface FakeRunLog {
  profile: string;
  databases: string[];
  /** ISO 8601 UTC: the first record's time. */
  startedAt: string;
  /** The failure message; none: the run was killed (or runs still). */
  failure?: string;
  owner: ProcessOwner;
  /** The archive name the run was writing (default: the one `run` would give it). */
  archive?: string;
}

/** Writes `<archive>.log` as a run writes it (first record names the run) and returns its path. */
export async function writeRunLog(dir: string, log: FakeRunLog): Promise<string> {
  const archive = log.archive ?? archiveName(log.profile, log.databases.length === 1 ? log.databases[0]! : 'all', new Date(log.startedAt));
  const path = join(dir, archive.replace(/\.zip$/, '.log'));
  const later = new Date(Date.parse(log.startedAt) + 30_000).toISOString();
  const lines = [
    { time: log.startedAt, level: 'info', message: `run of profile ${log.profile} into ${archive}`, [RUN_RECORD_KEY]: { profile: log.profile, databases: log.databases, archive, owner: log.owner } },
    { time: later, level: 'info', message: 'full (app): running pg_dump 16.4' },
    ...(log.failure ? [{ time: later, level: 'error', message: `${FAILURE_PREFIX}${log.failure}` }] : []),
  ];
  await writeFile(path, lines.map((line) => `${JSON.stringify(line)}\n`).join(''));
  return path;
}
