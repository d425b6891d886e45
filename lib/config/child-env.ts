import type { Connection } from '../config/connection-types.js';
import { sslPasswordEnv } from './ssl-password-file.js';

/**
 * The libpq environment for a client tool (pg_dump, pg_restore, psql…) besides
 * what it inherits; never the password (see secretEnv). LC_MESSAGES=C keeps the
 * tools' messages in English so their errors and progress can be read.
 */
export function childEnv(connection: Connection): Record<string, string> {
  const env: Record<string, string> = {
    PGAPPNAME: connection.applicationName,
    LC_MESSAGES: 'C',
    PGCONNECT_TIMEOUT: String(connection.connectTimeout ?? 15),
  };
  // The TLS settings the driver connected with, whatever layer they came from
  // (a DATABASE_URL parameter has no other way to reach the child).
  const tls: Array<[string, string | undefined]> = [
    ['PGSSLMODE', connection.sslmode],
    ['PGSSLROOTCERT', connection.sslrootcert],
    ['PGSSLCERT', connection.sslcert],
    ['PGSSLKEY', connection.sslkey],
    ['PGSSLCRL', connection.sslcrl],
    ['PGSSLCRLDIR', connection.sslcrldir],
    ['PGSSLCERTMODE', connection.sslcertmode],
    ['PGSSLNEGOTIATION', connection.sslnegotiation],
    ['PGSSLMINPROTOCOLVERSION', connection.sslMinProtocolVersion],
    ['PGSSLMAXPROTOCOLVERSION', connection.sslMaxProtocolVersion],
    ['PGCHANNELBINDING', connection.channelBinding],
    ['PGOPTIONS', connection.options],
  ];
  for (const [name, value] of tls) if (value) env[name] = value;
  if (connection.passfile) env.PGPASSFILE = connection.passfile;
  return env;
}

/** childEnv plus PGPASSWORD (and sslpassword's service file), for the child only. */
export function secretEnv(connection: Connection): Record<string, string> {
  return {
    ...childEnv(connection),
    ...(connection.password ? { PGPASSWORD: connection.password.reveal() } : {}),
    ...(connection.sslpassword ? sslPasswordEnv(connection.sslpassword) : {}),
  };
}

/** What `--dry-run` shows of the environment: the password replaced. */
export function shownEnv(connection: Connection): Record<string, string> {
  return { ...childEnv(connection), ...(connection.password ? { PGPASSWORD: '<redacted>' } : {}) };
}
