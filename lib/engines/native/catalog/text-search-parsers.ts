// Text search parsers and templates, as pg_dump's dumpTSParser and
// dumpTSTemplate write them: their support functions by name (regproc text,
// qualified under search_path ''). Only a superuser can create either.
import type { QueryClient } from '../../../db/client.js';
import { quoteQualified } from '../../../sql/quote.js';
import type { CatalogReader } from '../toc.js';
import { makeEntry, toRef, type SchemaObjectRow } from './fn-entry.js';
import { catalogOid, isNotExtensionMember, isUserSchema } from './fn-sql.js';

interface ParserRow extends SchemaObjectRow {
  kind: 'TEXT SEARCH PARSER' | 'TEXT SEARCH TEMPLATE';
  /** [keyword, function] pairs in pg_dump's order; a null function is left out. */
  functions: Array<[string, string | null]>;
}

const fn = (column: string) => `CASE WHEN ${column} <> 0 THEN ${column}::pg_catalog.regproc::pg_catalog.text END`;

const parsersQuery = `SELECT 'TEXT SEARCH PARSER' AS kind, ${catalogOid('pg_ts_parser')} AS classid, p.oid,
  ${catalogOid('pg_namespace')} AS namespace_classid, n.oid AS namespace, n.nspname AS schema, p.prsname AS name,
  pg_catalog.json_build_array(pg_catalog.json_build_array('START', ${fn('p.prsstart')}), pg_catalog.json_build_array('GETTOKEN', ${fn('p.prstoken')}),
    pg_catalog.json_build_array('END', ${fn('p.prsend')}), pg_catalog.json_build_array('HEADLINE', ${fn('p.prsheadline')}),
    pg_catalog.json_build_array('LEXTYPES', ${fn('p.prslextype')})) AS functions
FROM pg_catalog.pg_ts_parser p JOIN pg_catalog.pg_namespace n ON n.oid = p.prsnamespace
WHERE ${isUserSchema('n.nspname')} AND ${isNotExtensionMember('pg_ts_parser', 'p.oid')}
UNION ALL
SELECT 'TEXT SEARCH TEMPLATE', ${catalogOid('pg_ts_template')}, t.oid, ${catalogOid('pg_namespace')}, n.oid, n.nspname, t.tmplname,
  pg_catalog.json_build_array(pg_catalog.json_build_array('INIT', ${fn('t.tmplinit')}), pg_catalog.json_build_array('LEXIZE', ${fn('t.tmpllexize')}))
FROM pg_catalog.pg_ts_template t JOIN pg_catalog.pg_namespace n ON n.oid = t.tmplnamespace
WHERE ${isUserSchema('n.nspname')} AND ${isNotExtensionMember('pg_ts_template', 't.oid')}
ORDER BY 1, 6, 7`;

/** One entry per text search parser and template of the dumped schemas. */
export const readTextSearchParsers: CatalogReader = async (client: QueryClient, options) => {
  const { rows } = await client.query<ParserRow>(parsersQuery);
  return rows
    .filter((row) => options.includesSchema(row.schema))
    .map((row) =>
      makeEntry({
        id: `${row.kind} ${quoteQualified(row.schema, row.name)}`,
        kind: row.kind,
        section: 'pre-data',
        schema: row.schema,
        name: row.name,
        ref: toRef(row.classid, row.oid),
        dependsOn: [toRef(row.namespace_classid, row.namespace)],
        sql: parserSql(row),
      }),
    );
};

/** CREATE TEXT SEARCH PARSER|TEMPLATE s.n ( KEYWORD = function, … ). */
export function parserSql(row: Pick<ParserRow, 'kind' | 'schema' | 'name' | 'functions'>): string {
  const items = row.functions.filter((pair): pair is [string, string] => pair[1] !== null).map(([keyword, name]) => `    ${keyword} = ${name}`);
  return `CREATE ${row.kind} ${quoteQualified(row.schema, row.name)} (\n${items.join(',\n')} );\n`;
}
