import type { Writable } from 'node:stream';
import type { Connection } from '../../config/connection-types.js';
import { connect, type QueryClient } from '../../db/client.js';
import { recordingClient, type QueryRecord } from '../../db/query-record.js';
import { PgbakError } from '../../errors.js';
import type { PgbakLogger } from '../../log/index.js';
import { quoteQualified } from '../../sql/quote.js';
import { pgbakVersion } from '../../version.js';
import { catalogReaders, readCatalog } from './catalog/index.js';
import { orderDataByForeignKeys } from './data-order.js';
import { readDependencies } from './dependencies.js';
import { DumpSink, throwIfAborted } from './dump-sink.js';
import { noteMissingDependencies } from './missing-dependencies.js';
import { orderEntries } from './order.js';
import { withParallelTableData, type FetchedTableData } from './parallel-data.js';
import { defaultLargeObjects, kindHasData, selectEntries, type NativeDumpKind } from './select-entries.js';
import { readRelationStatistics } from './relation-statistics.js';
import { readSequenceSets, type SequenceSetResult, type SequenceValue } from './sequence-values.js';
import { configureDumpSession, lockTables, type TableName } from './session-setup.js';
import { lacksAny, missingPrivilegesError, unreadableLargeObjects, type MissingPrivileges, type UnreadableSequence } from './privileges.js';
import { checkTableAccess } from './table-access.js';
import type { CatalogReader, ReadOptions, TocEntry } from './toc.js';
import { writeDump } from './write-dump.js';
import { writeSplitDump, type PartOutput } from './split/write-split.js';

/** What `dumpNative` needs: the world it talks to and what to dump. */
export interface NativeDumpOptions {
  /** The leader's connection, already inside the dump's REPEATABLE READ transaction (withExportedSnapshot). */
  client: QueryClient;
  /** The dumped database's name (header; worker connections). */
  database: string;
  /** The snapshot `client` exported; workers join it. Required when jobs > 1. */
  snapshotId: string | null;
  /** How worker connections reach the server (jobs > 1). */
  connection?: Connection;
  /** Where the SQL goes; written with backpressure, never ended here. */
  output?: Writable;
  /** Split layout: the parts go here instead of `output` (see writeSplitDump). */
  parts?: PartOutput;
  kind: NativeDumpKind;
  readOptions: ReadOptions;
  /** Parallel table readers (worker connections); 1 streams every table on `client`. */
  jobs?: number;
  /** Leave out tables and sequences the role cannot read (listed in `warnings`) instead of refusing. */
  skipUnreadable?: boolean;
  /** Dump large objects; pg_dump's default for the kind when absent (full, data-only, large-objects). */
  largeObjects?: boolean;
  /** lock_timeout for taking the ACCESS SHARE table locks (pg_dump --lock-wait-timeout). */
  lockWaitTimeout?: number | string | null;
  /**
   * Write the optimizer statistics of the dumped tables, materialized views and indexes,
   * as pg_dump 18 `--with-statistics` (see relation-statistics.ts); restoring them needs
   * PostgreSQL 18. Default false, as pg_dump 18.
   */
  statistics?: boolean;
  /** Take ACCESS SHARE locks on the dumped tables first, as pg_dump does (default true). */
  lockTables?: boolean;
  /** Folder for the parallel workers' private temp dir (default: the OS temp dir). */
  scratchDir?: string;
  logger?: PgbakLogger;
  signal?: AbortSignal;
  /** Told `schema.table` as each table's rows start (for the progress line). */
  onTable?: (table: string) => void;
  /** The catalog readers to run; the registry by default. */
  readers?: readonly CatalogReader[];
  /** Opens a worker connection; `connect(connection, database)` by default. */
  connectWorker?: () => Promise<QueryClient>;
  /**
   * Keeps what the catalog readers and the dependency graph read here, so the
   * caller can build the schema model from the same read (replayingClient).
   */
  catalogRecord?: QueryRecord;
}

export interface NativeDumpResult {
  /** Bytes written to `output`. */
  bytes: number;
  /** Tables whose rows were written. */
  tables: number;
  /** What the manifest and the log should say: left-out objects, dependency loops. */
  warnings: string[];
  /** Tables and sequences (quoted `"s"."t"`) and large objects left out as unreadable (skipUnreadable). */
  skipped: { tables: string[]; sequences: string[]; largeObjects: number[] };
  /**
   * The value each setval written sets, keyed by display name (`public.orders_id_seq`):
   * what a restore of this dump must bring back (verify compares with it).
   */
  sequenceValues: Record<string, SequenceValue>;
  /** The rows each table's COPY returned, by display name (`public.orders`): its count(*) in the dump's snapshot. */
  rowsCopied: Map<string, number>;
}

