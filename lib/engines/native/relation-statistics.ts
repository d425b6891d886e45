// Optimizer statistics as pg_dump 18 writes them with --with-statistics: for each
// dumped table, partitioned table, materialized view, foreign table and index, one
// `pg_restore_relation_stats()` call (pg_class's relpages, reltuples, relallvisible,
// relallfrozen) and one `pg_restore_attribute_stats()` call per row of pg_stats
// (columns, and an expression index's expressions). A SELECT-only role reads all
// of it: pg_class is public, and pg_stats shows the rows of the columns the role may
// SELECT (an index's rows only to the index's owner, a superuser or pg_read_all_data,
// for pg_dump as for pgbak). Values of any type (most_common_vals and the other
// anyarray columns) travel as their text form, which the restore functions read back
// with the column's own input function, as pg_dump does. Extended statistics
// (CREATE STATISTICS) keep no data in a dump: pg_dump 18 has no function to restore it.
//
// Where they go: pg_dump 18 writes a table's statistics in the data section and an
// index's in post-data. Restored there, they do not last: CREATE INDEX (post-data)
// sets its table's relpages, reltuples and relallvisible to what it finds, and
// REFRESH MATERIALIZED VIEW (the last pass) resets the view's and rebuilds its
// indexes. So every STATISTICS DATA entry is written in that last pass (phase
// `refresh`), after the refresh of its materialized view: nothing that runs later
// recomputes them, and the target ends with the source's values.
import type { QueryClient } from '../../db/client.js';
import { quoteLiteral, quoteQualified } from '../../sql/quote.js';
import { refKey, type DependencyGraph } from './dependencies.js';
import { entryId, ref, userSchema } from './catalog/table-sql.js';
import type { EntryKind, TocEntry } from './toc.js';

interface RelationRow {
  oid: string;
  schema: string;
  name: string;
  relkind: string;
  relpages: string;
  reltuples: string;
  relallvisible: string;
  relallfrozen: string | null;
  /** For an index: its table's OID. */
  table_oid: string | null;
  /** An index with expressions whose pg_stats rows this role cannot see. */
  expressions_hidden: boolean;
}

/** A row of pg_stats, every value in its text form (null where the view has none). */
interface AttributeRow {
  oid: string;
  attnum: number;
  attname: string;
  inherited: boolean;
  [column: string]: string | number | boolean | null;
}

const relationKinds = "('r', 'p', 'm', 'f', 'i', 'I')";

function relationsSql(serverMajor: number): string {
  return `SELECT c.oid::pg_catalog.int8::text AS oid, n.nspname AS schema, c.relname AS name, c.relkind::text AS relkind,
  c.relpages::pg_catalog.int8::text AS relpages, c.reltuples::text AS reltuples, c.relallvisible::pg_catalog.int8::text AS relallvisible,
  ${serverMajor >= 18 ? 'c.relallfrozen::pg_catalog.int8::text' : 'NULL::text'} AS relallfrozen,
  i.indrelid::pg_catalog.int8::text AS table_oid,
  COALESCE(i.indexprs IS NOT NULL AND NOT pg_catalog.has_column_privilege(c.oid, 1::int2, 'SELECT'), false) AS expressions_hidden
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_index i ON i.indexrelid = c.oid
WHERE c.relkind IN ${relationKinds} AND ${userSchema('n.nspname')}
ORDER BY n.nspname, c.relname`;
}

/** The statistics columns of pg_stats and how the restore function types each (pg_dump's list). */
const attributeColumns: readonly { name: string; type: string; since?: number }[] = [
  { name: 'null_frac', type: 'real' },
  { name: 'avg_width', type: 'integer' },
  { name: 'n_distinct', type: 'real' },
  { name: 'most_common_vals', type: 'text' },
  { name: 'most_common_freqs', type: 'real[]' },
  { name: 'histogram_bounds', type: 'text' },
  { name: 'correlation', type: 'real' },
  { name: 'most_common_elems', type: 'text' },
  { name: 'most_common_elem_freqs', type: 'real[]' },
  { name: 'elem_count_histogram', type: 'real[]' },
  { name: 'range_length_histogram', type: 'text', since: 17 },
  { name: 'range_empty_frac', type: 'real', since: 17 },
  { name: 'range_bounds_histogram', type: 'text', since: 17 },
];

// Every value as text (extra_float_digits = 3 in the dump session: reals read back exactly).
function attributesSql(serverMajor: number): string {
  const columns = attributeColumns
    .map((c) => (c.since === undefined || serverMajor >= c.since ? `s.${c.name}::text AS ${c.name}` : `NULL::text AS ${c.name}`))
    .join(', ');
  return `SELECT c.oid::pg_catalog.int8::text AS oid, a.attnum::int4 AS attnum, s.attname::text AS attname, s.inherited, ${columns}
FROM pg_catalog.pg_stats s
JOIN pg_catalog.pg_namespace n ON n.nspname = s.schemaname
JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = s.tablename
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attname = s.attname
WHERE c.oid = ANY ($1::pg_catalog.oid[])
ORDER BY n.nspname, c.relname, s.attname, s.inherited`;
}

/**
 * One STATISTICS DATA entry per relation of `entries` (tables, partitioned tables,
 * materialized views, foreign tables, indexes — also those a constraint creates)
 * whose statistics pg_dump 18 would write, read in the dump's snapshot.
 * `server.versionNum` is server_version_num (the restore functions' `version` argument).
 */
