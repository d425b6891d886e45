import type { Manifest } from '../archive/index.js';
import type { Connection } from '../config/connection-types.js';
import { parsePort } from '../config/database-url.js';
import type { Env } from '../config/env-file.js';
import { resolveConnection, type ConnectionFlags } from '../config/resolve-connection.js';
import { PgbakError } from '../errors.js';

/**
 * Where verify restores its scratch databases: the server the backup came from
 * (host, port and user from the manifest), unless the environment (PG*,
 * DATABASE_URL), `--server host[:port]` or connection flags say otherwise. The
 * password comes from the environment only. `database` is the maintenance
 * database used for CREATE / DROP DATABASE.
 */
export async function resolveVerifyConnection(
  manifest: Manifest,
  input: { env: Env; server?: string | undefined; flags?: ConnectionFlags | undefined; maintenanceDb: string },
): Promise<Connection> {
  const source = manifest.source;
  const defaults: Record<string, string> = { PGHOST: source.host, PGPORT: String(source.port), PGUSER: source.user };
  if (source.sslmode) defaults.PGSSLMODE = source.sslmode;
  const env = { ...defaults, ...definedOnly(input.env) };
  const server = input.server === undefined ? {} : parseServer(input.server);
  return resolveConnection({ env, flags: { ...server, ...compact(input.flags ?? {}), database: input.maintenanceDb } });
}

/** `host`, `host:port`, `[v6addr]:port` or a socket directory. */
export function parseServer(value: string): { host: string; port?: number } {
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(value);
  if (bracket) return { host: bracket[1]!, ...(bracket[2] ? { port: parsePort(bracket[2], '--server') } : {}) };
  const colon = value.lastIndexOf(':');
  if (colon > 0 && !value.startsWith('/') && value.indexOf(':') === colon) {
    return { host: value.slice(0, colon), port: parsePort(value.slice(colon + 1), '--server') };
  }
  if (value.trim() === '') throw new PgbakError('USAGE', '--server needs host[:port]');
  return { host: value };
}

function definedOnly(env: Env): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== ''));
}

function compact(flags: ConnectionFlags): ConnectionFlags {
  return Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined && v !== '')) as ConnectionFlags;
}
