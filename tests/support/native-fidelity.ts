// The native engine's acceptance check: dump a database with the native engine,
// restore the file with stock psql into an empty database, then prove the copy
// is the same: schema (pg_dump --schema-only of both, or on a server newer than
// the installed pg_dump a second native dump) and every table's rows.
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { execa } from 'execa';
import pg from 'pg';
import type { Connection } from '../../lib/config/connection-types.js';
import { Secret } from '../../lib/config/secret.js';
import type { QueryClient } from '../../lib/db/client.js';
import { dumpNative, type NativeDumpOptions, type NativeDumpResult } from '../../lib/engines/native/index.js';
import type { CatalogReader, ReadOptions } from '../../lib/engines/native/toc.js';
import type { ClusterInfo } from './cluster-info.js';
import { connectionInfo, createTestDatabase, pgEnv, query, type TestDatabase } from './db.js';

/** Who connects: the cluster's superuser unless a role is given. */
export interface RoleLogin {
  user: string;
  password: string;
}

export interface NativeDumpFileOptions {
  kind?: NativeDumpOptions['kind'];
  jobs?: number;
  readers?: readonly CatalogReader[];
  readOptions?: Partial<ReadOptions>;
  login?: RoleLogin;
  skipUnreadable?: boolean;
  scratchDir?: string;
}

/** A native dump written to a file. */
export interface NativeDumpFile {
  file: string;
  text: string;
  result: NativeDumpResult;
}

const tempDirs: string[] = [];

