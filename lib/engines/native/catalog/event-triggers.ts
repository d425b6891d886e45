// CREATE EVENT TRIGGER for the event triggers of the database (not an
// extension's), as pg_dump's dumpEventTrigger writes them: the trigger, its
// ENABLE/DISABLE state when not plain 'O', its owner, its comment and its security
// labels, all in one entry. The orderer writes it after the grants, just before materialized
// views are refreshed (pg_dump's post-ACL pass), so it fires on none of the
// restore's own DDL. pg_event_trigger is readable by every role; creating an
// event trigger at restore needs a superuser, as with pg_dump.
import type { QueryClient } from '../../../db/client.js';
import { quoteIdent, quoteLiteral, quoteQualified } from '../../../sql/quote.js';
import type { CatalogReader } from '../toc.js';
import { includesDatabaseObjects, makeEntry, toRef } from './fn-entry.js';
import { securityLabelSql } from './security-labels.js';
import { catalogOid, isNotExtensionMember } from './fn-sql.js';

export interface EventTriggerRow {
  classid: string;
  oid: string;
  name: string;
  event: string;
  enabled: 'O' | 'D' | 'R' | 'A';
  tags: string[] | null;
  function_classid: string;
  function_oid: string;
  function_schema: string;
  function_name: string;
  owner: string;
  description: string | null;
  /** Its security labels, in the catalog's order (as pg_dump reads them); null when none. */
  labels?: Array<{ provider: string; label: string }> | null;
}

const eventTriggersQuery = `SELECT ${catalogOid('pg_event_trigger')} AS classid, e.oid, e.evtname AS name, e.evtevent AS event,
  e.evtenabled AS enabled, e.evttags AS tags, ${catalogOid('pg_proc')} AS function_classid, p.oid AS function_oid,
  pn.nspname AS function_schema, p.proname AS function_name, pg_catalog.pg_get_userbyid(e.evtowner) AS owner, d.description,
  (SELECT pg_catalog.json_agg(pg_catalog.json_build_object('provider', l.provider, 'label', l.label) ORDER BY l.ctid)
     FROM pg_catalog.pg_seclabel l
    WHERE l.classoid = ${catalogOid('pg_event_trigger')} AND l.objoid = e.oid AND l.objsubid = 0) AS labels
FROM pg_catalog.pg_event_trigger e
JOIN pg_catalog.pg_proc p ON p.oid = e.evtfoid
JOIN pg_catalog.pg_namespace pn ON pn.oid = p.pronamespace
LEFT JOIN pg_catalog.pg_description d ON d.classoid = ${catalogOid('pg_event_trigger')} AND d.objoid = e.oid AND d.objsubid = 0
WHERE ${isNotExtensionMember('pg_event_trigger', 'e.oid')}
ORDER BY e.evtname`;

/** One EVENT TRIGGER entry per event trigger, when the dump covers the whole database. */
export const readEventTriggers: CatalogReader = async (client: QueryClient, options) => {
  if (!includesDatabaseObjects(options)) return [];
  const { rows } = await client.query<EventTriggerRow>(eventTriggersQuery);
  return rows.map((row) =>
    makeEntry({
      id: `EVENT TRIGGER ${quoteIdent(row.name)}`,
      kind: 'EVENT TRIGGER',
      section: 'post-data',
      schema: null,
      name: row.name,
      ref: toRef(row.classid, row.oid),
      dependsOn: [toRef(row.function_classid, row.function_oid)],
      sql: eventTriggerSql(row, { noOwner: options.noOwner }),
    }),
  );
};

const enableClauses = { D: 'DISABLE', A: 'ENABLE ALWAYS', R: 'ENABLE REPLICA' } as const;

/** CREATE EVENT TRIGGER with its state, owner (unless noOwner), comment and security labels. */
export function eventTriggerSql(row: Omit<EventTriggerRow, 'classid' | 'oid' | 'function_classid' | 'function_oid'>, options: { noOwner: boolean }): string {
  const name = quoteIdent(row.name);
  let sql = `CREATE EVENT TRIGGER ${name} ON ${quoteIdent(row.event)}\n`;
  if (row.tags && row.tags.length > 0) sql += `         WHEN TAG IN (${row.tags.map(quoteLiteral).join(', ')})\n`;
  sql += `   EXECUTE FUNCTION ${quoteQualified(row.function_schema, row.function_name)}();\n`;
  if (row.enabled !== 'O') sql += `ALTER EVENT TRIGGER ${name} ${enableClauses[row.enabled]};\n`;
  if (!options.noOwner) sql += `ALTER EVENT TRIGGER ${name} OWNER TO ${quoteIdent(row.owner)};\n`;
  if (row.description !== null) sql += `COMMENT ON EVENT TRIGGER ${name} IS ${quoteLiteral(row.description)};\n`;
  for (const { provider, label } of row.labels ?? []) sql += securityLabelSql(provider, `EVENT TRIGGER ${name}`, label);
  return sql;
}