export async function readRelationStatistics(
  client: QueryClient,
  entries: readonly TocEntry[],
  graph: DependencyGraph,
  server: { major: number; versionNum: number },
): Promise<TocEntry[]> {
  const created = createdRelations(entries, graph);
  const refreshOf = new Map<string, string>();
  for (const entry of entries) {
    if (entry.kind === 'MATERIALIZED VIEW DATA') for (const dep of entry.dependsOn) refreshOf.set(refKey(dep), entry.id);
  }
  const { rows: relations } = await client.query<RelationRow>(relationsSql(server.major));
  const dumped = relations.filter((row) => created(row.oid));
  if (dumped.length === 0) return [];
  // Only the dumped relations' rows travel (a narrowed dump reads few).
  const { rows: attributes } = await client.query<AttributeRow>(attributesSql(server.major), [dumped.map((row) => row.oid)]);
  const byRelation = new Map<string, AttributeRow[]>();
  for (const row of attributes) {
    const list = byRelation.get(row.oid);
    if (list) list.push(row);
    else byRelation.set(row.oid, [row]);
  }
  return dumped.map((row) => {
    const isIndex = row.relkind === 'i' || row.relkind === 'I';
    // A materialized view's refresh (or its table's, for an index) resets what these set.
    const refresh = refreshOf.get(refKey(ref('pg_class', row.table_oid ?? row.oid)));
    const sql = [relationStatsSql(row, server.versionNum), ...(byRelation.get(row.oid) ?? []).map((a) => attributeStatsSql(row, a, isIndex, server))];
    return {
      id: entryId('STATISTICS DATA', row.schema, row.name),
      kind: 'STATISTICS DATA',
      // pg_dump's sections; the phase (order.ts) puts them after everything else.
      section: isIndex ? 'post-data' : 'data',
      schema: row.schema,
      name: row.name,
      ref: null,
      dependsOn: [ref('pg_class', row.oid)],
      ...(refresh ? { after: [refresh] } : {}),
      sql: sql.join(''),
      ...(row.expressions_hidden
        ? { warning: `statistics of the expressions of index ${quoteQualified(row.schema, row.name)} are visible only to its owner, a superuser or pg_read_all_data: left out (ANALYZE its table after a restore)` }
        : {}),
    } satisfies TocEntry;
  });
}

const relationKindsOfEntries: ReadonlySet<EntryKind> = new Set(['TABLE', 'FOREIGN TABLE', 'MATERIALIZED VIEW', 'INDEX']);
const PG_CONSTRAINT = 2606;

/**
 * Whether the dump creates the relation: an entry of its own, or (an index a primary key,
 * unique or exclusion constraint makes) its constraint's. Not an owner further up: a
 * partition, or a partition's index, belongs to a dumped parent yet is made only by
 * entries of its own, which a narrowed dump (kind tables) leaves out.
 */
function createdRelations(entries: readonly TocEntry[], graph: DependencyGraph): (oid: string) => boolean {
  const made = new Set<string>();
  for (const entry of entries) {
    if (entry.ref && (relationKindsOfEntries.has(entry.kind) || entry.kind === 'CONSTRAINT')) made.add(refKey(entry.ref));
  }
  return (oid) => {
    const key = refKey(ref('pg_class', oid));
    if (made.has(key)) return true;
    const owner = graph.ownerOf.get(key);
    return owner !== undefined && owner.classid === PG_CONSTRAINT && made.has(refKey(owner));
  };
}

function relationStatsSql(row: RelationRow, versionNum: number): string {
  const args = [
    `'version', '${versionNum}'::integer`,
    `'schemaname', ${quoteLiteral(row.schema)}`,
    `'relname', ${quoteLiteral(row.name)}`,
    `'relpages', '${row.relpages}'::integer`,
    `'reltuples', '${row.reltuples}'::real`,
    `'relallvisible', '${row.relallvisible}'::integer`,
    ...(row.relallfrozen === null ? [] : [`'relallfrozen', '${row.relallfrozen}'::integer`]),
  ];
  return `SELECT * FROM pg_catalog.pg_restore_relation_stats(\n\t${args.join(',\n\t')}\n);\n`;
}

// An index's columns are named by number: their names (expr, lower…) need not come back the same.
function attributeStatsSql(relation: RelationRow, row: AttributeRow, isIndex: boolean, server: { major: number; versionNum: number }): string {
  const args = [
    `'version', '${server.versionNum}'::integer`,
    `'schemaname', ${quoteLiteral(relation.schema)}`,
    `'relname', ${quoteLiteral(relation.name)}`,
    isIndex ? `'attnum', '${row.attnum}'::smallint` : `'attname', ${quoteLiteral(row.attname)}::text`,
    `'inherited', '${row.inherited ? 't' : 'f'}'::boolean`,
  ];
  for (const column of attributeColumns) {
    const value = row[column.name];
    if (value === null || value === undefined) continue;
    args.push(`${quoteLiteral(column.name)}, ${quoteLiteral(String(value))}::${column.type}`);
  }
  return `SELECT * FROM pg_catalog.pg_restore_attribute_stats(\n\t${args.join(',\n\t')}\n);\n`;
}
