import { userInfo } from 'node:os';
import { inspect } from 'node:util';
import { toPublicConnection } from '../../../lib/config/connection-types.js';
import { resolveConnection } from '../../../lib/config/resolve-connection.js';
import { createTempDir, rejection, type TempDir } from './support.js';

const osUser = (() => {
  try {
    return userInfo().username;
  } catch {
    return 'postgres';
  }
})();

describe('resolveConnection', () => {
  let dir: TempDir;
  beforeEach(async () => {
    dir = await createTempDir();
  });
  afterEach(async () => {
    await dir.remove();
  });

  describe('defaults', () => {
    it('falls back to libpq defaults: port 5432, the OS user, a database named like the user, application pgbak', async () => {
      const connection = await resolveConnection({ env: {} });
      expect(connection.port).toBe(5432);
      expect(connection.user).toBe(osUser);
      expect(connection.database).toBe(osUser);
      expect(connection.applicationName).toBe('pgbak');
      expect(connection.password).toBeUndefined();
      expect(connection.sslmode).toBeUndefined();
      expect(connection.passfile).toBeUndefined();
      expect(connection.origin).toEqual({});
    });

    it('uses the Unix socket folder or localhost as the default host', async () => {
      const connection = await resolveConnection({ env: {} });
      expect(['/var/run/postgresql', '/tmp', 'localhost']).toContain(connection.host);
    });

    it('names the database after the resolved user when only the user is set', async () => {
      const connection = await resolveConnection({ env: { PGUSER: 'alice' } });
      expect(connection.database).toBe('alice');
    });

    it('returns a frozen object with a frozen origin', async () => {
      const connection = await resolveConnection({ env: { PGHOST: 'db' } });
      expect(Object.isFrozen(connection)).toBe(true);
      expect(Object.isFrozen(connection.origin)).toBe(true);
    });
  });

  describe('PG* environment', () => {
    it('reads every libpq variable it supports and records the origin', async () => {
      const connection = await resolveConnection({
        env: {
          PGHOST: 'db.internal',
          PGPORT: '6543',
          PGUSER: 'backup',
          PGDATABASE: 'app',
          PGPASSWORD: 'env-secret',
          PGSSLMODE: 'verify-full',
          PGSSLROOTCERT: '/certs/root.crt',
          PGSSLCERT: '/certs/client.crt',
          PGSSLKEY: '/certs/client.key',
          PGAPPNAME: 'nightly',
          PGPASSFILE: '/secrets/pgpass',
        },
      });
      expect(connection).toMatchObject({
        host: 'db.internal',
        port: 6543,
        user: 'backup',
        database: 'app',
        sslmode: 'verify-full',
        sslrootcert: '/certs/root.crt',
        sslcert: '/certs/client.crt',
        sslkey: '/certs/client.key',
        applicationName: 'nightly',
        passfile: '/secrets/pgpass',
      });
      expect(connection.password?.reveal()).toBe('env-secret');
      expect(connection.origin).toEqual({
        host: 'PG* environment',
        port: 'PG* environment',
        user: 'PG* environment',
        database: 'PG* environment',
        password: 'PG* environment',
        sslmode: 'PG* environment',
        sslrootcert: 'PG* environment',
        sslcert: 'PG* environment',
        sslkey: 'PG* environment',
        applicationName: 'PG* environment',
      });
    });

    it('ignores variables set to the empty string', async () => {
      const connection = await resolveConnection({ env: { PGHOST: '', PGPORT: '', PGPASSWORD: '' } });
      expect(connection.port).toBe(5432);
      expect(connection.password).toBeUndefined();
      expect(connection.origin).toEqual({});
    });

    it('refuses a PGPORT that is not a port, naming the variable', async () => {
      for (const bad of ['abc', '0', '65536', '54.32']) {
        const error = await rejection(() => resolveConnection({ env: { PGPORT: bad } }));
        expect(error.code).toBe('CONFIG_INVALID');
        expect(error.message).toContain('PGPORT');
        expect(error.message).toContain(bad);
      }
    });

    it('refuses an unknown PGSSLMODE, listing the valid ones', async () => {
      const error = await rejection(() => resolveConnection({ env: { PGSSLMODE: 'sometimes' } }));
      expect(error.code).toBe('CONFIG_INVALID');
      expect(error.message).toMatch(/PGSSLMODE: sslmode must be one of disable, allow, prefer, require, verify-ca, verify-full/);
    });
  });

  describe('precedence', () => {
    const env = {
      PGHOST: 'env-host',
      PGPORT: '5001',
      PGUSER: 'env-user',
      PGDATABASE: 'env-db',
      PGPASSWORD: 'env-password',
      PGSSLMODE: 'disable',
    };

    it('lets DATABASE_URL override the PG* variables field by field', async () => {
      const connection = await resolveConnection({
        env: { ...env, DATABASE_URL: 'postgres://url-user:url-password@url-host:5002/url-db' },
      });
      expect(connection).toMatchObject({ host: 'url-host', port: 5002, user: 'url-user', database: 'url-db', sslmode: 'disable' });
      expect(connection.password?.reveal()).toBe('url-password');
      expect(connection.origin).toMatchObject({
        host: 'DATABASE_URL',
        port: 'DATABASE_URL',
        user: 'DATABASE_URL',
        database: 'DATABASE_URL',
        password: 'DATABASE_URL',
        sslmode: 'PG* environment',
      });
    });

    it('keeps PG* values for fields DATABASE_URL leaves out', async () => {
      const connection = await resolveConnection({ env: { ...env, DATABASE_URL: 'postgresql://url-host/url-db' } });
      expect(connection).toMatchObject({ host: 'url-host', port: 5001, user: 'env-user', database: 'url-db' });
      expect(connection.password?.reveal()).toBe('env-password');
      expect(connection.origin.user).toBe('PG* environment');
      expect(connection.origin.password).toBe('PG* environment');
    });

    it('lets PGBAK_PASSWORD_FILE override the password from DATABASE_URL and PGPASSWORD', async () => {
      const file = await dir.write('password', 'file-password\n');
      const connection = await resolveConnection({
        env: { ...env, DATABASE_URL: 'postgres://u:url-password@h/db', PGBAK_PASSWORD_FILE: file },
      });
      expect(connection.password?.reveal()).toBe('file-password');
      expect(connection.origin.password).toBe('PGBAK_PASSWORD_FILE');
    });

    it('lets the profile connection override DATABASE_URL and PGBAK_PASSWORD_FILE', async () => {
      const envFile = await dir.write('env-password', 'from-env-file');
      const profileFile = await dir.write('profile-password', 'from-profile-file');
      const connection = await resolveConnection({
        env: { ...env, DATABASE_URL: 'postgres://u:url-password@url-host:5002/url-db', PGBAK_PASSWORD_FILE: envFile },
        profile: { host: 'profile-host', port: 5003, database: 'profile-db', sslmode: 'require', passwordFile: profileFile },
      });
      expect(connection).toMatchObject({ host: 'profile-host', port: 5003, user: 'u', database: 'profile-db', sslmode: 'require' });
      expect(connection.password?.reveal()).toBe('from-profile-file');
      expect(connection.origin).toMatchObject({
        host: 'profile',
        port: 'profile',
        user: 'DATABASE_URL',
        database: 'profile',
        sslmode: 'profile',
        password: 'profile',
      });
    });

    it('lets command-line flags override everything, recording the flag name', async () => {
      const connection = await resolveConnection({
        env: { ...env, DATABASE_URL: 'postgres://u@url-host:5002/url-db' },
        profile: { host: 'profile-host', port: 5003, user: 'profile-user', database: 'profile-db' },
        flags: { host: 'flag-host', port: 5004, user: 'flag-user', database: 'flag-db' },
      });
      expect(connection).toMatchObject({ host: 'flag-host', port: 5004, user: 'flag-user', database: 'flag-db' });
      expect(connection.origin).toMatchObject({ host: '--host', port: '--port', user: '--user', database: '--database' });
      expect(connection.password?.reveal()).toBe('env-password');
      expect(connection.origin.password).toBe('PG* environment');
    });

    it('ignores flags and profile fields that are undefined or empty', async () => {
      const connection = await resolveConnection({
        env,
        profile: { host: undefined, user: '' },
        flags: { host: undefined, port: undefined, user: '', database: undefined },
      });
      expect(connection).toMatchObject({ host: 'env-host', port: 5001, user: 'env-user', database: 'env-db' });
      expect(connection.origin.host).toBe('PG* environment');
    });
  });

  describe('DATABASE_URL', () => {
    const resolveUrl = (url: string) => resolveConnection({ env: { DATABASE_URL: url } });

    it('decodes percent-encoded user, password and database', async () => {
      const connection = await resolveUrl('postgres://us%40er:p%40ss%3Aw%2Ford%20x@db.example.com:5433/my%20db');
      expect(connection.user).toBe('us@er');
      expect(connection.password?.reveal()).toBe('p@ss:w/ord x');
      expect(connection.database).toBe('my db');
      expect(connection.host).toBe('db.example.com');
      expect(connection.port).toBe(5433);
    });

    it('reads sslmode, certificates and application_name from the query string', async () => {
      const connection = await resolveUrl(
        'postgresql://u@h/db?sslmode=verify-ca&sslrootcert=/r.crt&sslcert=/c.crt&sslkey=/c.key&application_name=cron',
      );
      expect(connection).toMatchObject({
        sslmode: 'verify-ca',
        sslrootcert: '/r.crt',
        sslcert: '/c.crt',
        sslkey: '/c.key',
        applicationName: 'cron',
      });
    });

    it('takes a Unix socket folder from ?host= and a port from ?port=', async () => {
      const connection = await resolveUrl('postgres:///app?host=/var/run/postgresql&port=5434');
      expect(connection.host).toBe('/var/run/postgresql');
      expect(connection.port).toBe(5434);
      expect(connection.database).toBe('app');
    });

    it('accepts a percent-encoded socket folder as the host', async () => {
      const connection = await resolveUrl('postgres://%2Fvar%2Frun%2Fpostgresql/app');
      expect(connection.host).toBe('/var/run/postgresql');
    });

    it('strips the brackets of an IPv6 address', async () => {
      const connection = await resolveUrl('postgres://u@[::1]:5433/db');
      expect(connection.host).toBe('::1');
      expect(connection.port).toBe(5433);
    });

    it('refuses a scheme other than postgres:// or postgresql://', async () => {
      const error = await rejection(() => resolveUrl('mysql://root:hunter2@h/db'));
      expect(error.code).toBe('CONFIG_INVALID');
      expect(error.message).toContain('DATABASE_URL');
      expect(error.message).toContain('mysql:');
      expect(error.message).not.toContain('hunter2');
      expect(error.hint).toMatch(/postgres:\/\//);
    });

    it('refuses text that is not a URL without repeating it', async () => {
      const error = await rejection(() => resolveUrl('host=h password=hunter2'));
      expect(error.code).toBe('CONFIG_INVALID');
      expect(error.message).toContain('DATABASE_URL');
      expect(error.message).not.toContain('hunter2');
    });

    it('refuses an invalid port in the authority without showing the password', async () => {
      for (const url of ['postgres://u:hunter2@h:99999/db', 'postgres://u:hunter2@h:port/db']) {
        const error = await rejection(() => resolveUrl(url));
        expect(error.code).toBe('CONFIG_INVALID');
        expect(error.message).toContain('DATABASE_URL');
        expect(error.message).not.toContain('hunter2');
      }
    });

    it('refuses an invalid ?port= or ?sslmode= without showing the password', async () => {
      for (const url of ['postgres://u:hunter2@h/db?port=0', 'postgres://u:hunter2@h/db?sslmode=maybe']) {
        const error = await rejection(() => resolveUrl(url));
        expect(error.code).toBe('CONFIG_INVALID');
        expect(error.message).toContain('DATABASE_URL');
        expect(error.message).not.toContain('hunter2');
      }
    });

    it('refuses a malformed percent-escape as a configuration error without showing the password', async () => {
      const error = await rejection(() => resolveUrl('postgres://u:hunt%zzer2@h/db'));
      expect(error.code).toBe('CONFIG_INVALID');
      expect(error.message).toContain('DATABASE_URL');
      expect(error.message).not.toContain('hunt');
    });
  });

  describe('password files', () => {
    it('reads PGBAK_PASSWORD_FILE with one trailing newline stripped', async () => {
      const file = await dir.write('pw', 'sw0rdfish\n');
      const connection = await resolveConnection({ env: { PGBAK_PASSWORD_FILE: file } });
      expect(connection.password?.reveal()).toBe('sw0rdfish');
    });

    it('strips a Windows line ending too, and keeps inner and leading spaces', async () => {
      const file = await dir.write('pw', '  two words \r\n');
      const connection = await resolveConnection({ env: { PGBAK_PASSWORD_FILE: file } });
      expect(connection.password?.reveal()).toBe('  two words ');
    });

    it('reads the profile passwordFile', async () => {
      const file = await dir.write('pw', 'from-profile');
      const connection = await resolveConnection({ env: {}, profile: { passwordFile: file } });
      expect(connection.password?.reveal()).toBe('from-profile');
      expect(connection.origin.password).toBe('profile');
    });

    it('refuses a missing PGBAK_PASSWORD_FILE with CONFIG_INVALID naming the variable and the path', async () => {
      const missing = `${dir.path}/nope`;
      const error = await rejection(() => resolveConnection({ env: { PGBAK_PASSWORD_FILE: missing } }));
      expect(error.code).toBe('CONFIG_INVALID');
      expect(error.exitCode).toBe(2);
      expect(error.message).toContain('PGBAK_PASSWORD_FILE');
      expect(error.message).toContain(missing);
      expect(error.message).toContain('ENOENT');
    });

    it('refuses a missing profile passwordFile with CONFIG_INVALID', async () => {
      const error = await rejection(() => resolveConnection({ env: {}, profile: { passwordFile: `${dir.path}/nope` } }));
      expect(error.code).toBe('CONFIG_INVALID');
      expect(error.message).toContain('passwordFile');
    });
  });

  describe('the password never shows', () => {
    const password = 'correct-horse-battery-staple';

    it('is hidden from JSON.stringify, util.inspect and string conversion of the connection', async () => {
      const connection = await resolveConnection({ env: { PGPASSWORD: password, PGHOST: 'h' } });
      expect(JSON.stringify(connection)).not.toContain(password);
      expect(inspect(connection, { depth: 10 })).not.toContain(password);
      expect(String(connection.password)).toBe('***');
      expect(`${connection.password}`).toBe('***');
      expect(JSON.stringify(connection.password)).toBe('"***"');
      expect(inspect(connection.password)).toBe('Secret(***)');
    });

    it('is hidden when it came from DATABASE_URL', async () => {
      const connection = await resolveConnection({ env: { DATABASE_URL: `postgres://u:${password}@h/db` } });
      expect(JSON.stringify(connection)).not.toContain(password);
      expect(inspect(connection, { depth: 10 })).not.toContain(password);
    });

    it('is left out of the public connection', async () => {
      const connection = await resolveConnection({ env: { PGPASSWORD: password, PGSSLMODE: 'require' } });
      const pub = toPublicConnection(connection);
      expect(Object.keys(pub).sort()).toEqual(['database', 'host', 'port', 'sslmode', 'user']);
      expect(JSON.stringify(pub)).not.toContain(password);
    });
  });
});
