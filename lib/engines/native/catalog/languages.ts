// CREATE PROCEDURAL LANGUAGE for languages made by hand (not by initdb, not by
// an extension), as pg_dump's dumpProcLang writes them: TRUSTED when it is,
// with its call handler and its inline and validator functions. Restoring one
// needs a superuser, as with pg_dump.
import type { QueryClient } from '../../../db/client.js';
import { quoteIdent, quoteQualified } from '../../../sql/quote.js';
import type { CatalogReader, ObjectRef } from '../toc.js';
import { dumpedLanguage } from './decorated-kinds-query.js';
import { includesDatabaseObjects, makeEntry, toRef } from './fn-entry.js';
import { catalogOid } from './fn-sql.js';

/** A support function of a language: [schema, name, oid], or null. */
type Handler = [string, string, number] | null;

export interface LanguageRow {
  classid: string;
  oid: string;
  name: string;
  trusted: boolean;
  handler: Handler;
  inline: Handler;
  validator: Handler;
}

const handler = (column: string) =>
  `(SELECT pg_catalog.json_build_array(n.nspname, p.proname, p.oid) FROM pg_catalog.pg_proc p
     JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace WHERE p.oid = ${column})`;

const languagesQuery = `SELECT ${catalogOid('pg_language')} AS classid, l.oid, l.lanname AS name, l.lanpltrusted AS trusted,
  ${handler('l.lanplcallfoid')} AS handler, ${handler('l.laninline')} AS inline, ${handler('l.lanvalidator')} AS validator
FROM pg_catalog.pg_language l
WHERE ${dumpedLanguage}
ORDER BY l.lanname`;

const PG_PROC = 1255;

/** One PROCEDURAL LANGUAGE entry per hand-made language, when the dump covers the whole database. */
export const readLanguages: CatalogReader = async (client: QueryClient, options) => {
  if (!includesDatabaseObjects(options)) return [];
  const { rows } = await client.query<LanguageRow>(languagesQuery);
  return rows.map((row) =>
    makeEntry({
      id: `PROCEDURAL LANGUAGE ${quoteIdent(row.name)}`,
      kind: 'PROCEDURAL LANGUAGE',
      section: 'pre-data',
      schema: null,
      name: row.name,
      ref: toRef(row.classid, row.oid),
      dependsOn: [row.handler, row.inline, row.validator]
        .filter((fn): fn is [string, string, number] => fn !== null)
        .map(([, , oid]): ObjectRef => ({ classid: PG_PROC, objid: oid })),
      sql: languageSql(row),
    }),
  );
};

/** CREATE [TRUSTED] PROCEDURAL LANGUAGE … HANDLER … [INLINE …] [VALIDATOR …]. */
export function languageSql(row: Pick<LanguageRow, 'name' | 'trusted' | 'handler' | 'inline' | 'validator'>): string {
  const fn = (h: NonNullable<Handler>) => quoteQualified(h[0], h[1]);
  let sql = `CREATE ${row.trusted ? 'TRUSTED ' : ''}PROCEDURAL LANGUAGE ${quoteIdent(row.name)}`;
  if (row.handler) sql += ` HANDLER ${fn(row.handler)}`;
  if (row.inline) sql += ` INLINE ${fn(row.inline)}`;
  if (row.validator) sql += ` VALIDATOR ${fn(row.validator)}`;
  return `${sql};\n`;
}
