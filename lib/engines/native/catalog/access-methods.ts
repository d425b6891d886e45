// CREATE ACCESS METHOD (table and index access methods not made by initdb or
// an extension), as pg_dump's dumpAccessMethod writes it. Restoring one needs
// a superuser, as with pg_dump. Tables and materialized views name theirs with
// USING (tables.ts, views.ts).
import type { QueryClient } from '../../../db/client.js';
import { quoteIdent } from '../../../sql/quote.js';
import type { CatalogReader } from '../toc.js';
import { includesDatabaseObjects, makeEntry, toRef } from './fn-entry.js';
import { catalogOid } from './fn-sql.js';

/** SQL condition on `am` (pg_am): an access method a dump re-creates. */
export const dumpedAccessMethod = `am.oid >= 16384 AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend e
  WHERE e.classid = 'pg_catalog.pg_am'::pg_catalog.regclass AND e.objid = am.oid AND e.deptype = 'e')`;

interface AccessMethodRow {
  classid: string;
  oid: string;
  name: string;
  type: string;
  handler: string;
  handler_oid: string;
}

const accessMethodsQuery = `SELECT ${catalogOid('pg_am')} AS classid, am.oid, am.amname AS name, am.amtype AS type,
  am.amhandler::pg_catalog.regproc::pg_catalog.text AS handler, am.amhandler AS handler_oid
FROM pg_catalog.pg_am am WHERE ${dumpedAccessMethod} ORDER BY am.amname`;

/** `CREATE ACCESS METHOD name TYPE TABLE|INDEX HANDLER fn;` */
export function accessMethodSql(row: Pick<AccessMethodRow, 'name' | 'type' | 'handler'>): string {
  return `CREATE ACCESS METHOD ${quoteIdent(row.name)} TYPE ${row.type === 't' ? 'TABLE' : 'INDEX'} HANDLER ${row.handler};\n`;
}

/** One ACCESS METHOD entry per hand-made access method, when the dump covers the whole database. */
export const readAccessMethods: CatalogReader = async (client: QueryClient, options) => {
  if (!includesDatabaseObjects(options)) return [];
  const { rows } = await client.query<AccessMethodRow>(accessMethodsQuery);
  return rows.map((row) =>
    makeEntry({
      id: `ACCESS METHOD ${quoteIdent(row.name)}`,
      kind: 'ACCESS METHOD',
      section: 'pre-data',
      schema: null,
      name: row.name,
      ref: toRef(row.classid, row.oid),
      dependsOn: [toRef(1255, row.handler_oid)],
      sql: accessMethodSql(row),
    }),
  );
};
