// libpq's sslmode rules on pgbak's driver connections, against a TLS-only
// server: for every case psql (libpq) is the oracle — pgbak's driver connection
// must connect where psql connects and refuse where psql refuses — and a few
// cases go through `pgbak run --engine native` as an operator would.
import { execa } from 'execa';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveConnection } from '../../../lib/config/resolve-connection.js';
import { connect } from '../../../lib/db/client.js';
import { PgbakError } from '../../../lib/errors.js';
import { runCli } from '../../support/cli.js';
import { getCluster } from '../../support/db.js';
import { startTlsCluster, type ServerCert, type TlsCluster } from '../../support/tls-cluster.js';

let server: TlsCluster;
let scratch: string;

beforeAll(async () => {
  server = await startTlsCluster();
  scratch = mkdtempSync(path.join(os.tmpdir(), 'pgbak-tls-home-'));
}, 180_000);
afterAll(async () => {
  await server?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** What ~/.postgresql holds for a case: file name there -> file to copy. */
type HomeFiles = Partial<Record<'root.crt' | 'root.crl' | 'postgresql.crt' | 'postgresql.key', string>>;

interface Setting {
  /** libpq keywords for the URL's query string. */
  params?: Record<string, string>;
  home?: HomeFiles;
  user?: 'postgres' | 'certuser';
  host?: string;
  password?: string;
  /** libpq variables (PGSSLCRL…) for psql and pgbak alike. */
  env?: Record<string, string>;
}

let homes = 0;
function makeHome(files: HomeFiles = {}): string {
  const home = path.join(scratch, `home${homes++}`);
  mkdirSync(path.join(home, '.postgresql'), { recursive: true });
  for (const [name, from] of Object.entries(files)) {
    const to = path.join(home, '.postgresql', name);
    copyFileSync(from, to);
    chmodSync(to, 0o600);
  }
  return home;
}

function urlOf(setting: Setting): string {
  const user = setting.user === 'certuser' ? server.certUser : server.user;
  const query = new URLSearchParams(setting.params ?? {}).toString().replace(/\+/g, '%20');
  return `postgresql://${user}@${setting.host ?? '127.0.0.1'}:${server.port}/postgres${query ? `?${query}` : ''}`;
}

function envOf(setting: Setting, home: string): Record<string, string> {
  return { HOME: home, PGPASSWORD: setting.password ?? server.password, PGCONNECT_TIMEOUT: '10', ...setting.env };
}

/** psql's verdict: did libpq connect with these settings? */
async function psqlConnects(setting: Setting, home: string): Promise<{ ok: boolean; stderr: string }> {
  const result = await execa('psql', ['-X', '-w', '-A', '-t', '-c', 'select 1', urlOf(setting)], {
    env: { PATH: process.env.PATH ?? '', LC_MESSAGES: 'C', ...envOf(setting, home) },
    extendEnv: false,
    reject: false,
    stdin: 'ignore',
    timeout: 30_000,
  });
  return { ok: result.exitCode === 0, stderr: String(result.stderr) };
}

/** pgbak's driver connection with the same settings: connected, or the PgbakError. */
async function pgbakConnects(setting: Setting, home: string): Promise<{ ok: true } | { ok: false; error: PgbakError }> {
  try {
    const connection = await resolveConnection({ env: { ...envOf(setting, home), DATABASE_URL: urlOf(setting) } });
    const client = await connect(connection);
    await client.query('select 1');
    await client.end();
    return { ok: true };
  } catch (error) {
    if (!(error instanceof PgbakError)) throw error;
    return { ok: false, error };
  }
}

/** Asserts that psql and pgbak agree; returns pgbak's error when both refused. */
async function agree(setting: Setting, expected: 'connects' | 'refuses'): Promise<PgbakError | undefined> {
  const home = makeHome(setting.home);
  const [psql, ours] = [await psqlConnects(setting, home), await pgbakConnects(setting, home)];
  expect({ psql: psql.ok ? 'connects' : `refuses: ${psql.stderr.trim()}` }).toEqual({ psql: expected === 'connects' ? 'connects' : expect.stringMatching(/^refuses/) });
  expect({ pgbak: ours.ok ? 'connects' : `refuses: ${ours.error.code} ${ours.error.message}` }).toEqual({
    pgbak: expected === 'connects' ? 'connects' : expect.stringMatching(/^refuses/),
  });
  return ours.ok ? undefined : ours.error;
}

function withCert(cert: ServerCert, fn: () => void): void {
  describe(`server presenting its ${cert} certificate`, () => {
    beforeAll(() => server.useServerCert(cert));
    fn();
  });
}

describe('libpq sslmode rules on a TLS-only server (psql is the oracle)', () => {
  withCert('ip', () => {
    it('require without any root certificate encrypts without checking', async () => {
      await agree({ params: { sslmode: 'require' } }, 'connects');
    });

    it('prefer and allow reach a TLS-only server', async () => {
      await agree({ params: { sslmode: 'prefer' } }, 'connects');
      await agree({ params: { sslmode: 'allow' } }, 'connects');
    });

    it('prefer with a wrong password reports the password, not the plain retry\'s "no encryption"', async () => {
      const error = await agree({ params: { sslmode: 'prefer' }, password: 'wrong' }, 'refuses');
      expect(error?.code).toBe('AUTH_FAILED');
      expect(error?.message).toMatch(/password authentication failed/);
    });

    it('disable is refused by a hostssl-only server', async () => {
      const error = await agree({ params: { sslmode: 'disable' } }, 'refuses');
      expect(error?.code).toBe('AUTH_FAILED');
    });

    it('require with a wrong CA in ~/.postgresql/root.crt checks the chain and refuses (root.crt makes require verify-ca)', async () => {
      const error = await agree({ params: { sslmode: 'require' }, home: { 'root.crt': server.files.otherCa } }, 'refuses');
      expect(error?.code).toBe('TLS_FAILED');
      expect(error?.exitCode).toBe(2);
      expect(error?.message).toMatch(/certificate verify failed/);
      expect(error?.hint).toMatch(/root certificate makes libpq check the chain even with sslmode=require/);
    });

    it('prefer with a wrong CA in ~/.postgresql/root.crt refuses too (the plain retry meets hostssl)', async () => {
      const error = await agree({ params: { sslmode: 'prefer' }, home: { 'root.crt': server.files.otherCa } }, 'refuses');
      expect(error?.code).toBe('TLS_FAILED');
    });

    it('require with a wrong sslrootcert refuses', async () => {
      await agree({ params: { sslmode: 'require', sslrootcert: server.files.otherCa } }, 'refuses');
    });

    it('verify-full with the right CA connects by IP address (IP SAN)', async () => {
      await agree({ params: { sslmode: 'verify-full', sslrootcert: server.files.ca } }, 'connects');
      await agree({ params: { sslmode: 'verify-full' }, home: { 'root.crt': server.files.ca } }, 'connects');
    });

    it('verify-ca without any root certificate refuses: root certificate file does not exist (no trust store)', async () => {
      const error = await agree({ params: { sslmode: 'verify-ca' } }, 'refuses');
      expect(error?.code).toBe('TLS_FAILED');
      expect(error?.message).toMatch(/root certificate file ".*\/\.postgresql\/root\.crt" does not exist/);
      expect(error?.hint).toMatch(/sslrootcert=system/);
    });

    it('verify-full with a missing sslrootcert file says so (not "no Unix socket there")', async () => {
      const missing = path.join(scratch, 'no-such-ca.crt');
      const error = await agree({ params: { sslmode: 'verify-full', sslrootcert: missing } }, 'refuses');
      expect(error?.code).toBe('TLS_FAILED');
      expect(error?.message).toContain(`root certificate file "${missing}" does not exist`);
      expect(error?.message).not.toMatch(/Unix socket/);
    });

    it('require with a missing sslrootcert file encrypts without checking, as libpq', async () => {
      await agree({ params: { sslmode: 'require', sslrootcert: path.join(scratch, 'no-such-ca.crt') } }, 'connects');
    });

    it('a CRL that does not list the server certificate lets verify-full connect', async () => {
      await agree({ params: { sslmode: 'verify-full', sslrootcert: server.files.ca, sslcrl: server.files.crl } }, 'connects');
    });
  });

  withCert('name', () => {
    it('verify-full refuses a certificate without the host name or IP', async () => {
      const error = await agree({ params: { sslmode: 'verify-full', sslrootcert: server.files.ca } }, 'refuses');
      expect(error?.code).toBe('TLS_FAILED');
      expect(error?.message).toMatch(/does not match host name "127\.0\.0\.1"/);
    });

    it('verify-ca checks the chain, not the host name', async () => {
      await agree({ params: { sslmode: 'verify-ca', sslrootcert: server.files.ca } }, 'connects');
    });

    it('require with a root certificate checks like verify-ca: chain yes, host name no', async () => {
      await agree({ params: { sslmode: 'require' }, home: { 'root.crt': server.files.ca } }, 'connects');
      await agree({ params: { sslmode: 'require', sslrootcert: server.files.ca } }, 'connects');
    });
  });

  withCert('revoked', () => {
    it('sslcrl: a revoked server certificate is refused', async () => {
      const error = await agree({ params: { sslmode: 'verify-full', sslrootcert: server.files.ca, sslcrl: server.files.crl } }, 'refuses');
      expect(error?.code).toBe('TLS_FAILED');
      expect(error?.message).toMatch(/revoked/);
    });

    it('require with a root certificate applies the CRL too', async () => {
      await agree({ params: { sslmode: 'require', sslrootcert: server.files.ca, sslcrl: server.files.crl } }, 'refuses');
    });

    it('~/.postgresql/root.crl is read by default', async () => {
      await agree({ params: { sslmode: 'verify-ca' }, home: { 'root.crt': server.files.ca, 'root.crl': server.files.crl } }, 'refuses');
    });

    it('PGSSLCRL and PGSSLROOTCERT in the environment (the CRL was ignored)', async () => {
      await agree({ params: { sslmode: 'verify-full' }, env: { PGSSLROOTCERT: server.files.ca, PGSSLCRL: server.files.crl } }, 'refuses');
    });

    it('sslcrldir: a hashed CRL folder', async () => {
      await agree({ params: { sslmode: 'verify-ca', sslrootcert: server.files.ca, sslcrldir: server.files.crlDir } }, 'refuses');
    });

    it('without a CRL the revoked certificate still verifies (libpq does not require one)', async () => {
      await agree({ params: { sslmode: 'verify-full', sslrootcert: server.files.ca } }, 'connects');
    });
  });

  withCert('ip', () => {
    describe('client certificates (certuser: trust clientcert=verify-ca)', () => {
      it('without a client certificate the server refuses', async () => {
        await agree({ user: 'certuser', params: { sslmode: 'require' } }, 'refuses');
      });

      it('sslcert and sslkey are sent', async () => {
        await agree({ user: 'certuser', params: { sslmode: 'require', sslcert: server.files.clientCert, sslkey: server.files.clientKey } }, 'connects');
      });

      it('sslcert and sslkey are sent in prefer and allow mode too', async () => {
        await agree({ user: 'certuser', params: { sslmode: 'prefer', sslcert: server.files.clientCert, sslkey: server.files.clientKey } }, 'connects');
        await agree({ user: 'certuser', params: { sslmode: 'allow', sslcert: server.files.clientCert, sslkey: server.files.clientKey } }, 'connects');
      });

      it('~/.postgresql/postgresql.crt and postgresql.key are sent by default', async () => {
        await agree({ user: 'certuser', params: { sslmode: 'require' }, home: { 'postgresql.crt': server.files.clientCert, 'postgresql.key': server.files.clientKey } }, 'connects');
      });

      it('sslcertmode=disable sends no certificate', async () => {
        // psql 15 does not know sslcertmode (libpq 16): pgbak alone.
        const home = makeHome({ 'postgresql.crt': server.files.clientCert, 'postgresql.key': server.files.clientKey });
        const ours = await pgbakConnects({ user: 'certuser', params: { sslmode: 'require', sslcertmode: 'disable' } }, home);
        expect(ours.ok).toBe(false);
      });

      it('a key file readable by group or others is refused', async () => {
        const key = path.join(scratch, 'loose.key');
        copyFileSync(server.files.clientKey, key);
        chmodSync(key, 0o644);
        const error = await agree({ user: 'certuser', params: { sslmode: 'require', sslcert: server.files.clientCert, sslkey: key } }, 'refuses');
        expect(error?.code).toBe('TLS_FAILED');
        expect(error?.message).toContain(`private key file "${key}" has group or world access; file must have permissions u=rw (0600) or less if owned by the current user, or permissions u=rw,g=r (0640) or less if owned by root`);
      });

      it('an encrypted key works with sslpassword, and a wrong one is refused without showing it', async () => {
        const params = { sslmode: 'require', sslcert: server.files.clientCert, sslkey: server.files.clientKeyEncrypted };
        await agree({ user: 'certuser', params: { ...params, sslpassword: server.files.clientKeyPassword } }, 'connects');
        const error = await agree({ user: 'certuser', params: { ...params, sslpassword: 'not-the-pass-phrase' } }, 'refuses');
        expect(error?.code).toBe('TLS_FAILED');
        expect(`${error?.message} ${error?.hint}`).not.toContain('not-the-pass-phrase');
      });

      it('an encrypted key without sslpassword is refused with a message that says so', async () => {
        const home = makeHome();
        const ours = await pgbakConnects({ user: 'certuser', params: { sslmode: 'require', sslcert: server.files.clientCert, sslkey: server.files.clientKeyEncrypted } }, home);
        expect(ours.ok).toBe(false);
        if (!ours.ok) expect(ours.error.message).toMatch(/is encrypted and no sslpassword was given/);
      });
    });
  });
});

describe('pgbak run --engine native over TLS', () => {
  let out: string;
  beforeAll(async () => {
    await server.useServerCert('ip');
    out = mkdtempSync(path.join(scratch, 'out-'));
  });

  const run = (url: string, home: string) =>
    runCli(['run', 'schema-only', '--engine', 'native', '--json', '-o', out], { env: { HOME: home, PGPASSWORD: server.password, DATABASE_URL: url } });

  it('backs up with verify-full and the CA in ~/.postgresql/root.crt', async () => {
    const result = await run(urlOf({ params: { sslmode: 'verify-full' } }), makeHome({ 'root.crt': server.files.ca }));
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true });
  });

  it('refuses (exit 2, TLS_FAILED) require with a wrong CA in ~/.postgresql/root.crt, and writes no backup', async () => {
    const zips = () => readdirSync(out).filter((name) => name.endsWith('.zip')).length;
    const before = zips();
    const result = await run(urlOf({ params: { sslmode: 'require' } }), makeHome({ 'root.crt': server.files.otherCa }));
    expect(result.exitCode).toBe(2);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: false, error: { code: 'TLS_FAILED' } });
    expect(result.stderr).not.toMatch(/check that the server runs/);
    expect(zips()).toBe(before);
  });

  it('refuses verify-full without a root certificate even when NODE_EXTRA_CA_CERTS trusts the CA (no Node trust store)', async () => {
    const result = await runCli(['run', 'schema-only', '--engine', 'native', '-o', out], {
      env: { HOME: makeHome(), PGPASSWORD: server.password, NODE_EXTRA_CA_CERTS: server.files.ca, DATABASE_URL: urlOf({ params: { sslmode: 'verify-full' } }) },
    });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/root certificate file ".*root\.crt" does not exist/);
  });

  it('refuses (exit 2) a revoked server certificate given sslcrl in DATABASE_URL', async () => {
    await server.useServerCert('revoked');
    try {
      const result = await run(urlOf({ params: { sslmode: 'verify-full', sslrootcert: server.files.ca, sslcrl: server.files.crl } }), makeHome());
      expect(result.exitCode).toBe(2);
      expect(result.stderr).toMatch(/revoked/);
    } finally {
      await server.useServerCert('ip');
    }
  });

  it('passes sslpassword to pg_dump too: an encrypted client key with --engine pg_dump', async () => {
    const url = urlOf({
      user: 'certuser',
      params: { sslmode: 'verify-full', sslrootcert: server.files.ca, sslcert: server.files.clientCert, sslkey: server.files.clientKeyEncrypted, sslpassword: server.files.clientKeyPassword },
    });
    const result = await runCli(['run', 'schema-only', '--engine', 'pg_dump', '--json', '-o', out], { env: { HOME: makeHome(), DATABASE_URL: url } });
    expect(result.stderr).not.toContain(server.files.clientKeyPassword);
    expect(result.stdout).not.toContain(server.files.clientKeyPassword);
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ ok: true });
    // No key material in the run logs either: neither the pass phrase nor a key.
    const logs = readdirSync(out).filter((name) => name.endsWith('.log'));
    expect(logs.length).toBeGreaterThan(0);
    for (const log of logs) {
      const text = readFileSync(path.join(out, log), 'utf8');
      expect(text).not.toContain(server.files.clientKeyPassword);
      expect(text).not.toMatch(/PRIVATE KEY/);
    }
  });

  it('refuses an unknown DATABASE_URL parameter (exit 2, naming it), as libpq does', async () => {
    const url = `${urlOf({})}?sslmodee=require`;
    const home = makeHome();
    const psql = await execa('psql', ['-X', '-w', '-c', 'select 1', url], { env: { PATH: process.env.PATH ?? '', HOME: home, LC_MESSAGES: 'C' }, extendEnv: false, reject: false, stdin: 'ignore' });
    expect(psql.exitCode).not.toBe(0);
    expect(String(psql.stderr)).toMatch(/invalid URI query parameter: "sslmodee"/);
    const result = await run(url, home);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/invalid URI query parameter "sslmodee"/);
  });
});

