// DEFAULT entries: every column default of tables and views, written after the
// table as ALTER TABLE ONLY … ALTER COLUMN … SET DEFAULT (pg_dump's separate
// form, which also works when the default calls a function or sequence made later).
import type { QueryClient } from '../../../db/client.js';
import type { ReadOptions, TocEntry } from '../toc.js';
import { buildSetDefault } from './table-build.js';
import { entryId, notExtensionMember, ref, userSchema } from './table-sql.js';

interface DefaultRow {
  oid: number;
  adrelid: number;
  relkind: string;
  nspname: string;
  relname: string;
  attname: string;
  expression: string;
}

export async function readDefaults(client: QueryClient, options: ReadOptions): Promise<TocEntry[]> {
  const { rows } = await client.query<DefaultRow>(
    `SELECT ad.oid, ad.adrelid, c.relkind, n.nspname, c.relname, a.attname,
            pg_catalog.pg_get_expr(ad.adbin, ad.adrelid) AS expression
       FROM pg_catalog.pg_attrdef ad
       JOIN pg_catalog.pg_attribute a ON a.attrelid = ad.adrelid AND a.attnum = ad.adnum
       JOIN pg_catalog.pg_class c ON c.oid = ad.adrelid
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE a.attgenerated = '' AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'f')
        AND ${userSchema('n.nspname')} AND ${notExtensionMember('pg_class', 'c.oid')}
      ORDER BY n.nspname, c.relname, a.attnum`,
  );
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
