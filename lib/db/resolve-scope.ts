import { PgbakError } from '../errors.js';
import type { TableScope } from '../plan/types.js';
import type { QueryClient } from './client.js';
import { patternToRegex } from './name-pattern.js';

/**
 * A step's patterns resolved on the server to the schemas and relations they
 * name: the one answer the dump, the manifest's row counts, the schema model and
 * the native engine all use. Relations are keyed by `relationKey`.
 */
export interface ResolvedScope {
  /** Schemas named by `schemas`; null when the step lists none. */
  schemas: ReadonlySet<string> | null;
  excludedSchemas: ReadonlySet<string>;
  /** Relations named by `tables`; null when the step lists none. */
  tables: ReadonlySet<string> | null;
  excludedTables: ReadonlySet<string>;
  excludedTableData: ReadonlySet<string>;
}

/** The key of a relation in a ResolvedScope's sets. */
export function relationKey(schema: string, name: string): string {
  return `${schema}\u0000${name}`;
}

const patternHint = 'check the --table / --schema names (schema.table, case-sensitive when quoted)';

// pg_dump's expand_table_name_patterns: tables, sequences, views, materialized
// views, foreign and partitioned tables; an unqualified pattern matches what is
// visible in the role's default search_path (pg_dump RESETs it first).
const relationsSql = (qualified: boolean, collate: string) => `
  SELECT n.nspname AS schema, c.relname AS name
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relkind = ANY (ARRAY['r', 'S', 'v', 'm', 'f', 'p']::pg_catalog."char"[])
     AND c.relname OPERATOR(pg_catalog.~) $1::pg_catalog.text${collate}
     AND ${qualified ? `n.nspname OPERATOR(pg_catalog.~) $2::pg_catalog.text${collate}` : 'pg_catalog.pg_table_is_visible(c.oid)'}`;

// pg_dump's expand_schema_name_patterns: every schema, system ones included.
const schemasSql = (collate: string) => `
  SELECT n.nspname AS name FROM pg_catalog.pg_namespace n
   WHERE n.nspname OPERATOR(pg_catalog.~) $1::pg_catalog.text${collate}`;

/**
 * Resolves `scope` as pg_dump --strict-names does, in the caller's transaction
 * (the step's snapshot), in pg_dump's order: schemas, excluded schemas, tables,
 * excluded tables, excluded table data. An include pattern that matches nothing,
 * a pattern with too many dots or naming another database, or a malformed
 * regular expression is a configuration error (exit 2) with pg_dump's message.
 */
export async function resolveScope(client: QueryClient, scope: TableScope, serverMajor: number): Promise<ResolvedScope> {
  // Since PostgreSQL 12 the catalogs' "C" collation would win without it (pg_dump adds it too).
  const collate = serverMajor >= 12 ? ' COLLATE pg_catalog."default"' : '';
  const { rows } = await client.query<{ db: string }>('SELECT pg_catalog.current_database() AS db');
  const database = rows[0]!.db;
  const schemas = async (patterns: readonly string[], strict: boolean) => {
    const out = new Set<string>();
    for (const pattern of patterns) {
      const regex = patternToRegex(pattern, 1);
      if (regex.dots > 1) throw invalid(`improper qualified name (too many dotted names): ${pattern}`);
      // pg_dump takes no database part in a schema pattern: any dot is a cross-database reference.
      if (regex.dots === 1) throw invalid(`cross-database references are not implemented: ${pattern}`);
      const found = await run(client, pattern, schemasSql(collate), [regex.name]);
      if (strict && found.length === 0) throw invalid(`no matching schemas were found for pattern "${pattern}"`);
      for (const row of found) out.add(row.name);
    }
    return out;
  };
  const relations = async (patterns: readonly string[], strict: boolean) => {
    const out = new Set<string>();
    for (const pattern of patterns) {
      const regex = patternToRegex(pattern, 3);
      if (regex.dots > 2) throw invalid(`improper relation name (too many dotted names): ${pattern}`);
      if (regex.database !== null && regex.database !== database) throw invalid(`cross-database references are not implemented: ${pattern}`);
      const params = regex.schema === null ? [regex.name] : [regex.name, regex.schema];
      const found = await run(client, pattern, relationsSql(regex.schema !== null, collate), params, true);
      if (strict && found.length === 0) throw invalid(`no matching tables were found for pattern "${pattern}"`);
      for (const row of found) out.add(relationKey(row.schema, row.name));
    }
    return out;
  };
  return {
    schemas: scope.schemas.length > 0 ? await schemas(scope.schemas, true) : null,
    excludedSchemas: await schemas(scope.excludeSchemas, false),
    tables: scope.tables.length > 0 ? await relations(scope.tables, true) : null,
    excludedTables: await relations(scope.excludeTables, false),
    excludedTableData: await relations(scope.excludeTableData, false),
  };
}

/** True when the scope holds no pattern at all (nothing to resolve). */
export function isUnscoped(scope: TableScope): boolean {
  return [scope.schemas, scope.excludeSchemas, scope.tables, scope.excludeTables, scope.excludeTableData].every((list) => list.length === 0);
}

// One query per pattern, as pg_dump runs them, in a savepoint so that a bad
// regular expression does not end the snapshot's transaction; RESET search_path
// (undone with the savepoint) gives pg_table_is_visible the role's default path.
async function run(client: QueryClient, pattern: string, sql: string, params: string[], resetPath = false): Promise<Array<{ schema: string; name: string }>> {
  await client.query('SAVEPOINT pgbak_scope');
  try {
    if (resetPath) await client.query('RESET search_path');
    const { rows } = await client.query<{ schema: string; name: string }>(sql, params);
    return rows;
  } catch (error) {
    const pgCode = (error as { code?: string }).code;
    // 2201B: invalid_regular_expression.
    if (pgCode === '2201B') {
      throw new PgbakError('CONFIG_INVALID', `invalid pattern "${pattern}": ${(error as Error).message}`, {
        hint: 'outside double quotes ( ) [ ] { } | + ^ are regular-expression syntax, as in pg_dump; quote a name to match it literally',
      });
    }
    throw error;
  } finally {
    await client.query('ROLLBACK TO SAVEPOINT pgbak_scope');
    await client.query('RELEASE SAVEPOINT pgbak_scope');
  }
}

function invalid(message: string): PgbakError {
  return new PgbakError('CONFIG_INVALID', message, { hint: patternHint });
}
