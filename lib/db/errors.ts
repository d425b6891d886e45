import type { Connection } from '../config/connection-types.js';
import { PgbakError } from '../errors.js';
import { describeTlsFailure } from './tls-failure.js';

interface PgErrorFields {
  code?: string;
  severity?: string;
  detail?: string;
  hint?: string;
  message: string;
}

/** Maps a failed connection attempt to a one-line PgbakError with a hint. */
export function toConnectError(error: unknown, connection: Connection, database: string): PgbakError {
  const tls = describeTlsFailure(error, connection);
  if (tls) return tls;
  if (error instanceof PgbakError) return error;
  const err = error as PgErrorFields & { errno?: string };
  const where = `${connection.host}:${connection.port}`;
  const who = `user "${connection.user}"`;
  if (err.code === '28P01' || /password authentication failed|client password must be a string|SASL/i.test(err.message)) {
    return new PgbakError('AUTH_FAILED', `password authentication failed for ${who} on ${where}`, {
      hint: connection.password
        ? 'check the password in PGPASSWORD, DATABASE_URL, PGBAK_PASSWORD_FILE or the profile passwordFile'
        : 'no password was given: set PGPASSWORD (or .env), DATABASE_URL, a passwordFile, or add it to ~/.pgpass',
      cause: error,
    });
  }
  if (err.code === '28000') {
    return new PgbakError('AUTH_FAILED', `${where} refused ${who} on database "${database}": ${err.message}`, {
      hint: 'check the role name and the server\'s pg_hba.conf',
      cause: error,
    });
  }
  if (err.code === '3D000') {
    return new PgbakError('DATABASE_MISSING', `database "${database}" does not exist on ${where}`, {
      hint: 'check --database / PGDATABASE / DATABASE_URL; `psql -l` lists the databases',
      cause: error,
    });
  }
  if (err.code && /^[0-9A-Z]{5}$/.test(err.code)) return describePgError(error, `${where}: `);
  return new PgbakError('CONNECT_FAILED', `cannot connect to ${where}: ${networkReason(err)}`, {
    hint: 'check that the server runs and that host and port (PGHOST, PGPORT, --host, --port) are right',
    cause: error,
  });
}

/** A PostgreSQL error as one line: severity, code, message, then detail and hint. */
export function describePgError(error: unknown, prefix = ''): PgbakError {
  const err = error as PgErrorFields;
  const parts = [`${prefix}${err.severity ?? 'ERROR'} ${err.code ?? ''}: ${err.message}`.replace(/ :/, ':')];
  if (err.detail) parts.push(`DETAIL: ${err.detail}`);
  return new PgbakError('SERVER_ERROR', parts.join(' '), { ...(err.hint ? { hint: err.hint } : {}), cause: error });
}

function networkReason(err: PgErrorFields & { errno?: string }): string {
  const code = (err as { code?: string }).code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host name not found';
  if (code === 'ETIMEDOUT' || /timeout/i.test(err.message)) return 'timed out';
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return 'host unreachable';
  if (code === 'ENOENT') return 'no Unix socket there';
  return err.message;
}
