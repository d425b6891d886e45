// The database itself, read as pg_dump's dumpDatabase and dumpDatabaseConfig read
// it: what CREATE DATABASE must say (it cannot be changed later) and the properties
// set afterwards. Everything here is readable by any role that may connect.
import type { ManifestDatabaseDefinition } from '../../../archive/index.js';
import type { QueryClient } from '../../../db/client.js';

interface DatabaseRow {
  oid: number;
  owner: string;
  encoding: string;
  provider: string;
  collate: string;
  ctype: string;
  locale: string | null;
  icu_rules: string | null;
  tablespace: string | null;
  connlimit: number;
  is_template: boolean;
  comment: string | null;
  acl: string[] | null;
  acl_default: string[];
}

// The columns that came with later majors: 15 the locale provider and ICU locale,
// 16 the ICU rules, 17 datlocale (ICU or builtin) in place of daticulocale.
function databaseSql(serverMajor: number): string {
  const provider = serverMajor >= 15 ? 'd.datlocprovider::text' : "'c'";
  const locale = serverMajor >= 17 ? 'd.datlocale' : serverMajor >= 15 ? 'd.daticulocale' : 'NULL::text';
  const rules = serverMajor >= 16 ? 'd.daticurules' : 'NULL::text';
  return `
  SELECT d.oid::int8::float8 AS oid, pg_catalog.pg_get_userbyid(d.datdba)::text AS owner,
         pg_catalog.pg_encoding_to_char(d.encoding)::text AS encoding,
         ${provider} AS provider, d.datcollate::text AS collate, d.datctype::text AS ctype,
         ${locale}::text AS locale, ${rules}::text AS icu_rules,
         (SELECT t.spcname::text FROM pg_catalog.pg_tablespace t
           WHERE t.oid = d.dattablespace AND t.spcname <> 'pg_default') AS tablespace,
         d.datconnlimit AS connlimit, d.datistemplate AS is_template,
         pg_catalog.shobj_description(d.oid, 'pg_database') AS comment,
         d.datacl::text[] AS acl, pg_catalog.acldefault('d', d.datdba)::text[] AS acl_default
    FROM pg_catalog.pg_database d
   WHERE d.datname = pg_catalog.current_database()`;
}

// Database settings first, then each role's in this database (dumpDatabaseConfig's
// order); within a row, setconfig's own order, which is the order they were set in.
const settingsSql = `
  SELECT role, setting FROM (
    SELECT NULL::text AS role, c.setting, 0 AS kind, ''::text AS rolname, c.n
      FROM pg_catalog.pg_db_role_setting s, pg_catalog.unnest(s.setconfig) WITH ORDINALITY AS c(setting, n)
     WHERE s.setrole = 0 AND s.setdatabase = $1::int8::oid
    UNION ALL
    SELECT r.rolname::text, c.setting, 1, r.rolname::text, c.n
      FROM pg_catalog.pg_db_role_setting s
      JOIN pg_catalog.pg_roles r ON r.oid = s.setrole,
           pg_catalog.unnest(s.setconfig) WITH ORDINALITY AS c(setting, n)
     WHERE s.setdatabase = $1::int8::oid
  ) AS settings
   ORDER BY kind, rolname COLLATE "C", n`;

// In the catalog's order, as pg_dump --create reads (and a restore of its dump keeps) them.
const labelsSql = `
  SELECT provider, label FROM pg_catalog.pg_shseclabel
   WHERE classoid = 'pg_catalog.pg_database'::pg_catalog.regclass AND objoid = $1::int8::oid
   ORDER BY ctid`;

const providers: Record<string, ManifestDatabaseDefinition['localeProvider']> = { c: 'libc', i: 'icu', b: 'builtin' };

/** The connected database's definition and properties, in the caller's snapshot. */
export async function readDatabaseDefinition(client: QueryClient, serverMajor: number): Promise<ManifestDatabaseDefinition> {
  const row = (await client.query<DatabaseRow>(databaseSql(serverMajor))).rows[0]!;
  const settings = await client.query<{ role: string | null; setting: string }>(settingsSql, [row.oid]);
  const labels = await client.query<{ provider: string; label: string }>(labelsSql, [row.oid]);
  const provider = providers[row.provider];
  if (!provider) throw new Error(`unknown locale provider ${JSON.stringify(row.provider)} of the database`);
  return {
    owner: row.owner,
    encoding: row.encoding,
    localeProvider: provider,
    collate: row.collate,
    ctype: row.ctype,
    locale: row.locale,
    icuRules: row.icu_rules,
    tablespace: row.tablespace,
    connectionLimit: row.connlimit,
    isTemplate: row.is_template,
    comment: row.comment,
    securityLabels: labels.rows.map((l) => ({ provider: l.provider, label: l.label })),
    acl: row.acl,
    aclDefault: row.acl_default,
    settings: settings.rows.map((s) => ({ role: s.role, setting: s.setting })),
  };
}
