import type { QueryClient } from '../../db/client.js';
import { PgbakError } from '../../errors.js';
import { quoteIdent, quoteLiteral, quoteQualified } from '../../sql/quote.js';
import type { TableName } from './session-setup.js';
import { grantsFor, type TableAccess } from './table-access.js';

/** A sequence the role cannot read, and whether it lacks USAGE on its schema. */
export interface UnreadableSequence {
  schema: string;
  name: string;
  schemaUsage: boolean;
}

/** Everything a native dump found it may not read, checked before any row is read. */
export interface MissingPrivileges {
  tables: TableAccess;
  sequences: UnreadableSequence[];
  largeObjects: number[];
}

// A large object is readable by its owner's members, by members of a role it was
// granted SELECT to (PUBLIC included) and by everyone with lo_compat_privileges on.
// pg_read_all_data covers large objects only from PostgreSQL 19 (not 18, whose role
// is refused them). From 18 on the server answers (has_largeobject_privilege, new in
// 18, right on every later release too); before, this reads the ACL itself.
const largeObjectsSql = (serverMajor: number) => `
  SELECT m.oid::int8::text AS oid
    FROM pg_catalog.pg_largeobject_metadata m
   WHERE m.oid = ANY ($1::pg_catalog.oid[])
     AND NOT pg_catalog.current_setting('lo_compat_privileges')::bool
     AND ${
       serverMajor >= 18
         ? "NOT pg_catalog.has_largeobject_privilege(m.oid, 'SELECT')"
         : `NOT pg_catalog.pg_has_role(m.lomowner, 'USAGE')
     AND NOT EXISTS (
           SELECT 1 FROM pg_catalog.aclexplode(COALESCE(m.lomacl, pg_catalog.acldefault('L', m.lomowner))) a
            WHERE a.privilege_type = 'SELECT'
              AND CASE WHEN a.grantee = 0 THEN true ELSE pg_catalog.pg_has_role(a.grantee, 'USAGE') END)`
     }
   ORDER BY m.oid`;

/** The large objects among `oids` the current role may not read. */
export async function unreadableLargeObjects(client: QueryClient, oids: readonly number[], serverMajor: number): Promise<number[]> {
  if (oids.length === 0) return [];
  const { rows } = await client.query<{ oid: string }>(largeObjectsSql(serverMajor), [oids.map(String)]);
  return rows.map((row) => Number(row.oid));
}

export function lacksAny(missing: MissingPrivileges): boolean {
  return missing.tables.unreadable.length > 0 || missing.sequences.length > 0 || missing.largeObjects.length > 0;
}

const shown = 10;

/**
 * One refusal naming everything the role may not read (tables, sequences, large
 * objects, schemas, row-level security) and every GRANT that fixes it, so that
 * one round of GRANTs is enough. Exit 2: a configuration to fix, not a failure
 * a retry would cure.
 */
export function missingPrivilegesError(missing: MissingPrivileges, rowSecurity: readonly TableName[], role: string): PgbakError {
  const parts: string[] = [];
  const tables = missing.tables.unreadable.map((t) => quoteQualified(t.schema, t.table));
  const sequences = missing.sequences.map((s) => quoteQualified(s.schema, s.name));
  if (tables.length > 0) parts.push(`${count(tables.length, 'table')} (${list(tables)})`);
  if (sequences.length > 0) parts.push(`${count(sequences.length, 'sequence')} (${list(sequences)})`);
  if (missing.largeObjects.length > 0) parts.push(`${count(missing.largeObjects.length, 'large object')} (${list(missing.largeObjects.map(String))})`);
  const rls = rowSecurity.map((t) => quoteQualified(t.schema, t.table));
  const hidden = `row-level security would hide rows of ${list(rls)}`;
  const message =
    parts.length === 0
      ? `${hidden} from role "${role}"`
      : `role "${role}" cannot read ${joinAnd(parts)} in the dump${rls.length > 0 ? `, and ${hidden} from it` : ''}`;
  const fixes = [...grantsForAll(missing, role), ...(rls.length > 0 ? [`ALTER ROLE ${quoteIdent(role)} BYPASSRLS;`] : [])];
  const escape = parts.length > 0 ? ' (or skipUnreadable: true to leave their data out)' : '';
  return new PgbakError('PRIVILEGES_MISSING', message, {
    hint: `as their owner or a superuser: ${fixes.join(' ')}${escape}; see "A role for backups" in the README`,
  });
}

/** Every GRANT that makes what `missing` lists readable, schemas first. */
export function grantsForAll(missing: MissingPrivileges, role: string): string[] {
  const who = quoteIdent(role);
  const schemas = new Set(missing.tables.schemasWithoutUsage);
  for (const s of missing.sequences) if (!s.schemaUsage) schemas.add(s.schema);
  const grants = [...schemas].sort().map((schema) => `GRANT USAGE ON SCHEMA ${quoteIdent(schema)} TO ${who};`);
  grants.push(...grantsFor({ ...missing.tables, schemasWithoutUsage: [] }, role));
  const bySchema = new Map<string, string[]>();
  for (const s of missing.sequences) bySchema.set(s.schema, [...(bySchema.get(s.schema) ?? []), s.name]);
  for (const [schema, names] of [...bySchema].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (names.length > 1) grants.push(`GRANT SELECT ON ALL SEQUENCES IN SCHEMA ${quoteIdent(schema)} TO ${who};`);
    else grants.push(`GRANT SELECT ON SEQUENCE ${quoteQualified(schema, names[0]!)} TO ${who};`);
  }
  if (missing.largeObjects.length > 0 && missing.largeObjects.length <= 3) {
    for (const oid of missing.largeObjects) grants.push(`GRANT SELECT ON LARGE OBJECT ${oid} TO ${who};`);
  } else if (missing.largeObjects.length > 3) {
    // No GRANT covers all large objects at once: one per object, in a DO block.
    grants.push(
      `DO $$DECLARE o oid; BEGIN FOR o IN SELECT oid FROM pg_largeobject_metadata LOOP EXECUTE format('GRANT SELECT ON LARGE OBJECT %s TO %I', o, ${quoteLiteral(role)}); END LOOP; END$$;`,
    );
  }
  return grants;
}

function count(n: number, noun: string): string {
  return n === 1 ? `1 ${noun}` : `${n} ${noun}s`;
}

function list(names: readonly string[]): string {
  return names.length <= shown ? names.join(', ') : `${names.slice(0, shown).join(', ')} and ${names.length - shown} more`;
}

function joinAnd(parts: readonly string[]): string {
  return parts.length <= 1 ? parts.join('') : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}
