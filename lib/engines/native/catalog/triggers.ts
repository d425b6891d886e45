// CREATE TRIGGER from pg_get_triggerdef for user triggers, plus the
// ENABLE/DISABLE state pg_dump restores. Triggers a partition inherits from its
// partitioned table (tgparentid <> 0) come back with the parent's, as in pg_dump.
import type { QueryClient } from '../../../db/client.js';
import { quoteIdent, quoteQualified } from '../../../sql/quote.js';
import type { CatalogReader } from '../toc.js';
import { tableMemberEntries, tableMemberId, toRef } from './fn-entry.js';
import { catalogOid, isNotExtensionMember, isUserSchema } from './fn-sql.js';

interface TriggerRow {
  classid: number;
  oid: number;
  table_classid: number;
  table_oid: number;
  function_classid: number;
  function_oid: number;
  schema: string;
  table: string;
  name: string;
  enabled: 'O' | 'D' | 'R' | 'A';
  definition: string;
}

// pg_get_triggerdef(oid, false), as pg_dump calls it: fully parenthesised WHEN.
const triggersQuery = `SELECT ${catalogOid('pg_trigger')} AS classid, t.oid, ${catalogOid('pg_class')} AS table_classid,
  c.oid AS table_oid, ${catalogOid('pg_proc')} AS function_classid, t.tgfoid AS function_oid,
  n.nspname AS schema, c.relname AS table, t.tgname AS name, t.tgenabled AS enabled,
  pg_catalog.pg_get_triggerdef(t.oid, false) AS definition
FROM pg_catalog.pg_trigger t
JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE NOT t.tgisinternal AND t.tgparentid = 0 AND ${isUserSchema('n.nspname')} AND ${isNotExtensionMember('pg_class', 'c.oid')}
ORDER BY n.nspname, c.relname, t.tgname`;

/** `TRIGGER "s"."table"."name"`: the id of a trigger's entry. */
export function triggerEntryId(schema: string, table: string, name: string): string {
  return `TRIGGER ${tableMemberId(schema, table, name)}`;
}

/** One entry per user trigger on a dumped table. */
export const readTriggers: CatalogReader = async (client: QueryClient, options) => {
  const { rows } = await client.query<TriggerRow>(triggersQuery);
  return tableMemberEntries(rows, options, 'TRIGGER', triggerSql, (row) => [toRef(row.function_classid, row.function_oid)]);
};

const enableClauses = { D: 'DISABLE TRIGGER', A: 'ENABLE ALWAYS TRIGGER', R: 'ENABLE REPLICA TRIGGER' } as const;

/** The definition as a statement, then ALTER TABLE … DISABLE/ENABLE … when it is not plainly enabled. */
export function triggerSql(row: Pick<TriggerRow, 'schema' | 'table' | 'name' | 'enabled' | 'definition'>): string {
  let sql = `${row.definition};\n`;
  if (row.enabled !== 'O') {
    sql += `ALTER TABLE ${quoteQualified(row.schema, row.table)} ${enableClauses[row.enabled]} ${quoteIdent(row.name)};\n`;
  }
  return sql;
}