/** Removes the folders the dumps of this test file were written to (afterAll). */
export async function removeNativeDumpDirs(): Promise<void> {
  await Promise.all(tempDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

/** A Connection (the product's type) to a test cluster, as the given role. */
export function testConnection(cluster: ClusterInfo, database: string, login?: RoleLogin): Connection {
  return {
    host: cluster.host,
    port: cluster.port,
    user: login?.user ?? cluster.user,
    database,
    password: new Secret(login?.password ?? cluster.password),
    sslmode: 'disable',
    sslrootcert: undefined,
    sslcert: undefined,
    sslkey: undefined,
    applicationName: 'pgbak-test',
    passfile: undefined,
    origin: {},
  };
}

/**
 * Runs dumpNative as pgbak will: one connection exports a REPEATABLE READ
 * snapshot and holds it while the dump (and its workers) read.
 */
export async function nativeDumpToFile(cluster: ClusterInfo, database: string, options: NativeDumpFileOptions = {}): Promise<NativeDumpFile> {
  const dir = await mkdtemp(join(tmpdir(), 'pgbak-native-'));
  tempDirs.push(dir);
  const file = join(dir, 'dump.sql');
  const login = options.login ?? { user: cluster.user, password: cluster.password };
  const client = new pg.Client({ ...connectionInfo(cluster, database), ...login });
  await client.connect();
  const output = createWriteStream(file);
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    const { rows } = await client.query<{ id: string }>('SELECT pg_catalog.pg_export_snapshot() AS id');
    const { readers } = options;
    const result = await dumpNative({
      client: client as unknown as QueryClient,
      database,
      snapshotId: rows[0]!.id,
      connection: testConnection(cluster, database, login),
      output,
      kind: options.kind ?? 'full',
      readOptions: { noOwner: false, noPrivileges: false, includesSchema: () => true, includesTable: () => true, serverMajor: cluster.major, ...options.readOptions },
      jobs: options.jobs ?? 1,
      ...(readers ? { readers } : {}),
      ...(options.skipUnreadable ? { skipUnreadable: true } : {}),
      ...(options.scratchDir ? { scratchDir: options.scratchDir } : {}),
    });
    output.end();
    await finished(output);
    return { file, text: await readFile(file, 'utf8'), result };
  } finally {
    output.destroy();
    await client.query('ROLLBACK').catch(() => undefined);
    await client.end();
  }
}

/** `psql -v ON_ERROR_STOP=1 -f file` into `database`; throws with psql's stderr on failure. */
export async function restoreWithPsql(cluster: ClusterInfo, database: string, file: string, login?: RoleLogin): Promise<void> {
  const env = { ...process.env, ...pgEnv(cluster, database), ...(login ? { PGUSER: login.user, PGPASSWORD: login.password } : {}) };
  const result = await execa('psql', ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', file], { env, reject: false });
  if (result.exitCode !== 0) throw new Error(`psql -f ${file} exited with ${result.exitCode}:\n${result.stderr}`);
}

/** Lines that say nothing about the schema: comments, blanks, psql's \restrict keys. */
export function normalizeDump(text: string): string {
  return text
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('--') && !/^\\(un)?restrict /.test(line))
    .join('\n');
}

/** `pg_dump --schema-only` of a database, normalized. */
export async function schemaDump(cluster: ClusterInfo, database: string): Promise<string> {
  const result = await execa('pg_dump', ['--schema-only', database], { env: { ...process.env, ...pgEnv(cluster, database) } });
  return normalizeDump(result.stdout);
}

/** The installed pg_dump's major version (it refuses servers newer than itself). */
export async function pgDumpMajor(): Promise<number> {
  const { stdout } = await execa('pg_dump', ['--version']);
  return Number(/(\d+)(?:\.\d+)?/.exec(stdout)?.[1] ?? 0);
}

/** An ordered hash of every user table's rows, keyed `schema.table`. */
export async function tableHashes(cluster: ClusterInfo, database: string): Promise<Record<string, string>> {
  const tables = await query<{ schema: string; name: string }>(
    cluster,
    database,
    `SELECT n.nspname AS schema, c.relname AS name FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'r' AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_' ORDER BY 1, 2`,
  );
  // Tables only: a materialized view is refreshed after the restore (as pg_dump's are),
  // so a stale one in the source legitimately differs; the schema comparison covers its definition.
  const out: Record<string, string> = {};
  for (const t of tables) {
    const name = `${pg.escapeIdentifier(t.schema)}.${pg.escapeIdentifier(t.name)}`;
    const rows = await query<{ h: string | null }>(cluster, database, `SELECT md5(string_agg(t::text, E'\\n' ORDER BY t::text)) AS h FROM ONLY ${name} t`);
    out[`${t.schema}.${t.name}`] = rows[0]!.h ?? 'empty';
  }
  return out;
}

/** Large objects and their contents' hashes, keyed by OID. */
export async function largeObjectHashes(cluster: ClusterInfo, database: string): Promise<Record<string, string>> {
  const rows = await query<{ oid: string; h: string }>(cluster, database, 'SELECT oid::text AS oid, md5(pg_catalog.lo_get(oid)) AS h FROM pg_catalog.pg_largeobject_metadata ORDER BY oid');
  return Object.fromEntries(rows.map((r) => [r.oid, r.h]));
}

export interface RoundTrip {
  dump: NativeDumpFile;
  target: TestDatabase;
}

/**
 * Native dump of `sourceDb` (kind full) → psql into a fresh empty database →
 * the same schema (pg_dump --schema-only of both; when the server is newer than
 * pg_dump, a second native dump of the copy equals the first) and the same rows
 * in every table, and the same large objects. Returns the dump and the copy
 * (dropped by the caller).
 */
export async function expectNativeRoundTrip(
  cluster: ClusterInfo,
  sourceDb: string,
  options: NativeDumpFileOptions & { restoreLogin?: RoleLogin } = {},
): Promise<RoundTrip> {
  const dump = await nativeDumpToFile(cluster, sourceDb, { ...options, kind: 'full' });
  const target = await createTestDatabase(cluster, 'native_copy');
  try {
    if (options.restoreLogin) await query(cluster, 'postgres', `ALTER DATABASE ${pg.escapeIdentifier(target.name)} OWNER TO ${pg.escapeIdentifier(options.restoreLogin.user)}`);
    await restoreWithPsql(cluster, target.name, dump.file, options.restoreLogin);
    if ((await pgDumpMajor()) >= cluster.major) {
      expect(await schemaDump(cluster, target.name)).toEqual(await schemaDump(cluster, sourceDb));
    } else {
      const again = await nativeDumpToFile(cluster, target.name, { ...options, kind: 'full' });
      expect(normalizeDump(again.text)).toEqual(normalizeDump(dump.text));
    }
    expect(await tableHashes(cluster, target.name)).toEqual(await tableHashes(cluster, sourceDb));
    expect(await largeObjectHashes(cluster, target.name)).toEqual(await largeObjectHashes(cluster, sourceDb));
    return { dump, target };
  } catch (error) {
    await target.drop();
    throw error;
  }
}
