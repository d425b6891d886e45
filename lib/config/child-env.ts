import type { Connection } from '../config/connection-types.js';

/**
 * The libpq environment for a client tool (pg_dump, pg_restore, psql…) besides
 * what it inherits; never the password (see secretEnv). LC_MESSAGES=C keeps the
 * tools' messages in English so their errors and progress can be read.
 */
export function childEnv(connection: Connection): Record<string, string> {
  const env: Record<string, string> = { PGAPPNAME: connection.applicationName, LC_MESSAGES: 'C', PGCONNECT_TIMEOUT: '15' };
  if (connection.sslmode) env.PGSSLMODE = connection.sslmode;
  if (connection.sslrootcert) env.PGSSLROOTCERT = connection.sslrootcert;
  if (connection.sslcert) env.PGSSLCERT = connection.sslcert;
  if (connection.sslkey) env.PGSSLKEY = connection.sslkey;
  if (connection.passfile) env.PGPASSFILE = connection.passfile;
  return env;
}

/** childEnv plus PGPASSWORD, for the child only. */
export function secretEnv(connection: Connection): Record<string, string> {
  return { ...childEnv(connection), ...(connection.password ? { PGPASSWORD: connection.password.reveal() } : {}) };
}

/** What `--dry-run` shows of the environment: the password replaced. */
export function shownEnv(connection: Connection): Record<string, string> {
  return { ...childEnv(connection), ...(connection.password ? { PGPASSWORD: '<redacted>' } : {}) };
}
