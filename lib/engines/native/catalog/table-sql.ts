// Shared pieces of the table-family readers: catalog OIDs for ObjectRef, entry
// ids, and the SQL filters every family query repeats (system schemas, members
// of extensions).
import { quoteIdent, quoteLiteral, quoteQualified } from '../../../sql/quote.js';
import type { EntryKind, ObjectRef } from '../toc.js';

/**
 * OIDs of the system catalogs, fixed since PostgreSQL 7.x (pg_*.h `CATALOG(name, oid)`).
 * Hard-coded so that a ref needs no extra query.
 */
export const catalogOid = {
  pg_namespace: 2615,
  pg_class: 1259,
  pg_type: 1247,
  pg_proc: 1255,
  pg_constraint: 2606,
  pg_attrdef: 2604,
  pg_collation: 3456,
  pg_extension: 3079,
  pg_rewrite: 2618,
} as const;

export function ref(catalog: keyof typeof catalogOid, objid: number | string): ObjectRef {
  return { classid: catalogOid[catalog], objid: Number(objid) };
}

/** `KIND "schema"."name"` (or `KIND "name"` without a schema), plus an optional sub-object name. */
export function entryId(kind: EntryKind, schema: string | null, name: string, sub?: string): string {
  const base = schema === null ? `${kind} ${quoteIdent(name)}` : `${kind} ${quoteQualified(schema, name)}`;
  return sub === undefined ? base : `${base} ${quoteIdent(sub)}`;
}

/** SQL condition: the schema column `column` is not a system schema. */
export function userSchema(column: string): string {
  return `${column} NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND ${column} !~ '^pg_(toast_)?temp_'`;
}

/**
 * SQL condition: the object `objid` of catalog `catalog` is not a member of an
 * extension (pg_depend deptype 'e'): CREATE EXTENSION makes those.
 */
export function notExtensionMember(catalog: keyof typeof catalogOid, objid: string): string {
  return (
    `NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e WHERE e.classid = ${catalogOid[catalog]} ` +
    `AND e.objid = ${objid} AND e.deptype = 'e')`
  );
}

/**
 * SQL expression: a text[] of `name 'value'` items from an options array
 * (attfdwoptions, ftoptions, srvoptions…), as pg_dump writes OPTIONS (…).
 */
export function fdwOptions(column: string): string {
  return `(SELECT pg_catalog.array_agg(pg_catalog.quote_ident(o.option_name) || ' ' || pg_catalog.quote_literal(o.option_value) ORDER BY o.ord)
             FROM pg_catalog.pg_options_to_table(${column}) WITH ORDINALITY AS o(option_name, option_value, ord))`;
}

/**
 * `WITH (...)` contents from a reloptions array, as pg_dump writes them:
 * `name='value'`, with `prefix` (`toast.`) before each name.
 */
export function formatReloptions(options: readonly string[] | null, prefix = ''): string[] {
  return (options ?? []).map((option) => {
    const eq = option.indexOf('=');
    const name = eq < 0 ? option : option.slice(0, eq);
    const value = eq < 0 ? 'true' : option.slice(eq + 1);
    return `${prefix}${quoteIdent(name)}=${quoteLiteral(value)}`;
  });
}
