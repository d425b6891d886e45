import { describePgError } from '../../db/errors.js';
import type { QueryClient } from '../../db/client.js';
import { PgbakError } from '../../errors.js';
import { quoteLiteral, quoteQualified } from '../../sql/quote.js';

/** How the dump session is set up: pg_dump's settings, plus the lock wait limit. */
export interface SessionOptions {
  /** lock_timeout while taking table locks: milliseconds, or a PostgreSQL interval like `30s`. */
  lockWaitTimeout?: number | string | null;
}

/**
 * Opens the dump's transaction on a fresh connection: REPEATABLE READ, READ ONLY,
 * joining `snapshotId` when given (a worker importing the leader's snapshot),
 * then the session settings of `configureDumpSession`.
 */
export async function beginDumpTransaction(client: QueryClient, snapshotId: string | null, options: SessionOptions = {}): Promise<void> {
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    // Must come before any query of the transaction.
    if (snapshotId !== null) await client.query(`SET TRANSACTION SNAPSHOT ${quoteLiteral(snapshotId)}`);
  } catch (error) {
    throw describePgError(error, snapshotId === null ? 'starting the dump transaction: ' : `joining snapshot ${snapshotId}: `);
  }
  await configureDumpSession(client, options);
}

/**
 * Sets, for the current transaction only (SET LOCAL), what pg_dump sets on its
 * connection: an empty search_path (so the server's pg_get_*def functions
 * qualify every name), ISO dates, postgres intervals, floats that read back
 * exactly, UTF8, no timeouts, row_security off (a table whose rows RLS would
 * filter raises an error instead of being dumped partially) and no synchronized
 * scans (rows come out in the same order every time).
 */
export async function configureDumpSession(client: QueryClient, options: SessionOptions = {}): Promise<void> {
  const lockTimeout = formatLockTimeout(options.lockWaitTimeout);
  const statements = [
    "SELECT pg_catalog.set_config('search_path', '', true)",
    "SET LOCAL datestyle = 'ISO'",
    "SET LOCAL intervalstyle = 'postgres'",
    'SET LOCAL extra_float_digits = 3',
    "SET LOCAL client_encoding = 'UTF8'",
    'SET LOCAL row_security = off',
    'SET LOCAL statement_timeout = 0',
    'SET LOCAL idle_in_transaction_session_timeout = 0',
    `SET LOCAL lock_timeout = ${lockTimeout}`,
    'SET LOCAL synchronize_seqscans = off',
    // The catalog readers' joins run in the order they are written (each reader joins
    // its catalog to the small ones it names, by oid): the planner then does not search
    // every join order of every query: planning is most of a catalog read's server CPU in
    // the dump's fresh session with a small database (2–4 ms of a ~33 ms model read; no
    // slower over 2,000 tables, BENCHMARKS.md). Results are the same; only the plans differ.
    'SET LOCAL join_collapse_limit = 1',
    'SET LOCAL from_collapse_limit = 1',
  ];
  try {
    await client.query(statements.join('; '));
  } catch (error) {
    throw describePgError(error, 'setting up the dump session: ');
  }
}

/** `lock_timeout` as a SQL value: 0 (wait for ever), milliseconds, or a checked interval literal. */
export function formatLockTimeout(value: number | string | null | undefined): string {
  if (value === undefined || value === null) return '0';
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0) throw new PgbakError('CONFIG_INVALID', `lockWaitTimeout must be a whole number of milliseconds, got ${value}`);
    return String(value);
  }
  const text = value.replace(/\s+/g, '');
  if (!/^\d+(ms|s|min|h)?$/.test(text)) {
    throw new PgbakError('CONFIG_INVALID', `lockWaitTimeout must look like 5000, "30s" or "2min", got "${value}"`);
  }
  return quoteLiteral(text);
}

/** A table to lock or read, by name. */
export interface TableName {
  schema: string;
  table: string;
}

const lockBatch = 100;

/**
 * Takes ACCESS SHARE locks on `tables`, as pg_dump does, so that no one drops or
 * rewrites them between reading their definition and their rows. ONLY: a
 * partitioned table's partitions are locked by their own entries.
 */
export async function lockTables(client: QueryClient, tables: readonly TableName[], options: SessionOptions = {}): Promise<void> {
  if (tables.length === 0) return;
  await client.query(`SET LOCAL lock_timeout = ${formatLockTimeout(options.lockWaitTimeout)}`);
  try {
    for (let i = 0; i < tables.length; i += lockBatch) {
      const names = tables.slice(i, i + lockBatch).map((t) => `ONLY ${quoteQualified(t.schema, t.table)}`);
      await client.query(`LOCK TABLE ${names.join(', ')} IN ACCESS SHARE MODE`);
    }
  } catch (error) {
    if ((error as { code?: string }).code === '55P03') {
      throw new PgbakError('STEP_FAILED', `could not lock the tables to dump within lockWaitTimeout: ${(error as Error).message}`, {
        hint: 'another session holds or waits for an exclusive lock; retry later, or raise lockWaitTimeout',
        cause: error,
      });
    }
    throw describePgError(error, 'locking the tables to dump: ');
  }
  // Only the initial locking waits at most lockWaitTimeout; reading may take as long as it takes.
  await client.query('SET LOCAL lock_timeout = 0');
}

/**
 * Locks one table without waiting, as pg_dump's workers do: a worker waiting
 * behind another session's queued ACCESS EXCLUSIVE request (which itself waits
 * for the leader's lock) would wait for ever, unseen by the deadlock detector.
 */
export async function lockTableNowait(client: QueryClient, table: TableName): Promise<void> {
  try {
    await client.query(`LOCK TABLE ONLY ${quoteQualified(table.schema, table.table)} IN ACCESS SHARE MODE NOWAIT`);
  } catch (error) {
    if ((error as { code?: string }).code === '55P03') {
      throw new PgbakError('STEP_FAILED', `could not lock ${quoteQualified(table.schema, table.table)} for a parallel worker: another session is waiting for an exclusive lock on it`, {
        hint: 'retry when the other session is done, or run with jobs: 1',
        cause: error,
      });
    }
    throw describePgError(error, `locking ${quoteQualified(table.schema, table.table)}: `);
  }
}

/** The error PostgreSQL raises when row_security is off and a policy would filter rows. */
export function isRowSecurityError(error: unknown): boolean {
  const err = error as { code?: string; message?: string };
  return err.code === '42501' && /row-level security/i.test(err.message ?? '');
}

/** "table X has row-level security; the role cannot read all its rows: …" */
export function rowSecurityError(tables: readonly TableName[], role: string, cause?: unknown): PgbakError {
  const names = tables.map((t) => quoteQualified(t.schema, t.table));
  const what = names.length === 1 ? `table ${names[0]} has` : `tables ${names.join(', ')} have`;
  const detail = cause instanceof Error ? `: ${cause.message}` : '';
  return new PgbakError('PRIVILEGES_MISSING', `${what} row-level security; role "${role}" cannot read all rows${detail}`, {
    hint: `dump as the tables' owner or a role with BYPASSRLS (ALTER ROLE ... BYPASSRLS), or exclude the table${names.length === 1 ? '' : 's'}; a filtered table is never dumped`,
    ...(cause === undefined ? {} : { cause }),
  });
}
