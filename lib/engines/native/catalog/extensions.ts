// EXTENSION entries: CREATE EXTENSION IF NOT EXISTS … WITH SCHEMA, the version
// left to the target server (as pg_dump does). Extensions installed by initdb
// (plpgsql) are skipped: every database has them.
import type { QueryClient } from '../../../db/client.js';
import { quoteIdent } from '../../../sql/quote.js';
import type { CatalogReader, TocEntry } from '../toc.js';
import { entryId, ref } from './table-sql.js';

interface ExtensionRow {
  oid: number;
  extname: string;
  nspname: string;
  nspoid: number;
}

// FirstNormalObjectId: objects below it were created by initdb.
const FIRST_NORMAL_OID = 16384;

export const readExtensions: CatalogReader = async (client: QueryClient, options) => {
  const { rows } = await client.query<ExtensionRow>(
    `SELECT x.oid, x.extname, n.nspname, n.oid AS nspoid
       FROM pg_catalog.pg_extension x JOIN pg_catalog.pg_namespace n ON n.oid = x.extnamespace
      WHERE x.oid >= ${FIRST_NORMAL_OID}
      ORDER BY x.extname`,
  );
  return rows
    .filter((row) => options.includesSchema(row.nspname))
    .map(
      (row): TocEntry => ({
        id: entryId('EXTENSION', null, row.extname),
        kind: 'EXTENSION',
        section: 'pre-data',
        schema: null,
        name: row.extname,
        ref: ref('pg_extension', row.oid),
        dependsOn: [ref('pg_namespace', row.nspoid)],
        sql: `CREATE EXTENSION IF NOT EXISTS ${quoteIdent(row.extname)} WITH SCHEMA ${quoteIdent(row.nspname)};\n`,
      }),
    );
};
