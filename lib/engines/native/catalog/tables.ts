// TABLE entries (ordinary, unlogged, inheritance children, partitioned tables
// and partitions — a partition is created as a plain table and attached by a
// TABLE ATTACH entry, see partitions.ts), their DEFAULT entries, and one
// TABLE DATA entry per table holding rows (leaf tables: relkind 'r').
import type { QueryClient } from '../../../db/client.js';
import { quoteIdent, quoteQualified } from '../../../sql/quote.js';
import type { CatalogReader, ObjectRef, TocEntry } from '../toc.js';
import { buildCreateTable } from './table-build.js';
import { columnsByTable, readColumnRows, readInlineChecks, type ColumnRow } from './table-columns.js';
import { readDefaults, type DefaultRow } from './table-defaults.js';
import { mayHold, type CatalogPresence } from './presence.js';
import { entryId, fdwOptions, notExtensionMember, ref, userSchema } from './table-sql.js';

/** One user table (relkind r, p, f; not an extension member) as the catalog gives it (compare's details read these rows too). */
export interface TableRow {
  oid: number;
  nspname: string;
  nspoid: number;
  relname: string;
  relkind: string;
  relpersistence: string;
  relispartition: boolean;
  reloptions: string[] | null;
  toast_reloptions: string[] | null;
  partkey: string | null;
  relreplident: string;
  am: string | null;
  server: string | null;
  oftype: string | null;
  reloftype: number;
  ftoptions: string[] | null;
  size: string;
  /** [schema, name, oid, `schema.name` as format('%I.%I') writes it] of each parent, by inhseqno. */
  parents: Array<[string, string, number, string]> | null;
}

// Each parent of the table, by inhseqno.
const parentsColumn = `(SELECT pg_catalog.json_agg(pg_catalog.json_build_array(pn.nspname, p.relname, p.oid, pg_catalog.format('%I.%I', pn.nspname, p.relname)) ORDER BY i.inhseqno)
               FROM pg_catalog.pg_inherits i
               JOIN pg_catalog.pg_class p ON p.oid = i.inhparent
               JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
              WHERE i.inhrelid = c.oid)`;

// A foreign table's server and options (a foreign table needs a server).
const foreignJoins = `LEFT JOIN pg_catalog.pg_foreign_table ft ON ft.ftrelid = c.oid
       LEFT JOIN pg_catalog.pg_foreign_server fs ON fs.oid = ft.ftserver
`;

/**
 * Every user table, by schema and name: one query text per presence, asked once per catalog
 * read (sharingClient). With no inheritance (pg_inherits empty) and no foreign server, the
 * parents and the foreign table joins are left out (null: what they would find), and not planned.
 */
export async function readTableRows(client: QueryClient, present?: CatalogPresence): Promise<TableRow[]> {
  const foreign = mayHold(present, ['pg_foreign_server']);
  const { rows } = await client.query<TableRow>(
    `SELECT c.oid, n.nspname, n.oid AS nspoid, c.relname, c.relkind, c.relpersistence, c.relispartition,
            c.reloptions, tc.reloptions AS toast_reloptions,
            CASE WHEN c.relkind = 'p' THEN pg_catalog.pg_get_partkeydef(c.oid) END AS partkey,
            c.relreplident, CASE WHEN am.amname <> 'heap' THEN am.amname END AS am,
            ${foreign ? 'fs.srvname' : 'NULL::pg_catalog.name'} AS server, c.reloftype,
            CASE WHEN c.reloftype <> 0 THEN pg_catalog.format_type(c.reloftype, NULL) END AS oftype, ${foreign ? fdwOptions('ft.ftoptions') : 'NULL::pg_catalog.text[]'} AS ftoptions,
            CASE WHEN c.relkind = 'r' THEN pg_catalog.pg_relation_size(c.oid) ELSE 0 END::text AS size,
            ${mayHold(present, ['pg_inherits']) ? parentsColumn : 'NULL::pg_catalog.json'} AS parents
       FROM pg_catalog.pg_class c
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_catalog.pg_class tc ON tc.oid = c.reltoastrelid
       LEFT JOIN pg_catalog.pg_am am ON am.oid = c.relam
       ${foreign ? foreignJoins : ''}      WHERE c.relkind IN ('r', 'p', 'f') AND ${userSchema('n.nspname')} AND ${notExtensionMember('pg_class', 'c.oid')}
      ORDER BY n.nspname, c.relname`,
  );
  return rows;
}

