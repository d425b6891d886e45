import type { QueryClient } from '../../db/client.js';
import { quoteIdent, quoteLiteral } from '../../sql/quote.js';

/** What a native globals dump holds, and what it could not read. */
export interface NativeGlobals {
  sql: string;
  roles: number;
  /** Lines for the manifest and the log: what the role could not read, so left out. */
  omitted: string[];
}

interface RoleRow {
  oid: number;
  rolname: string;
  rolsuper: boolean;
  rolinherit: boolean;
  rolcreaterole: boolean;
  rolcreatedb: boolean;
  rolcanlogin: boolean;
  rolreplication: boolean;
  rolbypassrls: boolean;
  rolconnlimit: number;
  rolpassword: string | null;
  rolvaliduntil: string | null;
  comment: string | null;
  labels: SecurityLabel[] | null;
}

/** A security label on a role or a tablespace (pg_shseclabel). */
interface SecurityLabel {
  provider: string;
  label: string;
}

/**
 * The labels of a row of a shared catalog, in the catalog's own order, as pg_dumpall
 * reads them (`classoid` names the catalog, `objoid` the column with the row's OID).
 */
function labelsColumn(catalog: string, objoid: string): string {
  return `(SELECT pg_catalog.json_agg(pg_catalog.json_build_object('provider', l.provider, 'label', l.label) ORDER BY l.ctid)
              FROM pg_catalog.pg_shseclabel l WHERE l.classoid = '${catalog}'::pg_catalog.regclass AND l.objoid = ${objoid}) AS labels`;
}

/** `SECURITY LABEL FOR provider ON target IS 'label';`, one per label. */
function labelLines(target: string, labels: SecurityLabel[] | null): string[] {
  return (labels ?? []).map(({ provider, label }) => `SECURITY LABEL FOR ${quoteIdent(provider)} ON ${target} IS ${quoteLiteral(label)};`);
}

// GUCs whose value is a list that pg_dumpall splits and quotes item by item.
const listSettings = new Set(['search_path', 'temp_tablespaces', 'session_preload_libraries', 'shared_preload_libraries', 'local_preload_libraries']);

/**
 * Roles (attributes, comments, security labels), role settings, role memberships and tablespaces,
 * as `pg_dumpall --globals-only` writes them, read from the catalog. Without the
 * right to read pg_authid (non-superusers), role passwords are left out and say so.
 */
export async function dumpNativeGlobals(client: QueryClient, options: { serverMajor: number; noRolePasswords?: boolean }): Promise<NativeGlobals> {
  const omitted: string[] = [];
  const canReadAuthid = !options.noRolePasswords && (await canRead(client, 'pg_catalog.pg_authid'));
  if (!canReadAuthid && !options.noRolePasswords) omitted.push('role passwords: pg_authid is readable by superusers only');
  const roles = await readRoles(client, canReadAuthid);
  const out: string[] = [header()];
  out.push(section('Roles'));
  for (const role of roles) out.push(...roleSql(role));
  out.push(...(await settingsSql(client)));
  out.push(...(await membershipSql(client, options.serverMajor)));
  out.push(...(await tablespaceSql(client)));
  out.push('--\n-- PostgreSQL database cluster dump complete (pgbak native engine)\n--\n');
  return { sql: out.join('\n'), roles: roles.length, omitted };
}

async function canRead(client: QueryClient, table: string): Promise<boolean> {
  const { rows } = await client.query<{ ok: boolean }>(`SELECT pg_catalog.has_table_privilege($1, 'SELECT') AS ok`, [table]);
  return rows[0]?.ok === true;
}

