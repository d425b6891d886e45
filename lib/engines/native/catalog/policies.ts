// Row-level security: CREATE POLICY from pg_policy as pg_dump writes it, and
// the table's ENABLE / FORCE ROW LEVEL SECURITY.
import type { QueryClient } from '../../../db/client.js';
import { quoteIdent, quoteQualified } from '../../../sql/quote.js';
import type { CatalogReader, TocEntry } from '../toc.js';
import { makeEntry, tableMemberEntries, tableMemberId, toRef } from './fn-entry.js';
import { catalogOid, isNotExtensionMember, isUserSchema } from './fn-sql.js';

/** One pg_policy row with its expressions deparsed and its roles by name ('' for PUBLIC). */
export interface PolicyRow {
  classid: number;
  oid: number;
  table_classid: number;
  table_oid: number;
  schema: string;
  table: string;
  name: string;
  command: '*' | 'r' | 'a' | 'w' | 'd';
  permissive: boolean;
  roles: string[];
  qual: string | null;
  with_check: string | null;
}

const policiesQuery = `SELECT ${catalogOid('pg_policy')} AS classid, p.oid, ${catalogOid('pg_class')} AS table_classid,
  c.oid AS table_oid, n.nspname AS schema, c.relname AS table, p.polname AS name, p.polcmd AS command,
  p.polpermissive AS permissive,
  ARRAY(SELECT CASE WHEN r.role = 0 THEN '' ELSE pg_catalog.pg_get_userbyid(r.role)::pg_catalog.text END
          FROM pg_catalog.unnest(p.polroles) WITH ORDINALITY AS r(role, i) ORDER BY r.i) AS roles,
  pg_catalog.pg_get_expr(p.polqual, p.polrelid) AS qual,
  pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) AS with_check
FROM pg_catalog.pg_policy p
JOIN pg_catalog.pg_class c ON c.oid = p.polrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE ${isUserSchema('n.nspname')} AND ${isNotExtensionMember('pg_class', 'c.oid')}
ORDER BY n.nspname, c.relname, p.polname`;

/** `POLICY "s"."table"."name"`: the id of a policy's entry. */
export function policyEntryId(schema: string, table: string, name: string): string {
  return `POLICY ${tableMemberId(schema, table, name)}`;
}

/** One entry per policy on a dumped table. */
export const readPolicies: CatalogReader = async (client: QueryClient, options) => {
  const { rows } = await client.query<PolicyRow>(policiesQuery);
  return tableMemberEntries(rows, options, 'POLICY', policySql);
};

const commands = { '*': '', r: ' FOR SELECT', a: ' FOR INSERT', w: ' FOR UPDATE', d: ' FOR DELETE' } as const;

/** CREATE POLICY in pg_dump's form; the roles clause is left out for PUBLIC alone (the default). */
export function policySql(row: Pick<PolicyRow, 'schema' | 'table' | 'name' | 'command' | 'permissive' | 'roles' | 'qual' | 'with_check'>): string {
  let sql = `CREATE POLICY ${quoteIdent(row.name)} ON ${quoteQualified(row.schema, row.table)}`;
  if (!row.permissive) sql += ' AS RESTRICTIVE';
  sql += commands[row.command];
  const onlyPublic = row.roles.length === 1 && row.roles[0] === '';
  if (row.roles.length > 0 && !onlyPublic) {
    sql += ` TO ${row.roles.map((role) => (role === '' ? 'PUBLIC' : quoteIdent(role))).join(', ')}`;
  }
  if (row.qual !== null) sql += ` USING (${row.qual})`;
  if (row.with_check !== null) sql += ` WITH CHECK (${row.with_check})`;
  return `${sql};\n`;
}

interface RowSecurityRow {
  table_classid: number;
  table_oid: number;
  schema: string;
  table: string;
  enabled: boolean;
  forced: boolean;
}

const rowSecurityQuery = `SELECT ${catalogOid('pg_class')} AS table_classid, c.oid AS table_oid, n.nspname AS schema,
  c.relname AS table, c.relrowsecurity AS enabled, c.relforcerowsecurity AS forced
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p') AND (c.relrowsecurity OR c.relforcerowsecurity)
  AND ${isUserSchema('n.nspname')} AND ${isNotExtensionMember('pg_class', 'c.oid')}
ORDER BY n.nspname, c.relname`;

/**
 * ENABLE and FORCE ROW LEVEL SECURITY, one entry per table, in post-data: after
 * the data, so a restoring table owner is not filtered by its own policies
 * (pg_dump puts FORCE in the table's pre-data entry; the end state is the same).
 */
export const readRowSecurity: CatalogReader = async (client: QueryClient, options) => {
  const { rows } = await client.query<RowSecurityRow>(rowSecurityQuery);
  const entries: TocEntry[] = [];
  for (const row of rows) {
    if (!options.includesTable(row.schema, row.table)) continue;
    const table = quoteQualified(row.schema, row.table);
    let sql = '';
    if (row.enabled) sql += `ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY;\n`;
    if (row.forced) sql += `ALTER TABLE ONLY ${table} FORCE ROW LEVEL SECURITY;\n`;
    entries.push(
      makeEntry({
        id: `ROW SECURITY ${table}`,
        kind: 'ROW SECURITY',
        section: 'post-data',
        schema: row.schema,
        name: row.table,
        ref: null,
        dependsOn: [toRef(row.table_classid, row.table_oid)],
        sql,
      }),
    );
  }
  return entries;
};
