// COLLATION entries for user-defined collations, in pg_dump's form:
// CREATE COLLATION s.c (provider = …, [deterministic = false,] locale = '…' | lc_collate/lc_ctype).
import type { QueryClient } from '../../../db/client.js';
import { quoteLiteral, quoteQualified } from '../../../sql/quote.js';
import type { CatalogReader, TocEntry } from '../toc.js';
import { entryId, notExtensionMember, ref, userSchema } from './table-sql.js';

export interface CollationRow {
  oid: number;
  nspname: string;
  nspoid: number;
  collname: string;
  collprovider: string;
  collisdeterministic: boolean;
  collcollate: string | null;
  collctype: string | null;
  /** colliculocale (PG 15–16) or colllocale (PG 17+); null on 14, which keeps it in collcollate. */
  locale: string | null;
  /** collicurules (PG 16+), else null. */
  rules: string | null;
}

const providers: Record<string, string> = { c: 'libc', i: 'icu', b: 'builtin', d: 'default' };

/** The CREATE COLLATION statement for one catalog row. */
export function buildCreateCollation(row: CollationRow): string {
  const parts = [`provider = ${providers[row.collprovider] ?? row.collprovider}`];
  if (!row.collisdeterministic) parts.push('deterministic = false');
  if (row.locale !== null) parts.push(`locale = ${quoteLiteral(row.locale)}`);
  else if (row.collcollate !== null && row.collcollate === row.collctype) parts.push(`locale = ${quoteLiteral(row.collcollate)}`);
  else {
    if (row.collcollate !== null) parts.push(`lc_collate = ${quoteLiteral(row.collcollate)}`);
    if (row.collctype !== null) parts.push(`lc_ctype = ${quoteLiteral(row.collctype)}`);
  }
  if (row.rules !== null) parts.push(`rules = ${quoteLiteral(row.rules)}`);
  return `CREATE COLLATION ${quoteQualified(row.nspname, row.collname)} (${parts.join(', ')});\n`;
}

export const readCollations: CatalogReader = async (client: QueryClient, options) => {
  // PostgreSQL 14 keeps an ICU collation's locale in collcollate (= collctype).
  const locale = options.serverMajor >= 17 ? 'c.colllocale' : options.serverMajor >= 15 ? 'c.colliculocale' : 'NULL::text';
  const rules = options.serverMajor >= 16 ? 'c.collicurules' : 'NULL::text';
  const { rows } = await client.query<CollationRow>(
    `SELECT c.oid, n.nspname, n.oid AS nspoid, c.collname, c.collprovider, c.collisdeterministic,
            c.collcollate, c.collctype, ${locale} AS locale, ${rules} AS rules
       FROM pg_catalog.pg_collation c JOIN pg_catalog.pg_namespace n ON n.oid = c.collnamespace
      WHERE ${userSchema('n.nspname')} AND ${notExtensionMember('pg_collation', 'c.oid')}
        -- the collations initdb imports into pg_catalog are skipped above; only user ones remain
        AND c.collencoding IN (-1, (SELECT encoding FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()))
      ORDER BY n.nspname, c.collname`,
  );
  return rows
    .filter((row) => options.includesSchema(row.nspname))
    .map(
      (row): TocEntry => ({
        id: entryId('COLLATION', row.nspname, row.collname),
        kind: 'COLLATION',
        section: 'pre-data',
        schema: row.nspname,
        name: row.collname,
        ref: ref('pg_collation', row.oid),
        dependsOn: [ref('pg_namespace', row.nspoid)],
        sql: buildCreateCollation(row),
      }),
    );
};
