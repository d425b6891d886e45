// Columns and validated CHECK constraints of every user table, one query each,
// grouped by table oid.
import type { QueryClient } from '../../../db/client.js';
import { quoteQualified } from '../../../sql/quote.js';
import type { ColumnParts } from './table-build.js';
import { mayHold, type CatalogPresence } from './presence.js';
import { fdwOptions, userSchema } from './table-sql.js';

export interface TableColumn extends ColumnParts {
  typeOid: number;
}

/** One live column of a user table as the catalog gives it (compare's details read these rows too). */
export interface ColumnRow {
  attrelid: number;
  attname: string;
  type: string;
  atttypid: number;
  attnotnull: boolean;
  attislocal: boolean;
  relispartition: boolean;
  generated: string | null;
  generated_kind: string;
  inh_generated: boolean;
  coll_nsp: string | null;
  coll_name: string | null;
  statistics: number;
  storage: string | null;
  compression: string;
  attoptions: string[] | null;
  fdwoptions: string[] | null;
  inh_notnull: boolean;
  relname: string;
  notnull_name: string | null;
  /** 'a' (ALWAYS), 'd' (BY DEFAULT) or '' (no identity). */
  attidentity: string;
  /** The column's default (not a generation expression), as pg_get_expr writes it. */
  default: string | null;
  /** The pg_attrdef row of that default. */
  default_oid: number | null;
}

// A parent generates the column with the same expression: the child inherits it and must not repeat it.
const inheritedGeneration = `(a.attgenerated <> '' AND EXISTS (SELECT 1 FROM pg_catalog.pg_inherits i
                      JOIN pg_catalog.pg_attribute pa ON pa.attrelid = i.inhparent AND pa.attname = a.attname
                      JOIN pg_catalog.pg_attrdef pd ON pd.adrelid = pa.attrelid AND pd.adnum = pa.attnum
                     WHERE i.inhrelid = a.attrelid AND pa.attgenerated = a.attgenerated
                       AND pg_catalog.pg_get_expr(pd.adbin, pd.adrelid) = pg_catalog.pg_get_expr(ad.adbin, ad.adrelid)))`;

const inheritedNotNull = `EXISTS (SELECT 1 FROM pg_catalog.pg_inherits i
                      JOIN pg_catalog.pg_attribute pa ON pa.attrelid = i.inhparent AND pa.attname = a.attname
                     WHERE i.inhrelid = a.attrelid AND pa.attnotnull)`;

/**
 * The live columns of every user table (relkind r, p, f) by table oid and attnum: one
 * query text per server major and presence, so the readers of one catalog read ask it
 * once (sharingClient). With no inheritance (pg_inherits empty) and no foreign server,
 * the lookups of parents' columns and of foreign tables' column options are left out
 * (false, null: what they would find), and not planned.
 */
