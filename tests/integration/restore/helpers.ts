// Shared by the restore and verify tests: a seeded source database, backups of it
// made by the real CLI, and `pgbak restore` / `pgbak verify` run the same way.
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli, type CliResult } from '../../support/cli.js';
import { createTestDatabase, getCluster, pgEnv, query, type TestDatabase } from '../../support/db.js';
import { makeTempDir, runBackup, type Backup } from '../../support/restore-helpers.js';
import { seedDatabase } from '../../support/seed.js';

export const cluster = getCluster(15);

/** Databases and archives made by one test file; `cleanUp` in afterAll. */
export function testState() {
  const databases: TestDatabase[] = [];
  const names: string[] = [];
  const backups: Backup[] = [];
  return {
    async fresh(prefix: string): Promise<TestDatabase> {
      const database = await createTestDatabase(cluster, prefix);
      databases.push(database);
      return database;
    },
    /** A name no database has yet, dropped in cleanUp if a test created it. */
    unusedName(prefix: string): string {
      const name = `t_${prefix}_${Math.random().toString(16).slice(2, 10)}`;
      names.push(name);
      return name;
    },
    async seeded(prefix: string): Promise<TestDatabase> {
      const database = await this.fresh(prefix);
      await seedDatabase(cluster, database.name);
      return database;
    },
    async backup(source: TestDatabase, args: string[]): Promise<Backup> {
      const result = await runBackup(args, pgEnv(cluster, source.name));
      backups.push(result);
      return result;
    },
    async cleanUp(): Promise<void> {
      for (const backup of backups) backup.reader.close();
      await Promise.all(databases.map((database) => database.drop()));
      for (const name of names) await query(cluster, 'postgres', `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}

/** `pgbak <args>` with the cluster's PG* (PGDATABASE set to something that is not the target). */
export function pgbak(args: string[], extraEnv: Record<string, string> = {}): Promise<CliResult> {
  return runCli(args, { env: { ...pgEnv(cluster, 'postgres'), ...extraEnv } });
}

/** Whether a database of that name exists. */
export async function databaseExists(name: string): Promise<boolean> {
  const rows = await query(cluster, 'postgres', 'SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  return rows.length > 0;
}

/** Scratch databases verify left behind (should always be none). */
export async function scratchDatabases(): Promise<string[]> {
  const rows = await query<{ datname: string }>(cluster, 'postgres', "SELECT datname FROM pg_database WHERE datname LIKE 'pgbak\\_verify\\_%'");
  return rows.map((row) => row.datname);
}

/**
 * Scratch databases left behind: those that stay. Other test files verify in
 * parallel on the same cluster, and their scratch databases come and go within
 * seconds under fresh random names; one left behind by the verify under test does
 * not go. Empty at once when there is none.
 */
export async function leftScratchDatabases(): Promise<string[]> {
  let left = await scratchDatabases();
  for (let waited = 0; left.length > 0 && waited < 30_000; waited += 500) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const now = new Set(await scratchDatabases());
    left = left.filter((name) => now.has(name));
  }
  return left;
}

/** Number of user tables in a database. */
export async function tableCount(database: string): Promise<number> {
  const rows = await query<{ n: number }>(cluster, database, "SELECT count(*)::int AS n FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')");
  return rows[0]!.n;
}

/** A psql that answers --version like psql 15 and fails (leaving a mark) when run for real. */
export async function trapPsql(): Promise<{ dir: string; mark: string }> {
  const dir = await makeTempDir('pgbak-trap-psql-');
  const mark = join(dir, 'psql-was-run');
  await writeFile(join(dir, 'psql'), `#!/bin/sh\nif [ "$1" = "--version" ]; then echo "psql (PostgreSQL) 15.99"; exit 0; fi\ntouch '${mark}'\necho "psql: error: the trap psql ran" >&2\nexit 2\n`);
  await chmod(join(dir, 'psql'), 0o755);
  return { dir, mark };
}
