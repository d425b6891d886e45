// TABLE ATTACH entries: pg_dump creates each partition as a plain table and
// attaches it with ALTER TABLE ONLY parent ATTACH PARTITION child FOR VALUES …,
// which keeps the partition's own column order and lets it be restored alone.
import type { QueryClient } from '../../../db/client.js';
import { quoteQualified } from '../../../sql/quote.js';
import type { CatalogReader, TocEntry } from '../toc.js';
import { entryId, notExtensionMember, ref, userSchema } from './table-sql.js';

interface PartitionRow {
  oid: number;
  nspname: string;
  relname: string;
  parent_oid: number;
  parent_schema: string;
  parent_name: string;
  bound: string;
}

export function buildAttachPartition(parent: { schema: string; name: string }, child: { schema: string; name: string }, bound: string): string {
  return `ALTER TABLE ONLY ${quoteQualified(parent.schema, parent.name)} ATTACH PARTITION ${quoteQualified(child.schema, child.name)} ${bound};\n`;
}

export const readPartitions: CatalogReader = async (client: QueryClient, options) => {
  const { rows } = await client.query<PartitionRow>(
    `SELECT c.oid, n.nspname, c.relname, p.oid AS parent_oid, pn.nspname AS parent_schema, p.relname AS parent_name,
            pg_catalog.pg_get_expr(c.relpartbound, c.oid) AS bound
       FROM pg_catalog.pg_class c
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_catalog.pg_inherits i ON i.inhrelid = c.oid
       JOIN pg_catalog.pg_class p ON p.oid = i.inhparent
       JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
      WHERE c.relispartition AND c.relkind IN ('r', 'p', 'f') AND ${userSchema('n.nspname')}
        AND ${notExtensionMember('pg_class', 'c.oid')}
      ORDER BY n.nspname, c.relname`,
  );
  return rows
    .filter((row) => options.includesTable(row.nspname, row.relname) && options.includesTable(row.parent_schema, row.parent_name))
    .map(
      (row): TocEntry => ({
        id: entryId('TABLE ATTACH', row.nspname, row.relname),
        kind: 'TABLE ATTACH',
        section: 'pre-data',
        schema: row.nspname,
        name: row.relname,
        ref: null,
        dependsOn: [ref('pg_class', row.parent_oid), ref('pg_class', row.oid)],
        after: [entryId('TABLE', row.parent_schema, row.parent_name), entryId('TABLE', row.nspname, row.relname)],
        sql: buildAttachPartition({ schema: row.parent_schema, name: row.parent_name }, { schema: row.nspname, name: row.relname }, row.bound),
      }),
    );
};
