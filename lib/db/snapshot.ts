import { queryEach, type QueryClient } from './client.js';
import type { Sessions } from './sessions.js';
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
export async function withExportedSnapshot<T>(sessions: Sessions, database: string, fn: (snapshot: ExportedSnapshot) => Promise<T>): Promise<T> {
  return sessions.use(database, async (client) => {
    let id: string;
    try {
      // One round trip: a BEGIN in a multi-statement query leaves its transaction open after it.
      const [, exported] = await queryEach(client, ['BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY', 'SELECT pg_catalog.pg_export_snapshot() AS id']);
      id = (exported!.rows[0] as { id: string }).id;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw describePgError(error, `exporting a snapshot of "${database}": `);
    }
    let result: T;
    try {
      result = await fn({ id, client });
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
    // A failed ROLLBACK (connection lost) fails the session, which is then discarded.
    await client.query('ROLLBACK');
    return result;
  });
}
