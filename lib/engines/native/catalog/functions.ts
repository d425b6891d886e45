// CREATE FUNCTION / CREATE PROCEDURE from the server's own pg_get_functiondef,
// for every routine of a dumped schema that is not an aggregate and not an
// extension member.
import type { QueryClient } from '../../../db/client.js';
import type { CatalogReader, TocEntry } from '../toc.js';
import { makeEntry, routineSignature, toRef } from './fn-entry.js';
import { catalogOid, isNotExtensionMember, isNotInternalPart, isUserSchema } from './fn-sql.js';

interface FunctionRow {
  classid: number;
  oid: number;
  namespace_classid: number;
  namespace: number;
  schema: string;
  name: string;
  prokind: 'f' | 'p' | 'w';
  args: string;
  definition: string;
}

// prokind 'w' (window functions written in C) comes out of pg_get_functiondef with WINDOW.
const functionsQuery = `SELECT ${catalogOid('pg_proc')} AS classid, p.oid, ${catalogOid('pg_namespace')} AS namespace_classid,
  p.pronamespace AS namespace, n.nspname AS schema, p.proname AS name, p.prokind,
  pg_catalog.pg_get_function_identity_arguments(p.oid) AS args,
  pg_catalog.pg_get_functiondef(p.oid) AS definition
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE p.prokind IN ('f', 'p', 'w') AND ${isUserSchema('n.nspname')} AND ${isNotExtensionMember('pg_proc', 'p.oid')} AND ${isNotInternalPart('pg_proc', 'p.oid')}
ORDER BY n.nspname, p.proname, args`;

/** `FUNCTION "s"."f"(a integer)` / `PROCEDURE …`: the id of a routine's entry. */
export function functionEntryId(prokind: string, schema: string, name: string, args: string): string {
  return `${prokind === 'p' ? 'PROCEDURE' : 'FUNCTION'} ${routineSignature(schema, name, args)}`;
}

/** One entry per function and procedure of the dumped schemas. */
export const readFunctions: CatalogReader = async (client: QueryClient, options) => {
  const { rows } = await client.query<FunctionRow>(functionsQuery);
  const entries: TocEntry[] = [];
  for (const row of rows) {
    if (!options.includesSchema(row.schema)) continue;
    entries.push(
      makeEntry({
        id: functionEntryId(row.prokind, row.schema, row.name, row.args),
        kind: row.prokind === 'p' ? 'PROCEDURE' : 'FUNCTION',
        section: 'pre-data',
        schema: row.schema,
        name: `${row.name}(${row.args})`,
        ref: toRef(row.classid, row.oid),
        dependsOn: [toRef(row.namespace_classid, row.namespace)],
        sql: functionSql(row.definition),
      }),
    );
  }
  return entries;
};

/**
 * pg_get_functiondef's text as a statement: it ends without a semicolon (a
 * dollar-quoted body, or `END` of a BEGIN ATOMIC body, then a newline).
 */
export function functionSql(definition: string): string {
  return `${definition.replace(/\s+$/, '')};\n`;
}
