import pg from 'pg';
import type { Connection } from '../config/connection-types.js';
import { toConnectError } from './errors.js';
import { useFastScram } from './scram-crypto.js';
import { isNoSslOnServer } from './tls-failure.js';
import { errorToReport, retriesAfter, sslAttempts, tlsOptions, type Attempt } from './tls.js';

/** The part of a `pg` client pgbak uses: small enough to fake in a unit test. */
export interface QueryClient {
  query<R extends object = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>;
  end(): Promise<void>;
}

/**
 * The servers that answered "no TLS here" to a run's sslmode=prefer connection. libpq
 * goes on in the clear on the same socket; the driver cannot, and opens a second
 * connection, which costs the server a second backend's fork: a run that knows the
 * answer connects in the clear at once (one backend per session, as libpq's). Kept per
 * run (Sessions), never per process: a server may turn TLS on between two runs. prefer
 * never protects against a forged refusal, so taking one at its word again adds no risk.
 */
export class TlsRefusals {
  readonly #servers = new Set<string>();

  has(connection: Connection): boolean {
    return this.#servers.has(serverKey(connection));
  }

  add(connection: Connection): void {
    this.#servers.add(serverKey(connection));
  }

  delete(connection: Connection): void {
    this.#servers.delete(serverKey(connection));
  }
}

function serverKey(connection: Connection): string {
  return `${connection.host}:${connection.port}`;
}

/**
 * Opens a driver connection to `database` (default: the connection's), with
 * libpq's sslmode rules (see tls.ts): the attempts it would make, in its order.
 * With `refusals`, a prefer connection to a server that refused TLS earlier in the
 * run goes in the clear at once, and a refusal seen now is remembered.
 */
export async function connect(connection: Connection, database = connection.database, refusals?: TlsRefusals): Promise<QueryClient> {
  const attempts = sslAttempts(connection);
  if (refusals !== undefined && attempts.length === 2 && attempts[0] === 'tls' && refusals.has(connection)) {
    try {
      return await open(connection, database, 'plain');
    } catch (error) {
      if (!retriesAfter(error, 'plain')) throw toConnectError(error, connection, database);
      // Refused in the clear (a wrong password, or the server now wants TLS): libpq's
      // attempts from the start, which say why as they always do.
      refusals.delete(connection);
    }
  }
  const failures: Array<{ attempt: Attempt; error: unknown }> = [];
  for (const [index, attempt] of attempts.entries()) {
    try {
      return await open(connection, database, attempt);
    } catch (error) {
      failures.push({ attempt, error });
      if (attempt === 'tls' && isNoSslOnServer(error)) refusals?.add(connection);
      if (index === attempts.length - 1 || !retriesAfter(error, attempt)) break;
    }
  }
  throw toConnectError(errorToReport(failures), connection, database);
}

async function open(connection: Connection, database: string, attempt: Attempt): Promise<QueryClient> {
  useFastScram();
  const ssl = attempt === 'tls' ? tlsOptions(connection) : false;
  const timeout = connection.connectTimeout;
  const client = new pg.Client({
    host: connection.host,
    port: connection.port,
    user: connection.user,
    database,
    // Without a password the driver reads PGPASSFILE / ~/.pgpass, as libpq does.
    ...(connection.password ? { password: connection.password.reveal() } : {}),
    ssl,
    // Given always: the driver would read PGSSLNEGOTIATION from the process environment otherwise.
    sslnegotiation: attempt === 'tls' ? (connection.sslnegotiation ?? 'postgres') : 'postgres',
    ...(connection.options ? { options: connection.options } : {}),
    ...(connection.channelBinding === 'prefer' ? { enableChannelBinding: true } : {}),
    // libpq keeps TCP keep-alives on unless keepalives=0.
    keepAlive: connection.keepalives !== false,
    ...(connection.keepalivesIdle ? { keepAliveInitialDelayMillis: connection.keepalivesIdle * 1000 } : {}),
    application_name: connection.applicationName,
    // libpq: connect_timeout 0 (or less) waits for ever; 1 counts as 2.
    connectionTimeoutMillis: timeout === undefined ? 15_000 : timeout <= 0 ? 0 : Math.max(timeout, 2) * 1000,
  } as pg.ClientConfig);
  client.on('error', () => {
    // A connection lost after connect surfaces through the pending query; this
    // listener only keeps an idle client's late error from crashing the process.
  });
  await client.connect();
  return client as unknown as QueryClient;
}

/**
 * Runs parameterless statements in one round trip (one simple-protocol Query message):
 * a result per statement, in order. The first statement that fails stops the rest and
 * rejects, as each would on its own; inside a transaction, that transaction is then aborted.
 */
export async function queryEach(client: QueryClient, statements: readonly string[]): Promise<Array<{ rows: Record<string, unknown>[] }>> {
  const result = (await client.query(statements.join('\n;\n'))) as unknown;
  // The driver answers one statement with a result, several with an array of them.
  const results = (Array.isArray(result) ? result : [result]) as Array<{ rows: Record<string, unknown>[] }>;
  if (results.length !== statements.length) throw new Error(`expected ${statements.length} results, got ${results.length}`);
  return results;
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
