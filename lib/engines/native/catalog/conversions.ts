// CREATE [DEFAULT] CONVERSION for the conversions of the dumped schemas, as
// pg_dump's dumpConversion writes them.
import type { QueryClient } from '../../../db/client.js';
import { quoteLiteral, quoteQualified } from '../../../sql/quote.js';
import type { CatalogReader } from '../toc.js';
import { makeEntry, toRef } from './fn-entry.js';
import { catalogOid, isNotExtensionMember, isUserSchema } from './fn-sql.js';

interface ConversionRow {
  classid: string;
  oid: string;
  nspoid: string;
  schema: string;
  name: string;
  source: string;
  target: string;
  proc: string;
  proc_oid: string;
  isdefault: boolean;
}

const conversionsQuery = `SELECT ${catalogOid('pg_conversion')} AS classid, c.oid, n.oid AS nspoid, n.nspname AS schema, c.conname AS name,
  pg_catalog.pg_encoding_to_char(c.conforencoding) AS source, pg_catalog.pg_encoding_to_char(c.contoencoding) AS target,
  c.conproc::pg_catalog.regproc::pg_catalog.text AS proc, c.conproc AS proc_oid, c.condefault AS isdefault
FROM pg_catalog.pg_conversion c JOIN pg_catalog.pg_namespace n ON n.oid = c.connamespace
WHERE ${isUserSchema('n.nspname')} AND ${isNotExtensionMember('pg_conversion', 'c.oid')}
ORDER BY n.nspname, c.conname`;

/** `CREATE [DEFAULT] CONVERSION s.c FOR 'src' TO 'dst' FROM fn;` */
export function conversionSql(row: Pick<ConversionRow, 'schema' | 'name' | 'source' | 'target' | 'proc' | 'isdefault'>): string {
  return `CREATE ${row.isdefault ? 'DEFAULT ' : ''}CONVERSION ${quoteQualified(row.schema, row.name)} FOR ${quoteLiteral(row.source)} TO ${quoteLiteral(row.target)} FROM ${row.proc};\n`;
}

export const readConversions: CatalogReader = async (client: QueryClient, options) => {
  const { rows } = await client.query<ConversionRow>(conversionsQuery);
  return rows
    .filter((row) => options.includesSchema(row.schema))
    .map((row) =>
      makeEntry({
        id: `CONVERSION ${quoteQualified(row.schema, row.name)}`,
        kind: 'CONVERSION',
        section: 'pre-data',
        schema: row.schema,
        name: row.name,
        ref: toRef(row.classid, row.oid),
        dependsOn: [toRef(2615, row.nspoid), toRef(1255, row.proc_oid)],
        sql: conversionSql(row),
      }),
    );
};