async function readRoles(client: QueryClient, withPasswords: boolean): Promise<RoleRow[]> {
  const source = withPasswords ? 'pg_catalog.pg_authid' : 'pg_catalog.pg_roles';
  const password = withPasswords ? 'a.rolpassword' : 'NULL::text';
  const { rows } = await client.query<RoleRow>(
    `SELECT a.oid::int AS oid, a.rolname, a.rolsuper, a.rolinherit, a.rolcreaterole, a.rolcreatedb, a.rolcanlogin,
            a.rolreplication, a.rolbypassrls, a.rolconnlimit, ${password} AS rolpassword,
            a.rolvaliduntil::text AS rolvaliduntil,
            pg_catalog.shobj_description(a.oid, 'pg_authid') AS comment,
            ${labelsColumn('pg_catalog.pg_authid', 'a.oid')}
       FROM ${source} a
      WHERE a.rolname !~ '^pg_'
      ORDER BY a.rolname`,
  );
  return rows;
}

function roleSql(role: RoleRow): string[] {
  const name = quoteIdent(role.rolname);
  const attrs = [
    role.rolsuper ? 'SUPERUSER' : 'NOSUPERUSER',
    role.rolinherit ? 'INHERIT' : 'NOINHERIT',
    role.rolcreaterole ? 'CREATEROLE' : 'NOCREATEROLE',
    role.rolcreatedb ? 'CREATEDB' : 'NOCREATEDB',
    role.rolcanlogin ? 'LOGIN' : 'NOLOGIN',
    role.rolreplication ? 'REPLICATION' : 'NOREPLICATION',
    role.rolbypassrls ? 'BYPASSRLS' : 'NOBYPASSRLS',
  ];
  if (role.rolconnlimit !== -1) attrs.push(`CONNECTION LIMIT ${role.rolconnlimit}`);
  if (role.rolpassword) attrs.push(`PASSWORD ${quoteLiteral(role.rolpassword)}`);
  if (role.rolvaliduntil) attrs.push(`VALID UNTIL ${quoteLiteral(role.rolvaliduntil)}`);
  const lines = [`CREATE ROLE ${name};`, `ALTER ROLE ${name} WITH ${attrs.join(' ')};`];
  if (role.comment !== null) lines.push(`COMMENT ON ROLE ${name} IS ${quoteLiteral(role.comment)};`);
  lines.push(...labelLines(`ROLE ${name}`, role.labels));
  return lines;
}

async function settingsSql(client: QueryClient): Promise<string[]> {
  const { rows } = await client.query<{ rolname: string; setconfig: string[] }>(
    `SELECT r.rolname, s.setconfig
       FROM pg_catalog.pg_db_role_setting s JOIN pg_catalog.pg_roles r ON r.oid = s.setrole
      WHERE s.setdatabase = 0 AND r.rolname !~ '^pg_'
      ORDER BY r.rolname`,
  );
  if (rows.length === 0) return [];
  const lines = [section('User Configurations')];
  for (const row of rows) {
    for (const item of row.setconfig) lines.push(`ALTER ROLE ${quoteIdent(row.rolname)} SET ${formatSetting(item)};`);
  }
  return lines;
}

/** `name=value` from setconfig as `name TO 'value'` (lists item by item, as pg_dumpall). */
export function formatSetting(item: string): string {
  const eq = item.indexOf('=');
  const name = item.slice(0, eq);
  const value = item.slice(eq + 1);
  if (listSettings.has(name.toLowerCase())) {
    const parts = value.split(',').map((part) => part.trim().replace(/^"(.*)"$/, '$1'));
    return `${quoteIdent(name)} TO ${parts.map(quoteLiteral).join(', ')}`;
  }
  return `${quoteIdent(name)} TO ${quoteLiteral(value)}`;
}

