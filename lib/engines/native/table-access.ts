import type { QueryClient } from '../../db/client.js';
import { quoteIdent, quoteQualified } from '../../sql/quote.js';
import type { TableName } from './session-setup.js';

interface AccessRow {
  ord: string;
  found: boolean;
  schema_usage: boolean | null;
  readable: boolean | null;
  rls_blocked: boolean | null;
}

// RLS applies unless the role bypasses it (superuser, BYPASSRLS) or owns the
// table without FORCE ROW LEVEL SECURITY; with row_security off PostgreSQL then
// raises an error instead of filtering.
const accessSql = `
  SELECT x.ord::text AS ord, c.oid IS NOT NULL AS found,
         pg_catalog.has_schema_privilege(n.oid, 'USAGE') AS schema_usage,
         pg_catalog.has_table_privilege(c.oid, 'SELECT') AS readable,
         c.relrowsecurity AND NOT r.bypass
           AND (c.relforcerowsecurity OR NOT pg_catalog.pg_has_role(c.relowner, 'USAGE')) AS rls_blocked
    FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS x(schema, name, ord)
    LEFT JOIN pg_catalog.pg_namespace n ON n.nspname = x.schema
    LEFT JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = x.name
   CROSS JOIN (SELECT rolsuper OR rolbypassrls AS bypass FROM pg_catalog.pg_roles WHERE rolname = current_user) r
   ORDER BY x.ord`;

export interface TableAccess {
  /** Tables the role cannot read (no SELECT on the table or no USAGE on its schema). */
  unreadable: TableName[];
  /** Schemas of unreadable tables the role has no USAGE on. */
  schemasWithoutUsage: string[];
  /** Tables whose row-level security would hide rows from the role. */
  rowSecurity: TableName[];
}

/** Checks, before any row is read, that the role may read every table whose data is dumped. */
export async function checkTableAccess(client: QueryClient, tables: readonly TableName[]): Promise<TableAccess> {
  const access: TableAccess = { unreadable: [], schemasWithoutUsage: [], rowSecurity: [] };
  if (tables.length === 0) return access;
  const { rows } = await client.query<AccessRow>(accessSql, [tables.map((t) => t.schema), tables.map((t) => t.table)]);
  const noUsage = new Set<string>();
  for (const row of rows) {
    const table = tables[Number(row.ord) - 1]!;
    if (!row.found) continue; // dropped meanwhile: COPY will say so
    if (!row.schema_usage) noUsage.add(table.schema);
    if (!row.schema_usage || !row.readable) access.unreadable.push(table);
    else if (row.rls_blocked) access.rowSecurity.push(table);
  }
  access.schemasWithoutUsage = [...noUsage].sort();
  return access;
}

/** The GRANTs that make the unreadable tables readable: per schema when several tables of it are unreadable. */
export function grantsFor(access: TableAccess, role: string): string[] {
  const who = quoteIdent(role);
  const grants = access.schemasWithoutUsage.map((schema) => `GRANT USAGE ON SCHEMA ${quoteIdent(schema)} TO ${who};`);
  const bySchema = new Map<string, TableName[]>();
  for (const table of access.unreadable) bySchema.set(table.schema, [...(bySchema.get(table.schema) ?? []), table]);
  for (const [schema, tables] of [...bySchema].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (tables.length > 1) grants.push(`GRANT SELECT ON ALL TABLES IN SCHEMA ${quoteIdent(schema)} TO ${who};`);
    else grants.push(`GRANT SELECT ON ${quoteQualified(schema, tables[0]!.table)} TO ${who};`);
  }
  return grants;
}

