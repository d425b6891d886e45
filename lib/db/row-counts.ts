import type { RowCountMode } from '../config/profile-schema.js';
import type { TableScope } from '../plan/types.js';
import { displayName, quoteQualified } from '../sql/quote.js';
import type { QueryClient } from './client.js';
import { createScopeFilter } from './table-scope.js';

/** What the manifest records about the data of one dumped database. */
export interface DataFacts {
  rowCounts: { mode: RowCountMode; tables: Record<string, number | null> } | null;
  sequences: Record<string, { lastValue: string | null; isCalled: boolean }>;
  largeObjects: number | null;
  warnings: string[];
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

/**
 * Reads row counts, sequence values and the number of large objects inside the
 * caller's transaction (the exported snapshot), so they describe exactly what
 * pg_dump wrote. Tables the role cannot read are counted as null with a warning.
 */
export async function readDataFacts(
  client: QueryClient,
  options: { scope: TableScope | null; mode: RowCountMode; user: string; countLargeObjects: boolean },
): Promise<DataFacts> {
  const warnings: string[] = [];
  const filter = options.scope ? createScopeFilter(options.scope, options.user) : null;
  let rowCounts: DataFacts['rowCounts'] = null;
  if (filter && options.mode !== 'off') {
    const { rows } = await client.query<TableRow>(tablesSql);
    const tables = rows.filter((t) => filter.includesData(t.schema, t.name));
    rowCounts = { mode: options.mode, tables: await count(client, tables, options.mode, warnings) };
  }
  const sequences = filter ? await readSequences(client, (schema) => filter.includesSchema(schema)) : {};
  const largeObjects = options.countLargeObjects ? await countLargeObjects(client) : null;
  return { rowCounts, sequences, largeObjects, warnings };
}

async function count(client: QueryClient, tables: TableRow[], mode: RowCountMode, warnings: string[]) {
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
  // One statement per batch keeps round trips low on databases with many tables.
  for (let i = 0; i < readable.length; i += batchSize) {
    const batch = readable.slice(i, i + batchSize);
    const sql = batch
      .map((t, j) => `SELECT ${j} AS i, count(*)::text AS n FROM ONLY ${quoteQualified(t.schema, t.name)}`)
      .join(' UNION ALL ');
    const { rows } = await client.query<{ i: number; n: string }>(sql);
    for (const row of rows) {
      const table = batch[row.i]!;
      result[displayName(table.schema, table.name)] = Number(row.n);
    }
  }
  return result;
}

async function readSequences(client: QueryClient, include: (schema: string) => boolean) {
  const { rows } = await client.query<{ schema: string; name: string; last_value: string | null }>(
    `SELECT schemaname AS schema, sequencename AS name, last_value::text AS last_value
       FROM pg_catalog.pg_sequences ORDER BY 1, 2`,
  );
  const out: DataFacts['sequences'] = {};
  for (const row of rows) {
    if (!include(row.schema)) continue;
    // pg_sequences shows NULL before the first nextval() (is_called false) and without privilege.
    out[displayName(row.schema, row.name)] = { lastValue: row.last_value, isCalled: row.last_value !== null };
  }
  return out;
}

async function countLargeObjects(client: QueryClient): Promise<number> {
  const { rows } = await client.query<{ n: string }>('SELECT count(*)::text AS n FROM pg_catalog.pg_largeobject_metadata');
  return Number(rows[0]!.n);
}
