import { PgbakError } from '../errors.js';
import { sslModes, type ConnectionLayer, type SslMode } from './connection-types.js';
import { Secret } from './secret.js';

/**
 * Parses a libpq-style URL (`postgres://user:pass@host:5432/db?sslmode=require`).
 * The error message never repeats the URL, which may hold a password.
 */
export function parseDatabaseUrl(url: string, origin: string): ConnectionLayer {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid(origin, 'it is not a valid URL');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw invalid(origin, `scheme ${parsed.protocol} is not postgres:// or postgresql://`);
  }
  const layer: ConnectionLayer = {};
  const params = parsed.searchParams;
  const decode = (part: string, what: string) => decodeUrlPart(part, what, origin);
  const host = params.get('host') ?? decode(parsed.hostname, 'host');
  if (host) layer.host = host.replace(/^\[(.*)\]$/, '$1');
  const port = params.get('port') ?? parsed.port;
  if (port) layer.port = parsePort(port, origin);
  if (parsed.username) layer.user = decode(parsed.username, 'user name');
  if (parsed.password) layer.password = new Secret(decode(parsed.password, 'password'));
  const database = decode(parsed.pathname.replace(/^\//, ''), 'database name');
  if (database) layer.database = database;
  const sslmode = params.get('sslmode');
  if (sslmode) layer.sslmode = parseSslMode(sslmode, origin);
  for (const key of ['sslrootcert', 'sslcert', 'sslkey'] as const) {
    const value = params.get(key);
    if (value) layer[key] = value;
  }
  const app = params.get('application_name');
  if (app) layer.applicationName = app;
  return layer;
}

export function parsePort(value: string | number, origin: string): number {
  const port = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new PgbakError('CONFIG_INVALID', `${origin}: port must be a number from 1 to 65535, got "${value}"`);
  }
  return port;
}

export function parseSslMode(value: string, origin: string): SslMode {
  if ((sslModes as readonly string[]).includes(value)) return value as SslMode;
  throw new PgbakError('CONFIG_INVALID', `${origin}: sslmode must be one of ${sslModes.join(', ')}, got "${value}"`);
}

// A stray "%" (an unencoded password character) makes decodeURIComponent throw a
// bare URIError; report it as a configuration problem, naming the part, not its value.
function decodeUrlPart(part: string, what: string, origin: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw invalid(origin, `its ${what} holds a malformed %-escape (write % as %25)`);
  }
}

function invalid(origin: string, why: string): PgbakError {
  return new PgbakError('CONFIG_INVALID', `${origin} cannot be used: ${why}`, {
    hint: 'expected postgres://user@host:port/database?sslmode=…',
  });
}
