// What each side of a comparison is: a live database (a URL, an env file,
// discrete flags, or the configured connection) or a pgbak backup zip. Decided
// from the flags alone, before anything is opened, so usage errors come first.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Connection } from '../config/connection-types.js';
import { parsePort } from '../config/database-url.js';
import { readEnvFileVars, type Env } from '../config/env-file.js';
import type { DecryptionKeys } from '../crypto/age/index.js';
import { resolveConnection } from '../config/resolve-connection.js';
import { PgbakError } from '../errors.js';
import { isS3Location } from '../storage/index.js';

/** One side as the command line gives it (`--source`, `--source-env`, `--s-*`). */
export interface SideInput {
  /** `postgres://…` URL or the path of a backup zip. */
  value?: string | undefined;
  /** A dotenv file with PG* variables or DATABASE_URL for this side only. */
  envFile?: string | undefined;
  host?: string | undefined;
  port?: string | number | undefined;
  user?: string | undefined;
  /** The database (for a backup holding several: which one). */
  database?: string | undefined;
  /** Schemas for this side only (replacing the common --schema list). */
  schemas?: readonly string[] | undefined;
}

export type ResolvedSide =
  | { kind: 'database'; connection: Connection; label: string; schemas: string[] | null }
  | {
      kind: 'backup';
      /** An absolute path, or `s3://bucket/key` (read in place by ranged GETs). */
      path: string;
      database: string | undefined;
      label: string;
      schemas: string[] | null;
      /** The command's environment: how to reach the bucket of an s3:// backup. */
      env?: Env | undefined;
      /** Keys for a backup encrypted with age (`--identity`, `--passphrase-file`; else the environment's). */
      keys?: DecryptionKeys | undefined;
    };

const urlPattern = /^postgres(ql)?:\/\//i;
const connectionVariable = /^(PG[A-Z]+|DATABASE_URL)$/;

/**
 * Resolves one side. Precedence for a database: the process environment (PG*,
 * DATABASE_URL, the global --env-file) — replaced by the side's own env file
 * when one is given — < the side's URL < the side's discrete flags. The
 * password never comes from a flag: from the URL, the environment or libpq's
 * passfile.
 */
export async function resolveSide(
  name: 'source' | 'target',
  input: SideInput,
  options: { env: Env; cwd: string; schemas: readonly string[]; warn?: ((message: string) => void) | undefined; keys?: DecryptionKeys | undefined },
): Promise<ResolvedSide | null> {
  const flag = name === 'source' ? '--source' : '--target';
  const prefix = name === 'source' ? '--s-' : '--t-';
  const schemas = pickSchemas(input.schemas, options.schemas);
  const connectionFlags = { host: input.host, port: input.port, user: input.user };
  const hasConnectionFlags = Object.values(connectionFlags).some((value) => value !== undefined);
  if (input.value !== undefined && isS3Location(input.value)) {
    if (hasConnectionFlags || input.envFile !== undefined) {
      throw new PgbakError('USAGE', `${flag} names a backup: ${prefix}host/port/user and ${flag}-env do not apply to it`, { hint: `${prefix}db chooses the database of a backup that holds several` });
    }
    // Whether the object exists is known once it is read (HEAD): a missing one is ARCHIVE_INVALID, as a damaged file.
    return { kind: 'backup', path: input.value, database: input.database, label: input.value, schemas, env: options.env, keys: options.keys };
  }
  if (input.value !== undefined && !urlPattern.test(input.value)) {
    const path = resolve(options.cwd, input.value);
    if (!existsSync(path)) {
      throw new PgbakError('USAGE', `${flag} ${input.value}: neither a postgres:// URL nor an existing backup file`, {
        hint: `give ${flag} postgresql://user@host:port/db, the path of a pgbak backup .zip, or s3://bucket/key.zip`,
      });
    }
    if (hasConnectionFlags || input.envFile !== undefined) {
      throw new PgbakError('USAGE', `${flag} names a backup: ${prefix}host/port/user and ${flag}-env do not apply to it`, { hint: `${prefix}db chooses the database of a backup that holds several` });
    }
    return { kind: 'backup', path, database: input.database, label: input.value, schemas, env: options.env, keys: options.keys };
  }
  if (input.value === undefined && input.envFile === undefined && !hasConnectionFlags && input.database === undefined) return null;
  let env: Record<string, string | undefined> = { ...options.env };
  if (input.envFile !== undefined) env = { ...withoutConnectionVariables(options.env), ...(await readEnvFileVars(options.cwd, input.envFile, `${flag}-env`, options.warn)) };
  if (input.value !== undefined) env.DATABASE_URL = input.value;
  // A bad URL is named after the flag that gave it, not after a variable the user never set.
  const databaseUrlOrigin =
    input.value !== undefined ? flag : input.envFile !== undefined && env.DATABASE_URL !== undefined ? `DATABASE_URL in ${flag}-env ${input.envFile}` : undefined;
  const connection = await resolveConnection({
    env,
    databaseUrlOrigin,
    flags: {
      host: input.host,
      port: input.port === undefined ? undefined : parsePort(input.port, `${prefix}port`),
      user: input.user,
      database: input.database,
    },
  });
  return { kind: 'database', connection, label: describeConnection(connection), schemas };
}

/** The configured connection (PG*, DATABASE_URL, .env) as a side: the target when none is named. */
export async function configuredSide(env: Env, schemas: readonly string[]): Promise<ResolvedSide> {
  const connection = await resolveConnection({ env });
  return { kind: 'database', connection, label: describeConnection(connection), schemas: pickSchemas(undefined, schemas) };
}

/** `postgresql://user@host:port/db`: where a side was read, never with its password. */
export function describeConnection(connection: Connection): string {
  const host = connection.host.includes(':') ? `[${connection.host}]` : connection.host;
  return `postgresql://${encodeURIComponent(connection.user)}@${host.startsWith('/') ? encodeURIComponent(host) : host}:${connection.port}/${encodeURIComponent(connection.database)}`;
}

function pickSchemas(own: readonly string[] | undefined, common: readonly string[]): string[] | null {
  const list = own && own.length > 0 ? own : common;
  return list.length > 0 ? [...new Set(list)].sort() : null;
}

function withoutConnectionVariables(env: Env): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(env).filter(([key]) => !connectionVariable.test(key)));
}
