// SCHEMA entries: every user schema but `public`, which every database already
// has (pg_dump does not create it either).
import type { QueryClient } from '../../../db/client.js';
import { quoteIdent } from '../../../sql/quote.js';
import type { CatalogReader, TocEntry } from '../toc.js';
import { entryId, notExtensionMember, ref, userSchema } from './table-sql.js';

interface SchemaRow {
  oid: number;
  nspname: string;
}

export const readSchemas: CatalogReader = async (client: QueryClient, options) => {
  const { rows } = await client.query<SchemaRow>(
    `SELECT n.oid, n.nspname FROM pg_catalog.pg_namespace n
      WHERE ${userSchema('n.nspname')} AND n.nspname <> 'public' AND ${notExtensionMember('pg_namespace', 'n.oid')}
      ORDER BY n.nspname`,
  );
  return rows
    .filter((row) => options.includesSchema(row.nspname))
    .map(
      (row): TocEntry => ({
        id: entryId('SCHEMA', null, row.nspname),
        kind: 'SCHEMA',
        section: 'pre-data',
        schema: null,
        name: row.nspname,
        ref: ref('pg_namespace', row.oid),
        dependsOn: [],
        sql: `CREATE SCHEMA ${quoteIdent(row.nspname)};\n`,
      }),
    );
};