describe('?ssl=true against a server without TLS (the shared plain-TCP cluster)', () => {
  it('is sslmode=require: psql refuses, and so does pgbak (exit 2) instead of backing up in the clear', async () => {
    const cluster = getCluster(15);
    const url = `postgresql://${cluster.user}@${cluster.host}:${cluster.port}/postgres?ssl=true`;
    const home = makeHome();
    const env = { HOME: home, PGPASSWORD: cluster.password };
    const psql = await execa('psql', ['-X', '-w', '-c', 'select 1', url], { env: { PATH: process.env.PATH ?? '', LC_MESSAGES: 'C', ...env }, extendEnv: false, reject: false, stdin: 'ignore' });
    expect(String(psql.stderr)).toMatch(/server does not support SSL, but SSL was required/);
    const out = mkdtempSync(path.join(scratch, 'plain-'));
    const result = await runCli(['run', 'schema-only', '--engine', 'native', '-o', out], { env: { ...env, DATABASE_URL: url } });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/server does not support SSL, but SSL was required/);
    expect(readdirSync(out).filter((name) => name.endsWith('.zip'))).toEqual([]);
  });
});

describe('sslrootcert=system (libpq 16: the system\'s trusted roots, verify-full)', () => {
  // psql 15 reads "system" as a file name: no oracle here, libpq 16's documented rules instead.
  beforeAll(() => server.useServerCert('ip'));

  it('verifies against SSL_CERT_FILE, OpenSSL\'s override of the system bundle', async () => {
    const connection = await resolveConnection({
      env: { HOME: makeHome(), PGPASSWORD: server.password, SSL_CERT_FILE: server.files.ca, DATABASE_URL: urlOf({ params: { sslrootcert: 'system' } }) },
    });
    const client = await connect(connection);
    await client.end();
  });

  it('refuses a server whose CA the system does not trust', async () => {
    const connection = await resolveConnection({
      env: { HOME: makeHome(), PGPASSWORD: server.password, SSL_CERT_FILE: server.files.otherCa, DATABASE_URL: urlOf({ params: { sslrootcert: 'system' } }) },
    });
    await expect(connect(connection)).rejects.toMatchObject({ code: 'TLS_FAILED' });
  });

  // pg_dump 15 connected after the driver had, then failed reading "system" as a file (exit 1).
  it('refuses --engine pg_dump with exit 2 before pg_dump runs when pg_dump is older than 16; engine auto backs up natively', async () => {
    const installed = await execa('pg_dump', ['--version'], { reject: false });
    const major = Number(/(\d+)/.exec(String(installed.stdout))?.[1] ?? 0);
    if (installed.exitCode !== 0 || major >= 16) {
      console.log(`skipped: needs pg_dump older than 16 on PATH (found: ${String(installed.stdout) || 'none'})`);
      return;
    }
    const env = { HOME: makeHome(), PGPASSWORD: server.password, SSL_CERT_FILE: server.files.ca, DATABASE_URL: urlOf({ params: { sslrootcert: 'system' } }) };
    const refusedOut = mkdtempSync(path.join(scratch, 'system-pgdump-'));
    const refused = await runCli(['run', 'schema-only', '--engine', 'pg_dump', '-o', refusedOut], { env });
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toMatch(/sslrootcert=system \(the system trust store\) needs client tools 16 or newer; no pg_dump here is: found .*pg_dump \(15\./);
    expect(refused.stderr).not.toMatch(/pg_dump exited/);
    expect(readdirSync(refusedOut).filter((name) => name.endsWith('.zip'))).toEqual([]);

    const autoOut = mkdtempSync(path.join(scratch, 'system-auto-'));
    const auto = await runCli(['run', 'schema-only', '-o', autoOut], { env });
    expect(auto.exitCode).toBe(0);
    expect(auto.stderr).toMatch(/native engine instead of pg_dump: no usable pg_dump: sslrootcert=system/);
    expect(readdirSync(autoOut).filter((name) => name.endsWith('.zip'))).toHaveLength(1);
  });
});
