// One SQL view of every object a dump can decorate with COMMENT, OWNER and
// GRANT, with the columns of DecoratedObject (acl-objects.ts).
import { decoratedKindsBranches, type ViewBranch } from './decorated-kinds-query.js';
import { mayHold, type CatalogPresence } from './presence.js';
import { catalogOid, isNotInternalPart, isUserSchema } from './fn-sql.js';

const pgClass = catalogOid('pg_class');
const pgType = catalogOid('pg_type');

/**
 * SQL for a CTE named `objects` holding every object of a user schema (or a
 * large object, an extension, a language or a cast) that is not an extension member, with the
 * columns of DecoratedObject. Objects the dump does not re-create — array and
 * row types, trigger clones on partitions, views' `_RETURN` rules, internal
 * triggers — are left out.
 */
export function decoratedObjectsCte(present?: CatalogPresence): string {
  const branches = [...coreBranches, ...decoratedKindsBranches].filter((branch) => branch.needs === undefined || mayHold(present, branch.needs));
  return `${extensionLinks},\nobjects AS (\n  ${branches.map((branch) => branch.sql).join('\n  UNION ALL\n  ')}\n)`;
}

// Every extension member link ('e' always points to a pg_extension row), read once by
// pg_depend's index on the referenced object: the branches below test membership
// against these few rows instead of each scanning pg_depend for its catalog's links.
const extensionLinks = `extension_links AS MATERIALIZED (
  SELECT d.classid, d.objid FROM pg_catalog.pg_depend d
   WHERE d.refclassid = ${catalogOid('pg_extension')} AND d.deptype = 'e'
)`;

/** SQL condition: the object `oid` of catalog `catalog` is not an extension member (see extensionLinks). */
function isNotMember(catalog: string, oid: string): string {
  return `NOT EXISTS (SELECT FROM extension_links ext WHERE ext.classid = ${catalogOid(catalog)} AND ext.objid = ${oid})`;
}

