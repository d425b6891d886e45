// Foreign-data wrappers, foreign servers and user mappings, as pg_dump's
// dumpForeignDataWrapper, dumpForeignServer and dumpUserMappings write them.
// They belong to the whole database: a dump narrowed by patterns leaves them
// out (pg_dump's include_everything). A user mapping's options are shown only
// to the mapped user (or the server's owner, for PUBLIC) and to superusers
// (pg_user_mappings): a mapping whose options the role cannot see is written
// without them, and the entry says so in the dump's warnings.
import type { QueryClient } from '../../../db/client.js';
import { quoteIdent, quoteLiteral } from '../../../sql/quote.js';
import type { CatalogReader, TocEntry } from '../toc.js';
import { includesDatabaseObjects, makeEntry, toRef } from './fn-entry.js';
import { catalogOid } from './fn-sql.js';
import { fdwOptions } from './table-sql.js';

const FIRST_NORMAL_OID = 16384;
const PG_PROC = 1255;

/** SQL condition on `w` (pg_foreign_data_wrapper): a wrapper a dump re-creates. */
export const dumpedWrapper = `w.oid >= ${FIRST_NORMAL_OID} AND NOT EXISTS (SELECT FROM pg_catalog.pg_depend e
  WHERE e.classid = 'pg_catalog.pg_foreign_data_wrapper'::pg_catalog.regclass AND e.objid = w.oid AND e.deptype = 'e')`;
/** SQL condition on `s` (pg_foreign_server): a server a dump re-creates. */
export const dumpedServer = `NOT EXISTS (SELECT FROM pg_catalog.pg_depend e
  WHERE e.classid = 'pg_catalog.pg_foreign_server'::pg_catalog.regclass AND e.objid = s.oid AND e.deptype = 'e')`;

interface WrapperRow {
  classid: string;
  oid: string;
  name: string;
  handler: string | null;
  handler_oid: string;
  validator: string | null;
  validator_oid: string;
  options: string[] | null;
}

interface ServerRow {
  classid: string;
  oid: string;
  name: string;
  type: string | null;
  version: string | null;
  wrapper: string;
  wrapper_classid: string;
  wrapper_oid: string;
  options: string[] | null;
}

interface MappingRow {
  classid: string;
  oid: string;
  usename: string;
  server: string;
  server_classid: string;
  server_oid: string;
  options: string[] | null;
  visible: boolean;
}

const optionsClause = (options: readonly string[] | null) => (options && options.length > 0 ? ` OPTIONS (\n    ${options.join(',\n    ')}\n)` : '');

/** CREATE FOREIGN DATA WRAPPER … [HANDLER …] [VALIDATOR …] [OPTIONS (…)]. */
export function wrapperSql(row: Pick<WrapperRow, 'name' | 'handler' | 'validator' | 'options'>): string {
  let sql = `CREATE FOREIGN DATA WRAPPER ${quoteIdent(row.name)}`;
  if (row.handler !== null) sql += ` HANDLER ${row.handler}`;
  if (row.validator !== null) sql += ` VALIDATOR ${row.validator}`;
  return `${sql}${optionsClause(row.options)};\n`;
}

/** CREATE SERVER … [TYPE …] [VERSION …] FOREIGN DATA WRAPPER … [OPTIONS (…)]. */
export function serverSql(row: Pick<ServerRow, 'name' | 'type' | 'version' | 'wrapper' | 'options'>): string {
  let sql = `CREATE SERVER ${quoteIdent(row.name)}`;
  if (row.type !== null) sql += ` TYPE ${quoteLiteral(row.type)}`;
  if (row.version !== null) sql += ` VERSION ${quoteLiteral(row.version)}`;
  return `${sql} FOREIGN DATA WRAPPER ${quoteIdent(row.wrapper)}${optionsClause(row.options)};\n`;
}

/** CREATE USER MAPPING FOR role|PUBLIC SERVER … [OPTIONS (…)]. */
export function userMappingSql(row: Pick<MappingRow, 'usename' | 'server' | 'options'>): string {
  const role = row.usename === 'public' ? 'public' : quoteIdent(row.usename);
  return `CREATE USER MAPPING FOR ${role} SERVER ${quoteIdent(row.server)}${optionsClause(row.options)};\n`;
}

const regproc = (column: string) => `CASE WHEN ${column} <> 0 THEN ${column}::pg_catalog.regproc::pg_catalog.text END`;

