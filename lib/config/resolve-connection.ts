import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { PgbakError } from '../errors.js';
import type { Connection, ConnectionField, ConnectionLayer } from './connection-types.js';
import { checkTlsSettings } from './tls-settings.js';
import { parseDatabaseUrl, parsePort } from './database-url.js';
import { applyPgEnv } from './libpq-params.js';
import type { Env } from './env-file.js';
import { Secret } from './secret.js';

/** Connection fields a profile may set (never a password: it names a file instead). */
export interface ProfileConnection {
  host?: string | undefined;
  port?: number | undefined;
  user?: string | undefined;
  database?: string | undefined;
  sslmode?: ConnectionLayer['sslmode'];
  sslrootcert?: string | undefined;
  sslcert?: string | undefined;
  sslkey?: string | undefined;
  sslcrl?: string | undefined;
  sslcrldir?: string | undefined;
  passwordFile?: string | undefined;
}

/** Connection fields the command line may set. */
export interface ConnectionFlags {
  host?: string | undefined;
  port?: number | undefined;
  user?: string | undefined;
  database?: string | undefined;
}

/**
 * Resolves the connection, lowest precedence first:
 * libpq defaults < `PG*` variables (environment, then `.env`) < `DATABASE_URL`
 * < `PGBAK_PASSWORD_FILE` < the profile's `connection:` < command-line flags.
 * A `passwordFile` (profile) or `PGBAK_PASSWORD_FILE` is read here; otherwise the
 * password comes from `PGPASSWORD` / `DATABASE_URL`, or libpq's passfile.
 */
export async function resolveConnection(input: {
  env: Env;
  profile?: ProfileConnection | undefined;
  /** The profile file's folder: a relative passwordFile is read from there. */
  profileDir?: string | undefined;
  flags?: ConnectionFlags | undefined;
  /** Where `env.DATABASE_URL` came from, for messages (`--source`); `DATABASE_URL` by default. */
  databaseUrlOrigin?: string | undefined;
}): Promise<Connection> {
  const { env } = input;
  const layers: Array<[string, ConnectionLayer]> = [
    ['PG* environment', readPgEnv(env)],
  ];
  if (env.DATABASE_URL) layers.push(['DATABASE_URL', parseDatabaseUrl(env.DATABASE_URL, input.databaseUrlOrigin ?? 'DATABASE_URL')]);
  if (env.PGBAK_PASSWORD_FILE) {
    const password = await readPasswordFile(env.PGBAK_PASSWORD_FILE, 'PGBAK_PASSWORD_FILE');
    layers.push(['PGBAK_PASSWORD_FILE', { password }]);
  }
  if (input.profile) layers.push(['profile', await readProfileLayer(input.profile, input.profileDir)]);
  if (input.flags) layers.push(['flag', compact(input.flags)]);

  const merged: ConnectionLayer = {};
  const origin: Partial<Record<ConnectionField, string>> = {};
  for (const [name, layer] of layers) {
    for (const [key, value] of Object.entries(layer) as Array<[ConnectionField, unknown]>) {
      if (value === undefined || value === '') continue;
      (merged as Record<string, unknown>)[key] = value;
      origin[key] = name === 'flag' ? `--${flagName(key)}` : name;
    }
  }
  const user = merged.user ?? osUser();
  const port = merged.port ?? 5432;
  const { host: _host, port: _port, user: _user, database: _database, applicationName, ...rest } = merged;
  const connection: Connection = Object.freeze({
    ...rest,
    host: merged.host ?? defaultHost(port),
    port,
    user,
    database: merged.database ?? user,
    password: merged.password,
    sslmode: merged.sslmode,
    sslrootcert: merged.sslrootcert,
    sslcert: merged.sslcert,
    sslkey: merged.sslkey,
    postgresqlDir: postgresqlDir(env),
    systemCaFile: env.SSL_CERT_FILE || undefined,
    applicationName: applicationName ?? 'pgbak',
    passfile: env.PGPASSFILE,
    origin: Object.freeze(origin),
  });
  checkTlsSettings(connection);
  return connection;
}

// libpq looks for root.crt, root.crl, postgresql.crt and postgresql.key in
// ~/.postgresql, HOME first, the password database's home otherwise.
function postgresqlDir(env: Env): string | undefined {
  const home = env.HOME || safeHomedir();
  return home ? join(home, '.postgresql') : undefined;
}

function safeHomedir(): string | undefined {
  try {
    return userInfo().homedir || undefined;
  } catch {
    return undefined;
  }
}

function readPgEnv(env: Env): ConnectionLayer {
  const layer: ConnectionLayer = {};
  if (env.PGHOST) layer.host = env.PGHOST;
  if (env.PGPORT) layer.port = parsePort(env.PGPORT, 'PGPORT');
  if (env.PGUSER) layer.user = env.PGUSER;
  if (env.PGDATABASE) layer.database = env.PGDATABASE;
  if (env.PGPASSWORD) layer.password = new Secret(env.PGPASSWORD);
  // sslmode, sslrootcert, sslcrl, application_name…: libpq's other variables, refused where the driver cannot honour them.
  applyPgEnv(env, layer);
  return layer;
}

async function readProfileLayer(profile: ProfileConnection, profileDir: string | undefined): Promise<ConnectionLayer> {
  const { passwordFile, ...rest } = profile;
  const layer: ConnectionLayer = compact(rest);
  if (passwordFile) {
    const file = profileDir ? resolve(profileDir, passwordFile) : passwordFile;
    layer.password = await readPasswordFile(file, 'profile connection.passwordFile');
  }
  return layer;
}

async function readPasswordFile(path: string, origin: string): Promise<Secret> {
  try {
    const text = await readFile(path, 'utf8');
    return new Secret(text.replace(/\r?\n$/, ''));
  } catch (error) {
    throw new PgbakError('CONFIG_INVALID', `${origin}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code}`, {
      cause: error,
    });
  }
}

// libpq's default is the Unix socket; use it when the usual socket exists so that
// `sudo -u postgres pgbak …` with peer authentication works as pg_dump would.
function defaultHost(port: number): string {
  for (const dir of ['/var/run/postgresql', '/tmp']) {
    if (existsSync(`${dir}/.s.PGSQL.${port}`)) return dir;
  }
  return 'localhost';
}

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'postgres';
  }
}

function flagName(key: ConnectionField): string {
  return key === 'database' ? 'database' : key;
}

function compact<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== '')) as never;
}
