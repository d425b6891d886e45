// DATABASE_URL and PG* variables read as libpq reads them: its parameters
// accepted, anything else refused (exit 2, naming it), and what the driver
// cannot honour refused rather than ignored. The TLS settings reach the client
// tools' environment whatever layer they came from.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { childEnv, secretEnv, shownEnv } from '../../../lib/config/child-env.js';
import { withSslPasswordFiles } from '../../../lib/config/ssl-password-file.js';
import { parseDatabaseUrl } from '../../../lib/config/database-url.js';
import { resolveConnection } from '../../../lib/config/resolve-connection.js';
import { rejection, thrown } from './support.js';

const base = 'postgresql://app@db.example:5432/shop';

describe('DATABASE_URL query parameters', () => {
  it('reads ?ssl=true as sslmode=require, as libpq does for JDBC URLs (it was dropped)', () => {
    expect(parseDatabaseUrl(`${base}?ssl=true`, 'DATABASE_URL').sslmode).toBe('require');
  });

  it('refuses ssl with any other value, as libpq does', () => {
    const error = thrown(() => parseDatabaseUrl(`${base}?ssl=1`, 'DATABASE_URL'));
    expect(error.exitCode).toBe(2);
    expect(error.message).toBe('DATABASE_URL: invalid URI query parameter "ssl"');
  });

  it('refuses an unknown parameter, naming it (a typo no longer falls back to the default)', () => {
    const error = thrown(() => parseDatabaseUrl(`${base}?sslmodee=verify-full`, 'DATABASE_URL'));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(/invalid URI query parameter "sslmodee"/);
  });

  it('reads every TLS parameter libpq has', () => {
    const layer = parseDatabaseUrl(
      `${base}?sslmode=verify-ca&sslrootcert=/c/root.crt&sslcert=/c/client.crt&sslkey=/c/client.key&sslcrl=/c/root.crl&sslcrldir=/c/crl&sslpassword=s3cret` +
        '&sslcertmode=allow&sslnegotiation=postgres&ssl_min_protocol_version=tlsv1.3&ssl_max_protocol_version=TLSv1.3&sslsni=1&sslcompression=0',
      'DATABASE_URL',
    );
    expect({ ...layer, sslpassword: layer.sslpassword?.reveal() }).toEqual({
      host: 'db.example',
      port: 5432,
      user: 'app',
      database: 'shop',
      sslmode: 'verify-ca',
      sslrootcert: '/c/root.crt',
      sslcert: '/c/client.crt',
      sslkey: '/c/client.key',
      sslcrl: '/c/root.crl',
      sslcrldir: '/c/crl',
      sslpassword: 's3cret',
      sslcertmode: 'allow',
      sslnegotiation: 'postgres',
      sslMinProtocolVersion: 'TLSv1.3',
      sslMaxProtocolVersion: 'TLSv1.3',
    });
  });

  it('reads the other parameters the driver honours, and user/password/dbname/host/port as query parameters', () => {
    const layer = parseDatabaseUrl(
      'postgresql:///?host=h&port=6543&user=u&dbname=d&application_name=a+b&connect_timeout=7&options=-c%20search_path%3Dx&keepalives=0&keepalives_idle=30' +
        '&channel_binding=prefer&gssencmode=disable&target_session_attrs=any&client_encoding=UTF8&fallback_application_name=f&load_balance_hosts=disable',
      'DATABASE_URL',
    );
    expect(layer).toEqual({
      host: 'h',
      port: 6543,
      user: 'u',
      database: 'd',
      // libpq decodes %-escapes only: a + stays a +.
      applicationName: 'a+b',
      connectTimeout: 7,
      options: '-c search_path=x',
      keepalives: false,
      keepalivesIdle: 30,
      channelBinding: 'prefer',
    });
  });

  it.each([
    ['requirepeer=postgres', /requirepeer=postgres is a libpq setting pgbak's driver connections cannot honour/],
    ['service=prod', /service=prod .* cannot honour: pgbak does not read pg_service.conf/],
    ['hostaddr=10.0.0.1', /hostaddr=10.0.0.1/],
    ['target_session_attrs=read-write', /target_session_attrs=read-write/],
    ['sslsni=0', /sslsni=0/],
    ['sslcertmode=require', /sslcertmode=require/],
    ['channel_binding=require', /channel_binding=require/],
    ['gssencmode=require', /gssencmode=require/],
    ['replication=database', /replication=database/],
    ['tcp_user_timeout=1000', /tcp_user_timeout=1000/],
    ['client_encoding=LATIN1', /client_encoding=LATIN1/],
  ])('refuses %s, which the driver cannot honour (exit 2, not ignored)', (param, message) => {
    const error = thrown(() => parseDatabaseUrl(`${base}?${param}`, 'DATABASE_URL'));
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(message);
  });

  it('refuses bad values, listing the valid ones', () => {
    expect(thrown(() => parseDatabaseUrl(`${base}?sslmode=verify`, 'DATABASE_URL')).message).toBe(
      'DATABASE_URL: sslmode must be one of disable, allow, prefer, require, verify-ca, verify-full, got "verify"',
    );
    expect(thrown(() => parseDatabaseUrl(`${base}?ssl_min_protocol_version=SSLv3`, 'DATABASE_URL')).message).toMatch(/TLSv1, TLSv1\.1, TLSv1\.2, TLSv1\.3/);
  });

  it('never shows an sslpassword, even in a malformed URL', () => {
    const error = thrown(() => parseDatabaseUrl(`${base}?sslpassword=abc%zz`, 'DATABASE_URL'));
    expect(error.message).not.toContain('abc');
    const missing = thrown(() => parseDatabaseUrl(`${base}?sslpasswordabc`, 'DATABASE_URL'));
    expect(missing.message).not.toContain('abc');
  });
});

describe('PG* variables for libpq TLS settings', () => {
  it('reads PGSSLCRL, PGSSLCRLDIR and the protocol bounds (they were ignored)', async () => {
    const connection = await resolveConnection({
      env: { PGSSLCRL: '/c/root.crl', PGSSLCRLDIR: '/c/crl', PGSSLMINPROTOCOLVERSION: 'TLSv1.3', PGSSLCERTMODE: 'disable', HOME: '/home/u' },
    });
    expect(connection).toMatchObject({ sslcrl: '/c/root.crl', sslcrldir: '/c/crl', sslMinProtocolVersion: 'TLSv1.3', sslcertmode: 'disable', postgresqlDir: '/home/u/.postgresql' });
  });

  it('takes sslcrl and sslcrldir from a profile\'s connection too', async () => {
    const connection = await resolveConnection({ env: {}, profile: { sslcrl: '/p/root.crl', sslcrldir: '/p/crl' } });
    expect(connection).toMatchObject({ sslcrl: '/p/root.crl', sslcrldir: '/p/crl', origin: { sslcrl: 'profile', sslcrldir: 'profile' } });
  });

  it('refuses PGSERVICE and PGREQUIREPEER, which pg_dump would honour and the driver cannot', async () => {
    expect((await rejection(() => resolveConnection({ env: { PGSERVICE: 'prod' } }))).message).toMatch(/^PGSERVICE: service=prod/);
    expect((await rejection(() => resolveConnection({ env: { PGREQUIREPEER: 'postgres' } }))).exitCode).toBe(2);
  });

  it('refuses sslrootcert=system with a weaker sslmode, and makes verify-full its default (libpq 16)', async () => {
    const error = await rejection(() => resolveConnection({ env: { DATABASE_URL: `${base}?sslrootcert=system&sslmode=require` } }));
    expect(error.message).toMatch(/weak sslmode "require" .* may not be used with sslrootcert=system \(use "verify-full"\)/);
    await expect(resolveConnection({ env: { DATABASE_URL: `${base}?sslrootcert=system` } })).resolves.toMatchObject({ sslrootcert: 'system' });
  });

  it('refuses sslnegotiation=direct below sslmode=require (libpq 17)', async () => {
    const error = await rejection(() => resolveConnection({ env: { DATABASE_URL: `${base}?sslnegotiation=direct` } }));
    expect(error.message).toMatch(/weak sslmode "prefer" may not be used with sslnegotiation=direct/);
  });
});

describe('the client tools get the TLS settings the driver used', () => {
  it('passes DATABASE_URL TLS parameters to pg_dump/psql as PGSSL* variables (a URL parameter reaches pg_dump too)', async () => {
    const connection = await resolveConnection({
      env: {
        DATABASE_URL: `${base}?sslmode=verify-full&sslrootcert=/c/root.crt&sslcert=/c/client.crt&sslkey=/c/client.key&sslcrl=/c/root.crl&sslcrldir=/c/crl` +
          '&ssl_min_protocol_version=TLSv1.3&sslcertmode=disable&connect_timeout=5&options=-c%20x%3D1',
      },
    });
    expect(childEnv(connection)).toEqual({
      PGAPPNAME: 'pgbak',
      LC_MESSAGES: 'C',
      PGCONNECT_TIMEOUT: '5',
      PGSSLMODE: 'verify-full',
      PGSSLROOTCERT: '/c/root.crt',
      PGSSLCERT: '/c/client.crt',
      PGSSLKEY: '/c/client.key',
      PGSSLCRL: '/c/root.crl',
      PGSSLCRLDIR: '/c/crl',
      PGSSLMINPROTOCOLVERSION: 'TLSv1.3',
      PGSSLCERTMODE: 'disable',
      PGOPTIONS: '-c x=1',
    });
  });

  it('keeps an sslpassword out of what plan shows and out of the child environment', async () => {
    const connection = await resolveConnection({ env: { DATABASE_URL: `${base}?sslpassword=s3cret&sslkey=/c/k` } });
    expect(JSON.stringify(shownEnv(connection))).not.toContain('s3cret');
    expect(JSON.stringify(childEnv(connection))).not.toContain('s3cret');
    const env = await withSslPasswordFiles(async () => {
      const secret = secretEnv(connection);
      expect(JSON.stringify(secret)).not.toContain('s3cret');
      // The pass phrase reaches the tools through a 0600 service file that exists while the operation runs.
      expect(readFileSync(secret.PGSERVICEFILE!, 'utf8')).toContain('sslpassword=s3cret');
      expect(statSync(secret.PGSERVICEFILE!).mode & 0o777).toBe(0o600);
      return secret;
    });
    expect(existsSync(env.PGSERVICEFILE!)).toBe(false);
  });
});
