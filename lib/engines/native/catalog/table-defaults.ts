// DEFAULT entries: every column default of tables and views, written after the
// table as ALTER TABLE ONLY … ALTER COLUMN … SET DEFAULT (pg_dump's separate
// form, which also works when the default calls a function or sequence made later).
import type { QueryClient } from '../../../db/client.js';
import type { ReadOptions, TocEntry } from '../toc.js';
import { mayHold } from './presence.js';
import { buildSetDefault } from './table-build.js';
import { entryId, notExtensionMember, ref, userSchema } from './table-sql.js';

/** One column default, and the relation it belongs to. */
export interface DefaultRow {
  oid: number;
  adrelid: number;
  relkind: string;
  nspname: string;
  relname: string;
  attname: string;
  expression: string;
}

/**
 * DEFAULT entries: those of tables from their columns as the tables reader read them
 * (`tableDefaults`: no query of their own), and those of views, read here when the
 * database has views (presence).
 */
export async function readDefaults(client: QueryClient, options: ReadOptions, tableDefaults: readonly DefaultRow[]): Promise<TocEntry[]> {
  const rows = [...tableDefaults, ...(mayHold(options.present, ['views']) ? await readViewDefaults(client) : [])];
  return rows
    .filter((row) => options.includesTable(row.nspname, row.relname))
    .map(
      (row): TocEntry => ({
        id: entryId('DEFAULT', row.nspname, row.relname, row.attname),
        kind: 'DEFAULT',
        section: 'pre-data',
        schema: row.nspname,
        name: `${row.relname} ${row.attname}`,
        ref: ref('pg_attrdef', row.oid),
        dependsOn: [ref('pg_class', row.adrelid)],
        after: [entryId(row.relkind === 'v' ? 'VIEW' : row.relkind === 'f' ? 'FOREIGN TABLE' : 'TABLE', row.nspname, row.relname)],
        sql: buildSetDefault(row.nspname, row.relname, row.attname, row.expression, row.relkind === 'f'),
      }),
    );
}

// Defaults on view columns (ALTER VIEW … SET DEFAULT), in the order a view's entries are read.
async function readViewDefaults(client: QueryClient): Promise<DefaultRow[]> {
  const { rows } = await client.query<DefaultRow>(
    `SELECT ad.oid, ad.adrelid, c.relkind, n.nspname, c.relname, a.attname,
            pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) AS expression
       FROM pg_catalog.pg_attrdef ad
       JOIN pg_catalog.pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum
       JOIN pg_catalog.pg_class c ON c.oid = ad.adrelid
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE a.attgenerated = '' AND NOT a.attisdropped AND c.relkind = 'v'
        AND ${userSchema('n.nspname')} AND ${notExtensionMember('pg_class', 'c.oid')}
      ORDER BY n.nspname, c.relname, a.attnum`,
  );
  return rows;
}
