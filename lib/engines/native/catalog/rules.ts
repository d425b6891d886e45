// CREATE RULE from pg_get_ruledef for rules other than a view's `_RETURN` rule
// (which is the view itself), with their ENABLE/DISABLE state as pg_dump writes it.
import type { QueryClient } from '../../../db/client.js';
import { quoteIdent, quoteQualified } from '../../../sql/quote.js';
import type { CatalogReader } from '../toc.js';
import { tableMemberEntries, tableMemberId } from './fn-entry.js';
import { catalogOid, isNotExtensionMember, isUserSchema } from './fn-sql.js';

interface RuleRow {
  classid: number;
  oid: number;
  table_classid: number;
  table_oid: number;
  schema: string;
  table: string;
  name: string;
  enabled: 'O' | 'D' | 'R' | 'A';
  definition: string;
}

const rulesQuery = `SELECT ${catalogOid('pg_rewrite')} AS classid, r.oid, ${catalogOid('pg_class')} AS table_classid,
  c.oid AS table_oid, n.nspname AS schema, c.relname AS table, r.rulename AS name, r.ev_enabled AS enabled,
  pg_catalog.pg_get_ruledef(r.oid, false) AS definition
FROM pg_catalog.pg_rewrite r
JOIN pg_catalog.pg_class c ON c.oid = r.ev_class
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE r.rulename <> '_RETURN' AND ${isUserSchema('n.nspname')} AND ${isNotExtensionMember('pg_class', 'c.oid')}
ORDER BY n.nspname, c.relname, r.rulename`;

/** `RULE "s"."table"."name"`: the id of a rule's entry. */
export function ruleEntryId(schema: string, table: string, name: string): string {
  return `RULE ${tableMemberId(schema, table, name)}`;
}

/** One entry per rule on a dumped table or view. */
export const readRules: CatalogReader = async (client: QueryClient, options) => {
  const { rows } = await client.query<RuleRow>(rulesQuery);
  return tableMemberEntries(rows, options, 'RULE', ruleSql);
};

const enableClauses = { D: 'DISABLE RULE', A: 'ENABLE ALWAYS RULE', R: 'ENABLE REPLICA RULE' } as const;

/** pg_get_ruledef already ends with `;`; a rule not plainly enabled gets its ALTER TABLE. */
export function ruleSql(row: Pick<RuleRow, 'schema' | 'table' | 'name' | 'enabled' | 'definition'>): string {
  const definition = row.definition.trimEnd();
  let sql = `${definition}${definition.endsWith(';') ? '' : ';'}\n`;
  if (row.enabled !== 'O') {
    sql += `ALTER TABLE ${quoteQualified(row.schema, row.table)} ${enableClauses[row.enabled]} ${quoteIdent(row.name)};\n`;
  }
  return sql;
}