/**
 * Writes one self-contained plain SQL dump of a database without pg_dump: runs
 * every catalog reader in the caller's snapshot, orders the entries as pg_dump
 * does, and writes header, pre-data, data (COPY blocks, then sequence values,
 * then large object contents), post-data, grants, refreshes and a footer. The
 * file restores with `psql -v ON_ERROR_STOP=1 -f` into an empty database.
 */
export async function dumpNative(options: NativeDumpOptions): Promise<NativeDumpResult> {
  const { client, kind, logger, signal } = options;
  const jobs = Math.max(1, Math.floor(options.jobs ?? 1));
  if (jobs > 1 && options.snapshotId === null) throw new PgbakError('INTERNAL', 'a parallel native dump needs the exported snapshot id');
  if (jobs > 1 && !options.connection && !options.connectWorker) throw new PgbakError('INTERNAL', 'a parallel native dump needs a connection for its workers');
  const largeObjects = options.largeObjects ?? defaultLargeObjects(kind);
  const warnings: string[] = [];
  const session = { lockWaitTimeout: options.lockWaitTimeout ?? null };

  await configureDumpSession(client, session);
  const { role, serverVersion, serverVersionNum } = await readSessionFacts(client);
  if (options.lockTables !== false && kind !== 'large-objects') {
    await lockTables(client, await lockableTables(client, options.readOptions), session);
  }
  throwIfAborted(signal);

  // The catalog is read once per step: what the schema model needs of it is kept when asked.
  const catalog = options.catalogRecord ? recordingClient(client, options.catalogRecord) : client;
  let entries = await readCatalog(catalog, options.readers ?? catalogReaders, options.readOptions, logger);
  throwIfAborted(signal);
  const skipUnreadable = options.skipUnreadable === true;
  const dataTables = entries.filter((e) => e.kind === 'TABLE DATA' && e.copy).map((e) => ({ schema: e.copy!.schema, table: e.copy!.table }));
  const tableAccess = await checkTableAccess(client, kindHasData(kind) ? dataTables : []);
  let sequences: UnreadableSequence[] = [];
  let setValues: SequenceSetResult['values'] = new Map();
  if (kindHasData(kind)) {
    const sets = await readSequenceSets(client, entries);
    entries.push(...sets.entries);
    sequences = sets.unreadable;
    setValues = sets.values;
    if (kind === 'data-only') entries = await orderDataByForeignKeys(client, entries);
  }
  const selected = selectEntries(entries, kind, largeObjects);
  const graph = await readDependencies(catalog);
  if (options.statistics === true) {
    // On the plain client: statistics are no part of the schema model's catalog read.
    selected.push(...(await readRelationStatistics(client, selected, graph, { major: Math.floor(serverVersionNum / 10000), versionNum: serverVersionNum })));
    throwIfAborted(signal);
  }
  // Returned, not logged: the caller logs a step's warnings once.
  if (kind === 'tables') warnings.push(...(await noteMissingDependencies(client, selected, graph)));
  const ordered = orderEntries(selected, graph);
  warnings.push(...ordered.warnings);
  for (const entry of ordered.entries) if (entry.warning) warnings.push(entry.warning);
  const allLargeObjects = kindHasData(kind)
    ? ordered.entries.filter((e) => e.kind === 'LARGE OBJECT' && e.ref).map((e) => e.ref!.objid)
    : [];

  // Everything the role may not read, checked before any row is read, refused in one message.
  const missing: MissingPrivileges = { tables: tableAccess, sequences, largeObjects: await unreadableLargeObjects(client, allLargeObjects, Number.parseInt(serverVersion, 10)) };
  if ((lacksAny(missing) && !skipUnreadable) || tableAccess.rowSecurity.length > 0) {
    const refused = skipUnreadable ? { tables: { unreadable: [], schemasWithoutUsage: [], rowSecurity: [] }, sequences: [], largeObjects: [] } : missing;
    throw missingPrivilegesError(refused, tableAccess.rowSecurity, role);
  }
  const skipped = {
    tables: tableAccess.unreadable.map((t) => quoteQualified(t.schema, t.table)),
    sequences: sequences.map((q) => quoteQualified(q.schema, q.name)),
    largeObjects: missing.largeObjects,
  };
  for (const name of skipped.tables) warnings.push(`no SELECT privilege on ${name}: its rows were left out`);
  for (const name of skipped.sequences) warnings.push(`no SELECT privilege on sequence ${name}: its value was left out`);
  for (const oid of skipped.largeObjects) warnings.push(`no SELECT privilege on large object ${oid}: its contents were left out`);
  const unreadableTables = new Set(tableAccess.unreadable.map((t) => `${t.schema}\0${t.table}`));
  const written = ordered.entries.filter((e) => !(e.kind === 'TABLE DATA' && e.copy && unreadableTables.has(`${e.copy.schema}\0${e.copy.table}`)));
  const unreadableObjects = new Set(missing.largeObjects);
  const largeObjectOids = allLargeObjects.filter((oid) => !unreadableObjects.has(oid));

  if (!options.output === !options.parts) throw new PgbakError('INTERNAL', 'a native dump writes either to one output or to parts');
  const sink = options.output ? new DumpSink(options.output, signal) : null;
  const rowsCopied = new Map<string, number>();
  const common = {
    rowsCopied,
    entries: written,
    header: { database: options.database, serverVersion, pgbakVersion, kind },
    client,
    role,
    largeObjects: largeObjectOids,
    ...(logger ? { logger } : {}),
    ...(signal ? { signal } : {}),
    ...(options.onTable ? { onTable: options.onTable } : {}),
  };
  const write = (parallel: FetchedTableData | null) =>
    sink ? writeDump({ ...common, parallel, sink }) : writeSplitDump({ ...common, parallel, parts: options.parts!, graph });
  const dataEntries = written.filter((e) => e.kind === 'TABLE DATA' && e.copy);
  let result: { tables: number };
  if (jobs > 1 && dataEntries.length > 1) {
    const connection = options.connection;
    result = await withParallelTableData(
      {
        connect: options.connectWorker ?? (() => connect(connection!, options.database)),
        snapshotId: options.snapshotId!,
        jobs,
        tables: dataEntries.map((e) => ({ id: e.id, copy: e.copy! })),
        role,
        session,
        ...(options.scratchDir ? { scratchDir: options.scratchDir } : {}),
        ...(signal ? { signal } : {}),
        ...(logger ? { logger } : {}),
      },
      write,
    );
  } else {
    result = await write(null);
  }
  const bytes = sink?.bytes ?? 0;
  logger?.info(`native dump of ${options.database}: ${result.tables} table${result.tables === 1 ? '' : 's'}${sink ? `, ${bytes} bytes` : ', split layout'}`);
  return { bytes, tables: result.tables, warnings, skipped, sequenceValues: writtenSequenceValues(ordered.entries, setValues), rowsCopied };
}

