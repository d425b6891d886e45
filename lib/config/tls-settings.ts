// The checks libpq makes on its TLS settings before it connects, made once when
// the connection is resolved so that a bad combination is a configuration error
// (exit 2) whatever later connects: the driver or pg_dump.
import { join } from 'node:path';
import { PgbakError } from '../errors.js';
import { tlsVersions, type Connection, type SslMode } from './connection-types.js';

/**
 * The sslmode libpq would use: the one given, else `verify-full` with
 * sslrootcert=system (libpq 16), else `prefer`.
 */
export function effectiveSslMode(connection: Pick<Connection, 'sslmode' | 'sslrootcert'>): SslMode {
  return connection.sslmode ?? (connection.sslrootcert === 'system' ? 'verify-full' : 'prefer');
}

/** Where libpq looks for the root certificate: sslrootcert, else ~/.postgresql/root.crt. */
export function rootCertPath(connection: Connection): string | undefined {
  if (connection.sslrootcert) return connection.sslrootcert;
  return connection.postgresqlDir ? join(connection.postgresqlDir, 'root.crt') : undefined;
}

/** libpq's cross-checks of the TLS settings; throws CONFIG_INVALID (exit 2). */
export function checkTlsSettings(connection: Connection): void {
  const mode = effectiveSslMode(connection);
  const where = (field: 'sslmode' | 'sslrootcert' | 'sslnegotiation') => connection.origin[field] ?? 'default';
  if (connection.sslrootcert === 'system' && mode !== 'verify-full') {
    throw new PgbakError('CONFIG_INVALID', `weak sslmode "${mode}" (${where('sslmode')}) may not be used with sslrootcert=system (use "verify-full")`, {
      hint: 'the system\'s trusted roots vouch for host names: libpq allows them with sslmode=verify-full only',
    });
  }
  if (connection.sslnegotiation === 'direct' && !['require', 'verify-ca', 'verify-full'].includes(mode)) {
    throw new PgbakError('CONFIG_INVALID', `weak sslmode "${mode}" may not be used with sslnegotiation=direct (use "require", "verify-ca", or "verify-full")`, {
      hint: `sslnegotiation comes from ${where('sslnegotiation')}`,
    });
  }
  // libpq's client tools get it through a service file line, which cannot hold these.
  if (connection.sslpassword && /[\r\n]|\s$/.test(connection.sslpassword.reveal())) {
    throw new PgbakError('CONFIG_INVALID', 'sslpassword ends with a blank or holds a line break: pg_dump and psql cannot be given it', {
      hint: 'choose a pass phrase for the key without them',
    });
  }
  const min = connection.sslMinProtocolVersion;
  const max = connection.sslMaxProtocolVersion;
  if (min && max && tlsVersions.indexOf(min) > tlsVersions.indexOf(max)) {
    throw new PgbakError('CONFIG_INVALID', `invalid SSL protocol version range: ssl_min_protocol_version ${min} is above ssl_max_protocol_version ${max}`);
  }
}
