// Base types (CREATE TYPE name (INPUT = …, OUTPUT = …)), written as pg_dump
// writes them: a SHELL TYPE entry (`CREATE TYPE name;`) that the input/output
// functions can name, the functions (functions.ts), then the TYPE entry with
// the full definition. The functions' pg_depend links to the type are turned
// into links to its shell (dependencies.ts), which breaks the loop
// type → I/O function → type the way pg_dump's repairTypeFuncLoop does.
import type { QueryClient } from '../../../db/client.js';
import { quoteLiteral, quoteQualified } from '../../../sql/quote.js';
import { shellTypeRef } from '../dependencies.js';
import type { CatalogReader, ReadOptions, TocEntry } from '../toc.js';
import { entryId, notExtensionMember, ref, userSchema } from './table-sql.js';

interface BaseTypeRow {
  oid: number;
  nspname: string;
  nspoid: number;
  typname: string;
  typlen: number;
  typbyval: boolean;
  typcategory: string;
  typispreferred: boolean;
  typdelim: string;
  typalign: string;
  typstorage: string;
  typdefault: string | null;
  collatable: boolean;
  element: string | null;
  input: string;
  output: string;
  receive: string | null;
  send: string | null;
  typmodin: string | null;
  typmodout: string | null;
  analyze: string | null;
  subscript: string | null;
}

const fn = (column: string) => `CASE WHEN ${column} <> 0 THEN ${column}::pg_catalog.regproc::pg_catalog.text END`;

function baseTypesQuery(options: ReadOptions): string {
  // typsubscript exists from PostgreSQL 14; raw_array_subscript_handler is what ELEMENT implies.
  const subscript =
    options.serverMajor >= 14
      ? `CASE WHEN t.typsubscript <> 0 AND NOT (t.typelem <> 0 AND t.typsubscript = 'pg_catalog.raw_array_subscript_handler'::pg_catalog.regproc)
              THEN t.typsubscript::pg_catalog.regproc::pg_catalog.text END`
      : 'NULL::text';
  return `SELECT t.oid, n.nspname, n.oid AS nspoid, t.typname, t.typlen, t.typbyval, t.typcategory, t.typispreferred,
                 t.typdelim, t.typalign, t.typstorage, t.typdefault, t.typcollation <> 0 AS collatable,
                 CASE WHEN t.typelem <> 0 THEN pg_catalog.format_type(t.typelem, NULL) END AS element,
                 t.typinput::pg_catalog.regproc::pg_catalog.text AS input, t.typoutput::pg_catalog.regproc::pg_catalog.text AS output,
                 ${fn('t.typreceive')} AS receive, ${fn('t.typsend')} AS send, ${fn('t.typmodin')} AS typmodin,
                 ${fn('t.typmodout')} AS typmodout, ${fn('t.typanalyze')} AS analyze, ${subscript} AS subscript
            FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
           WHERE t.typtype = 'b' AND t.typisdefined AND ${userSchema('n.nspname')} AND ${notExtensionMember('pg_type', 't.oid')}
             -- an array type comes with its element type
             AND NOT EXISTS (SELECT FROM pg_catalog.pg_type e WHERE e.oid = t.typelem AND e.typarray = t.oid)
           ORDER BY n.nspname, t.typname`;
}

const alignments: Record<string, string> = { c: 'char', s: 'int2', i: 'int4', d: 'double' };
const storages: Record<string, string> = { p: 'plain', e: 'external', m: 'main', x: 'extended' };

/** CREATE TYPE … (…) in pg_dump's layout (dumpBaseType). */
export function buildCreateBaseType(row: BaseTypeRow): string {
  const lines = [`    INTERNALLENGTH = ${row.typlen < 0 ? 'variable' : row.typlen}`, `    INPUT = ${row.input}`, `    OUTPUT = ${row.output}`];
  if (row.receive !== null) lines.push(`    RECEIVE = ${row.receive}`);
  if (row.send !== null) lines.push(`    SEND = ${row.send}`);
  if (row.typmodin !== null) lines.push(`    TYPMOD_IN = ${row.typmodin}`);
  if (row.typmodout !== null) lines.push(`    TYPMOD_OUT = ${row.typmodout}`);
  if (row.analyze !== null) lines.push(`    ANALYZE = ${row.analyze}`);
  if (row.subscript !== null) lines.push(`    SUBSCRIPT = ${row.subscript}`);
  if (row.typbyval) lines.push('    PASSEDBYVALUE');
  if (row.typcategory !== 'U') lines.push(`    CATEGORY = ${quoteLiteral(row.typcategory)}`);
  if (row.typispreferred) lines.push('    PREFERRED = true');
  if (row.typdefault !== null) lines.push(`    DEFAULT = ${quoteLiteral(row.typdefault)}`);
  if (row.element !== null) lines.push(`    ELEMENT = ${row.element}`);
  if (row.typdelim !== ',') lines.push(`    DELIMITER = ${quoteLiteral(row.typdelim)}`);
  lines.push(`    ALIGNMENT = ${alignments[row.typalign] ?? row.typalign}`, `    STORAGE = ${storages[row.typstorage] ?? row.typstorage}`);
  if (row.collatable) lines.push('    COLLATABLE = true');
  return `CREATE TYPE ${quoteQualified(row.nspname, row.typname)} (\n${lines.join(',\n')}\n);\n`;
}

/** The SHELL TYPE entry of a type whose functions must exist before it (base types, ranges with a canonical function). */
export function shellTypeEntry(schema: string, name: string, typeOid: number, namespaceOid: number): TocEntry {
  return {
    id: entryId('SHELL TYPE', schema, name),
    kind: 'SHELL TYPE',
    section: 'pre-data',
    schema,
    name,
    ref: shellTypeRef(typeOid),
    dependsOn: [ref('pg_namespace', namespaceOid)],
    sql: `CREATE TYPE ${quoteQualified(schema, name)};\n`,
  };
}

/** SHELL TYPE and TYPE entries of every base type in the dumped schemas. */
export const readBaseTypes: CatalogReader = async (client: QueryClient, options) => {
  const { rows } = await client.query<BaseTypeRow>(baseTypesQuery(options));
  const entries: TocEntry[] = [];
  for (const row of rows) {
    if (!options.includesSchema(row.nspname)) continue;
    const shell = shellTypeEntry(row.nspname, row.typname, Number(row.oid), Number(row.nspoid));
    entries.push(shell, {
      id: entryId('TYPE', row.nspname, row.typname),
      kind: 'TYPE',
      section: 'pre-data',
      schema: row.nspname,
      name: row.typname,
      ref: ref('pg_type', row.oid),
      dependsOn: [ref('pg_namespace', row.nspoid)],
      after: [shell.id],
      sql: buildCreateBaseType(row),
    });
  }
  return entries;
};
