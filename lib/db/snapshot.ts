import type { Connection } from '../config/connection-types.js';
import { connect, type QueryClient } from './client.js';
import { describePgError } from './errors.js';

/** An open REPEATABLE READ transaction whose snapshot other sessions may import. */
export interface ExportedSnapshot {
  id: string;
  client: QueryClient;
}

/**
 * Exports a snapshot of `database` and keeps its transaction open while `fn`
 * runs: pg_dump imports it with `--snapshot`, pgbak counts rows in it, and both
 * see exactly the same data. The transaction is always ended afterwards.
 */
export async function withExportedSnapshot<T>(connection: Connection, database: string, fn: (snapshot: ExportedSnapshot) => Promise<T>): Promise<T> {
  const client = await connect(connection, database);
  try {
    let id: string;
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      const { rows } = await client.query<{ id: string }>('SELECT pg_catalog.pg_export_snapshot() AS id');
      id = rows[0]!.id;
    } catch (error) {
      throw describePgError(error, `exporting a snapshot of "${database}": `);
    }
    return await fn({ id, client });
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    await client.end().catch(() => undefined);
  }
}