// The first branch names the columns; it is always there.
const coreBranches: ViewBranch[] = [
  {
    sql: `SELECT 'SCHEMA'::pg_catalog.text AS kind, ${catalogOid('pg_namespace')} AS classid, n.oid AS objid,
         NULL::pg_catalog.text AS schema, n.nspname::pg_catalog.text AS name, NULL::pg_catalog.text AS args,
         NULL::pg_catalog.text AS parent, NULL::pg_catalog.oid AS parent_classid, NULL::pg_catalog.oid AS parent_objid,
         NULL::pg_catalog.oid AS constraint_objid, pg_catalog.pg_get_userbyid(n.nspowner)::pg_catalog.text AS owner,
         n.nspacl::pg_catalog.text[] AS acl, pg_catalog.acldefault('n', n.nspowner)::pg_catalog.text[] AS base,
         false AS identity_sequence, NULL::pg_catalog.text AS grant_args, NULL::pg_catalog.text AS parent_schema
  FROM pg_catalog.pg_namespace n
  WHERE ${isUserSchema('n.nspname')} AND ${isNotMember('pg_namespace', 'n.oid')}`,
  },
  {
    needs: ['pg_extension'],
    sql: `SELECT 'EXTENSION', ${catalogOid('pg_extension')}, x.oid, n.nspname, x.extname, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, false, NULL, NULL
  FROM pg_catalog.pg_extension x JOIN pg_catalog.pg_namespace n ON n.oid = x.extnamespace
  -- As pg_dump: extensions made by initdb (plpgsql) are part of every database, never dumped.
  WHERE x.oid >= 16384`,
  },
  {
    sql: `SELECT CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'S' THEN 'SEQUENCE'
           WHEN 'f' THEN 'FOREIGN TABLE' WHEN 'c' THEN 'COMPOSITE' WHEN 'i' THEN 'INDEX' WHEN 'I' THEN 'INDEX' ELSE 'TABLE' END,
         ${pgClass}, c.oid, n.nspname, c.relname, NULL,
         -- An index's table; a serial or identity sequence's table (same schema), which decides
         -- whether the sequence is dumped but is no dependency of its decorations.
         COALESCE(t.relname, (SELECT st.relname FROM pg_catalog.pg_depend sd
           JOIN pg_catalog.pg_class st ON st.oid = sd.refobjid
           WHERE c.relkind = 'S' AND sd.classid = ${pgClass} AND sd.objid = c.oid AND sd.refclassid = ${pgClass}
             AND sd.refobjsubid > 0 AND sd.deptype IN ('a', 'i') LIMIT 1)),
         CASE WHEN t.oid IS NOT NULL THEN ${pgClass} END, t.oid,
         (SELECT con.oid FROM pg_catalog.pg_constraint con
           WHERE con.conindid = c.oid AND con.conrelid = t.oid AND con.contype IN ('p', 'u', 'x')),
         -- Indexes and composite types have no ALTER ... OWNER of their own (ASCII only: the server converts a query into a LATIN1 database's encoding).
         CASE WHEN c.relkind NOT IN ('i', 'I', 'c') THEN pg_catalog.pg_get_userbyid(c.relowner) END,
         CASE WHEN c.relkind NOT IN ('i', 'I', 'c') THEN c.relacl::pg_catalog.text[] END,
         pg_catalog.acldefault(CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::"char", c.relowner)::pg_catalog.text[],
         c.relkind = 'S' AND EXISTS (SELECT FROM pg_catalog.pg_depend d WHERE d.classid = ${pgClass}
           AND d.objid = c.oid AND d.refclassid = ${pgClass} AND d.deptype = 'i'), NULL, NULL
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_catalog.pg_index i ON i.indexrelid = c.oid
  LEFT JOIN pg_catalog.pg_class t ON t.oid = i.indrelid
  WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f', 'c', 'i', 'I') AND ${isUserSchema('n.nspname')}
    AND ${isNotMember('pg_class', 'c.oid')} AND (t.oid IS NULL OR ${isNotMember('pg_class', 't.oid')})`,
  },
  {
    needs: ['pg_type'],
    sql: `SELECT CASE WHEN t.typtype = 'd' THEN 'DOMAIN' ELSE 'TYPE' END, ${pgType}, t.oid, n.nspname, t.typname,
         NULL, NULL, NULL, NULL, NULL, pg_catalog.pg_get_userbyid(t.typowner),
         t.typacl::pg_catalog.text[], pg_catalog.acldefault('T', t.typowner)::pg_catalog.text[], false, NULL, NULL
  FROM pg_catalog.pg_type t JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
  -- The schema test again, on pg_type itself: the server checks it per row before the subqueries below,
  -- which it would otherwise run for every built-in type (most of what this view cost on a small database).
  WHERE t.typtype IN ('b', 'c', 'd', 'e', 'r') AND t.typnamespace <> 'pg_catalog'::pg_catalog.regnamespace
    AND (t.typtype <> 'c' OR (SELECT r.relkind FROM pg_catalog.pg_class r WHERE r.oid = t.typrelid) = 'c')
    AND NOT EXISTS (SELECT FROM pg_catalog.pg_type e WHERE e.oid = t.typelem AND e.typarray = t.oid)
    AND ${isUserSchema('n.nspname')} AND ${isNotMember('pg_type', 't.oid')}`,
  },
  {
    needs: ['pg_collation'],
    sql: `SELECT 'COLLATION', ${catalogOid('pg_collation')}, co.oid, n.nspname, co.collname, NULL, NULL, NULL, NULL, NULL,
         pg_catalog.pg_get_userbyid(co.collowner), NULL, NULL, false, NULL, NULL
  FROM pg_catalog.pg_collation co JOIN pg_catalog.pg_namespace n ON n.oid = co.collnamespace
  WHERE ${isUserSchema('n.nspname')} AND ${isNotMember('pg_collation', 'co.oid')}`,
  },
  {
    needs: ['pg_proc'],
    sql: `SELECT CASE p.prokind WHEN 'p' THEN 'PROCEDURE' WHEN 'a' THEN 'AGGREGATE' ELSE 'FUNCTION' END,
         ${catalogOid('pg_proc')}, p.oid, n.nspname, p.proname, pg_catalog.pg_get_function_identity_arguments(p.oid),
         NULL, NULL, NULL, NULL, pg_catalog.pg_get_userbyid(p.proowner),
         p.proacl::pg_catalog.text[], pg_catalog.acldefault('f', p.proowner)::pg_catalog.text[], false,
         -- GRANT has no aggregate syntax: an aggregate is granted as a function of its argument types.
         CASE WHEN p.prokind = 'a' THEN COALESCE((SELECT pg_catalog.string_agg(pg_catalog.format_type(a.t, NULL), ', ' ORDER BY a.i)
           FROM pg_catalog.unnest(p.proargtypes) WITH ORDINALITY AS a(t, i)), '') END, NULL
  FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
  WHERE ${isUserSchema('n.nspname')} AND ${isNotMember('pg_proc', 'p.oid')} AND ${isNotInternalPart('pg_proc', 'p.oid')}`,
  },
  // A constraint is on a table or on a domain, never both. A domain constraint lives in its
  // domain's schema: with no type of a user schema (presence), there is none to read.
  {
    sql: `SELECT 'CONSTRAINT', ${catalogOid('pg_constraint')}, con.oid, n.nspname, con.conname, NULL,
         r.relname, ${pgClass}, con.conrelid, NULL, NULL, NULL, NULL, false, NULL, NULL
  FROM pg_catalog.pg_constraint con
  JOIN pg_catalog.pg_namespace n ON n.oid = con.connamespace
  JOIN pg_catalog.pg_class r ON r.oid = con.conrelid
  WHERE con.conrelid <> 0 AND ${isUserSchema('n.nspname')} AND ${isNotMember('pg_class', 'con.conrelid')}`,
  },
  {
    needs: ['pg_type'],
    sql: `SELECT 'DOMAIN CONSTRAINT', ${catalogOid('pg_constraint')}, con.oid, n.nspname, con.conname, NULL,
         ty.typname, ${pgType}, con.contypid, NULL, NULL, NULL, NULL, false, NULL, NULL
  FROM pg_catalog.pg_constraint con
  JOIN pg_catalog.pg_namespace n ON n.oid = con.connamespace
  JOIN pg_catalog.pg_type ty ON ty.oid = con.contypid
  WHERE con.contypid <> 0 AND ${isUserSchema('n.nspname')} AND ${isNotMember('pg_type', 'con.contypid')}`,
  },
  {
    needs: ['pg_trigger'],
    sql: `SELECT 'TRIGGER', ${catalogOid('pg_trigger')}, tg.oid, n.nspname, tg.tgname, NULL, r.relname, ${pgClass}, r.oid,
         NULL, NULL, NULL, NULL, false, NULL, NULL
  FROM pg_catalog.pg_trigger tg
  JOIN pg_catalog.pg_class r ON r.oid = tg.tgrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace
  WHERE NOT tg.tgisinternal AND tg.tgparentid = 0 AND ${isUserSchema('n.nspname')}
    AND ${isNotMember('pg_class', 'r.oid')}`,
  },
  {
    needs: ['pg_policy'],
    sql: `SELECT 'POLICY', ${catalogOid('pg_policy')}, pol.oid, n.nspname, pol.polname, NULL, r.relname, ${pgClass}, r.oid,
         NULL, NULL, NULL, NULL, false, NULL, NULL
  FROM pg_catalog.pg_policy pol
  JOIN pg_catalog.pg_class r ON r.oid = pol.polrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace
  WHERE ${isUserSchema('n.nspname')} AND ${isNotMember('pg_class', 'r.oid')}`,
  },
  {
    needs: ['pg_rewrite'],
    sql: `SELECT 'RULE', ${catalogOid('pg_rewrite')}, rw.oid, n.nspname, rw.rulename, NULL, r.relname, ${pgClass}, r.oid,
         NULL, NULL, NULL, NULL, false, NULL, NULL
  FROM pg_catalog.pg_rewrite rw
  JOIN pg_catalog.pg_class r ON r.oid = rw.ev_class
  JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace
  WHERE rw.rulename <> '_RETURN' AND ${isUserSchema('n.nspname')} AND ${isNotMember('pg_class', 'r.oid')}`,
  },
  {
    needs: ['pg_largeobject_metadata'],
    sql: `SELECT 'LARGE OBJECT', ${catalogOid('pg_largeobject')}, lo.oid, NULL, lo.oid::pg_catalog.text, NULL, NULL, NULL, NULL,
         NULL, pg_catalog.pg_get_userbyid(lo.lomowner),
         lo.lomacl::pg_catalog.text[], pg_catalog.acldefault('L', lo.lomowner)::pg_catalog.text[], false, NULL, NULL
  FROM pg_catalog.pg_largeobject_metadata lo`,
  },
];

