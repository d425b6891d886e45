// Privileges changed on members of an extension: CREATE EXTENSION gives them
// what pg_init_privs records, so a dump writes only the difference between that
// and what they have now (pg_dump's handling of initprivs). Tables, sequences,
// functions, procedures, types and schemas that are extension members.
import type { QueryClient } from '../../../db/client.js';
import { quoteIdent, quoteQualified } from '../../../sql/quote.js';
import type { CatalogReader, TocEntry } from '../toc.js';
import { buildAclCommands } from './acl-commands.js';
import type { AclObjectType } from './acl-items.js';
import { makeEntry, routineSignature, toRef } from './fn-entry.js';
import { catalogOid } from './fn-sql.js';

interface MemberAclRow {
  kind: 'TABLE' | 'SEQUENCE' | 'FUNCTION' | 'PROCEDURE' | 'TYPE' | 'DOMAIN' | 'SCHEMA';
  classid: string;
  objid: string;
  schema: string | null;
  name: string;
  args: string | null;
  owner: string;
  acl: string[];
  base: string[];
}

/**
 * SQL: the extension members of catalog `catalog`, as `<alias>` joined from the links, e.g.
 * `extension_links e JOIN pg_catalog.pg_proc p ON p.oid = e.objid AND e.classid = <pg_proc>`.
 * The links come from pg_depend by its index on the referenced object (every 'e' link points
 * to a pg_extension row): a handful of rows, instead of a probe of pg_depend for every
 * built-in function and type (most of what this query cost a small database). An object
 * belongs to one extension at most: one link each.
 */
function members(catalog: string, alias: string): string {
  return `extension_links e JOIN pg_catalog.${catalog} ${alias} ON ${alias}.oid = e.objid AND e.classid = ${catalogOid(catalog)}`;
}

// pg_init_privs 'e': privileges the extension's script left on the object (recorded only when they are
// not the defaults). A NULL acl means the object's defaults (acldefault). Each branch keeps to extension
// members itself, so the names and signatures are made for members only, not for every built-in function.
const memberAclsQuery = `
WITH extension_links AS MATERIALIZED (
  SELECT d.classid, d.objid FROM pg_catalog.pg_depend d
   WHERE d.refclassid = ${catalogOid('pg_extension')} AND d.deptype = 'e'
),
members AS (
  SELECT CASE WHEN c.relkind = 'S' THEN 'SEQUENCE' ELSE 'TABLE' END AS kind, ${catalogOid('pg_class')} AS classid, c.oid AS objid,
         n.nspname AS schema, c.relname AS name, NULL::text AS args, c.relowner AS owner,
         c.relacl AS acl, pg_catalog.acldefault(CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::"char", c.relowner) AS dflt
    FROM ${members('pg_class', 'c')} JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
  UNION ALL
  SELECT CASE WHEN p.prokind = 'p' THEN 'PROCEDURE' ELSE 'FUNCTION' END, ${catalogOid('pg_proc')}, p.oid, n.nspname, p.proname,
         pg_catalog.pg_get_function_identity_arguments(p.oid), p.proowner, p.proacl, pg_catalog.acldefault('f', p.proowner)
    FROM ${members('pg_proc', 'p')} JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
   WHERE p.prokind IN ('f', 'p', 'w')
  UNION ALL
  SELECT CASE WHEN t.typtype = 'd' THEN 'DOMAIN' ELSE 'TYPE' END, ${catalogOid('pg_type')}, t.oid, n.nspname, t.typname, NULL, t.typowner,
         t.typacl, pg_catalog.acldefault('T', t.typowner)
    FROM ${members('pg_type', 't')} JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
  UNION ALL
  SELECT 'SCHEMA', ${catalogOid('pg_namespace')}, n.oid, NULL, n.nspname, NULL, n.nspowner, n.nspacl, pg_catalog.acldefault('n', n.nspowner)
    FROM ${members('pg_namespace', 'n')}
)
SELECT m.kind, m.classid, m.objid, m.schema, m.name, m.args, pg_catalog.pg_get_userbyid(m.owner) AS owner,
       COALESCE(m.acl, m.dflt)::pg_catalog.text[] AS acl, COALESCE(ip.initprivs, m.dflt)::pg_catalog.text[] AS base
  FROM members m
  LEFT JOIN pg_catalog.pg_init_privs ip ON ip.classoid = m.classid AND ip.objoid = m.objid AND ip.objsubid = 0 AND ip.privtype = 'e'
 WHERE (m.acl IS NOT NULL OR ip.initprivs IS NOT NULL)
   AND COALESCE(m.acl, m.dflt)::pg_catalog.text[] IS DISTINCT FROM COALESCE(ip.initprivs, m.dflt)::pg_catalog.text[]
 ORDER BY m.kind, m.schema, m.name, m.args`;

const grantTypes: Record<MemberAclRow['kind'], AclObjectType> = {
  TABLE: 'TABLE',
  SEQUENCE: 'SEQUENCE',
  FUNCTION: 'FUNCTION',
  PROCEDURE: 'PROCEDURE',
  TYPE: 'TYPE',
  DOMAIN: 'TYPE',
  SCHEMA: 'SCHEMA',
};

function memberName(row: MemberAclRow): string {
  if (row.kind === 'SCHEMA') return quoteIdent(row.name);
  if (row.kind === 'FUNCTION' || row.kind === 'PROCEDURE') return routineSignature(row.schema ?? '', row.name, row.args ?? '');
  return quoteQualified(row.schema ?? '', row.name);
}

/** GRANT/REVOKE for extension members whose privileges differ from what their extension gave them. */
export const readExtensionMemberAcls: CatalogReader = async (client: QueryClient, options) => {
  if (options.noPrivileges) return [];
  const { rows } = await client.query<MemberAclRow>(memberAclsQuery);
  const entries: TocEntry[] = [];
  for (const row of rows) {
    if (!options.includesSchema(row.schema ?? row.name)) continue;
    const name = memberName(row);
    const sql = buildAclCommands({ type: grantTypes[row.kind], name, acl: row.acl, base: row.base, owner: row.owner, serverMajor: options.serverMajor });
    if (sql === '') continue;
    entries.push(
      makeEntry({
        id: `ACL ${row.kind} ${name}`,
        kind: 'ACL',
        section: 'post-data',
        schema: row.schema,
        name: row.name,
        ref: null,
        // The member resolves to its extension's entry (pg_depend 'e').
        dependsOn: [toRef(row.classid, row.objid)],
        sql,
      }),
    );
  }
  return entries;
};
