import type { ManifestDatabaseDefinition } from '../archive/index.js';
import type { QueryClient } from '../db/client.js';
import { describePgError } from '../db/errors.js';
import { createDatabaseStatements, databasePropertyStatements, rolesNamedBy, type DatabaseSqlOptions } from '../engines/native/index.js';
import { PgbakError } from '../errors.js';
import { displayName, quoteIdent, quoteQualified } from '../sql/quote.js';

/** Whether `name` exists on the server (any connection will do). */
export async function databaseExists(client: QueryClient, name: string): Promise<boolean> {
  const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_catalog.pg_database WHERE datname = $1', [name]);
  return rows[0]!.n > 0;
}

/** The database an archive step describes (native engine), and how to write its SQL. */
export interface DatabaseToCreate {
  definition: ManifestDatabaseDefinition;
  options: DatabaseSqlOptions;
}

/**
 * CREATE DATABASE with the name quoted by the one quoting function, from
 * template0 as the pg_dump documentation advises: objects added to template1
 * would otherwise collide with the restored ones. With the dumped database's
 * definition, as `pg_dump --create` writes it: its encoding, locale provider and
 * locales, tablespace and owner.
 */
export async function createDatabase(client: QueryClient, name: string, source: DatabaseToCreate | null = null): Promise<void> {
  for (const sql of createDatabaseSql(name, source)) {
    try {
      await client.query(sql);
    } catch (error) {
      throw describePgError(error, `creating database "${name}": ${statementHead(sql)}: `);
    }
  }
}

/** The statements createDatabase runs (also what --dry-run prints). */
export function createDatabaseSql(name: string, source: DatabaseToCreate | null = null): string[] {
  if (source === null) return [`CREATE DATABASE ${quoteIdent(name)} TEMPLATE template0`];
  return createDatabaseStatements(source.definition, name, source.options);
}

/** The statements applyDatabaseProperties runs (also what --dry-run prints). */
export function databasePropertiesSql(name: string, source: DatabaseToCreate): string[] {
  return databasePropertyStatements(source.definition, name, source.options);
}

/**
 * Refuses, before anything is created, a definition that names roles the server
 * lacks (owner, settings' roles, grantees): otherwise the restore would stop at the
 * end, its contents loaded, with a database left half dressed.
 */
export async function checkDefinitionRoles(client: QueryClient, name: string, source: DatabaseToCreate): Promise<void> {
  const wanted = rolesNamedBy(source.definition, source.options);
  const { rows } = await client.query<{ name: string }>('SELECT rolname::text AS name FROM pg_catalog.pg_roles WHERE rolname = ANY($1::text[])', [wanted]);
  const found = new Set(rows.map((r) => r.name));
  const missing = wanted.filter((role) => !found.has(role));
  if (missing.length === 0) return;
  throw new PgbakError('ROLE_MISSING', `cannot create database "${name}" as it was dumped: ${missing.length === 1 ? 'role' : 'roles'} ${missing.map((r) => quoteIdent(r)).join(', ')} ${missing.length === 1 ? 'does' : 'do'} not exist on this server`, {
    hint: 'restore the roles first (pgbak restore <zip> --globals, or CREATE ROLE), or restore without --create into a database you made',
  });
}

/**
 * The dumped database's properties given to the database restore created, once its
 * contents are in: comment, security labels, connection limit, template flag,
 * settings (its own and its roles'), grants.
 */
export async function applyDatabaseProperties(client: QueryClient, name: string, source: DatabaseToCreate): Promise<void> {
  for (const sql of databasePropertiesSql(name, source)) {
    try {
      await client.query(sql);
    } catch (error) {
      throw describePgError(error, `setting the properties of database "${name}": ${statementHead(sql)}: `);
    }
  }
}

// A statement as an error names it: up to its first string literal, whose value
// (a comment, a setting's value) may be long or not meant for a log.
function statementHead(sql: string): string {
  const quote = sql.indexOf("'");
  return quote < 0 ? sql : `${sql.slice(0, quote)}…`;
}

/** Drops `name`, ending its sessions first (a killed pg_restore may leave one behind). */
export async function dropDatabase(client: QueryClient, name: string): Promise<void> {
  await client.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
}

// Ordinary and partitioned tables outside the system schemas and extensions.
const userTablesSql = `
  SELECT n.nspname AS schema, c.relname AS name
    FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
   WHERE c.relkind IN ('r', 'p')
     AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
     AND n.nspname NOT LIKE 'pg\\_temp\\_%' AND n.nspname NOT LIKE 'pg\\_toast\\_temp\\_%'
     AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                      WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
   ORDER BY 1, 2`;

/** The user tables of the connected database, as display names. */
export async function listUserTables(client: QueryClient): Promise<Array<{ schema: string; name: string }>> {
  return (await client.query<{ schema: string; name: string }>(userTablesSql)).rows;
}

/** The first user table that holds a row, or null: for a data-only restore, the schema may exist but the rows must not. */
export async function findTableWithRows(client: QueryClient, tables: Array<{ schema: string; name: string }>): Promise<string | null> {
  for (let i = 0; i < tables.length; i += 100) {
    const batch = tables.slice(i, i + 100);
    // EXISTS reads one row of each table, not all of them.
    const sql = batch.map((t, j) => `SELECT ${j} AS i WHERE EXISTS (SELECT 1 FROM ONLY ${quoteQualified(t.schema, t.name)})`).join(' UNION ALL ');
    const { rows } = await client.query<{ i: number }>(sql);
    const hit = rows[0];
    if (hit) return displayName(batch[hit.i]!.schema, batch[hit.i]!.name);
  }
  return null;
}

/**
 * pg_restore --schema restores the objects in a schema but not the schema itself;
 * into a new database that fails, so the schemas are created first (owned by the
 * restoring role).
 */
export async function ensureSchemas(client: QueryClient, schemas: readonly string[]): Promise<void> {
  for (const schema of schemas) await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
}