async function membershipSql(client: QueryClient, serverMajor: number): Promise<string[]> {
  const extra = serverMajor >= 16 ? ', m.inherit_option, m.set_option' : '';
  const { rows } = await client.query<{ role: string; member: string; grantor: string | null; admin_option: boolean; inherit_option?: boolean; set_option?: boolean; member_inherits: boolean }>(
    `SELECT r.rolname AS role, u.rolname AS member, g.rolname AS grantor, m.admin_option, u.rolinherit AS member_inherits${extra}
       FROM pg_catalog.pg_auth_members m
       JOIN pg_catalog.pg_roles r ON r.oid = m.roleid
       JOIN pg_catalog.pg_roles u ON u.oid = m.member
       LEFT JOIN pg_catalog.pg_roles g ON g.oid = m.grantor
      WHERE r.rolname !~ '^pg_' OR u.rolname !~ '^pg_'
      ORDER BY 1, 2, 3`,
  );
  if (rows.length === 0) return [];
  const lines = [section('Role memberships')];
  for (const row of replayOrder(rows)) {
    const options: string[] = [];
    if (row.admin_option) options.push('ADMIN OPTION');
    // From 16 on a membership carries its own INHERIT and SET options.
    if (row.inherit_option !== undefined && row.inherit_option !== row.member_inherits) options.push(`INHERIT ${row.inherit_option ? 'TRUE' : 'FALSE'}`);
    if (row.set_option === false) options.push('SET FALSE');
    const withClause = options.length === 0 ? '' : ` WITH ${options.join(', ')}`;
    const grantedBy = row.grantor ? ` GRANTED BY ${quoteIdent(row.grantor)}` : '';
    lines.push(`GRANT ${quoteIdent(row.role)} TO ${quoteIdent(row.member)}${withClause}${grantedBy};`);
  }
  return lines;
}

interface Membership {
  role: string;
  member: string;
  grantor: string | null;
  admin_option: boolean;
}

/**
 * Memberships in an order psql can replay: a grant made by a role that holds ADMIN
 * on the group through a membership of its own (GRANTED BY it) comes after that
 * membership, as pg_dumpall orders them; the rest keep their order.
 */
export function replayOrder<M extends Membership>(rows: readonly M[]): M[] {
  const key = (role: string, member: string) => `${role}\0${member}`;
  const admins = new Set(rows.filter((r) => r.admin_option).map((r) => key(r.role, r.member)));
  const granted = new Set<string>();
  const out: M[] = [];
  let pending = [...rows];
  while (pending.length > 0) {
    const ready = pending.filter((r) => r.grantor === null || !admins.has(key(r.role, r.grantor)) || granted.has(key(r.role, r.grantor)));
    // A loop of grantors cannot be replayed in any order: written as read.
    if (ready.length === 0) return [...out, ...pending];
    for (const r of ready) {
      out.push(r);
      if (r.admin_option) granted.add(key(r.role, r.member));
    }
    pending = pending.filter((r) => !ready.includes(r));
  }
  return out;
}

async function tablespaceSql(client: QueryClient): Promise<string[]> {
  const { rows } = await client.query<{ spcname: string; owner: string; location: string; options: string[] | null; comment: string | null; labels: SecurityLabel[] | null }>(
    `SELECT t.spcname, pg_catalog.pg_get_userbyid(t.spcowner) AS owner, pg_catalog.pg_tablespace_location(t.oid) AS location,
            t.spcoptions AS options, pg_catalog.shobj_description(t.oid, 'pg_tablespace') AS comment,
            ${labelsColumn('pg_catalog.pg_tablespace', 't.oid')}
       FROM pg_catalog.pg_tablespace t
      WHERE t.spcname !~ '^pg_'
      ORDER BY 1`,
  );
  if (rows.length === 0) return [];
  const lines = [section('Tablespaces')];
  for (const row of rows) {
    const name = quoteIdent(row.spcname);
    lines.push(`CREATE TABLESPACE ${name} OWNER ${quoteIdent(row.owner)} LOCATION ${quoteLiteral(row.location)};`);
    if (row.options?.length) lines.push(`ALTER TABLESPACE ${name} SET (${row.options.join(', ')});`);
    if (row.comment !== null) lines.push(`COMMENT ON TABLESPACE ${name} IS ${quoteLiteral(row.comment)};`);
    lines.push(...labelLines(`TABLESPACE ${name}`, row.labels));
  }
  return lines;
}

function header(): string {
  return [
    '--',
    '-- PostgreSQL database cluster dump (globals), written by the pgbak native engine',
    '--',
    '',
    'SET default_transaction_read_only = off;',
    '',
    "SET client_encoding = 'UTF8';",
    'SET standard_conforming_strings = on;',
    '',
  ].join('\n');
}

function section(title: string): string {
  return `\n--\n-- ${title}\n--\n`;
}
