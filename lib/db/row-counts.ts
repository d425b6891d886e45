import type { RowCountMode } from '../config/profile-schema.js';
import { displayName, quoteLiteral, quoteQualified } from '../sql/quote.js';
import { queryEach, type QueryClient } from './client.js';
import type { ScopeFilter } from './table-scope.js';

/** What the manifest records about the data of one dumped database. */
export interface DataFacts {
  rowCounts: { mode: RowCountMode; tables: Record<string, number | null> } | null;
  sequences: Record<string, { lastValue: string | null; isCalled: boolean }>;
  largeObjects: number | null;
  warnings: string[];
  /** How many tables have their rows in the dump (whatever the row-count mode); absent when not read. */
  dumpedTables?: number;
  /**
   * Readable tables whose exact count was left for {@link completeRowCounts} (`deferExact`):
   * absent once every count is in.
   */
  uncounted?: TableName[];
}

/** A table, by schema and name. */
export interface TableName {
  schema: string;
  name: string;
}

interface TableRow {
  schema: string;
  name: string;
  estimate: string;
  readable: boolean;
}

// Leaf tables whose rows pg_dump writes: ordinary tables and partitions, not
// system schemas, not members of extensions (pg_dump skips their data).
const tablesSql = `
  SELECT n.nspname AS schema, c.relname AS name, c.reltuples::bigint::text AS estimate,
         pg_catalog.has_table_privilege(c.oid, 'SELECT') AS readable
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relkind = 'r'
     AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
     AND n.nspname NOT LIKE 'pg\\_temp\\_%' AND n.nspname NOT LIKE 'pg\\_toast\\_temp\\_%'
     AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                      WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
   ORDER BY 1, 2`;

const batchSize = 200;

const largeObjectsSql = 'SELECT count(*)::text AS n FROM pg_catalog.pg_largeobject_metadata';
const jitSql = "SELECT pg_catalog.current_setting('jit', true) AS jit";

/**
 * Reads row counts, sequence values and the number of large objects inside the
 * caller's transaction (the exported snapshot), so they describe exactly what
 * pg_dump wrote. `filter` is the step's resolved scope (null: the step dumps no
 * table data). Tables the role cannot read are counted as null with a warning.
 */
export async function readDataFacts(
  client: QueryClient,
  options: {
    filter: ScopeFilter | null;
    mode: RowCountMode;
    countLargeObjects: boolean;
    /**
     * Exact mode: leave the readable tables uncounted (listed in `uncounted`) for
     * {@link completeRowCounts} after the dump, which takes the counts its COPYs returned.
     */
    deferExact?: boolean;
    /** A statement sent in the same round trip before the reads (the caller's SAVEPOINT). */
    before?: string;
  },
): Promise<DataFacts> {
  const warnings: string[] = [];
  const filter = options.filter;
  const countsExactly = filter !== null && options.mode === 'exact' && !options.deferExact;
  // The catalog reads go to the server in one round trip: each is a statement of its own
  // (their rows as before), without a round trip (and a server message cycle) apiece.
  const statements = [
    ...(options.before ? [options.before] : []),
    ...(filter ? [tablesSql, sequencesSql] : []),
    ...(options.countLargeObjects ? [largeObjectsSql] : []),
    ...(countsExactly ? [jitSql] : []),
  ];
  const results = statements.length > 0 ? await queryEach(client, statements) : [];
  const next = (() => {
    let i = options.before ? 1 : 0;
    return <R>() => results[i++]!.rows as R[];
  })();
  let rowCounts: DataFacts['rowCounts'] = null;
  let dumpedTables: number | undefined;
  let uncounted: TableName[] | undefined;
  let sequences: DataFacts['sequences'] = {};
  let largeObjects: number | null = null;
  if (filter) {
    const tableRows = next<TableRow>();
    const sequenceRows = next<SequenceRow>();
    if (options.countLargeObjects) largeObjects = Number(next<{ n: string }>()[0]!.n);
    const jit = countsExactly ? (next<{ jit: string | null }>()[0]?.jit ?? null) : undefined;
    const tables = tableRows.filter((t) => filter.includesData(t.schema, t.name));
    dumpedTables = tables.length;
    if (options.mode !== 'off') {
      const counted = classify(tables, options.mode, warnings);
      if (options.deferExact && counted.readable.length > 0) uncounted = counted.readable.map(({ schema, name }) => ({ schema, name }));
      else Object.assign(counted.result, await countExactly(client, counted.readable, jit));
      rowCounts = { mode: options.mode, tables: counted.result };
    }
    sequences = await readSequenceValues(
      client,
      sequenceRows,
      (row) => filter.includesSequence(row.schema, row.name, row.owner_table === null ? null : { schema: row.owner_schema!, table: row.owner_table }),
      warnings,
    );
  } else if (options.countLargeObjects) {
    largeObjects = Number(next<{ n: string }>()[0]!.n);
  }
  return { rowCounts, sequences, largeObjects, warnings, ...(dumpedTables === undefined ? {} : { dumpedTables }), ...(uncounted ? { uncounted } : {}) };
}

/**
 * Completes the exact counts {@link readDataFacts} deferred (`uncounted`): a table whose
 * rows the dump read in the same snapshot takes the number its COPY returned (`COPY n` is
 * that snapshot's count(*)); any other is counted now, in the caller's transaction, still
 * the dump's snapshot. Facts with nothing deferred come back as they are.
 */
