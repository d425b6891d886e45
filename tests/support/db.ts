// Helpers for integration tests: reach the run's clusters, make a fresh database
// per test, run SQL, and build the PG* environment for child processes.
import { randomBytes } from 'node:crypto';
import { accessSync, constants, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { CLUSTERS_FILE_ENV, type ClusterInfo, type ClustersFile } from './cluster-info.js';

export type { ClusterInfo } from './cluster-info.js';

/** Everything a client needs to connect to one database. */
export interface ConnectionInfo {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

/** A database created for one test; `drop()` removes it (safe to call twice). */
export interface TestDatabase {
  name: string;
  /** postgresql://user:password@host:port/name, percent-encoded. */
  url: string;
  connection: ConnectionInfo;
  cluster: ClusterInfo;
  drop(): Promise<void>;
}

/** The run's cluster of the given major, as written by global-setup. */
export function getCluster(major = 15): ClusterInfo {
  const file = process.env[CLUSTERS_FILE_ENV];
  if (!file) {
    throw new Error(`${CLUSTERS_FILE_ENV} is not set: run integration tests through Jest's integration project`);
  }
  const { clusters } = JSON.parse(readFileSync(file, 'utf8')) as ClustersFile;
  const cluster = clusters.find((candidate) => candidate.major === major);
  if (!cluster) {
    const have = clusters.map((candidate) => candidate.major).join(', ') || 'none';
    throw new Error(`no PostgreSQL ${major} cluster in this run (have: ${have}); set PGBAK_TEST_MAJORS`);
  }
  return cluster;
}

export function connectionInfo(cluster: ClusterInfo, database: string): ConnectionInfo {
  return { host: cluster.host, port: cluster.port, user: cluster.user, password: cluster.password, database };
}

export function connectionUrl(cluster: ClusterInfo, database: string): string {
  const user = encodeURIComponent(cluster.user);
  const password = encodeURIComponent(cluster.password);
  return `postgresql://${user}:${password}@${cluster.host}:${cluster.port}/${encodeURIComponent(database)}`;
}

/** Connects, runs fn, and always closes the client. */
export async function withClient<T>(
  cluster: ClusterInfo,
  database: string,
  fn: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client(connectionInfo(cluster, database));
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Runs one statement on a fresh connection and returns its rows. */
export async function query<R extends pg.QueryResultRow = Record<string, unknown>>(
  cluster: ClusterInfo,
  database: string,
  sql: string,
  params?: unknown[],
): Promise<R[]> {
  return withClient(cluster, database, async (client) => (await client.query<R>(sql, params)).rows);
}

/**
 * Creates an empty database named `t_<prefix>_<random>` so tests never share
 * state and can run in parallel workers.
 */
export async function createTestDatabase(cluster: ClusterInfo, prefix: string): Promise<TestDatabase> {
  const safePrefix = prefix.toLowerCase().replace(/[^a-z0-9_]+/g, '_').slice(0, 40);
  const name = `t_${safePrefix}_${randomBytes(5).toString('hex')}`;
  const quoted = pg.escapeIdentifier(name);
  await query(cluster, 'postgres', `CREATE DATABASE ${quoted}`);
  return {
    name,
    url: connectionUrl(cluster, name),
    connection: connectionInfo(cluster, name),
    cluster,
    // FORCE: a test that failed midway may have left a connection open.
    drop: async () => void (await query(cluster, 'postgres', `DROP DATABASE IF EXISTS ${quoted} WITH (FORCE)`)),
  };
}

/**
 * libpq environment for a child process (pg_dump, psql, the CLI). Merge it over
 * process.env yourself; PGPASSWORD keeps the password out of argv.
 */
export function pgEnv(cluster: ClusterInfo, database: string): Record<string, string> {
  return {
    PGHOST: cluster.host,
    PGPORT: String(cluster.port),
    PGUSER: cluster.user,
    PGPASSWORD: cluster.password,
    PGDATABASE: database,
  };
}

const CLIENT_TOOLS = ['pg_dump', 'pg_restore', 'psql'] as const;

/** The PostgreSQL client tools not found on PATH (empty when all are there). */
export function missingClientTools(tools: readonly string[] = CLIENT_TOOLS): string[] {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  return tools.filter((tool) => !dirs.some((dir) => isExecutable(path.join(dir, tool))));
}

/**
 * Whether pg_dump, pg_restore and psql are on PATH. Use it to skip with a reason:
 * `const describeWithTools = hasClientTools() ? describe : describe.skip;`
 */
export function hasClientTools(tools: readonly string[] = CLIENT_TOOLS): boolean {
  const missing = missingClientTools(tools);
  if (missing.length > 0) {
    console.warn(`skipping tests that need PostgreSQL client tools: ${missing.join(', ')} not on PATH`);
  }
  return missing.length === 0;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The majors this run started (PGBAK_TEST_MAJORS), in order: for tests that
 * hold on every server the run has, e.g. `describe.each(runMajors())`.
 */
export function runMajors(): number[] {
  const file = process.env[CLUSTERS_FILE_ENV];
  if (!file) throw new Error(`${CLUSTERS_FILE_ENV} is not set: run integration tests through Jest's integration project`);
  const { clusters } = JSON.parse(readFileSync(file, 'utf8')) as ClustersFile;
  return clusters.map((cluster) => cluster.major).sort((a, b) => a - b);
}
