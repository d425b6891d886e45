// GRANT/REVOKE for every object of the dump whose privileges differ from what
// CREATE gives it, plus ALTER DEFAULT PRIVILEGES, as pg_dump's dumpACL and
// dumpDefaultACL write them. Skipped entirely with noPrivileges.
import type { QueryClient } from '../../../db/client.js';
import { quoteIdent, quoteQualified } from '../../../sql/quote.js';
import type { CatalogReader, TocEntry } from '../toc.js';
import { buildAclCommands, buildDefaultAclCommands } from './acl-commands.js';
import { formatAclRole } from './acl-items.js';
import {
  aclObjectType,
  decorationOrder,
  isDecoratedObjectIncluded,
  objectSqlName,
  type DecoratedObject,
} from './acl-objects.js';
import { decoratedObject, readDecorations } from './decorations.js';
import { makeEntry } from './fn-entry.js';
import { isUserSchema } from './fn-sql.js';
import { ownerEntryId, ownerSql } from './owners.js';

interface AclRow extends DecoratedObject {
  /** Columns of a relation with privileges of their own, in column order. */
  columns: Array<{ name: string; acl: string[] }> | null;
}

interface DefaultAclRow {
  role: string;
  schema: string | null;
  objtype: 'r' | 'S' | 'f' | 'T' | 'n';
  acl: string[];
  base: string[];
}

// A per-schema entry adds to the global defaults, so its base is empty (pg_dump does the same).
const defaultAclQuery = `SELECT pg_catalog.pg_get_userbyid(d.defaclrole) AS role, n.nspname AS schema, d.defaclobjtype AS objtype,
  d.defaclacl::pg_catalog.text[] AS acl,
  CASE WHEN d.defaclnamespace = 0
       THEN pg_catalog.acldefault(CASE WHEN d.defaclobjtype = 'S' THEN 's' ELSE d.defaclobjtype END::"char", d.defaclrole)::pg_catalog.text[]
       ELSE '{}'::pg_catalog.text[] END AS base
FROM pg_catalog.pg_default_acl d
LEFT JOIN pg_catalog.pg_namespace n ON n.oid = d.defaclnamespace
WHERE d.defaclnamespace = 0 OR ${isUserSchema('n.nspname')}
ORDER BY role, schema NULLS FIRST, objtype`;

const defaultAclTypes = { r: 'TABLES', S: 'SEQUENCES', f: 'FUNCTIONS', T: 'TYPES', n: 'SCHEMAS' } as const;

/** GRANT/REVOKE and ALTER DEFAULT PRIVILEGES entries; nothing with noPrivileges. */
export const readAcls: CatalogReader = async (client: QueryClient, options) => {
  if (options.noPrivileges) return [];
  const entries: TocEntry[] = [];
  // Objects with privileges of their own, and relations with column privileges.
  const rows: AclRow[] = (await readDecorations(client, options.present))
    .filter((row) => row.acl !== null || (row.columns !== null && row.kind !== 'INDEX'))
    .map((row) => ({ ...decoratedObject(row), columns: row.columns }));
  for (const row of rows) {
    if (!isDecoratedObjectIncluded(row, options)) continue;
    const sql = objectAclSql(row, options.serverMajor);
    if (sql === '') continue;
    const order = decorationOrder(row);
    const ownerFirst = !options.noOwner && ownerSql(row) !== null ? [ownerEntryId(row)] : [];
    entries.push(
      makeEntry({
        id: `ACL ${row.kind} ${objectSqlName(row)}`,
        kind: 'ACL',
        // pg_dump restores privileges after everything else but materialized view refreshes.
        section: 'post-data',
        schema: row.schema,
        name: row.name,
        ref: null,
        dependsOn: order.dependsOn,
        after: [...order.after, ...ownerFirst],
        sql,
      }),
    );
  }
  const defaults = await client.query<DefaultAclRow>(defaultAclQuery);
  for (const row of defaults.rows) {
    if (row.schema !== null && !options.includesSchema(row.schema)) continue;
    const type = defaultAclTypes[row.objtype];
    const sql = buildDefaultAclCommands({ role: row.role, schema: row.schema, type, acl: row.acl, base: row.base, serverMajor: options.serverMajor });
    if (sql === '') continue;
    const where = row.schema === null ? '' : ` IN SCHEMA ${quoteIdent(row.schema)}`;
    entries.push(
      makeEntry({
        id: `ACL DEFAULT PRIVILEGES FOR ROLE ${quoteIdent(row.role)}${where} ${type}`,
        kind: 'ACL',
        section: 'post-data',
        schema: row.schema,
        name: `${row.role} ${type}`,
        ref: null,
        sql,
      }),
    );
  }
  return entries;
};

/** The object's statements followed by its columns' (which pg_dump compares with an empty base). */
export function objectAclSql(row: AclRow, serverMajor: number): string {
  const type = aclObjectType(row.kind);
  if (type === null) return '';
  // GRANT has no aggregate syntax (`agg(*)`, `ORDER BY`): pg_dump grants on the function of the argument types.
  const name = row.kind === 'AGGREGATE' ? `${quoteQualified(row.schema ?? '', row.name)}(${row.grant_args ?? ''})` : objectSqlName(row);
  let sql = buildAclCommands({ type, name, acl: row.acl, base: baseAcl(row), owner: row.owner, serverMajor });
  for (const column of row.columns ?? []) {
    sql += buildAclCommands({ type: 'TABLE', name, column: quoteIdent(column.name), acl: column.acl, base: [], owner: row.owner, serverMajor });
  }
  return sql;
}

/**
 * What the object had when created. The public schema is the exception: a new
 * database gives it `{owner=UC/owner,=U/owner}`, which pg_dump takes as its base.
 */
function baseAcl(row: AclRow): string[] {
  if (row.kind === 'SCHEMA' && row.name === 'public' && row.owner !== null) {
    const owner = formatAclRole(row.owner);
    return [`${owner}=UC/${owner}`, `=U/${owner}`];
  }
  return row.base ?? [];
}
