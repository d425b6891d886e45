import type { QueryClient } from './client.js';

/**
 * What the named databases take on disk (pg_database_size), summed: a cheap, rough
 * guess of a dump's size (indexes and bloat count, compression does not). Databases
 * the role may not connect to count as nothing: they cannot be dumped either.
 */
export async function readDatabasesSize(client: QueryClient, names: readonly string[]): Promise<number> {
  if (names.length === 0) return 0;
  const { rows } = await client.query<{ bytes: string | null }>(
    `SELECT sum(pg_catalog.pg_database_size(oid))::text AS bytes FROM pg_catalog.pg_database
      WHERE datname = ANY($1::text[]) AND pg_catalog.has_database_privilege(oid, 'CONNECT')`,
    [[...names]],
  );
  return Number(rows[0]?.bytes ?? 0);
}
