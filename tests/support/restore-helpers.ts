// Helpers for round-trip tests: run a backup through the real CLI, open and check
// the archive it wrote, extract entries and restore them with the real
// pg_restore / psql into another database.
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { execa } from 'execa';
import { openZip, parseManifest, verifyEntries, type Manifest, type ZipReader } from '../../lib/archive/index.js';
import { runCli, type CliResult } from './cli.js';
import type { ClusterInfo } from './cluster-info.js';
import { createTestDatabase, pgEnv, type TestDatabase } from './db.js';
import type { DatabaseSnapshot } from './seed.js';

/** A finished run: the CLI's `--json` summary plus the opened archive. */
export interface Backup {
  cli: CliResult;
  archive: string;
  log: string;
  outputDir: string;
  manifest: Manifest;
  reader: ZipReader;
}

/** Temp folders made by `makeTempDir`; remove them in afterAll with `removeTempDirs`. */
const tempDirs: string[] = [];

export async function makeTempDir(prefix = 'pgbak-roundtrip-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

export async function removeTempDirs(): Promise<void> {
  await Promise.all(tempDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

/**
 * What a round-trip test file creates — fresh databases, opened archives, temp
 * folders — kept so that one `release()` in afterAll removes it all.
 */
export function trackTestResources(cluster: ClusterInfo) {
  const created: TestDatabase[] = [];
  const opened: Backup[] = [];
  return {
    async freshDatabase(prefix: string): Promise<TestDatabase> {
      const database = await createTestDatabase(cluster, prefix);
      created.push(database);
      return database;
    },
    keep(backup: Backup): Backup {
      opened.push(backup);
      return backup;
    },
    async release(): Promise<void> {
      for (const backup of opened.splice(0)) backup.reader.close();
      await Promise.all(created.splice(0).map((database) => database.drop()));
      await removeTempDirs();
    },
  };
}

/**
 * Runs `pgbak run <args> --json --output-dir <fresh dir>` and opens the zip it
 * reports. Fails with the CLI's stderr when the run does not exit 0.
 */
export async function runBackup(args: string[], env: Record<string, string>, options: { cwd?: string } = {}): Promise<Backup> {
  const outputDir = await makeTempDir('pgbak-out-');
  const cli = await runCli(['run', ...args, '--output-dir', outputDir, '--json'], { env, ...options });
  if (cli.exitCode !== 0) {
    throw new Error(`pgbak run ${args.join(' ')} exited with ${cli.exitCode}\nstderr:\n${cli.stderr}\nstdout:\n${cli.stdout}`);
  }
  const summary = JSON.parse(cli.stdout.trim().split('\n').pop() ?? '{}') as { archive: string; log: string };
  const reader = await openZip(summary.archive);
  const manifest = parseManifest(await reader.readText('manifest.json'));
  return { cli, archive: summary.archive, log: summary.log, outputDir, manifest, reader };
}

/** Every dump entry the manifest lists, checked against the archive's content. */
export async function verifyManifestEntries(backup: Backup) {
  const expected = backup.manifest.steps.flatMap((step) => step.entries);
  return verifyEntries(backup.reader, expected);
}

/** Names in the output folder (to check that no `.partial` or temp dir is left). */
export async function listOutputDir(backup: Backup): Promise<string[]> {
  return (await readdir(backup.outputDir)).sort();
}

/** The permission bits of a file (e.g. 0o600). */
export async function fileMode(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

/** Writes one entry of the archive to `dest`. */
export async function extractEntry(reader: ZipReader, name: string, dest: string): Promise<string> {
  await mkdir(dirname(dest), { recursive: true });
  await pipeline(await reader.openStream(name), createWriteStream(dest, { mode: 0o600 }));
  return dest;
}

/** Writes every entry under `prefix` into `dir` (prefix stripped): a pg_dump directory dump. */
export async function extractPrefix(reader: ZipReader, prefix: string, dir: string): Promise<string[]> {
  const names = reader.entries().map((entry) => entry.name).filter((name) => name.startsWith(prefix));
  for (const name of names) await extractEntry(reader, name, join(dir, name.slice(prefix.length)));
  return names;
}

/** `pg_restore -d <database> --no-owner --exit-on-error <extra> <input>`; throws with stderr on failure. */
export async function pgRestore(cluster: ClusterInfo, database: string, input: string, extra: string[] = []): Promise<string> {
  const result = await execa('pg_restore', ['-d', database, '--no-owner', '--exit-on-error', ...extra, input], {
    env: pgEnv(cluster, database),
    reject: false,
    stdin: 'ignore',
  });
  if (result.exitCode !== 0) throw new Error(`pg_restore exited with ${result.exitCode}:\n${result.stderr}`);
  return String(result.stderr);
}

/** `pg_restore --list` of a dump: its table of contents. */
export async function pgRestoreList(input: string): Promise<string> {
  const result = await execa('pg_restore', ['--list', input], { stdin: 'ignore' });
  return String(result.stdout);
}

/** `psql -v ON_ERROR_STOP=1 -f <file>` against `database`; throws with stderr on failure. */
export async function psqlFile(cluster: ClusterInfo, database: string, file: string): Promise<void> {
  const result = await execa('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', database, '-f', file], {
    env: pgEnv(cluster, database),
    reject: false,
    stdin: 'ignore',
  });
  if (result.exitCode !== 0) throw new Error(`psql exited with ${result.exitCode}:\n${result.stderr}`);
}

/**
 * What the manifest should record for a database with this snapshot: tables by
 * their display key (`public.orders`, `public."Order Items; DROP"`), materialized
 * views left out (pg_dump writes no rows for them, it refreshes them).
 */
export function expectedManifestFacts(snapshot: DatabaseSnapshot, matviews: readonly string[] = ['billing.revenue_by_status']) {
  const tables: Record<string, number> = {};
  for (const [key, count] of Object.entries(snapshot.rowCounts)) {
    if (matviews.includes(key)) continue;
    tables[displayKey(key)] = count;
  }
  const sequences: Record<string, { lastValue: string | null; isCalled: boolean }> = {};
  for (const [key, state] of Object.entries(snapshot.sequences)) {
    // Read from the sequence itself: setval(…, false) keeps its value with is_called false.
    sequences[displayKey(key)] = { lastValue: String(state.last_value), isCalled: state.is_called };
  }
  return { tables, sequences, largeObjects: snapshot.largeObjects };
}

const plain = /^[a-z_][a-z0-9_$]*$/;

/** `schema.name` (first dot splits; the seed's names have no dot in the schema) to the manifest's display key. */
export function displayKey(key: string): string {
  const dot = key.indexOf('.');
  const part = (p: string) => (plain.test(p) ? p : `"${p.replace(/"/g, '""')}"`);
  return `${part(key.slice(0, dot))}.${part(key.slice(dot + 1))}`;
}

/** A snapshot with every table's row count set to `rows`. */
export function withRowCounts(snapshot: DatabaseSnapshot, rows: number): DatabaseSnapshot {
  return { ...snapshot, rowCounts: Object.fromEntries(Object.keys(snapshot.rowCounts).map((key) => [key, rows])) };
}
