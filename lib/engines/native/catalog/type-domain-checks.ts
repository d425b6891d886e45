// CHECK constraints of every user domain, in one query.
import type { QueryClient } from '../../../db/client.js';
import { quoteIdent } from '../../../sql/quote.js';

export interface DomainCheck {
  oid: number;
  name: string;
  quotedName: string;
  /** pg_get_constraintdef: `CHECK ((VALUE > 0))`, with ` NOT VALID` when not validated. */
  definition: string;
  validated: boolean;
}

/** Domain oid -> its CHECK constraints, by name (pg_dump's order). */
export async function readDomainChecks(client: QueryClient): Promise<Map<number, DomainCheck[]>> {
  const { rows } = await client.query<{ oid: number; contypid: number; conname: string; def: string; convalidated: boolean }>(
    `SELECT c.oid, c.contypid, c.conname, pg_catalog.pg_get_constraintdef(c.oid) AS def, c.convalidated
       FROM pg_catalog.pg_constraint c
      WHERE c.contypid <> 0 AND c.contype = 'c'
      ORDER BY c.contypid, c.conname`,
  );
  const byDomain = new Map<number, DomainCheck[]>();
  for (const row of rows) {
    const list = byDomain.get(Number(row.contypid)) ?? [];
    list.push({ oid: Number(row.oid), name: row.conname, quotedName: quoteIdent(row.conname), definition: row.def, validated: row.convalidated });
    byDomain.set(Number(row.contypid), list);
  }
  return byDomain;
}
