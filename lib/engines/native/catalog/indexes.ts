// INDEX entries for indexes that back no constraint (pg_get_indexdef gives
// partial, expression, INCLUDE, opclass and ON ONLY for partitioned indexes),
// on tables, partitioned tables and materialized views; and INDEX ATTACH entries
// for indexes (constraint-backed or not) that are partitions of a partitioned index.
import type { QueryClient } from '../../../db/client.js';
import { quoteIdent, quoteQualified } from '../../../sql/quote.js';
import type { CatalogReader, TocEntry } from '../toc.js';
import { mayHold } from './presence.js';
import { entryId, notExtensionMember, ref, userSchema } from './table-sql.js';

interface IndexRow {
  oid: number;
  relname: string;
  nspname: string;
  table_oid: number;
  table_name: string;
  table_kind: string;
  def: string;
  indisclustered: boolean;
  indisreplident: boolean;
  /** The constraint this index backs, if any. */
  con_oid: number | null;
  con_name: string | null;
  /** [attnum, statistics target] of index columns with a target set. */
  stats: Array<[number, number]> | null;
  parent_oid: number | null;
  parent_name: string | null;
  parent_schema: string | null;
  parent_table: string | null;
  parent_con_name: string | null;
}

// The partitioned index an index is a partition of. Only a partition is one (relispartition):
// with no partition in the database the joins are left out, which halves this query's planning.
const parentIndex = {
  columns: `pi.oid AS parent_oid, pi.relname AS parent_name, pn.nspname AS parent_schema,
            pt.relname AS parent_table, pk.conname AS parent_con_name`,
  joins: `LEFT JOIN pg_catalog.pg_inherits i ON i.inhrelid = ic.oid
       LEFT JOIN pg_catalog.pg_class pi ON pi.oid = i.inhparent
       LEFT JOIN pg_catalog.pg_index pix ON pix.indexrelid = pi.oid
       LEFT JOIN pg_catalog.pg_class pt ON pt.oid = pix.indrelid
       LEFT JOIN pg_catalog.pg_namespace pn ON pn.oid = pi.relnamespace
       LEFT JOIN pg_catalog.pg_constraint pk ON pk.conindid = pi.oid AND pk.conrelid = pt.oid AND pk.contype IN ('p', 'u', 'x')
`,
};
const noParentIndex = {
  columns: `NULL::pg_catalog.oid AS parent_oid, NULL::pg_catalog.name AS parent_name, NULL::pg_catalog.name AS parent_schema,
            NULL::pg_catalog.name AS parent_table, NULL::pg_catalog.name AS parent_con_name`,
  joins: '',
};

export const readIndexes: CatalogReader = async (client: QueryClient, options) => {
  const parents = mayHold(options.present, ['partitions']) ? parentIndex : noParentIndex;
  const { rows } = await client.query<IndexRow>(
    `SELECT ic.oid, ic.relname, n.nspname, t.oid AS table_oid, t.relname AS table_name, t.relkind AS table_kind,
            pg_catalog.pg_get_indexdef(ic.oid) AS def, ix.indisclustered, ix.indisreplident,
            k.oid AS con_oid, k.conname AS con_name,
            (SELECT pg_catalog.json_agg(pg_catalog.json_build_array(a.attnum, a.attstattarget) ORDER BY a.attnum)
               FROM pg_catalog.pg_attribute a
              WHERE a.attrelid = ic.oid AND a.attstattarget >= 0) AS stats,
${parents.columns}
       FROM pg_catalog.pg_index ix
       JOIN pg_catalog.pg_class ic ON ic.oid = ix.indexrelid
       JOIN pg_catalog.pg_class t ON t.oid = ix.indrelid
       JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
       LEFT JOIN pg_catalog.pg_constraint k ON k.conindid = ic.oid AND k.conrelid = t.oid AND k.contype IN ('p', 'u', 'x')
${parents.joins}      WHERE t.relkind IN ('r', 'p', 'm') AND ${userSchema('n.nspname')} AND ${notExtensionMember('pg_class', 't.oid')}
      ORDER BY n.nspname, ic.relname`,
  );
  const entries: TocEntry[] = [];
  for (const row of rows) {
    if (!options.includesTable(row.nspname, row.table_name)) continue;
    const ownId = row.con_name === null ? entryId('INDEX', row.nspname, row.relname) : entryId('CONSTRAINT', row.nspname, row.table_name, row.con_name);
    if (row.con_oid === null) entries.push(indexEntry(row, ownId));
    if (row.parent_oid !== null && row.parent_name !== null && row.parent_schema !== null && row.parent_table !== null) {
      if (!options.includesTable(row.parent_schema, row.parent_table)) continue;
      const parentId =
        row.parent_con_name === null
          ? entryId('INDEX', row.parent_schema, row.parent_name)
          : entryId('CONSTRAINT', row.parent_schema, row.parent_table, row.parent_con_name);
      entries.push({
        id: entryId('INDEX ATTACH', row.nspname, row.relname),
        kind: 'INDEX ATTACH',
        section: 'post-data',
        schema: row.nspname,
        name: row.relname,
        ref: null,
        dependsOn: [ref('pg_class', row.parent_oid), ref('pg_class', row.oid)],
        after: [parentId, ownId],
        sql: `ALTER INDEX ${quoteQualified(row.parent_schema, row.parent_name)} ATTACH PARTITION ${quoteQualified(row.nspname, row.relname)};\n`,
      });
    }
  }
  return entries;
};

function indexEntry(row: IndexRow, id: string): TocEntry {
  const table = quoteQualified(row.nspname, row.table_name);
  const index = quoteQualified(row.nspname, row.relname);
  let sql = `${row.def};\n`;
  if (row.indisclustered) sql += `ALTER TABLE ${table} CLUSTER ON ${quoteIdent(row.relname)};\n`;
  for (const [attnum, target] of row.stats ?? []) sql += `ALTER INDEX ${index} ALTER COLUMN ${attnum} SET STATISTICS ${target};\n`;
  if (row.indisreplident) sql += `ALTER TABLE ONLY ${table} REPLICA IDENTITY USING INDEX ${quoteIdent(row.relname)};\n`;
  return {
    id,
    kind: 'INDEX',
    section: 'post-data',
    schema: row.nspname,
    name: row.relname,
    ref: ref('pg_class', row.oid),
    dependsOn: [ref('pg_class', row.table_oid)],
    after: [entryId(row.table_kind === 'm' ? 'MATERIALIZED VIEW' : 'TABLE', row.nspname, row.table_name)],
    sql,
  };
}
