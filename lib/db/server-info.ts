import { parseServerVersionNum, type PgVersion } from '../tools/index.js';
import type { QueryClient } from './client.js';

export interface ServerInfo {
  version: PgVersion;
  /** Databases that accept connections and are not templates, sorted. */
  databases: string[];
}

/** One round trip for what compile needs to know about the server. */
export async function readServerInfo(client: QueryClient): Promise<ServerInfo> {
  const { rows } = await client.query<{ num: string; text: string; databases: string[] | null }>(
    `SELECT current_setting('server_version_num') AS num,
            current_setting('server_version') AS text,
            (SELECT array_agg(datname::text ORDER BY datname) FROM pg_catalog.pg_database
              WHERE datallowconn AND NOT datistemplate) AS databases`,
  );
  const row = rows[0]!;
  return { version: { ...parseServerVersionNum(row.num), text: row.text }, databases: row.databases ?? [] };
}