// Only the SEQUENCE SET entries that made it into the dump (the kind selects them).
function writtenSequenceValues(written: readonly TocEntry[], values: SequenceSetResult['values']): Record<string, SequenceValue> {
  const out: Record<string, SequenceValue> = {};
  for (const entry of written) {
    const value = entry.kind === 'SEQUENCE SET' ? values.get(entry.id) : undefined;
    if (value) out[value.sequence] = { lastValue: value.lastValue, isCalled: value.isCalled };
  }
  return out;
}

async function readSessionFacts(client: QueryClient): Promise<{ role: string; serverVersion: string; serverVersionNum: number }> {
  const { rows } = await client.query<{ role: string; version: string; num: string }>(
    "SELECT current_user::text AS role, pg_catalog.current_setting('server_version') AS version, pg_catalog.current_setting('server_version_num') AS num",
  );
  return { role: rows[0]!.role, serverVersion: rows[0]!.version, serverVersionNum: Number(rows[0]!.num) };
}

// Tables the role can lock (LOCK needs SELECT and USAGE on the schema); the
// access check reports the others by name before any row is read.
const lockableSql = `
  SELECT n.nspname AS schema, c.relname AS "table"
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relkind IN ('r', 'p')
     AND n.nspname <> 'information_schema' AND n.nspname !~ '^pg_'
     AND pg_catalog.has_schema_privilege(n.oid, 'USAGE')
     AND pg_catalog.has_table_privilege(c.oid, 'SELECT')
     AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                      WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid AND d.deptype = 'e')
   ORDER BY 1, 2`;

async function lockableTables(client: QueryClient, readOptions: ReadOptions): Promise<TableName[]> {
  const { rows } = await client.query<TableName>(lockableSql);
  return rows.filter((t) => readOptions.includesSchema(t.schema) && readOptions.includesTable(t.schema, t.table));
}
