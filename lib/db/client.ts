import { readFileSync } from 'node:fs';
import pg from 'pg';
import type { Connection } from '../config/connection-types.js';
import { toConnectError } from './errors.js';

/** The part of a `pg` client pgbak uses: small enough to fake in a unit test. */
export interface QueryClient {
  query<R extends object = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>;
  end(): Promise<void>;
}

/** Opens a driver connection to `database` (default: the connection's). */
export async function connect(connection: Connection, database = connection.database): Promise<QueryClient> {
  const attempt = async (ssl: pg.ClientConfig['ssl']) => {
    const client = new pg.Client({
      host: connection.host,
      port: connection.port,
      user: connection.user,
      database,
      // Without a password the driver reads PGPASSFILE / ~/.pgpass, as libpq does.
      ...(connection.password ? { password: connection.password.reveal() } : {}),
      ssl,
      application_name: connection.applicationName,
      connectionTimeoutMillis: 15_000,
    });
    client.on('error', () => {
      // A connection lost after connect surfaces through the pending query; this
      // listener only keeps an idle client's late error from crashing the process.
    });
    await client.connect();
    return client as unknown as QueryClient;
  };
  const mode = connection.sslmode ?? 'prefer';
  try {
    if (mode === 'disable' || connection.host.startsWith('/')) return await attempt(false);
    if (mode === 'prefer' || mode === 'allow') {
      try {
        return await attempt({ rejectUnauthorized: false });
      } catch (error) {
        // libpq's "prefer": fall back to plain TCP when the server has no SSL.
        if (!/does not support SSL/i.test((error as Error).message)) throw error;
        return await attempt(false);
      }
    }
    return await attempt(sslConfig(connection, mode));
  } catch (error) {
    throw toConnectError(error, connection, database);
  }
}

/** Runs `fn` with a connected client and always closes it. */
export async function withClient<T>(connection: Connection, database: string | undefined, fn: (client: QueryClient) => Promise<T>): Promise<T> {
  const client = await connect(connection, database);
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function sslConfig(connection: Connection, mode: 'require' | 'verify-ca' | 'verify-full'): pg.ClientConfig['ssl'] {
  const read = (file: string | undefined) => (file ? readFileSync(file) : undefined);
  const ca = read(connection.sslrootcert);
  const cert = read(connection.sslcert);
  const key = read(connection.sslkey);
  const files = { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
  // libpq's "require" encrypts without checking the certificate, unless a root cert is given.
  if (mode === 'require') return { ...files, rejectUnauthorized: ca !== undefined };
  if (mode === 'verify-ca') return { ...files, rejectUnauthorized: true, checkServerIdentity: () => undefined };
  return { ...files, rejectUnauthorized: true };
}
