import type { Connection } from '../config/connection-types.js';
import { connect, TlsRefusals, type QueryClient } from './client.js';

/**
 * Driver connections of one run, kept open between uses so that reading the
 * server's facts and exporting the first snapshot share one connection: every
 * connection is a TCP (often TLS) handshake plus authentication.
 */
export class Sessions {
  readonly #idle = new Map<string, QueryClient>();
  // Every close under way: a later close() waits for them too, so that once any close() has
  // resolved, no connection it or an earlier one let go is still open on the server.
  #closing: Promise<unknown> = Promise.resolve();

  readonly tls: TlsRefusals;
  readonly #open: (connection: Connection, database: string, tls: TlsRefusals) => Promise<QueryClient>;

  /**
   * `tls` is what the run learned about its servers' TLS (client.ts): the sessions of
   * one run's archives share it, so that only the run's first connection to a server
   * without TLS pays for asking. `open` is how a connection is opened (lib/db/client.ts);
   * a test hands in its own.
   */
  constructor(
    readonly connection: Connection,
    options: { tls?: TlsRefusals; open?: (connection: Connection, database: string, tls: TlsRefusals) => Promise<QueryClient> } = {},
  ) {
    this.tls = options.tls ?? new TlsRefusals();
    this.#open = options.open ?? connect;
  }

  /** Runs `fn` with a connection to `database`, reused if one is idle. */
  async use<T>(database: string, fn: (client: QueryClient) => Promise<T>): Promise<T> {
    const client = this.#idle.get(database) ?? (await this.#open(this.connection, database, this.tls));
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

  /**
   * Closes every idle connection, and resolves once they and those of every earlier close()
   * are closed (a run starts closing its sessions as soon as its steps are done, and waits
   * for that before verify opens its own connections). Never rejects.
   */
  async close(): Promise<void> {
    const clients = [...this.#idle.values()];
    this.#idle.clear();
    const ending = Promise.all(clients.map((client) => client.end().catch(() => undefined)));
    this.#closing = Promise.all([this.#closing, ending]);
    await this.#closing;
  }
}