export async function readColumnRows(client: QueryClient, serverMajor: number, present?: CatalogPresence): Promise<ColumnRow[]> {
  const inherits = mayHold(present, ['pg_inherits']);
  const foreign = mayHold(present, ['pg_foreign_server']);
  const compression = serverMajor >= 14 ? 'a.attcompression::text' : "''::text";
  // PostgreSQL 18 keeps NOT NULL as a named constraint (contype 'n').
  const notNullName =
    serverMajor >= 18
      ? "(SELECT k.conname FROM pg_catalog.pg_constraint k WHERE k.conrelid = a.attrelid AND k.contype = 'n' AND k.conkey[1] = a.attnum)"
      : 'NULL::name';
  const { rows } = await client.query<ColumnRow>(
    `SELECT a.attrelid, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type, a.atttypid,
            a.attnotnull, a.attislocal, c.relispartition, c.relname, ${notNullName} AS notnull_name,
            CASE WHEN a.attgenerated <> '' THEN pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) END AS generated,
            a.attgenerated::text AS generated_kind, a.attidentity::text AS attidentity,
            CASE WHEN a.attgenerated = '' THEN pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) END AS default,
            CASE WHEN a.attgenerated = '' THEN ad.oid END AS default_oid,
            ${inherits ? inheritedGeneration : 'false'} AS inh_generated,
            cn.nspname AS coll_nsp, co.collname AS coll_name,
            COALESCE(a.attstattarget::int, -1) AS statistics,
            CASE WHEN a.attstorage <> t.typstorage THEN a.attstorage::text END AS storage,
            ${compression} AS compression, a.attoptions, ${foreign ? fdwOptions('a.attfdwoptions') : 'NULL::pg_catalog.text[]'} AS fdwoptions,
            ${inherits ? inheritedNotNull : 'false'} AS inh_notnull
       FROM pg_catalog.pg_class c
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
       -- From the user tables to their columns (joins run in the order written): not every column of the catalog.
       JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid
       JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
       LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
       LEFT JOIN pg_catalog.pg_collation co ON co.oid = a.attcollation AND a.attcollation <> t.typcollation
       LEFT JOIN pg_catalog.pg_namespace cn ON cn.oid = co.collnamespace
      WHERE c.relkind IN ('r', 'p', 'f') AND a.attnum > 0 AND NOT a.attisdropped AND ${userSchema('n.nspname')}
      ORDER BY a.attrelid, a.attnum`,
  );
  return rows;
}

/** Table oid -> its live columns in attnum order, from readColumnRows. */
export function columnsByTable(rows: readonly ColumnRow[]): Map<number, TableColumn[]> {
  const byTable = new Map<number, TableColumn[]>();
  for (const row of rows) {
    const list = byTable.get(Number(row.attrelid)) ?? [];
    list.push({
      name: row.attname,
      type: row.type,
      typeOid: Number(row.atttypid),
      notNull: row.attnotnull,
      // Written only when it is not the name PostgreSQL would choose (pg_dump 18's rule).
      notNullName: row.notnull_name !== null && row.notnull_name !== `${row.relname}_${row.attname}_not_null` ? row.notnull_name : null,
      // pg_dump writes every column of a partition: it is created as a plain table, then attached.
      printed: row.attislocal || row.relispartition,
      inheritsNotNull: row.inh_notnull,
      generated: row.generated,
      virtual: row.generated_kind === 'v',
      // A partition is created as a plain table, then attached: it states the expression itself.
      inheritsGeneration: row.inh_generated && !row.relispartition,
      collation: row.coll_nsp !== null && row.coll_name !== null ? quoteQualified(row.coll_nsp, row.coll_name) : null,
      statistics: Number(row.statistics),
      storage: row.storage,
      compression: row.compression ?? '',
      options: row.attoptions,
      fdwOptions: row.fdwoptions,
    });
    byTable.set(Number(row.attrelid), list);
  }
  return byTable;
}

/**
 * Table oid -> the validated CHECK constraints written inside its CREATE TABLE:
 * local ones, and for partitions also inherited ones (ATTACH PARTITION expects them).
 */
export async function readInlineChecks(client: QueryClient): Promise<Map<number, Array<{ name: string; definition: string }>>> {
  const { rows } = await client.query<{ conrelid: number; conname: string; def: string }>(
    `SELECT k.conrelid, k.conname, pg_catalog.pg_get_constraintdef(k.oid) AS def
       FROM pg_catalog.pg_constraint k
       JOIN pg_catalog.pg_class c ON c.oid = k.conrelid
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE k.contype = 'c' AND k.convalidated AND (k.conislocal OR c.relispartition)
        AND c.relkind IN ('r', 'p', 'f') AND ${userSchema('n.nspname')}
      ORDER BY k.conrelid, k.conname`,
  );
  const byTable = new Map<number, Array<{ name: string; definition: string }>>();
  for (const row of rows) {
    const list = byTable.get(Number(row.conrelid)) ?? [];
    list.push({ name: row.conname, definition: row.def });
    byTable.set(Number(row.conrelid), list);
  }
  return byTable;
}
