import { PgbakError } from '../errors.js';
import { sslModes, type ConnectionLayer, type SslMode } from './connection-types.js';
import { applyUrlParam, isLibpqParam } from './libpq-params.js';
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
  const params = parseQuery(parsed.search, origin);
  const decode = (part: string, what: string) => decodeUrlPart(part, what, origin);
  const host = params.get('host') ?? decode(parsed.hostname, 'host');
  if (host) layer.host = host.replace(/^\[(.*)\]$/, '$1');
  const port = params.get('port') ?? parsed.port;
  if (port) layer.port = parsePort(port, origin);
  const user = params.get('user') ?? (parsed.username ? decode(parsed.username, 'user name') : '');
  if (user) layer.user = user;
  const password = params.get('password') ?? (parsed.password ? decode(parsed.password, 'password') : '');
  if (password) layer.password = new Secret(password);
  const database = params.get('dbname') ?? decode(parsed.pathname.replace(/^\//, ''), 'database name');
  if (database) layer.database = database;
  for (const [name, value] of params) {
    if (!uriKeys.has(name)) applyUrlParam(name, value, layer, origin);
  }
  return layer;
}

// Handled above, from the URL's parts or their query-parameter equivalents.
const uriKeys = new Set(['host', 'port', 'user', 'password', 'dbname']);

/**
 * The query string as libpq reads it: `key=value` pairs joined by `&`, each
 * %-decoded (a `+` stays a `+`), every key a libpq keyword — libpq refuses any
 * other ("invalid URI query parameter") — and `ssl=true` read as
 * sslmode=require, libpq's nod to JDBC URLs. The last of a repeated key wins.
 */
function parseQuery(search: string, origin: string): Map<string, string> {
  const out = new Map<string, string>();
  const query = search.replace(/^\?/, '');
  if (query === '') return out;
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    if (equals < 0) throw invalid(origin, 'a query parameter has no key/value separator "="');
    if (pair.indexOf('=', equals + 1) >= 0) throw invalid(origin, `extra key/value separator "=" in query parameter "${shown(pair.slice(0, equals))}"`);
    let key = decodeUrlPart(pair.slice(0, equals), 'query parameter name', origin);
    let value = decodeUrlPart(pair.slice(equals + 1), `${key} value`, origin);
    if (key === 'ssl' && value === 'true') [key, value] = ['sslmode', 'require'];
    if (!isLibpqParam(key)) {
      throw new PgbakError('CONFIG_INVALID', `${origin}: invalid URI query parameter "${shown(key)}"`, {
        hint: 'libpq accepts its connection parameters only (sslmode, sslrootcert, sslcrl, application_name, …), as pg_dump would',
      });
    }
    out.set(key, value);
  }
  return out;
}

// A parameter name as typed, cut short: it is not a secret, but keep messages one line.
function shown(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
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