export const readTables: CatalogReader = async (client: QueryClient, options) => {
  const rows = await readTableRows(client, options.present);
  const tables = rows.filter((row) => options.includesTable(row.nspname, row.relname));
  const columnRows = await readColumnRows(client, options.serverMajor, options.present);
  const columns = columnsByTable(columnRows);
  const checks = await readInlineChecks(client);
  const entries: TocEntry[] = [];
  for (const row of tables) {
    const oid = Number(row.oid);
    const tableColumns = columns.get(oid) ?? [];
    const parents = row.parents ?? [];
    // A foreign table's rows live elsewhere: never dumped (pg_dump without --include-foreign-data).
    const kind = row.relkind === 'f' ? 'FOREIGN TABLE' : 'TABLE';
    const id = entryId(kind, row.nspname, row.relname);
    const typeRefs = [...new Set(tableColumns.map((c) => c.typeOid))].map((typeOid) => ref('pg_type', typeOid));
    const parentRefs: ObjectRef[] = row.relispartition ? [] : parents.map(([, , parentOid]) => ref('pg_class', parentOid));
    entries.push({
      id,
      kind,
      section: 'pre-data',
      schema: row.nspname,
      name: row.relname,
      ref: ref('pg_class', oid),
      dependsOn: [ref('pg_namespace', row.nspoid), ...parentRefs, ...typeRefs, ...(Number(row.reloftype) !== 0 ? [ref('pg_type', row.reloftype)] : [])],
      ...(row.relispartition || parents.length === 0 ? {} : { after: parents.map(([s, n]) => entryId('TABLE', s, n)) }),
      sql: buildCreateTable({
        schema: row.nspname,
        name: row.relname,
        unlogged: row.relpersistence === 'u',
        columns: tableColumns,
        checks: checks.get(oid) ?? [],
        // A partition's parent is attached later (TABLE ATTACH), not inherited.
        inherits: row.relispartition ? [] : parents.map(([s, n]) => quoteQualified(s, n)),
        partitionBy: row.partkey,
        accessMethod: row.am,
        reloptions: row.reloptions,
        toastReloptions: row.toast_reloptions,
        // A foreign table has no replica identity of its own (relreplident 'n' says nothing).
        replicaIdentity: row.relkind === 'f' ? 'd' : row.relreplident,
        ofType: row.oftype,
        foreign: row.relkind === 'f' ? { server: quoteIdent(row.server ?? ''), options: row.ftoptions ?? [] } : null,
      }),
    });
    if (row.relkind === 'r' && (options.includesData?.(row.nspname, row.relname) ?? true)) {
      entries.push({
        id: entryId('TABLE DATA', row.nspname, row.relname),
        kind: 'TABLE DATA',
        section: 'data',
        schema: row.nspname,
        name: row.relname,
        ref: null,
        dependsOn: [ref('pg_class', oid)],
        after: [id],
        sql: '',
        copy: {
          schema: row.nspname,
          table: row.relname,
          columns: tableColumns.filter((c) => c.generated === null).map((c) => c.name),
          estimatedBytes: Number(row.size),
        },
      });
    }
  }
  // The defaults of the tables come with their columns (in the tables' order, then by attnum).
  const withDefaults = new Map<number, ColumnRow[]>();
  for (const column of columnRows) {
    if (column.default === null || column.default_oid === null) continue;
    const list = withDefaults.get(Number(column.attrelid)) ?? [];
    list.push(column);
    withDefaults.set(Number(column.attrelid), list);
  }
  const tableDefaults: DefaultRow[] = rows.flatMap((row) =>
    (withDefaults.get(Number(row.oid)) ?? []).map((column) => ({
      oid: Number(column.default_oid),
      adrelid: Number(row.oid),
      relkind: row.relkind,
      nspname: row.nspname,
      relname: row.relname,
      attname: column.attname,
      expression: column.default!,
    })),
  );
  entries.push(...(await readDefaults(client, options, tableDefaults)));
  return entries;
};