export async function completeRowCounts(client: QueryClient, facts: DataFacts, rowsCopied: ReadonlyMap<string, number>): Promise<DataFacts> {
  const { uncounted, ...rest } = facts;
  if (!uncounted || !rest.rowCounts) return rest;
  const tables = { ...rest.rowCounts.tables };
  const left: TableName[] = [];
  for (const table of uncounted) {
    const rows = rowsCopied.get(displayName(table.schema, table.name));
    if (rows === undefined) left.push(table);
    else tables[displayName(table.schema, table.name)] = rows;
  }
  Object.assign(tables, await countExactly(client, left));
  return { ...rest, rowCounts: { ...rest.rowCounts, tables } };
}

// Estimates and unreadable tables are settled from the catalog; the readable tables of exact mode are returned to count.
function classify(tables: TableRow[], mode: RowCountMode, warnings: string[]) {
  const result: Record<string, number | null> = {};
  const readable: TableRow[] = [];
  for (const table of tables) {
    const key = displayName(table.schema, table.name);
    if (mode === 'estimate') {
      const estimate = Number(table.estimate);
      result[key] = estimate >= 0 ? estimate : null;
    } else if (table.readable) readable.push(table);
    else {
      result[key] = null;
      warnings.push(`no SELECT privilege on ${key}: its rows were not counted`);
    }
  }
  return { result, readable };
}

// count(*) of each table in the caller's transaction. One statement per batch keeps round trips low on databases with many tables.
// `jit`: the setting, when the caller read it already (undefined: read it here).
async function countExactly(client: QueryClient, readable: readonly TableName[], jit?: string | null): Promise<Record<string, number>> {
  const result: Record<string, number> = {};
  if (readable.length === 0) return result;
  // NULL before PostgreSQL 11 (no JIT): nothing to switch.
  const setting = jit !== undefined ? jit : ((await client.query<{ jit: string | null }>(jitSql)).rows[0]?.jit ?? null);
  const switchJit = setting !== null && setting !== 'off';
  for (let i = 0; i < readable.length; i += batchSize) {
    const batch = readable.slice(i, i + batchSize);
    const sql = batch
      .map((t, j) => `SELECT ${j} AS i, count(*)::text AS n FROM ONLY ${quoteQualified(t.schema, t.name)}`)
      .join(' UNION ALL ');
    // JIT off before the first batch and back after the last, in the same round trips as the counts.
    const first = switchJit && i === 0;
    const last = switchJit && i + batchSize >= readable.length;
    const results = await queryEach(client, [...(first ? [JIT_OFF] : []), sql, ...(last ? [jitBack(setting)] : [])]);
    for (const row of results[first ? 1 : 0]!.rows as Array<{ i: number; n: string }>) {
      const table = batch[row.i]!;
      result[displayName(table.schema, table.name)] = Number(row.n);
    }
  }
  return result;
}

// A batch of count(*)s whose planned cost passes jit_above_cost is JIT-compiled on a server
// built with LLVM (most packaged ones): six functions per table, 1,200 per batch — on
// PostgreSQL 15, 200 tables of 30,000 rows took seconds of compilation for a second of
// counting, and past jit_optimize_above_cost tens of seconds (BENCHMARKS.md, helper
// scale50). A scan gains nothing from it. Switched off for the counts only (set_config
// local to the transaction, then back); a failure in between is undone by the caller's
// ROLLBACK TO SAVEPOINT.
const JIT_OFF = "SELECT pg_catalog.set_config('jit', 'off', true)";

function jitBack(setting: string): string {
  return `SELECT pg_catalog.set_config('jit', ${quoteLiteral(setting)}, true)`;
}

// Sequences outside system schemas and extensions, with the table owning them
// (serial and identity columns), which decides whether a table pattern covers them.
const sequencesSql = `
  SELECT n.nspname AS schema, c.relname AS name,
         pg_catalog.has_sequence_privilege(c.oid, 'SELECT') AS readable,
         tn.nspname AS owner_schema, t.relname AS owner_table
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    LEFT JOIN pg_catalog.pg_depend d
      ON d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid
     AND d.refclassid = 'pg_catalog.pg_class'::regclass AND d.deptype IN ('a', 'i')
    LEFT JOIN pg_catalog.pg_class t ON t.oid = d.refobjid
    LEFT JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
   WHERE c.relkind = 'S'
     AND n.nspname NOT IN ('pg_catalog', 'information_schema')
     AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e
                      WHERE e.classid = 'pg_catalog.pg_class'::regclass AND e.objid = c.oid AND e.deptype = 'e')
   ORDER BY 1, 2`;

interface SequenceRow {
  schema: string;
  name: string;
  readable: boolean;
  owner_schema: string | null;
  owner_table: string | null;
}

type SequenceFilter = (row: SequenceRow) => boolean;

// Read from each sequence itself: pg_sequences shows NULL for a sequence set with
// setval(…, false), losing the value a restore must bring back.
async function readSequenceValues(client: QueryClient, rows: readonly SequenceRow[], include: SequenceFilter, warnings: string[]) {
  const out: DataFacts['sequences'] = {};
  const readable = rows.filter((row) => {
    if (!include(row)) return false;
    if (row.readable) return true;
    out[displayName(row.schema, row.name)] = { lastValue: null, isCalled: false };
    warnings.push(`no SELECT privilege on sequence ${displayName(row.schema, row.name)}: its value was not read`);
    return false;
  });
  for (let i = 0; i < readable.length; i += batchSize) {
    const batch = readable.slice(i, i + batchSize);
    const sql = batch
      .map((s, j) => `SELECT ${j} AS i, last_value::text AS last_value, is_called FROM ${quoteQualified(s.schema, s.name)}`)
      .join(' UNION ALL ');
    const result = await client.query<{ i: number; last_value: string; is_called: boolean }>(sql);
    for (const row of result.rows) {
      const seq = batch[row.i]!;
      out[displayName(seq.schema, seq.name)] = { lastValue: row.last_value, isCalled: row.is_called };
    }
  }
  return out;
}
