// Text search dictionaries and configurations, as pg_dump's dumpTSDictionary
// and dumpTSConfig write them: a dictionary with its template and init
// options; a configuration with its parser, then one ADD MAPPING per token
// type (a bare CREATE … (PARSER = …) has none). Dictionary and parser names
// come from regdictionary/regproc-style casts, qualified under search_path ''.
import type { QueryClient } from '../../../db/client.js';
import { quoteIdent, quoteQualified } from '../../../sql/quote.js';
import type { CatalogReader, TocEntry } from '../toc.js';
import { makeEntry, toRef, type SchemaObjectRow } from './fn-entry.js';
import { catalogOid, isNotExtensionMember, isUserSchema } from './fn-sql.js';

interface TsRow extends SchemaObjectRow {
}

interface DictionaryRow extends TsRow {
  template_schema: string;
  template: string;
  /** dictinitoption: the options as the server serialised them (`stopwords = 'english'`), or null. */
  options: string | null;
}

interface ConfigurationRow extends TsRow {
  parser_schema: string;
  parser: string;
  /** [token alias, dictionaries as regdictionary text joined by ', '] by token type. */
  mappings: Array<[string, string]> | null;
}

const base = (catalog: string, alias: string, prefix: string) => `${catalogOid(catalog)} AS classid, ${alias}.oid,
  ${catalogOid('pg_namespace')} AS namespace_classid, n.oid AS namespace, n.nspname AS schema, ${alias}.${prefix}name AS name`;

const dictionariesQuery = `SELECT ${base('pg_ts_dict', 'd', 'dict')}, tn.nspname AS template_schema, t.tmplname AS template,
  d.dictinitoption AS options
FROM pg_catalog.pg_ts_dict d
JOIN pg_catalog.pg_namespace n ON n.oid = d.dictnamespace
JOIN pg_catalog.pg_ts_template t ON t.oid = d.dicttemplate
JOIN pg_catalog.pg_namespace tn ON tn.oid = t.tmplnamespace
WHERE ${isUserSchema('n.nspname')} AND ${isNotExtensionMember('pg_ts_dict', 'd.oid')}
ORDER BY n.nspname, d.dictname`;

const configurationsQuery = `SELECT ${base('pg_ts_config', 'c', 'cfg')}, pn.nspname AS parser_schema, p.prsname AS parser,
  (SELECT pg_catalog.json_agg(pg_catalog.json_build_array(m.token, m.dictionaries) ORDER BY m.tokid)
     FROM (SELECT cm.maptokentype AS tokid,
                  (SELECT t.alias FROM pg_catalog.ts_token_type(c.cfgparser) t WHERE t.tokid = cm.maptokentype) AS token,
                  pg_catalog.string_agg(cm.mapdict::pg_catalog.regdictionary::pg_catalog.text, ', ' ORDER BY cm.mapseqno) AS dictionaries
             FROM pg_catalog.pg_ts_config_map cm WHERE cm.mapcfg = c.oid GROUP BY cm.maptokentype) m) AS mappings
FROM pg_catalog.pg_ts_config c
JOIN pg_catalog.pg_namespace n ON n.oid = c.cfgnamespace
JOIN pg_catalog.pg_ts_parser p ON p.oid = c.cfgparser
JOIN pg_catalog.pg_namespace pn ON pn.oid = p.prsnamespace
WHERE ${isUserSchema('n.nspname')} AND ${isNotExtensionMember('pg_ts_config', 'c.oid')}
ORDER BY n.nspname, c.cfgname`;

function tsEntry(kind: 'TEXT SEARCH DICTIONARY' | 'TEXT SEARCH CONFIGURATION', row: TsRow, sql: string): TocEntry {
  return makeEntry({
    id: `${kind} ${quoteQualified(row.schema, row.name)}`,
    kind,
    section: 'pre-data',
    schema: row.schema,
    name: row.name,
    ref: toRef(row.classid, row.oid),
    dependsOn: [toRef(row.namespace_classid, row.namespace)],
    sql,
  });
}

/** One entry per text search dictionary and configuration of the dumped schemas. */
export const readTextSearch: CatalogReader = async (client: QueryClient, options) => {
  const dictionaries = await client.query<DictionaryRow>(dictionariesQuery);
  const configurations = await client.query<ConfigurationRow>(configurationsQuery);
  return [
    ...dictionaries.rows.filter((row) => options.includesSchema(row.schema)).map((row) => tsEntry('TEXT SEARCH DICTIONARY', row, dictionarySql(row))),
    ...configurations.rows.filter((row) => options.includesSchema(row.schema)).map((row) => tsEntry('TEXT SEARCH CONFIGURATION', row, configurationSql(row))),
  ];
};

export function dictionarySql(row: Pick<DictionaryRow, 'schema' | 'name' | 'template_schema' | 'template' | 'options'>): string {
  const options = row.options === null ? '' : `,\n    ${row.options}`;
  return `CREATE TEXT SEARCH DICTIONARY ${quoteQualified(row.schema, row.name)} (\n    TEMPLATE = ${quoteQualified(row.template_schema, row.template)}${options} );\n`;
}

export function configurationSql(row: Pick<ConfigurationRow, 'schema' | 'name' | 'parser_schema' | 'parser' | 'mappings'>): string {
  const name = quoteQualified(row.schema, row.name);
  let sql = `CREATE TEXT SEARCH CONFIGURATION ${name} (\n    PARSER = ${quoteQualified(row.parser_schema, row.parser)} );\n`;
  for (const [token, dictionaries] of row.mappings ?? []) {
    sql += `ALTER TEXT SEARCH CONFIGURATION ${name}\n    ADD MAPPING FOR ${quoteIdent(token)} WITH ${dictionaries};\n`;
  }
  return sql;
}
