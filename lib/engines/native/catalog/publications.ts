// Publications (CREATE PUBLICATION, post-data), the tables they publish (ALTER
// PUBLICATION … ADD TABLE ONLY, with PostgreSQL 15's column lists and row
// filters) and the schemas they publish (15+: ADD TABLES IN SCHEMA), as pg_dump
// writes them. Publications belong to the whole database: a dump narrowed by
// patterns leaves them out; a published table or schema goes with its table or schema.
import type { QueryClient } from '../../../db/client.js';
import { quoteIdent, quoteQualified } from '../../../sql/quote.js';
import type { CatalogReader, ReadOptions, TocEntry } from '../toc.js';
import { includesDatabaseObjects, makeEntry, toRef } from './fn-entry.js';
import { catalogOid } from './fn-sql.js';

interface PublicationRow {
  classid: string;
  oid: string;
  name: string;
  alltables: boolean;
  publish: string[];
  viaroot: boolean;
  gencols: string;
}

interface PublicationTableRow {
  classid: string;
  oid: string;
  publication: string;
  pub_oid: string;
  schema: string;
  table: string;
  table_oid: string;
  columns: string[] | null;
  qual: string | null;
}

interface PublicationSchemaRow {
  classid: string;
  oid: string;
  publication: string;
  pub_oid: string;
  schema: string;
  nsp_oid: string;
}

function publicationsQuery(options: ReadOptions): string {
  // pubgencols: PostgreSQL 18's publish_generated_columns ('n' none, 's' stored).
  const gencols = options.serverMajor >= 18 ? 'p.pubgencols::text' : "'n'";
  return `SELECT ${catalogOid('pg_publication')} AS classid, p.oid, p.pubname AS name, p.puballtables AS alltables,
  pg_catalog.array_remove(ARRAY[CASE WHEN p.pubinsert THEN 'insert' END, CASE WHEN p.pubupdate THEN 'update' END,
    CASE WHEN p.pubdelete THEN 'delete' END, CASE WHEN p.pubtruncate THEN 'truncate' END], NULL) AS publish,
  p.pubviaroot AS viaroot, ${gencols} AS gencols
FROM pg_catalog.pg_publication p ORDER BY p.pubname`;
}

function publicationTablesQuery(options: ReadOptions): string {
  const columns =
    options.serverMajor >= 15
      ? `CASE WHEN r.prattrs IS NOT NULL THEN (SELECT pg_catalog.array_agg(a.attname::text ORDER BY k.i)
           FROM pg_catalog.unnest(r.prattrs::int2[]) WITH ORDINALITY AS k(attnum, i)
           JOIN pg_catalog.pg_attribute a ON a.attrelid = r.prrelid AND a.attnum = k.attnum) END`
      : 'NULL::text[]';
  const qual = options.serverMajor >= 15 ? 'pg_catalog.pg_get_expr(r.prqual, r.prrelid)' : 'NULL::text';
  return `SELECT ${catalogOid('pg_publication_rel')} AS classid, r.oid, p.pubname AS publication, p.oid AS pub_oid,
  n.nspname AS schema, c.relname AS table, c.oid AS table_oid, ${columns} AS columns, ${qual} AS qual
FROM pg_catalog.pg_publication_rel r
JOIN pg_catalog.pg_publication p ON p.oid = r.prpubid
JOIN pg_catalog.pg_class c ON c.oid = r.prrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
ORDER BY p.pubname, n.nspname, c.relname`;
}

const publicationSchemasQuery = `SELECT ${catalogOid('pg_publication_namespace')} AS classid, pn.oid, p.pubname AS publication,
  p.oid AS pub_oid, n.nspname AS schema, n.oid AS nsp_oid
FROM pg_catalog.pg_publication_namespace pn
JOIN pg_catalog.pg_publication p ON p.oid = pn.pnpubid
JOIN pg_catalog.pg_namespace n ON n.oid = pn.pnnspid
ORDER BY p.pubname, n.nspname`;

/** `CREATE PUBLICATION p [FOR ALL TABLES] WITH (publish = '…'[, …]);` */
export function publicationSql(row: Pick<PublicationRow, 'name' | 'alltables' | 'publish' | 'viaroot' | 'gencols'>): string {
  let sql = `CREATE PUBLICATION ${quoteIdent(row.name)}`;
  if (row.alltables) sql += ' FOR ALL TABLES';
  sql += ` WITH (publish = '${row.publish.join(', ')}'`;
  if (row.viaroot) sql += ', publish_via_partition_root = true';
  if (row.gencols === 's' || row.gencols === 'true') sql += ', publish_generated_columns = stored';
  return `${sql});\n`;
}

/** `ALTER PUBLICATION p ADD TABLE ONLY s.t [(cols)] [WHERE (…)];` */
export function publicationTableSql(row: Pick<PublicationTableRow, 'publication' | 'schema' | 'table' | 'columns' | 'qual'>): string {
  let sql = `ALTER PUBLICATION ${quoteIdent(row.publication)} ADD TABLE ONLY ${quoteQualified(row.schema, row.table)}`;
  if (row.columns !== null) sql += ` (${row.columns.map(quoteIdent).join(', ')})`;
  if (row.qual !== null) sql += ` WHERE (${row.qual})`;
  return `${sql};\n`;
}

export const readPublications: CatalogReader = async (client: QueryClient, options) => {
  if (!includesDatabaseObjects(options)) return [];
  const entries: TocEntry[] = [];
  for (const row of (await client.query<PublicationRow>(publicationsQuery(options))).rows) {
    entries.push(
      makeEntry({
        id: `PUBLICATION ${quoteIdent(row.name)}`,
        kind: 'PUBLICATION',
        section: 'post-data',
        schema: null,
        name: row.name,
        ref: toRef(row.classid, row.oid),
        sql: publicationSql(row),
      }),
    );
  }
  for (const row of (await client.query<PublicationTableRow>(publicationTablesQuery(options))).rows) {
    if (!options.includesTable(row.schema, row.table)) continue;
    entries.push(
      makeEntry({
        id: `PUBLICATION TABLE ${quoteIdent(row.publication)} ${quoteQualified(row.schema, row.table)}`,
        kind: 'PUBLICATION TABLE',
        section: 'post-data',
        schema: row.schema,
        name: `${row.publication} ${row.table}`,
        ref: toRef(row.classid, row.oid),
        dependsOn: [toRef(catalogOids.publication, row.pub_oid), toRef(catalogOids.pgClass, row.table_oid)],
        sql: publicationTableSql(row),
      }),
    );
  }
  if (options.serverMajor >= 15) {
    for (const row of (await client.query<PublicationSchemaRow>(publicationSchemasQuery)).rows) {
      if (!options.includesSchema(row.schema)) continue;
      entries.push(
        makeEntry({
          id: `PUBLICATION TABLES IN SCHEMA ${quoteIdent(row.publication)} ${quoteIdent(row.schema)}`,
          kind: 'PUBLICATION TABLES IN SCHEMA',
          section: 'post-data',
          schema: row.schema,
          name: `${row.publication} ${row.schema}`,
          ref: toRef(row.classid, row.oid),
          dependsOn: [toRef(catalogOids.publication, row.pub_oid), toRef(catalogOids.pgNamespace, row.nsp_oid)],
          sql: `ALTER PUBLICATION ${quoteIdent(row.publication)} ADD TABLES IN SCHEMA ${quoteIdent(row.schema)};\n`,
        }),
      );
    }
  }
  return entries;
};

// Catalog OIDs (fixed in every release).
const catalogOids = { publication: 6104, pgClass: 1259, pgNamespace: 2615 };