const wrappersQuery = `SELECT ${catalogOid('pg_foreign_data_wrapper')} AS classid, w.oid, w.fdwname AS name,
  ${regproc('w.fdwhandler')} AS handler, w.fdwhandler AS handler_oid, ${regproc('w.fdwvalidator')} AS validator,
  w.fdwvalidator AS validator_oid, ${fdwOptions('w.fdwoptions')} AS options
FROM pg_catalog.pg_foreign_data_wrapper w WHERE ${dumpedWrapper} ORDER BY w.fdwname`;

const serversQuery = `SELECT ${catalogOid('pg_foreign_server')} AS classid, s.oid, s.srvname AS name, s.srvtype AS type,
  s.srvversion AS version, w.fdwname AS wrapper, ${catalogOid('pg_foreign_data_wrapper')} AS wrapper_classid, w.oid AS wrapper_oid,
  ${fdwOptions('s.srvoptions')} AS options
FROM pg_catalog.pg_foreign_server s JOIN pg_catalog.pg_foreign_data_wrapper w ON w.oid = s.srvfdw
WHERE ${dumpedServer} ORDER BY s.srvname`;

// pg_user_mappings' own rule for who sees umoptions, so that "none" and "hidden" differ.
const mappingsQuery = `SELECT ${catalogOid('pg_user_mapping')} AS classid, m.umid AS oid, m.usename, m.srvname AS server,
  ${catalogOid('pg_foreign_server')} AS server_classid, m.srvid AS server_oid, ${fdwOptions('m.umoptions')} AS options,
  ((m.umuser <> 0 AND m.usename = CURRENT_USER AND (pg_catalog.pg_has_role(s.srvowner, 'USAGE') OR pg_catalog.has_server_privilege(s.oid, 'USAGE')))
    OR (m.umuser = 0 AND pg_catalog.pg_has_role(s.srvowner, 'USAGE'))
    OR COALESCE((SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname = CURRENT_USER), false)) AS visible
FROM pg_catalog.pg_user_mappings m JOIN pg_catalog.pg_foreign_server s ON s.oid = m.srvid
WHERE ${dumpedServer} ORDER BY m.srvname, m.usename`;

/** FOREIGN DATA WRAPPER, SERVER and USER MAPPING entries, when the dump covers the whole database. */
export const readForeignData: CatalogReader = async (client: QueryClient, options) => {
  if (!includesDatabaseObjects(options)) return [];
  const entries: TocEntry[] = [];
  for (const row of (await client.query<WrapperRow>(wrappersQuery)).rows) {
    entries.push(
      makeEntry({
        id: `FOREIGN DATA WRAPPER ${quoteIdent(row.name)}`,
        kind: 'FOREIGN DATA WRAPPER',
        section: 'pre-data',
        schema: null,
        name: row.name,
        ref: toRef(row.classid, row.oid),
        dependsOn: [row.handler_oid, row.validator_oid].filter((oid) => Number(oid) !== 0).map((oid) => toRef(PG_PROC, oid)),
        sql: wrapperSql(row),
      }),
    );
  }
  for (const row of (await client.query<ServerRow>(serversQuery)).rows) {
    entries.push(
      makeEntry({
        id: `SERVER ${quoteIdent(row.name)}`,
        kind: 'SERVER',
        section: 'pre-data',
        schema: null,
        name: row.name,
        ref: toRef(row.classid, row.oid),
        dependsOn: [toRef(row.wrapper_classid, row.wrapper_oid)],
        sql: serverSql(row),
      }),
    );
  }
  for (const row of (await client.query<MappingRow>(mappingsQuery)).rows) {
    const role = row.usename === 'public' ? 'public' : quoteIdent(row.usename);
    entries.push({
      ...makeEntry({
        id: `USER MAPPING ${role} SERVER ${quoteIdent(row.server)}`,
        kind: 'USER MAPPING',
        section: 'pre-data',
        schema: null,
        name: `${row.usename} SERVER ${row.server}`,
        ref: toRef(row.classid, row.oid),
        dependsOn: [toRef(row.server_classid, row.server_oid)],
        sql: userMappingSql(row),
      }),
      ...(row.visible
        ? {}
        : { warning: `user mapping for ${role} on server ${quoteIdent(row.server)}: its options (if it has any) are visible only to that user, the server's owner or a superuser; written without OPTIONS` }),
    });
  }
  return entries;
};
