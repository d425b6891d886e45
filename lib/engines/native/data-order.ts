import type { QueryClient } from '../../db/client.js';
import type { TocEntry } from './toc.js';

const foreignKeysSql = `
  SELECT cn.nspname AS schema, c.relname AS "table", rn.nspname AS ref_schema, r.relname AS ref_table
    FROM pg_catalog.pg_constraint k
    JOIN pg_catalog.pg_class c ON c.oid = k.conrelid
    JOIN pg_catalog.pg_namespace cn ON cn.oid = c.relnamespace
    JOIN pg_catalog.pg_class r ON r.oid = k.confrelid
    JOIN pg_catalog.pg_namespace rn ON rn.oid = r.relnamespace
   WHERE k.contype = 'f' AND k.conrelid <> k.confrelid
   ORDER BY 1, 2, 3, 4`;

/**
 * For a data-only dump restored into an existing schema, whose foreign keys are
 * in force: each table's rows come after the rows of the tables it references,
 * as pg_dump orders them. A loop of foreign keys stays a loop (the orderer
 * reports it); such data needs the constraints dropped or deferred to load.
 */
export async function orderDataByForeignKeys(client: QueryClient, entries: readonly TocEntry[]): Promise<TocEntry[]> {
  const dataOf = new Map<string, TocEntry>();
  for (const entry of entries) if (entry.kind === 'TABLE DATA' && entry.copy) dataOf.set(`${entry.copy.schema}\0${entry.copy.table}`, entry);
  if (dataOf.size < 2) return [...entries];
  const { rows } = await client.query<{ schema: string; table: string; ref_schema: string; ref_table: string }>(foreignKeysSql);
  const extra = new Map<string, string[]>();
  for (const row of rows) {
    const child = dataOf.get(`${row.schema}\0${row.table}`);
    const parent = dataOf.get(`${row.ref_schema}\0${row.ref_table}`);
    if (child && parent) extra.set(child.id, [...(extra.get(child.id) ?? []), parent.id]);
  }
  return entries.map((entry) => (extra.has(entry.id) ? { ...entry, after: [...(entry.after ?? []), ...extra.get(entry.id)!] } : entry));
}
