import type { Connection } from '../config/connection-types.js';
import { connect, TlsRefusals, type QueryClient } from './client.js';

/**
 * Driver connections of one run, kept open between uses so that reading the
 * server's facts and exporting the first snapshot share one connection: every
 * connection is a TCP (often TLS) handshake plus authentication.
 */
export class Sessions {
  readonly #idle = new Map<string, QueryClient>();

  /**
   * `tls` is what the run learned about its servers' TLS (client.ts): the sessions of
   * one run's archives share it, so that only the run's first connection to a server
   * without TLS pays for asking.
   */
  constructor(
    readonly connection: Connection,
    readonly tls: TlsRefusals = new TlsRefusals(),
  ) {}

  /** Runs `fn` with a connection to `database`, reused if one is idle. */
  async use<T>(database: string, fn: (client: QueryClient) => Promise<T>): Promise<T> {
    const client = this.#idle.get(database) ?? (await connect(this.connection, database, this.tls));
    this.#idle.delete(database);
    let healthy = false;
    try {
      const result = await fn(client);
      healthy = true;
      return result;
    } finally {
      // A connection whose work failed may be mid-transaction or broken: never reuse it.
      if (healthy && !this.#idle.has(database)) this.#idle.set(database, client);
      else await client.end().catch(() => undefined);
    }
  }

  /** Closes every idle connection. */
  async close(): Promise<void> {
    const clients = [...this.#idle.values()];
    this.#idle.clear();
    await Promise.all(clients.map((client) => client.end().catch(() => undefined)));
  }
}
