// CREATE STATISTICS from pg_get_statisticsobjdef for the extended statistics
// objects of dumped tables, with the ALTER … SET STATISTICS pg_dump adds when a
// target was set. Post-data, as pg_dump's dumpStatisticsExt: after the data,
// like an index.
import type { QueryClient } from '../../../db/client.js';
import { quoteQualified } from '../../../sql/quote.js';
import type { CatalogReader } from '../toc.js';
import { makeEntry, toRef, type SchemaObjectRow } from './fn-entry.js';
import { catalogOid, isNotExtensionMember, isUserSchema } from './fn-sql.js';

interface StatisticsRow extends SchemaObjectRow {
  table_classid: string;
  table_oid: string;
  table_schema: string;
  table: string;
  definition: string;
  /** stxstattarget; -1 (NULL from PostgreSQL 17) when never set. */
  target: number;
}

const statisticsQuery = `SELECT ${catalogOid('pg_statistic_ext')} AS classid, s.oid, ${catalogOid('pg_namespace')} AS namespace_classid,
  s.stxnamespace AS namespace, n.nspname AS schema, s.stxname AS name, ${catalogOid('pg_class')} AS table_classid,
  t.oid AS table_oid, tn.nspname AS table_schema, t.relname AS table,
  pg_catalog.pg_get_statisticsobjdef(s.oid) AS definition, COALESCE(s.stxstattarget, -1)::int4 AS target
FROM pg_catalog.pg_statistic_ext s
JOIN pg_catalog.pg_namespace n ON n.oid = s.stxnamespace
JOIN pg_catalog.pg_class t ON t.oid = s.stxrelid
JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
WHERE ${isUserSchema('n.nspname')} AND ${isNotExtensionMember('pg_statistic_ext', 's.oid')}
ORDER BY n.nspname, s.stxname`;

/** One STATISTICS entry per statistics object of a dumped schema whose table is dumped. */
export const readStatistics: CatalogReader = async (client: QueryClient, options) => {
  const { rows } = await client.query<StatisticsRow>(statisticsQuery);
  return rows
    .filter((row) => options.includesSchema(row.schema) && options.includesTable(row.table_schema, row.table))
    .map((row) =>
      makeEntry({
        id: `STATISTICS ${quoteQualified(row.schema, row.name)}`,
        kind: 'STATISTICS',
        section: 'post-data',
        schema: row.schema,
        name: row.name,
        ref: toRef(row.classid, row.oid),
        dependsOn: [toRef(row.namespace_classid, row.namespace), toRef(row.table_classid, row.table_oid)],
        sql: statisticsSql(row),
      }),
    );
};

/** pg_get_statisticsobjdef has no semicolon; a set target follows as pg_dump writes it. */
export function statisticsSql(row: Pick<StatisticsRow, 'schema' | 'name' | 'definition' | 'target'>): string {
  let sql = `${row.definition.trimEnd()};\n`;
  if (row.target >= 0) sql += `ALTER STATISTICS ${quoteQualified(row.schema, row.name)} SET STATISTICS ${row.target};\n`;
  return sql;
}
